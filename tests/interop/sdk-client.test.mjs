// The official TypeScript SDK Client drives our C++ server (lh_interop_server) over stdio and over
// Streamable HTTP: initialize, paginated tools/list, tools/call with structured output, progress,
// and cancellation through an AbortSignal (checked on the server side through last_cancelled).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { builtProgram, startHttpServer } from './harness.mjs';
import { sdk } from './sdk.mjs';

const { Client } = sdk('client/index.js');
const { StdioClientTransport } = sdk('client/stdio.js');
const { StreamableHTTPClientTransport } = sdk('client/streamableHttp.js');
const { CallToolResultSchema, LoggingMessageNotificationSchema } = sdk('types.js');

const server = builtProgram('interop', 'lh_interop_server');
const serverArgs = ['--page-size', '2'];
const allTools = ['add', 'echo', 'fail', 'last_cancelled', 'slow_progress'];

const connections = {
  stdio: async () => ({
    transport: new StdioClientTransport({ command: server, args: ['--stdio', ...serverArgs], stderr: 'pipe' }),
    stop: async () => {},
  }),
  'streamable HTTP': async () => {
    const { child, url } = await startHttpServer(server, serverArgs);
    return { transport: new StreamableHTTPClientTransport(new URL(url)), stop: () => child.stop() };
  },
};

for (const [transportName, open] of Object.entries(connections)) {
  describe(`TypeScript SDK client -> lh_interop_server over ${transportName}`, { timeout: 120000 }, () => {
    let client;
    let stop;

    before(async () => {
      const connection = await open();
      stop = connection.stop;
      client = new Client({ name: 'ts-interop-client', version: '1.0.0' });
      await client.connect(connection.transport);
    });

    after(async () => {
      await client?.close();
      await stop?.();
    });

    test('initialize reports our server and its tools capability', () => {
      assert.equal(client.getServerVersion()?.name, 'lh-interop-server');
      assert.ok(client.getServerCapabilities()?.tools, 'no tools capability');
    });

    test('ping', async () => {
      assert.deepEqual(await client.ping(), {});
    });

    test('tools/list comes in pages of two', async () => {
      const names = [];
      let cursor;
      let pages = 0;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        pages += 1;
        assert.ok(page.tools.length <= 2, `a page had ${page.tools.length} tools`);
        names.push(...page.tools.map((tool) => tool.name));
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages < 20);
      assert.equal(pages, 3);
      assert.deepEqual(names.sort(), allTools);
    });

    test('a bad cursor is rejected with -32602', async () => {
      await assert.rejects(client.listTools({ cursor: 'no-such-cursor' }), (error) => error.code === -32602);
    });

    test('echo', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { message: 'hi from TypeScript' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'hi from TypeScript' }]);
      assert.notEqual(result.isError, true);
    });

    test('add returns structuredContent matching its outputSchema', async () => {
      const result = await client.callTool({ name: 'add', arguments: { a: 40, b: 2 } });
      assert.deepEqual(result.structuredContent, { sum: 42 });
      assert.equal(result.content[0].type, 'text');
      assert.deepEqual(JSON.parse(result.content[0].text), { sum: 42 });
    });

    test('invalid arguments give an isError result', async () => {
      const result = await client.callTool({ name: 'add', arguments: { a: 'forty' } });
      assert.equal(result.isError, true);
    });

    test('fail gives an isError result', async () => {
      const result = await client.callTool({ name: 'fail', arguments: {} });
      assert.equal(result.isError, true);
      assert.equal(result.content[0].text, 'failure on request');
    });

    test('slow_progress reports 1..5 through onprogress', async () => {
      const seen = [];
      const result = await client.callTool(
        { name: 'slow_progress', arguments: { steps: 5, interval_ms: 20 } },
        CallToolResultSchema,
        { onprogress: (progress) => seen.push(progress) },
      );
      assert.notEqual(result.isError, true);
      // The SDK dispatches notifications a microtask later than responses, so a progress
      // notification that arrives in the same read as the response (the last one, over stdio) can
      // be dropped on the client side; every value it does deliver must be in order.
      const values = seen.map((progress) => progress.progress);
      assert.ok(values.length >= 4, `only ${values.length} progress notifications: ${values}`);
      assert.deepEqual(values, [1, 2, 3, 4, 5].slice(0, values.length));
      assert.ok(seen.every((progress) => progress.total === 5), JSON.stringify(seen));
    });

    test('aborting a call cancels the handler on the server', async () => {
      const abort = new AbortController();
      const seen = [];
      const call = client.callTool(
        { name: 'slow_progress', arguments: { steps: 400, interval_ms: 50 } },
        CallToolResultSchema,
        {
          signal: abort.signal,
          onprogress: (progress) => {
            seen.push(progress.progress);
            if (seen.length === 2) abort.abort('enough');
          },
        },
      );
      await assert.rejects(call);
      assert.ok(seen.length >= 2, `only ${seen.length} progress notifications before aborting`);
      const report = await client.callTool({ name: 'last_cancelled', arguments: {} });
      assert.equal(report.structuredContent.cancelled, true, JSON.stringify(report.structuredContent));
      assert.ok(report.structuredContent.steps_done < 400);
    });

    test('the session still answers after a cancellation', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
      assert.equal(result.content[0].text, 'still here');
    });
  });
}
