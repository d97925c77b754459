// The conformance suite only speaks Streamable HTTP; this drives the same fixture server
// (lh_conformance_server --stdio) with the TypeScript SDK client over stdio, including the
// server-to-client requests (sampling, elicitation), log notifications, progress, resources,
// prompts and completion.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { builtProgram } from './harness.mjs';
import { sdk } from './sdk.mjs';

const { Client } = sdk('client/index.js');
const { StdioClientTransport } = sdk('client/stdio.js');
const { CallToolResultSchema, CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema } =
  sdk('types.js');

const server = builtProgram('conformance', 'lh_conformance_server');

describe('TypeScript SDK client -> lh_conformance_server over stdio', { timeout: 120000 }, () => {
  let client;
  const logs = [];
  const samplingRequests = [];
  const elicitationRequests = [];

  before(async () => {
    client = new Client(
      { name: 'ts-conformance-stdio', version: '1.0.0' },
      { capabilities: { sampling: {}, elicitation: {} } },
    );
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => logs.push(notification.params));
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      samplingRequests.push(request.params);
      return { role: 'assistant', content: { type: 'text', text: 'sampled over stdio' }, model: 'test-model' };
    });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicitationRequests.push(request.params);
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    });
    await client.connect(new StdioClientTransport({ command: server, args: ['--stdio'], stderr: 'pipe' }));
  });

  after(async () => {
    await client?.close();
  });

  test('every fixture tool is listed with a description', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const expected of ['test_simple_text', 'test_sampling', 'test_elicitation', 'json_schema_2020_12_tool']) {
      assert.ok(names.includes(expected), `missing ${expected}`);
    }
    assert.ok(tools.every((tool) => tool.description), 'a tool has no description');
  });

  test('test_sampling asks the client and returns its answer', async () => {
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Say hi' } });
    assert.equal(result.content[0].text, 'LLM response: sampled over stdio');
    assert.deepEqual(samplingRequests.at(-1).messages, [{ role: 'user', content: { type: 'text', text: 'Say hi' } }]);
    assert.equal(samplingRequests.at(-1).maxTokens, 100);
  });

  test('test_elicitation asks the client and reports its answer', async () => {
    const result = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
    assert.equal(elicitationRequests.at(-1).message, 'Who are you?');
    assert.deepEqual(elicitationRequests.at(-1).requestedSchema.required, ['username', 'email']);
    assert.match(result.content[0].text, /^User response: action=accept, content=\{.*"ada@example.com".*\}$/);
  });

  test('test_tool_with_logging sends three info messages', async () => {
    await client.setLoggingLevel('debug');
    logs.length = 0;
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      logs.map((log) => [log.level, log.data]),
      [['info', 'Tool execution started'], ['info', 'Tool processing data'], ['info', 'Tool execution completed']],
    );
  });

  test('logging/setLevel error drops info messages', async () => {
    await client.setLoggingLevel('error');
    logs.length = 0;
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(logs, []);
  });

  test('test_tool_with_progress reports 0, 50 and 100 of 100', async () => {
    const seen = [];
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, CallToolResultSchema, {
      onprogress: (progress) => seen.push([progress.progress, progress.total]),
    });
    // The last notification can land in the same read as the response, which the SDK then drops.
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    assert.deepEqual(seen, [[0, 100], [50, 100], [100, 100]].slice(0, seen.length));
  });

  test('test_error_handling is an isError result', async () => {
    const result = await client.callTool({ name: 'test_error_handling', arguments: {} });
    assert.equal(result.isError, true);
    assert.equal(result.content[0].text, 'This tool intentionally returns an error for testing');
  });

  test('an unknown tool is a JSON-RPC error', async () => {
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), (error) => error.code === -32602);
  });

  test('resources: static text, binary, template, unknown', async () => {
    const text = await client.readResource({ uri: 'test://static-text' });
    assert.deepEqual(text.contents, [
      { uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
    ]);
    const binary = await client.readResource({ uri: 'test://static-binary' });
    assert.equal(binary.contents[0].mimeType, 'image/png');
    assert.equal(Buffer.from(binary.contents[0].blob, 'base64').subarray(1, 4).toString(), 'PNG');
    const templated = await client.readResource({ uri: 'test://template/123/data' });
    assert.equal(templated.contents[0].text, '{"id":"123","templateTest":true,"data":"Data for ID: 123"}');
    await assert.rejects(client.readResource({ uri: 'test://nothing-here' }), (error) => error.code === -32002);
  });

  test('resources/subscribe and unsubscribe answer {}', async () => {
    assert.deepEqual(await client.subscribeResource({ uri: 'test://watched-resource' }), {});
    assert.deepEqual(await client.unsubscribeResource({ uri: 'test://watched-resource' }), {});
  });

  test('prompts with arguments, embedded resource and image', async () => {
    const withArgs = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x', arg2: 'y' } });
    assert.equal(withArgs.messages[0].content.text, "Prompt with arguments: arg1='x', arg2='y'");
    const embedded = await client.getPrompt({
      name: 'test_prompt_with_embedded_resource',
      arguments: { resourceUri: 'test://example-resource' },
    });
    assert.equal(embedded.messages[0].content.resource.uri, 'test://example-resource');
    const image = await client.getPrompt({ name: 'test_prompt_with_image' });
    assert.equal(image.messages[0].content.mimeType, 'image/png');
    await assert.rejects(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x' } }),
      (error) => error.code === -32602);
  });

  test('completion for a prompt argument and a template variable', async () => {
    const prompt = await client.complete({
      ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'par' },
    });
    assert.deepEqual(prompt.completion.values, ['paris', 'park', 'party']);
    const template = await client.complete({
      ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
      argument: { name: 'id', value: '12' },
    });
    assert.deepEqual(template.completion.values, ['123']);
  });
});
