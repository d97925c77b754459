// An MCP server written with the official TypeScript SDK (low-level Server API) with the same tool
// set as lh_interop_server, and paginated tools/list, for driving with our C++ client.
//   node ts-server.mjs stdio [--page-size N]
//   node ts-server.mjs http --port-file FILE [--page-size N]     (127.0.0.1, ephemeral port, /mcp)
// In HTTP mode every POST after initialize must carry MCP-Protocol-Version (else 400).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import { sdk } from './sdk.mjs';

const { Server } = sdk('server/index.js');
const { StdioServerTransport } = sdk('server/stdio.js');
const { StreamableHTTPServerTransport } = sdk('server/streamableHttp.js');
const { CallToolRequestSchema, ListToolsRequestSchema, McpError, ErrorCode, isInitializeRequest } = sdk('types.js');

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index > 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}
const mode = process.argv[2] ?? 'stdio';
const pageSize = Number(option('--page-size', '2'));

const noArguments = { type: 'object', properties: {} };
const tools = [
  {
    name: 'echo',
    description: 'Returns the message',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  },
  {
    name: 'add',
    description: 'Adds two numbers',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
  },
  {
    name: 'slow_progress',
    description: 'Works for `steps` steps of `interval_ms` each, reporting progress after each; stops when cancelled',
    inputSchema: { type: 'object', properties: { steps: { type: 'integer' }, interval_ms: { type: 'integer' } } },
  },
  {
    name: 'last_cancelled',
    description: 'Tells whether the latest slow_progress run was cancelled',
    inputSchema: noArguments,
    outputSchema: {
      type: 'object',
      properties: { outcome: { type: 'string' }, cancelled: { type: 'boolean' }, steps_done: { type: 'integer' } },
      required: ['outcome', 'cancelled', 'steps_done'],
    },
  },
  { name: 'fail', description: 'Always answers with an isError result', inputSchema: noArguments },
];

// Shared by every session: what the latest slow_progress run did.
const ledger = { running: 0, outcome: 'none', stepsDone: 0 };

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    }, { once: true });
  });
}

function structured(value) {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

async function slowProgress(args, extra) {
  const steps = args.steps ?? 5;
  const interval = args.interval_ms ?? 100;
  const token = extra._meta?.progressToken;
  ledger.running += 1;
  ledger.outcome = 'running';
  let done = 0;
  try {
    for (; done < steps; done += 1) {
      if (extra.signal.aborted || !(await sleep(interval, extra.signal))) break;
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: done + 1, total: steps, message: `step ${done + 1} of ${steps}` },
        });
      }
    }
  } finally {
    ledger.running -= 1;
    ledger.outcome = done < steps ? 'cancelled' : 'completed';
    ledger.stepsDone = done;
  }
  if (done < steps) return { isError: true, content: [{ type: 'text', text: `cancelled after ${done} steps` }] };
  return { content: [{ type: 'text', text: `completed ${steps} steps` }] };
}

async function lastCancelled() {
  const deadline = Date.now() + 10000;
  while (ledger.running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const settled = ledger.running === 0;
  return structured({
    outcome: settled ? ledger.outcome : 'still running',
    cancelled: settled && ledger.outcome === 'cancelled',
    steps_done: ledger.stepsDone,
  });
}

function createServer() {
  const server = new Server({ name: 'ts-interop-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const cursor = request.params?.cursor;
    let start = 0;
    if (cursor !== undefined) {
      start = Number.parseInt(Buffer.from(cursor, 'base64url').toString('utf8'), 10);
      if (!Number.isInteger(start) || start <= 0 || start >= tools.length) {
        throw new McpError(ErrorCode.InvalidParams, `Invalid cursor: ${cursor}`);
      }
    }
    const end = start + pageSize;
    const page = { tools: tools.slice(start, end) };
    if (end < tools.length) page.nextCursor = Buffer.from(String(end)).toString('base64url');
    return page;
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const args = request.params.arguments ?? {};
    switch (request.params.name) {
      case 'echo':
        return { content: [{ type: 'text', text: String(args.message) }] };
      case 'add':
        return structured({ sum: Number(args.a) + Number(args.b) });
      case 'slow_progress':
        return slowProgress(args, extra);
      case 'last_cancelled':
        return lastCancelled();
      case 'fail':
        return { isError: true, content: [{ type: 'text', text: 'failure on request' }] };
      default:
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    }
  });
  return server;
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function reply(response, status, message) {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function serveHttp() {
  const sessions = new Map();
  const httpServer = http.createServer(async (request, response) => {
    try {
      if (new URL(request.url, 'http://localhost').pathname !== '/mcp') return reply(response, 404, 'Not found');
      const sessionId = request.headers['mcp-session-id'];
      if (request.method === 'POST') {
        const body = JSON.parse(await readBody(request));
        if (sessionId && sessions.has(sessionId)) {
          // Stricter than the spec (which lets a server assume 2025-03-26): a client that
          // negotiated a version must say so on every later request, and ours is checked for it.
          if (!request.headers['mcp-protocol-version']) {
            return reply(response, 400, 'Bad Request: MCP-Protocol-Version header missing after initialize');
          }
          return sessions.get(sessionId).handleRequest(request, response, body);
        }
        if (sessionId) return reply(response, 404, 'Session not found');
        if (!isInitializeRequest(body)) return reply(response, 400, 'No session: send initialize first');
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => sessions.set(id, transport),
        });
        transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
        await createServer().connect(transport);
        return transport.handleRequest(request, response, body);
      }
      if (!sessionId || !sessions.has(sessionId)) return reply(response, sessionId ? 404 : 400, 'Unknown or missing session');
      return sessions.get(sessionId).handleRequest(request, response);
    } catch (error) {
      if (!response.headersSent) reply(response, 400, `Bad request: ${error.message}`);
    }
  });
  httpServer.listen(0, '127.0.0.1', () => {
    const portFile = option('--port-file');
    const { port } = httpServer.address();
    if (portFile) {
      fs.writeFileSync(`${portFile}.tmp`, `${port}\n`);
      fs.renameSync(`${portFile}.tmp`, portFile);
    }
    console.error(`ts-server listening on http://127.0.0.1:${port}/mcp`);
  });
  const stop = () => {
    for (const transport of sessions.values()) transport.close();
    httpServer.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (mode === 'stdio') {
  await createServer().connect(new StdioServerTransport());
} else if (mode === 'http') {
  await serveHttp();
} else {
  console.error(`usage: ts-server.mjs stdio|http [--port-file FILE] [--page-size N]`);
  process.exit(2);
}
