// Loads the official TypeScript SDK (and other pinned tools) from tests/node/node_modules, so the
// test scripts here need no node_modules of their own.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const nodeToolsDir = fileURLToPath(new URL('../node/', import.meta.url));
const requireFromTools = createRequire(path.join(nodeToolsDir, 'package.json'));

// sdk('client/index.js') -> the module's exports (CommonJS build: one copy of every class).
export function sdk(subpath) {
  return requireFromTools(`@modelcontextprotocol/sdk/${subpath}`);
}

// Absolute path of a file inside an installed package.
export function packageFile(packageName, file) {
  return path.join(path.dirname(requireFromTools.resolve(`${packageName}/package.json`)), file);
}
