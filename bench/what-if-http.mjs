// What-if server for `npm run bench` (never shipped): the project's own createMcpServer and
// shared runtime behind a minimal copy of src/transports/http.ts (sessions, /mcp, POST/GET/DELETE;
// without the Host/Origin/token/size checks, which cost microseconds), with the SDK's
// enableJsonResponse switched by WHATIF_JSON_RESPONSE=1|0. Running it both ways isolates what
// answering POSTs as an SSE stream costs, next to the shipped CLI.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

const dist = new URL('../dist/', import.meta.url);
const { loadConfig, secretValues } = await import(new URL('config.js', dist).href);
const { log } = await import(new URL('core/log.js', dist).href);
const { createMcpServer, createSharedRuntime } = await import(new URL('server.js', dist).href);

const json = process.env.WHATIF_JSON_RESPONSE === '1';
const config = loadConfig({}, process.env);
log.setLevel(config.logLevel);
log.addSecrets(secretValues(config));
const shared = await createSharedRuntime(config);
const sessions = new Map();

const server = http.createServer((req, res) => {
  (async () => {
    const sid = req.headers['mcp-session-id'];
    const existing = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (req.method === 'POST') {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (existing) return existing.handleRequest(req, res, body);
      if (!isInitializeRequest(body)) return void res.writeHead(400).end();
      const mcp = createMcpServer(shared);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: json,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await mcp.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (existing) return existing.handleRequest(req, res);
    res.writeHead(404).end();
  })().catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => process.stderr.write(`what-if listening on http://127.0.0.1:${server.address().port}/mcp\n`));
const stop = () => {
  server.close();
  server.closeAllConnections();
  void Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined)))
    .then(() => shared.close())
    .finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
