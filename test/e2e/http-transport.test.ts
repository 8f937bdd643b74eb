import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CLI, call, captured, connectHttp, knownSecrets, sandboxEnv, withSandbox, type Connected } from '../helpers.js';
import type { RunningHttpServer } from '../../src/transports/http.js';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const TOKEN = 'test-http-token-0123456789';

async function post(url: string, headers: Record<string, string>, body: string) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });
  const text = await res.body.text();
  return { status: res.statusCode, text, headers: res.headers };
}

describe('Streamable HTTP transport', () => {
  let sandbox: Sandbox;
  let conn: Connected & { server: RunningHttpServer };
  beforeAll(async () => {
    sandbox = await withSandbox();
    conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_HTTP_TOKEN: TOKEN, AGENTPMT_HTTP_MAX_BODY_BYTES: '4096' }));
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('an authorized SDK client works', async () => {
    expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
  });

  it('missing or wrong token → 401', async () => {
    const none = await post(conn.server.url, {}, JSON.stringify(INIT));
    expect(none.status).toBe(401);
    // No OAuth hint: clients must report the wrong token, not start a sign-in.
    expect(none.headers['www-authenticate']).toBeUndefined();
    expect(none.text).toContain('check the token');
    const wrong = await post(conn.server.url, { authorization: 'Bearer nope' }, JSON.stringify(INIT));
    expect(wrong.status).toBe(401);
  });

  it('foreign Host or Origin header → 403 (DNS rebinding)', async () => {
    const host = await post(conn.server.url, { authorization: `Bearer ${TOKEN}`, host: 'evil.example:3333' }, JSON.stringify(INIT));
    expect(host.status).toBe(403);
    const origin = await post(conn.server.url, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }, JSON.stringify(INIT));
    expect(origin.status).toBe(403);
    const local = await post(conn.server.url, { authorization: `Bearer ${TOKEN}`, origin: 'http://localhost:5173' }, JSON.stringify(INIT));
    expect(local.status).toBe(200);
  });

  it('oversized body → 413, and the server keeps serving', async () => {
    const big = JSON.stringify({ ...INIT, padding: 'x'.repeat(10_000) });
    const r = await post(conn.server.url, { authorization: `Bearer ${TOKEN}` }, big);
    expect(r.status).toBe(413);
    expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
  });

  it('answers in plain JSON unless something streams: a call that reports progress turns into an event stream', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const session = async (capabilities: Record<string, unknown>) => {
      const init = await post(conn.server.url, auth, JSON.stringify({ ...INIT, params: { ...INIT.params, capabilities } }));
      expect(init.headers['content-type']).toBe('application/json');
      const headers = { ...auth, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
      await post(conn.server.url, headers, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      return (body: Record<string, unknown>) => post(conn.server.url, headers, JSON.stringify({ jsonrpc: '2.0', id: 7, ...body }));
    };
    const plain = await session({});
    const listed = await plain({ method: 'tools/list' });
    expect(listed.headers['content-type']).toBe('application/json');
    expect(Number(listed.headers['content-length'])).toBe(Buffer.byteLength(listed.text));
    expect((JSON.parse(listed.text) as { id: number }).id).toBe(7);
    const called = await plain({ method: 'tools/call', params: { name: 'platform_health', arguments: {} } });
    expect(called.headers['content-type']).toBe('application/json');
    expect((JSON.parse(called.text) as { result: { isError?: boolean } }).result.isError).toBeFalsy();
    // A progress token alone changes nothing when the tool reports no progress.
    const quiet = await plain({ method: 'tools/call', params: { name: 'platform_health', arguments: {}, _meta: { progressToken: 'p0' } } });
    expect(quiet.headers['content-type']).toBe('application/json');
    // A run reports progress while it waits: the answer becomes a stream, progress first, the result last.
    const run = await plain({ method: 'tools/call', params: { name: 'workflow_run', arguments: { workflow_id: sandbox.ids.workflow, prompt: 'stream it' }, _meta: { progressToken: 'p1' } } });
    expect(run.headers['content-type']).toBe('text/event-stream');
    const events = run.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { method?: string; id?: number });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]!.method).toBe('notifications/progress');
    expect(events.at(-1)!.id).toBe(7);
    // A client that can be asked questions still gets JSON when nobody asks it anything.
    const asks = await session({ elicitation: {} });
    const asked = await asks({ method: 'tools/call', params: { name: 'platform_health', arguments: {} } });
    expect(asked.headers['content-type']).toBe('application/json');
  });

  it('unknown session → 404, non-initialize without session → 400, bad JSON → 400', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const unknown = await post(conn.server.url, { ...auth, 'mcp-session-id': 'nope' }, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    expect(unknown.status).toBe(404);
    const noSession = await post(conn.server.url, auth, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    expect(noSession.status).toBe(400);
    const badJson = await post(conn.server.url, auth, '{nope');
    expect(badJson.status).toBe(400);
  });
});

describe('the CLI in HTTP mode', () => {
  it('without AGENTPMT_HTTP_TOKEN generates a token into a 0600 file, names the file but never prints the token, and requires it; shuts down cleanly on SIGTERM', async () => {
    const sandbox = await withSandbox();
    const env = sandboxEnv(sandbox);
    const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !/listening on (http:\/\/\S+)/.test(err)) await new Promise((r) => setTimeout(r, 50));
    const url = /listening on (http:\/\/\S+)/.exec(err)?.[1];
    expect(url).toBeTruthy();
    const file = path.join(env.AGENTPMT_HOME!, 'http-token');
    expect(err).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    knownSecrets.add(token);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await post(url!, {}, JSON.stringify(INIT))).status).toBe(401);
    const r = await post(url!, { authorization: `Bearer ${token}` }, JSON.stringify(INIT));
    expect(r.status).toBe(200);
    expect(r.headers['mcp-session-id']).toBeTruthy();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(err).not.toContain(token);
    captured.push(err);
    await sandbox.close();
  });
});

describe('idle HTTP sessions', () => {
  it('are closed after the idle timeout, so vanished clients do not pile up', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const { createMcpServer, createSharedRuntime } = await import('../../src/server.js');
    const { serveHttp } = await import('../../src/transports/http.js');
    const shared = await createSharedRuntime(loadConfig({}, { AGENTPMT_HOME: '/tmp/agentpmt-idle-test' }));
    const server = await serveHttp({ host: '127.0.0.1', port: 0, token: TOKEN, allowedHosts: [], maxBodyBytes: 65536, createServer: () => createMcpServer(shared), sessionIdleMs: 300 });
    const auth = { authorization: `Bearer ${TOKEN}` };
    try {
      const init = await post(server.url, auth, JSON.stringify(INIT));
      const sid = init.headers['mcp-session-id'] as string;
      expect(sid).toBeTruthy();
      await new Promise((r) => setTimeout(r, 900));
      const later = await post(server.url, { ...auth, 'mcp-session-id': sid }, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
      expect(later.status).toBe(404);
    } finally {
      await server.close(500);
      await shared.close();
    }
  });
});

describe('a question for the user travels on the call it belongs to', () => {
  it('a client with no GET stream gets the elicitation on its call\'s own response stream, answers it, and the call completes', async () => {
    const sandbox = await withSandbox();
    const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string };
    const token = 'elicit-http-token-0123456789';
    const conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_HTTP_TOKEN: token, AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_APPROVAL_THRESHOLD_USD: '0' }));
    try {
      const auth = { authorization: `Bearer ${token}` };
      // A minimal client: initialize, then POSTs only (it never opens the GET stream).
      const init = await post(conn.server.url, auth, JSON.stringify({ ...INIT, params: { ...INIT.params, capabilities: { elicitation: {} } } }));
      const headers = { ...auth, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
      await post(conn.server.url, headers, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      const callBody = { jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'marketplace_invoke', arguments: { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'ask me' }, payment: 'x402' } } };
      const res = await request(conn.server.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(callBody) });
      expect(res.headers['content-type']).toBe('text/event-stream');
      let buffered = '';
      const messages: { id?: number | string; method?: string; result?: { isError?: boolean; structuredContent?: { payment?: { status?: string } } } }[] = [];
      for await (const chunk of res.body) {
        buffered += String(chunk);
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const data = buffered.slice(0, end).split('\n').find((l) => l.startsWith('data: '));
          buffered = buffered.slice(end + 2);
          if (!data) continue;
          const m = JSON.parse(data.slice(6)) as (typeof messages)[number];
          messages.push(m);
          // The question: answered with a POST of our own while the call's stream stays open.
          if (m.method === 'elicitation/create') {
            const answer = await post(conn.server.url, headers, JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { approve: true } } }));
            expect(answer.status).toBe(202);
          }
        }
      }
      expect(messages.map((m) => m.method ?? `answer ${String(m.id)}`)).toEqual(['elicitation/create', 'answer 41']);
      expect(messages[1]!.result?.isError).toBeFalsy();
      expect(messages[1]!.result?.structuredContent?.payment?.status).toBe('settled');
    } finally {
      await conn.close();
      await sandbox.close();
    }
  }, 60_000);
});
