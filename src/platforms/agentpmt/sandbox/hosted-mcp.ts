import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { lazyJsonSchemaValidator } from '../../../core/json-schema-validator.js';

/**
 * A stand-in for AgentPMT's hosted MCP endpoint (https://api.agentpmt.com/mcp): a real MCP
 * server over Streamable HTTP with stateful sessions, behind a bearer token, with the kinds of
 * tools a bridge must handle — a marketplace search only the hosted side has, a slow tool that
 * reports progress and notices cancellation, a failing tool, one the local server implements
 * itself, and a catalog that can change (tools/list_changed) while clients are connected.
 */
export interface HostedMcpOptions {
  port?: number;
  bearerToken: string;
}

export interface HostedMcpStats {
  /** Authorization headers received, for checks on where the token goes. */
  authorizations: string[];
  /** Tool calls currently running, and the most at once. */
  running: number;
  maxRunning: number;
  calls: number;
  /** Calls of hosted `slow` that saw their cancellation. */
  cancelled: number;
}

export interface HostedMcp {
  url: string;
  stats: HostedMcpStats;
  /** Adds a tool to every session's catalog (each connected client gets tools/list_changed). */
  addTool(name: string, description?: string): void;
  removeTool(name: string): void;
  /** Drops every connection at once, as a crash would, and stops listening. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

const text = (s: string) => ({ content: [{ type: 'text' as const, text: s }] });

export async function startHostedMcp(opts: HostedMcpOptions): Promise<HostedMcp> {
  const stats: HostedMcpStats = { authorizations: [], running: 0, maxRunning: 0, calls: 0, cancelled: 0 };
  const extra = new Map<string, string>();
  const servers = new Set<{ server: McpServer; extras: Map<string, RegisteredTool> }>();
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const sockets = new Set<Socket>();

  const track = async <T>(fn: () => Promise<T>): Promise<T> => {
    stats.calls++;
    stats.running++;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    try {
      return await fn();
    } finally {
      stats.running--;
    }
  };

  const newServer = () => {
    const server = new McpServer({ name: 'agentpmt-hosted-sandbox', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } }, jsonSchemaValidator: lazyJsonSchemaValidator });
    server.registerTool(
      'search_tools',
      { description: 'Search the AgentPMT marketplace for tools by what they do.', inputSchema: { query: z.string().describe('what the tool should do'), limit: z.number().int().min(1).max(50).optional() }, annotations: { readOnlyHint: true } },
      ({ query, limit }) =>
        track(async () => {
          const results = [{ name: 'pdf-to-text', score: 0.91 }, { name: 'web-search', score: 0.72 }].slice(0, limit ?? 10);
          return { ...text(JSON.stringify({ query, results })), structuredContent: { query, results } };
        }),
    );
    server.registerTool('echo', { description: 'Echoes its message.', inputSchema: { message: z.string() }, annotations: { readOnlyHint: true } }, ({ message }) => track(async () => text(message)));
    server.registerTool(
      'slow',
      { description: 'Works for ms milliseconds in steps, reporting progress; stops early when cancelled.', inputSchema: { ms: z.number().int().min(0).max(60_000), steps: z.number().int().min(1).max(100).optional() } },
      ({ ms, steps = 4 }, ctx) =>
        track(async () => {
          const token = ctx._meta?.progressToken;
          for (let i = 1; i <= steps; i++) {
            const stopped = await new Promise<boolean>((resolve) => {
              const t = setTimeout(() => resolve(false), ms / steps);
              ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve(true)), { once: true });
            });
            if (stopped) {
              stats.cancelled++;
              return text('cancelled');
            }
            if (token !== undefined) await ctx.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i} of ${steps}` } });
          }
          return text(`done after ${ms} ms`);
        }),
    );
    server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, () =>
      track(async () => {
        throw new Error('the hosted sandbox tool failed on purpose');
      }),
    );
    // The same account read the local server has as account_credits_balance: a bridge should not re-export it.
    server.registerTool('get_credit_balance', { description: 'Credit balance of the agent group.', inputSchema: {} }, () => track(async () => text(JSON.stringify({ balance: 1000 }))));
    // A result that names another origin: nothing may follow it with the token.
    server.registerTool('link', { description: 'Returns a link to a report.', inputSchema: {} }, () => track(async () => ({ content: [{ type: 'resource_link' as const, uri: 'http://127.0.0.1:9/elsewhere/report', name: 'report' }] })));
    const entry = { server, extras: new Map<string, RegisteredTool>() };
    for (const [name, description] of extra) entry.extras.set(name, server.registerTool(name, { description, inputSchema: {} }, () => track(async () => text(`${name} ok`))));
    servers.add(entry);
    return entry;
  };

  const httpServer = http.createServer(async (req, res) => {
    const auth = req.headers.authorization ?? '';
    stats.authorizations.push(auth);
    if (auth !== `Bearer ${opts.bearerToken}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known) {
      await known.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(typeof id === 'string' ? 404 : 400).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (typeof id === 'string' || !isInitializeRequest(body)) {
      res.writeHead(typeof id === 'string' ? 404 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }));
      return;
    }
    const entry = newServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      servers.delete(entry);
    };
    await entry.server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  httpServer.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject); // a taken port is an error, not a wait
    httpServer.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;

  const stop = async (hard: boolean) => {
    if (hard) for (const s of sockets) s.destroy();
    else await Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined)));
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stats,
    addTool(name, description = `Sandbox tool ${name}.`) {
      extra.set(name, description);
      for (const entry of servers) entry.extras.set(name, entry.server.registerTool(name, { description, inputSchema: {} }, () => track(async () => text(`${name} ok`))));
    },
    removeTool(name) {
      extra.delete(name);
      for (const entry of servers) {
        entry.extras.get(name)?.remove();
        entry.extras.delete(name);
      }
    },
    kill: () => stop(true),
    close: () => stop(false),
  };
}
