import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { log, type LogEntry } from '../../src/core/log.js';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { createMcpServer, createSharedRuntime } from '../../src/server.js';
import { serveHttp, type HttpServeOptions, type RunningHttpServer } from '../../src/transports/http.js';
import { CLI, captured, knownSecrets, sandboxEnv, withSandbox } from '../helpers.js';
import { startHttpServer, type RunningServer } from '../interop/harness.js';

const TOKEN = 'hardening-test-token-0123456789';
knownSecrets.add(TOKEN);
const AUTH = { authorization: `Bearer ${TOKEN}` };
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
const PING = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });

async function post(url: string, headers: Record<string, string>, body: string, dispatcher?: Agent) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body, ...(dispatcher ? { dispatcher } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, text, headers: res.headers };
}

async function initSession(url: string, dispatcher?: Agent): Promise<string> {
  const r = await post(url, AUTH, INIT, dispatcher);
  expect(r.status, r.text).toBe(200);
  return r.headers['mcp-session-id'] as string;
}

/** An open GET SSE stream on a session: the session is busy while it lasts. */
async function openStream(url: string, sid: string) {
  const controller = new AbortController();
  const res = await request(url, { method: 'GET', headers: { ...AUTH, accept: 'text/event-stream', 'mcp-session-id': sid }, signal: controller.signal });
  expect(res.statusCode).toBe(200);
  const state = { ended: false };
  res.body.on('data', () => undefined);
  res.body.on('end', () => (state.ended = true));
  res.body.on('error', () => (state.ended = true));
  return { state, close: () => controller.abort() };
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const until = async (cond: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return cond();
};

/** A raw socket that writes `head` and then one byte of `drip` every 250 ms, collecting what the server answers. */
function trickle(url: string, head: string, drip: string) {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  const state = { answer: '', closed: false };
  socket.on('data', (d) => (state.answer += d.toString()));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => undefined);
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(drip);
  }, 250);
  socket.on('close', () => clearInterval(timer));
  return { state, destroy: () => socket.destroy() };
}

describe('HTTP authentication is not optional by accident', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', AGENTPMT_HOME: '/tmp/agentpmt-noauth-test', ...env }, encoding: 'utf8', timeout: 15_000, input: '' });

  it('the explicit no-auth flag on a non-loopback bind is refused, naming the flag', () => {
    const r = run(['--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--http-insecure-no-auth']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('AGENTPMT_HTTP_INSECURE_NO_AUTH');
    const env = run(['--transport', 'http', '--host', '0.0.0.0', '--port', '0'], { AGENTPMT_HTTP_INSECURE_NO_AUTH: 'true' });
    expect(env.status).toBe(2);
  });

  it('the no-auth flag and a token together are refused', () => {
    const r = run(['--transport', 'http', '--port', '0', '--http-insecure-no-auth'], { AGENTPMT_HTTP_TOKEN: TOKEN });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('AGENTPMT_HTTP_INSECURE_NO_AUTH');
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('the explicit no-auth flag on loopback serves without a token, says so loudly, and writes no token file', async () => {
    const sb = await withSandbox();
    const env = sandboxEnv(sb, { AGENTPMT_HTTP_INSECURE_NO_AUTH: 'true' });
    const server = await startHttpServer(env);
    try {
      expect((await post(server.url, {}, INIT)).status).toBe(200);
      expect(server.stderr()).toMatch(/"level":"warn","msg":"HTTP AUTHENTICATION IS OFF/);
      expect(existsSync(path.join(env.AGENTPMT_HOME!, 'http-token'))).toBe(false);
    } finally {
      await server.stop();
      await sb.close();
    }
  });

  it('serveHttp itself will not start without a token unless told so', async () => {
    await expect(serveHttp({ host: '127.0.0.1', port: 0, allowedHosts: [], maxBodyBytes: 4096, createServer: () => { throw new Error('unused'); } })).rejects.toThrow(/token/);
  });
});

describe('HTTP limits (in-process server)', () => {
  let shared: Awaited<ReturnType<typeof createSharedRuntime>>;
  const servers: RunningHttpServer[] = [];
  const start = async (extra: Partial<HttpServeOptions> = {}) => {
    const s = await serveHttp({ host: '127.0.0.1', port: 0, token: TOKEN, allowedHosts: [], maxBodyBytes: 65536, createServer: () => createMcpServer(shared), ...extra });
    servers.push(s);
    return s;
  };
  beforeAll(async () => {
    shared = await createSharedRuntime(loadConfig({}, { AGENTPMT_HOME: '/tmp/agentpmt-limits-test', AGENTPMT_TRANSPORT: 'http' }));
  });
  afterAll(async () => {
    for (const s of servers) await s.close(200);
    await shared.close();
  });

  it('OAuth discovery answers 404 (no OAuth here) and the 401 carries no OAuth hint', async () => {
    const s = await start();
    const origin = new URL(s.url).origin;
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/register', '/authorize', '/token']) {
      const r = await request(origin + path);
      const text = await r.body.text();
      expect(r.statusCode, path).toBe(404);
      expect(text, path).toContain('check the token');
      expect(r.headers['www-authenticate']).toBeUndefined();
    }
    const denied = await post(s.url, { authorization: 'Bearer wrong-token-000000000' }, INIT);
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBeUndefined();
    expect(denied.text).toContain('check the token');
  });

  it('at the session cap the longest-idle session is evicted; when every session is busy, 503 with Retry-After', async () => {
    const s = await start({ maxSessions: 2 });
    const a = await initSession(s.url);
    const b = await initSession(s.url);
    const streamA = await openStream(s.url, a);
    const streamB = await openStream(s.url, b);
    const busy = await post(s.url, AUTH, INIT);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.text).toContain('AGENTPMT_HTTP_MAX_SESSIONS');
    streamA.close();
    let c = '';
    expect(await until(() => false, 300)).toBe(false); // let the server see the stream close
    c = await initSession(s.url);
    expect(c).toBeTruthy();
    expect(s.sessionCount()).toBe(2);
    expect((await post(s.url, { ...AUTH, 'mcp-session-id': a }, PING)).status).toBe(404); // A was the idle one
    expect((await post(s.url, { ...AUTH, 'mcp-session-id': b }, PING)).status).toBe(200); // B is busy: kept
    expect(streamB.state.ended).toBe(false);
    streamB.close();
  });

  it('DELETE closes the session and frees its slot', async () => {
    const s = await start({ maxSessions: 4 });
    const ids = await Promise.all([1, 2, 3].map(() => initSession(s.url)));
    expect(s.sessionCount()).toBe(3);
    for (const id of ids) {
      const r = await request(s.url, { method: 'DELETE', headers: { ...AUTH, 'mcp-session-id': id } });
      await r.body.text();
      expect(r.statusCode).toBe(200);
    }
    expect(s.sessionCount()).toBe(0);
  });

  it('DELETE and eviction give the memory back: the heap returns to where it started', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed / 2 ** 20;
    };
    const s = await start({ maxSessions: 100 });
    const agent = new Agent({ connections: 4 });
    await initSession(s.url, agent);
    const base = heap();
    const ids: string[] = [];
    for (let i = 0; i < 300; i += 4) ids.push(...(await Promise.all([1, 2, 3, 4].map(() => initSession(s.url, agent)))));
    expect(s.sessionCount()).toBe(100);
    const full = heap();
    for (const id of ids.slice(-100)) {
      const r = await request(s.url, { method: 'DELETE', headers: { ...AUTH, 'mcp-session-id': id }, dispatcher: agent });
      await r.body.text();
    }
    expect(s.sessionCount()).toBe(0);
    const after = heap();
    await agent.close();
    // 100 live sessions hold a few MB; 300 created, 200 evicted, 100 deleted: none of it stays.
    expect(full - base).toBeGreaterThan(1);
    expect(after - base).toBeLessThan((full - base) / 3);
  });

  it('connections over the cap are dropped; the server serves again once they go', async () => {
    const s = await start({ maxConnections: 8 });
    const u = new URL(s.url);
    const sockets = await Promise.all(
      Array.from({ length: 8 }, () => new Promise<net.Socket>((resolve) => {
        const sock = net.connect(Number(u.port), u.hostname, () => resolve(sock));
        sock.on('error', () => undefined);
      })),
    );
    await until(() => false, 200);
    const extra = net.connect(Number(u.port), u.hostname);
    let dropped = false;
    extra.on('close', () => (dropped = true));
    extra.on('error', () => undefined);
    expect(await until(() => dropped)).toBe(true);
    for (const sock of sockets) sock.destroy();
    await until(() => false, 200);
    expect((await post(s.url, AUTH, INIT, new Agent())).status).toBe(200);
  });

  it('a client aborting an upload is not an error in the log', async () => {
    const s = await start();
    const entries: LogEntry[] = [];
    const before = log.getLevel();
    log.setLevel('debug');
    const stop = log.addListener((e) => entries.push(e));
    try {
      const t = trickle(s.url, `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"jsonrpc"`, 'x');
      await until(() => false, 400);
      t.destroy();
      expect(await until(() => entries.some((e) => e.msg.includes('went away')))).toBe(true);
      expect(entries.filter((e) => e.level === 'error')).toEqual([]);
    } finally {
      stop();
      log.setLevel(before);
    }
  });
});

describe('HTTP under load and abuse (the CLI in its own process)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox({ runDurationMs: 8000 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.runIf(process.platform === 'linux')('2,000 session initializations stay under the cap (256) with bounded RSS: evicted sessions are freed, DELETE frees', async () => {
    // A 64 MB heap limit makes RSS measure what stays alive rather than how lazily V8
    // collects; without the cap the server runs out of heap (and crashes) here.
    const server = await startHttpServer(sandboxEnv(sandbox, { AGENTPMT_HTTP_TOKEN: TOKEN, AGENTPMT_LOG_LEVEL: 'warn', NODE_OPTIONS: '--max-old-space-size=64' }));
    const agent = new Agent({ connections: 8 });
    try {
      const first = await initSession(server.url, agent);
      const rssStart = rssMb(server.pid);
      const ids: string[] = [];
      let rssHalf = 0;
      for (let i = 0; i < 2000; i += 8) {
        ids.push(...(await Promise.all(Array.from({ length: 8 }, () => initSession(server.url, agent)))));
        if (ids.length === 1000) rssHalf = rssMb(server.pid);
      }
      const rssAfter = rssMb(server.pid);
      expect((await post(server.url, { ...AUTH, 'mcp-session-id': first }, PING, agent)).status).toBe(404);
      expect((await post(server.url, { ...AUTH, 'mcp-session-id': ids[0]! }, PING, agent)).status).toBe(404);
      expect((await post(server.url, { ...AUTH, 'mcp-session-id': ids.at(-1)! }, PING, agent)).status).toBe(200);
      for (const id of ids.slice(-256)) {
        const r = await request(server.url, { method: 'DELETE', headers: { ...AUTH, 'mcp-session-id': id }, dispatcher: agent });
        await r.body.text();
        expect(r.statusCode).toBe(200);
      }
      const rssAfterDelete = rssMb(server.pid);
      expect((await post(server.url, { ...AUTH, 'mcp-session-id': ids.at(-1)! }, PING, agent)).status).toBe(404);
      console.info(`RSS: ${rssStart.toFixed(1)} MB after one session, ${rssHalf.toFixed(1)} MB after 1,000, ${rssAfter.toFixed(1)} MB after 2,000 session inits (+${(rssAfter - rssStart).toFixed(1)} MB), ${rssAfterDelete.toFixed(1)} MB after deleting the 256 live ones`);
      expect(rssAfter - rssStart).toBeLessThan(80);
      // Past the cap, more sessions cost nothing more: the second thousand is flat.
      expect(rssAfter - rssHalf).toBeLessThan(25);
    } finally {
      await agent.close();
      captured.push(server.stderr());
      await server.stop();
    }
  }, 120_000);

  it('a slow body and slow headers are cut after their timeouts, while an SSE stream several times longer keeps working', async () => {
    const server: RunningServer = await startHttpServer(sandboxEnv(sandbox, { AGENTPMT_HTTP_TOKEN: TOKEN, AGENTPMT_HTTP_BODY_TIMEOUT_MS: '2000', AGENTPMT_HTTP_HEADERS_TIMEOUT_MS: '1000', AGENTPMT_WORKFLOW_WAIT_SECONDS: '30', AGENTPMT_LOG_LEVEL: 'warn' }));
    const client = new Client({ name: 'sse', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: AUTH } }));
      const rawSession = await initSession(server.url);
      const stream = await openStream(server.url, rawSession);
      const slowBody = trickle(server.url, `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`, ' ');
      const slowHeaders = trickle(server.url, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X');
      // An 8 s workflow run answered as an SSE response stream, with progress along the way.
      const progress: unknown[] = [];
      const run = (await client.request({ method: 'tools/call', params: { name: 'workflow_run', arguments: { workflow_id: sandbox.ids.workflow, prompt: 'long', wait_seconds: 30 } } }, CallToolResultSchema, { onprogress: (p) => progress.push(p), timeout: 60_000 })) as CallToolResult;
      expect(run.isError, JSON.stringify(run.content)).toBeFalsy();
      expect((run.structuredContent as { done?: boolean }).done).toBe(true);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      // By now (8 s, four body timeouts) both slow clients are long gone.
      expect(slowBody.state.closed).toBe(true);
      expect(slowBody.state.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(slowHeaders.state.closed).toBe(true);
      // The standalone GET stream outlived the body timeout several times and its session still works.
      expect(stream.state.ended).toBe(false);
      expect((await post(server.url, { ...AUTH, 'mcp-session-id': rawSession }, PING)).status).toBe(200);
      stream.close();
      slowBody.destroy();
      slowHeaders.destroy();
    } finally {
      await client.close().catch(() => undefined);
      captured.push(server.stderr());
      await server.stop();
    }
  }, 60_000);
});

describe('HTTP answers malformed JSON-RPC like stdio does', () => {
  let shared: Awaited<ReturnType<typeof createSharedRuntime>>;
  let s: RunningHttpServer;
  beforeAll(async () => {
    shared = await createSharedRuntime(loadConfig({}, { AGENTPMT_HOME: '/tmp/agentpmt-limits-test', AGENTPMT_TRANSPORT: 'http' }));
    s = await serveHttp({ host: '127.0.0.1', port: 0, token: TOKEN, allowedHosts: [], maxBodyBytes: 65536, createServer: () => createMcpServer(shared) });
  });
  afterAll(async () => {
    await s?.close(200);
    await shared?.close();
  });

  it('non-object arguments → -32602 with the request id; an object id → -32600', async () => {
    const sid = await initSession(s.url);
    const bad = await post(s.url, { ...AUTH, 'mcp-session-id': sid }, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'platform_health', arguments: 'x' } }));
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.text)).toMatchObject({ id: 5, error: { code: -32602 } });
    const objId = await post(s.url, { ...AUTH, 'mcp-session-id': sid }, JSON.stringify({ jsonrpc: '2.0', id: { a: 1 }, method: 'ping' }));
    expect(objId.status).toBe(400);
    expect(JSON.parse(objId.text)).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await post(s.url, { ...AUTH, 'mcp-session-id': sid }, PING)).status).toBe(200);
  });
});
