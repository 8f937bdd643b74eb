import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../core/log.js';
import { isLoopbackHost } from '../core/shared/loopback.js';
import { jsonRpcProblem } from './jsonrpc-check.js';
import { bridgeToWebTransport } from './web-bridge.js';
import { replyOver, SessionTransport } from './session-transport.js';

export { isLoopbackHost };

export interface HttpServeOptions {
  host: string;
  port: number;
  /** Every request must carry it as a bearer token. Required unless insecureNoAuth. */
  token?: string;
  /** The only way to serve without a token; refused on a non-loopback bind. */
  insecureNoAuth?: boolean;
  allowedHosts: readonly string[];
  maxBodyBytes: number;
  createServer: () => McpServer;
  /** Sessions with no request and no open stream this long are closed (clients that vanish never send DELETE). Default 10 minutes. */
  sessionIdleMs?: number;
  /** Live sessions at most; default 256. */
  maxSessions?: number;
  /** Simultaneous connections at most; default 2048 (room for the session cap's streams and request connections). */
  maxConnections?: number;
  /** Default 10 s. */
  headersTimeoutMs?: number;
  /** Time to receive a request body, from its headers on; default 30 s. */
  bodyTimeoutMs?: number;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  /** Live sessions, for tests and the bench. */
  sessionCount(): number;
  /** Stops accepting, lets in-flight requests finish (bounded), closes every session. */
  close(graceMs?: number): Promise<void>;
}

/** Where OAuth clients look for discovery, registration and sign-in. */
const OAUTH_PATH = /^\/(\.well-known\/(oauth-|openid-)|register$|authorize$|token$)/;
const NO_OAUTH = 'Not found: this server has no OAuth; it uses a static bearer token. If /mcp answered 401, the token is wrong: check the token (AGENTPMT_HTTP_TOKEN, or the http-token file the server wrote).';

/** Seconds a client told "busy" should wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly rpcCode = -32000,
  ) {
    super(message);
  }
}

function sendJsonRpcError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}, rpcCode = -32000, id: string | number | null = null): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: rpcCode, message }, id }));
}

/**
 * Reads the whole body within `timeoutMs` of the request's start. A client that
 * trickles bytes would otherwise hold its socket (and a file descriptor) for as
 * long as it likes: Node's requestTimeout is a backstop only checked periodically.
 */
function readBody(req: http.IncomingMessage, max: number, timeoutMs: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new HttpError(413, `Request body larger than ${max} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) done(new HttpError(413, `Request body larger than ${max} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(new ClientGone(err.message));
    const onClose = () => {
      if (!req.complete) done(new ClientGone('the client closed the connection during the upload'));
    };
    const timer = setTimeout(() => done(new HttpError(408, `Request body not received within ${timeoutMs} ms`, { connection: 'close' })), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** The client went away (aborted upload, reset): nothing to answer, nothing wrong here. */
class ClientGone extends Error {}

/** Compares digests so the comparison takes the same time whatever the input's length. */
/** Compares digests, so the comparison takes the same time whatever the lengths; the expected one is hashed once. */
function tokenMatcher(expected: string): (given: string) => boolean {
  const want = createHash('sha256').update(expected).digest();
  return (given) => timingSafeEqual(createHash('sha256').update(given).digest(), want);
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

interface Session {
  transport: SessionTransport;
  server: McpServer;
  lastSeen: number;
  /** Requests and streams of this session still open: a session with any is busy, never idle. */
  active: number;
}

/**
 * Streamable HTTP at /mcp with stateful sessions. Checks run in a fixed order so
 * a hostile page learns nothing: Host/Origin (DNS rebinding) → path → token → size.
 */
export async function serveHttp(opts: HttpServeOptions): Promise<RunningHttpServer> {
  if (!opts.token && !opts.insecureNoAuth) throw new Error('serveHttp needs a token (or, on loopback only, insecureNoAuth).');
  if (!isLoopbackHost(opts.host) && !opts.token) {
    throw new Error(`Refusing to bind ${opts.host}: a non-loopback address needs AGENTPMT_HTTP_TOKEN so that only your clients can connect.`);
  }
  const idleMs = opts.sessionIdleMs ?? 10 * 60_000;
  const maxSessions = opts.maxSessions ?? 256;
  const headersTimeoutMs = opts.headersTimeoutMs ?? 10_000;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? 30_000;
  const sessions = new Map<string, Session>();
  const tokenMatches = opts.token ? tokenMatcher(opts.token) : undefined;
  /** Sessions being initialized: counted against the cap before they exist. */
  let reserved = 0;

  function closeSession(id: string, s: Session, why: string): void {
    sessions.delete(id);
    void s.transport
      .close()
      .then(() => s.server.close())
      .catch(() => undefined);
    log.debug(`closed an http session (${why})`, { sessions: sessions.size });
  }

  /** Makes room for one more session: evicts the one idle longest, or says no when every session is busy. */
  function admit(): boolean {
    if (sessions.size + reserved < maxSessions) return true;
    let victim: [string, Session] | undefined;
    for (const entry of sessions) if (entry[1].active === 0 && (!victim || entry[1].lastSeen < victim[1].lastSeen)) victim = entry;
    if (!victim) return false;
    closeSession(victim[0], victim[1], 'evicted: session cap reached');
    return true;
  }

  const sweeper = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of sessions) if (s.active === 0 && s.lastSeen < cutoff) closeSession(id, s, 'idle');
  }, Math.min(60_000, idleMs)).unref();
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req.headers.host, opts.host, opts.allowedHosts) || !originAllowed(req.headers.origin, opts.host, opts.allowedHosts)) {
      throw new HttpError(403, 'Forbidden: Host or Origin not allowed (DNS rebinding protection). Add the name to AGENTPMT_HTTP_ALLOWED_HOSTS if it is yours.');
    }
    // Before the token check, so that OAuth discovery (/.well-known/oauth-protected-resource,
    // /.well-known/oauth-authorization-server) gets an honest 404: there is no OAuth here,
    // and a 401 on discovery sends clients such as mcp-remote into a sign-in that never ends.
    if (url.pathname !== '/mcp') {
      throw new HttpError(404, OAUTH_PATH.test(url.pathname) ? NO_OAUTH : 'Not found: the MCP endpoint is /mcp.');
    }
    if (tokenMatches) {
      const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
      // No WWW-Authenticate: with it, MCP clients start an OAuth flow instead of reporting the wrong token.
      if (!m || !tokenMatches(m[1]!.trim())) throw new HttpError(401, 'Unauthorized (401): check the token. Send Authorization: Bearer <AGENTPMT_HTTP_TOKEN, or the content of the http-token file the server wrote>.');
    }
    if (closing) throw new HttpError(503, 'Server is shutting down.', { 'retry-after': String(RETRY_AFTER_SECONDS) });

    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) {
      existing.lastSeen = Date.now();
      existing.active++;
      res.once('close', () => {
        existing.active--;
        existing.lastSeen = Date.now();
      });
    }

    if (req.method === 'POST') {
      const text = await readBody(req, opts.maxBodyBytes, bodyTimeoutMs);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'Parse error: the body is not JSON.', {}, -32700);
      }
      // Batches are the SDK's to judge (older protocol versions allow them). A request with a
      // readable id gets its error as a JSON-RPC answer (200), so the client's call fails with
      // that error rather than with a transport failure.
      const problem = Array.isArray(body) ? undefined : jsonRpcProblem(body);
      if (problem) return sendJsonRpcError(res, problem.id === null ? 400 : 200, problem.message, {}, problem.code, problem.id);
      if (existing) {
        if (existing.transport.canAnswerDirectly(body, req.headers)) {
          const reply = replyOver(res, existing.transport.sessionId!);
          existing.transport.handle(body, { requestInfo: { headers: req.headers } }, reply);
          return reply.done;
        }
        // Batches (older protocol versions) may carry calls that stream: answered as the SDK streams them.
        return bridgeToWebTransport(existing.transport.inner, req, res, body, Array.isArray(body));
      }
      if (sessionId !== undefined) throw new HttpError(404, 'Session not found: start a new session with initialize.');
      if (!isInitializeRequest(body)) throw new HttpError(400, 'Bad Request: no session; the first request must be initialize.', {}, -32600);
      if (!admit()) {
        log.warn('http session refused: every session is busy', { sessions: sessions.size, max: maxSessions });
        throw new HttpError(503, `Server busy: all ${maxSessions} sessions are in use (AGENTPMT_HTTP_MAX_SESSIONS). Retry after ${RETRY_AFTER_SECONDS} s.`, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
      reserved++;
      try {
        const server = opts.createServer();
        const transport: SessionTransport = new SessionTransport(
          new WebStandardStreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => {
              sessions.set(id, { transport, server, lastSeen: Date.now(), active: 0 });
              log.debug('http session opened', { sessions: sessions.size });
            },
          }),
        );
        transport.onclose = () => {
          if (transport.sessionId) sessions.delete(transport.sessionId);
        };
        await server.connect(transport);
        await bridgeToWebTransport(transport.inner, req, res, body, false);
      } finally {
        reserved--;
      }
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!existing) throw new HttpError(sessionId === undefined ? 400 : 404, sessionId === undefined ? 'Bad Request: Mcp-Session-Id header required.' : 'Session not found.');
      return bridgeToWebTransport(existing.transport.inner, req, res, undefined, true);
    }
    throw new HttpError(405, 'Method not allowed.', { allow: 'GET, POST, DELETE' });
  }

  const httpServer = http.createServer(
    {
      headersTimeout: headersTimeoutMs,
      // A backstop for bodies nobody reads (a request refused before its body): readBody
      // enforces the body timeout itself. Node applies this only until a request is fully
      // received, so SSE response streams are not cut by it.
      requestTimeout: headersTimeoutMs + bodyTimeoutMs + 1000,
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(headersTimeoutMs / 4))),
    },
    (req, res) => {
      // GET opens a long-lived SSE stream; only requests that carry work are waited for at shutdown.
      if (req.method !== 'GET') {
        inFlight++;
        res.once('close', () => {
          inFlight--;
          if (closing && inFlight === 0) drained?.();
        });
      }
      handle(req, res).catch((err: unknown) => {
        if (err instanceof HttpError) {
          sendJsonRpcError(res, err.status, err.message, err.headers, err.rpcCode);
          // A client too slow to send its body does not get to keep the socket. (After a 413
          // Node reads and discards the rest, bounded by requestTimeout, so the 413 arrives.)
          if (err.status === 408) res.once('finish', () => req.socket.destroy());
          return;
        }
        if (err instanceof ClientGone || req.destroyed || res.destroyed) {
          log.debug('http client went away mid-request', { reason: err instanceof Error ? err.message : String(err) });
          return;
        }
        log.error('http transport error', { error: err instanceof Error ? err.message : String(err) });
        sendJsonRpcError(res, 500, 'Internal server error.');
      });
    },
  );
  httpServer.maxConnections = opts.maxConnections ?? 2048;
  let lastDropLog = 0;
  httpServer.on('drop', () => {
    if (Date.now() - lastDropLog < 10_000) return;
    lastDropLog = Date.now();
    log.warn('http connection dropped: connection cap reached (AGENTPMT_HTTP_MAX_CONNECTIONS)', { max: httpServer.maxConnections });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}/mcp`;
  log.info('serving MCP over Streamable HTTP', { url, auth: opts.token ? 'bearer' : 'NONE (insecure)', maxSessions, maxConnections: httpServer.maxConnections });

  return {
    url,
    port,
    sessionCount: () => sessions.size,
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
