// Reference point for bench_mcp_calls: the official TypeScript SDK serving the same trivial `echo` tool
// as bench/echo_server.cpp, the way the SDK's documentation sets it up.
//
//   node bench/ts/echo-server.mjs                 stdio
//   node bench/ts/echo-server.mjs --http PORT     Streamable HTTP on http://127.0.0.1:PORT/mcp, stateful
//                                                 sessions (one McpServer + transport per session)
//   add --json-response to answer POSTs with application/json instead of an SSE stream
//
// Modules come from tests/node/node_modules (installed there with npm ci), or from the directory named
// by LH_NODE_TOOLS_DIR.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const toolsDir = process.env.LH_NODE_TOOLS_DIR ?? path.resolve(here, '../../tests/node');
const require = createRequire(path.join(toolsDir, 'package.json'));

const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { createMcpExpressApp } = require('@modelcontextprotocol/sdk/server/express.js');
const { isInitializeRequest } = require('@modelcontextprotocol/sdk/types.js');
const { z } = require('zod');

function createServer() {
  const server = new McpServer({ name: 'ts-sdk-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      description: 'Returns its text argument unchanged.',
      inputSchema: { text: z.string() },
    },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

const args = process.argv.slice(2);
const httpAt = args.indexOf('--http');
const jsonResponse = args.includes('--json-response');

if (httpAt < 0) {
  await createServer().connect(new StdioServerTransport());
} else {
  const port = Number(args[httpAt + 1]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`echo-server: --http needs a port, got ${args[httpAt + 1]}`);
    process.exit(2);
  }
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  const sessions = new Map();

  app.post('/mcp', async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    let transport = sessionId ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId || !isInitializeRequest(req.body)) {
        res.status(sessionId ? 404 : 400).json({
          jsonrpc: '2.0',
          error: { code: -32000, message: sessionId ? 'Session not found' : 'No session id' },
          id: null,
        });
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: jsonResponse,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await createServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });

  const onSessionRequest = async (req, res) => {
    const transport = sessions.get(req.headers['mcp-session-id']);
    if (!transport) {
      res.status(404).send('Session not found');
      return;
    }
    await transport.handleRequest(req, res);
  };
  app.get('/mcp', onSessionRequest);
  app.delete('/mcp', onSessionRequest);

  app.listen(port, '127.0.0.1', (error) => {
    if (error) {
      console.error(`echo-server: cannot listen on 127.0.0.1:${port}: ${error.message}`);
      process.exit(1);
    }
    console.error(`echo-server: listening on http://127.0.0.1:${port}/mcp`);
  });
}
