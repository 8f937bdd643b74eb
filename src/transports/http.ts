import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../log.js';

export interface HttpServeOptions {
  host: string;
  port: number;
  token?: string;
  allowedHosts: readonly string[];
  maxBodyBytes: number;
  createServer: () => McpServer;
  /** Sessions unused this long are closed (clients that vanish never send DELETE). Default 30 minutes. */
  sessionIdleMs?: number;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), closes every session. */
  close(graceMs?: number): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sendJsonRpcError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: status === 400 ? -32700 : -32000, message }, id: null }));
}

async function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new HttpError(413, `Request body larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `Request body larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Compares digests so the comparison takes the same time whatever the input's length. */
function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Host names (without port) a browser on this machine could legitimately send. */
function hostAllowed(hostHeader: string | undefined, bindHost: string, allowed: readonly string[]): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.toLowerCase();
  const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0]!;
  if (allowed.includes(h) || allowed.includes(name)) return true;
  if (isLoopbackHost(name)) return true;
  return !isLoopbackHost(bindHost) && bindHost !== '0.0.0.0' && bindHost !== '::' && name === bindHost.toLowerCase();
}

function originAllowed(origin: string | undefined, bindHost: string, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser request
  try {
    return hostAllowed(new URL(origin).host, bindHost, allowed);
  } catch {
    return false;
  }
}

/**
 * Streamable HTTP at /mcp with stateful sessions. Checks run in a fixed order so
 * a hostile page learns nothing: Host/Origin (DNS rebinding) → token → size.
 */
export async function serveHttp(opts: HttpServeOptions): Promise<RunningHttpServer> {
  if (!isLoopbackHost(opts.host) && !opts.token) {
    throw new Error(`Refusing to bind ${opts.host}: a non-loopback address needs AGENTPMT_HTTP_TOKEN so that only your clients can connect.`);
  }
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer; lastSeen: number }>();
  const idleMs = opts.sessionIdleMs ?? 30 * 60_000;
  const sweeper = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of sessions) {
      if (s.lastSeen < cutoff) {
        sessions.delete(id);
        void s.transport.close().then(() => s.server.close()).catch(() => undefined);
        log.debug('closed an idle http session', { sessions: sessions.size });
      }
    }
  }, Math.min(60_000, idleMs)).unref();
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req.headers.host, opts.host, opts.allowedHosts) || !originAllowed(req.headers.origin, opts.host, opts.allowedHosts)) {
      throw new HttpError(403, 'Forbidden: Host or Origin not allowed (DNS rebinding protection). Add the name to AGENTPMT_HTTP_ALLOWED_HOSTS if it is yours.');
    }
    if (opts.token) {
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m || !tokenMatches(m[1]!.trim(), opts.token)) {
        res.setHeader('www-authenticate', 'Bearer realm="agentpmt-mcp"');
        throw new HttpError(401, 'Unauthorized: send Authorization: Bearer <AGENTPMT_HTTP_TOKEN>.');
      }
    }
    if (url.pathname !== '/mcp') throw new HttpError(404, 'Not found: the MCP endpoint is /mcp.');
    if (closing) throw new HttpError(503, 'Server is shutting down.');

    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) existing.lastSeen = Date.now();

    if (req.method === 'POST') {
      const text = await readBody(req, opts.maxBodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'Parse error: the body is not JSON.');
      }
      if (existing) return existing.transport.handleRequest(req, res, body);
      if (sessionId !== undefined) throw new HttpError(404, 'Session not found: start a new session with initialize.');
      if (!isInitializeRequest(body)) throw new HttpError(400, 'Bad Request: no session; the first request must be initialize.');
      const server = opts.createServer();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server, lastSeen: Date.now() });
          log.debug('http session opened', { sessions: sessions.size });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!existing) throw new HttpError(sessionId === undefined ? 400 : 404, sessionId === undefined ? 'Bad Request: Mcp-Session-Id header required.' : 'Session not found.');
      return existing.transport.handleRequest(req, res);
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    throw new HttpError(405, 'Method not allowed.');
  }

  const httpServer = http.createServer((req, res) => {
    // GET opens a long-lived SSE stream; only requests that carry work are waited for at shutdown.
    if (req.method !== 'GET') {
      inFlight++;
      res.once('close', () => {
        inFlight--;
        if (closing && inFlight === 0) drained?.();
      });
    }
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendJsonRpcError(res, err.status, err.message);
      log.error('http transport error', { error: err instanceof Error ? err.message : String(err) });
      sendJsonRpcError(res, 500, 'Internal server error.');
    });
  });
  httpServer.requestTimeout = 0; // SSE streams are long-lived; tool calls are bounded elsewhere
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}/mcp`;
  log.info('serving MCP over Streamable HTTP', { url, auth: opts.token ? 'bearer' : 'none' });

  return {
    url,
    port,
    async close(graceMs = 10_000) {
      closing = true;
      clearInterval(sweeper);
      httpServer.close();
      // SSE GET streams never end on their own; only wait for requests that are not streams.
      const waitFor = new Promise<void>((resolve) => {
        drained = resolve;
        if (inFlight === 0) resolve();
      });
      await Promise.race([waitFor, new Promise((r) => setTimeout(r, graceMs).unref())]);
      await Promise.all([...sessions.values()].map(({ transport, server }) => transport.close().then(() => server.close()).catch(() => undefined)));
      sessions.clear();
      httpServer.closeAllConnections();
    },
  };
}
