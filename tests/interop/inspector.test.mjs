// The official MCP Inspector's CLI mode (pinned in tests/node) against lh_interop_server over
// stdio and over Streamable HTTP: tools/list and tools/call, asserting on its JSON output.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

import { builtProgram, nodeBinary, runToCompletion, startHttpServer } from './harness.mjs';
import { nodeToolsDir } from './sdk.mjs';

const server = builtProgram('interop', 'lh_interop_server');
const inspector = path.join(nodeToolsDir, 'node_modules', '.bin', 'inspector');
// The Inspector starts further Node processes by name: make that name our Node 22.
const env = { ...process.env, PATH: `${path.dirname(nodeBinary)}:${process.env.PATH}` };

// Runs `inspector --cli TARGET... ARGS...` and returns its parsed JSON output.
async function inspect(target, args) {
  const run = await runToCompletion(nodeBinary, [inspector, '--cli', ...target, ...args], 60000, { env });
  const output = `${run.stdout}\n--- stderr ---\n${run.stderr.split('\n').slice(-20).join('\n')}`;
  assert.equal(run.timedOut, false, `the Inspector did not finish within 60 s:\n${output}`);
  assert.equal(run.code, 0, `the Inspector exited with ${run.code ?? run.signal}:\n${output}`);
  try {
    return JSON.parse(run.stdout);
  } catch {
    assert.fail(`the Inspector printed no JSON:\n${output}`);
  }
}

async function checkTarget(target) {
  const listing = await inspect(target, ['--method', 'tools/list']);
  const names = listing.tools.map((tool) => tool.name).sort();
  assert.deepEqual(names, ['add', 'echo', 'fail', 'last_cancelled', 'slow_progress']);
  const echo = listing.tools.find((tool) => tool.name === 'echo');
  assert.deepEqual(echo.inputSchema.required, ['message']);

  const called = await inspect(target, ['--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=hi']);
  assert.deepEqual(called.content, [{ type: 'text', text: 'hi' }]);

  const added = await inspect(target, ['--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=1', 'b=2']);
  assert.deepEqual(added.structuredContent, { sum: 3 });
}

describe('MCP Inspector CLI -> lh_interop_server', { timeout: 300000 }, () => {
  test('over stdio', async () => {
    // The page size makes the Inspector follow nextCursor to see every tool.
    await checkTarget([server, '--stdio', '--page-size', '2']);
  });

  test('over streamable HTTP', async () => {
    const { child, url } = await startHttpServer(server, ['--page-size', '2']);
    try {
      await checkTarget([url]);
    } finally {
      await child.stop();
    }
  });
});
