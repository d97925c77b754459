// Our C++ client (lh_interop_client, built on lh::mcp::Client) drives servers written with the
// official TypeScript SDK: ts-server.mjs (paginated tools/list, progress, cancellation) and
// @modelcontextprotocol/server-everything, each over stdio and over Streamable HTTP. The same
// checks also run against our own lh_interop_server.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { Child, builtProgram, freePort, nodeBinary, runToCompletion, startHttpServer, waitForPort } from './harness.mjs';
import { packageFile } from './sdk.mjs';

const client = builtProgram('interop', 'lh_interop_client');
const ourServer = builtProgram('interop', 'lh_interop_server');
const tsServer = fileURLToPath(new URL('./ts-server.mjs', import.meta.url));
const everything = packageFile('@modelcontextprotocol/server-everything', 'dist/index.js');

// Runs lh_interop_client with `args` and fails the test with its output unless it exits 0.
async function expectClientPasses(args) {
  const run = await runToCompletion(client, args, 120000);
  const output = `${run.stdout}\n--- stderr ---\n${run.stderr.split('\n').slice(-30).join('\n')}`;
  assert.equal(run.timedOut, false, `lh_interop_client did not finish within 120 s:\n${output}`);
  assert.equal(run.code, 0, `lh_interop_client exited with ${run.code ?? run.signal}:\n${output}`);
  assert.match(run.stdout, /^\d+ passed, 0 failed$/m, output);
}

async function withHttpServer(start, body) {
  const { child, url } = await start();
  try {
    await body(url);
  } finally {
    await child.stop();
  }
}

describe('lh::mcp::Client -> TypeScript SDK servers', { timeout: 300000 }, () => {
  test('ts-server.mjs over stdio', async () => {
    await expectClientPasses(['--kind', 'interop', '--expect-pages', '3', '--', nodeBinary, tsServer, 'stdio', '--page-size', '2']);
  });

  test('ts-server.mjs over streamable HTTP', async () => {
    await withHttpServer(
      () => startHttpServer(nodeBinary, [tsServer, 'http', '--page-size', '2']),
      (url) => expectClientPasses(['--kind', 'interop', '--expect-pages', '3', '--url', url]),
    );
  });

  test('server-everything over stdio', async () => {
    await expectClientPasses(['--kind', 'everything', '--', nodeBinary, everything, 'stdio']);
  });

  test('server-everything over streamable HTTP', async () => {
    const port = await freePort();
    const server = new Child(nodeBinary, [everything, 'streamableHttp'], { env: { ...process.env, PORT: String(port) } });
    try {
      await waitForPort(port, server);
      await expectClientPasses(['--kind', 'everything', '--url', `http://127.0.0.1:${port}/mcp`]);
    } finally {
      await server.stop();
    }
  });
});

describe('lh::mcp::Client -> lh_interop_server', { timeout: 300000 }, () => {
  test('over stdio', async () => {
    await expectClientPasses(['--kind', 'interop', '--expect-pages', '3', '--', ourServer, '--stdio', '--page-size', '2']);
  });

  test('over streamable HTTP', async () => {
    await withHttpServer(
      () => startHttpServer(ourServer, ['--page-size', '2']),
      (url) => expectClientPasses(['--kind', 'interop', '--expect-pages', '3', '--url', url]),
    );
  });
});
