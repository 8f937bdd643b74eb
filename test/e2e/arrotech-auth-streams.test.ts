import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { arrotech } from '../../src/platforms/arrotech/platform.js';
import { startArrotechSandbox, type ArrotechSandbox } from '../../src/platforms/arrotech/sandbox/index.js';
import type { DoctorMark } from '../../src/core/platform.js';
import { call, captured, connect, connectHttp, expectNoSecretsCaptured, knownSecrets, type Connected, type TransportKind } from '../helpers.js';
import { arrotechEnv } from '../support/arrotech.js';

const sandboxes: ArrotechSandbox[] = [];
async function sandboxWith(opts: Parameters<typeof startArrotechSandbox>[0] = {}): Promise<ArrotechSandbox> {
  const s = await startArrotechSandbox({ stepMs: 80, streamIntervalMs: 30, ...opts });
  sandboxes.push(s);
  return s;
}
afterAll(async () => {
  for (const s of sandboxes) {
    for (const t of s.issuedTokens) knownSecrets.add(t);
    await s.close();
  }
});

const errorOf = (r: { data: Record<string, unknown> }) => (r.data as { error: { code: string; status?: number; message: string; next_step: string } }).error;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const expiryOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp * 1000;

describe('Arrotech Hub auth (managed login and API key)', () => {
  it('logs in once for many parallel calls (single flight), renews before expiry with /auth/refresh', async () => {
    const sandbox = await sandboxWith({ jwtTtlSeconds: 5 });
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      const first = await Promise.all(Array.from({ length: 5 }, () => call(conn.client, 'arrotech_workflows_list')));
      expect(first.every((r) => !r.isError)).toBe(true);
      expect(sandbox.counts.logins).toBe(1);
      // Past 80 % of the 5 s lifetime (renewal starts 1 s before expiry), before expiry: the next call renews first.
      await sleep(expiryOf(sandbox.issuedTokens.at(-1)!) - 700 - Date.now());
      expect((await call(conn.client, 'arrotech_workflows_list')).isError).toBeFalsy();
      expect(sandbox.counts.refreshes).toBe(1);
      await sleep(expiryOf(sandbox.issuedTokens.at(-1)!) + 200 - Date.now()); // past expiry: refresh is no longer possible, a new login happens
      expect((await call(conn.client, 'arrotech_workflows_list')).isError).toBeFalsy();
      expect(sandbox.counts.logins).toBe(2);
      expect(sandbox.counts.expiredRejections).toBe(0);
    } finally {
      await conn.close();
    }
  });

  it('a token the platform calls expired is renewed transparently: one new login, one retry, no error', async () => {
    const sandbox = await sandboxWith();
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      expect((await call(conn.client, 'arrotech_workflows_list')).isError).toBeFalsy();
      sandbox.addFault({ method: 'GET', path: '/workflows/', status: 401, body: JSON.stringify({ detail: 'Token has expired' }), times: 1 });
      const r = await call(conn.client, 'arrotech_workflows_list');
      expect(r.isError, r.text).toBeFalsy();
      expect(sandbox.counts.logins).toBe(2);
      const listCalls = sandbox.requests.filter((q) => q.path === '/workflows/');
      expect(listCalls.slice(-2).map((q) => q.status)).toEqual([401, 200]);
      expect(listCalls.at(-1)!.headers.authorization).not.toBe(listCalls.at(-2)!.headers.authorization);
    } finally {
      await conn.close();
    }
  });

  it('a wrong password fails with login_failed naming the settings; the password never appears', async () => {
    const sandbox = await sandboxWith();
    const wrong = 'definitely-the-wrong-password-42';
    knownSecrets.add(wrong);
    const conn = await connectHttp(arrotechEnv(sandbox, { ARROTECH_PASSWORD: wrong }));
    try {
      const r = await call(conn.client, 'arrotech_workflows_list');
      expect(r.isError).toBe(true);
      const e = errorOf(r);
      expect(e.code).toBe('login_failed');
      expect(e.status).toBe(401);
      expect(e.next_step).toContain('ARROTECH_PASSWORD');
      const login = sandbox.requests.find((q) => q.path === '/auth/login')!;
      expect(JSON.parse(login.body)).toEqual({ email: sandbox.credentials.email, password: wrong });
    } finally {
      await conn.close();
    }
  });

  it('API key: sent as the bearer; a wrong key is a 401 naming ARROTECH_API_KEY; data is per user', async () => {
    const sandbox = await sandboxWith();
    const keyEnv = (key: string) => arrotechEnv(sandbox, { ARROTECH_API_KEY: key, ARROTECH_EMAIL: '', ARROTECH_PASSWORD: '' });
    const mine = await connectHttp(keyEnv(sandbox.credentials.apiKey));
    const other = await connectHttp(keyEnv(sandbox.credentials.otherApiKey));
    const wrongKey = 'arro_sk_wrong_0123456789abcdef';
    knownSecrets.add(wrongKey);
    const bad = await connectHttp(keyEnv(wrongKey));
    try {
      expect((await call(mine.client, 'arrotech_workflows_get', { workflow_id: sandbox.ids.workflow })).isError).toBeFalsy();
      expect(sandbox.requests.at(-1)!.headers.authorization).toBe(`Bearer ${sandbox.credentials.apiKey}`);
      expect(sandbox.counts.logins).toBe(0);
      const theirs = await call(other.client, 'arrotech_workflows_get', { workflow_id: sandbox.ids.workflow });
      expect(errorOf(theirs).status).toBe(404);
      const denied = await call(bad.client, 'arrotech_workflows_list');
      expect(errorOf(denied).status).toBe(401);
      expect(errorOf(denied).next_step).toContain('ARROTECH_API_KEY');
      // Public routes need no credential at all.
      expect((await call(bad.client, 'arrotech_templates_categories')).isError).toBeFalsy();
    } finally {
      await Promise.all([mine.close(), other.close(), bad.close()]);
    }
  });

  it('read-only mode serves only tools that read: nothing destructive', async () => {
    const sandbox = await sandboxWith();
    const conn = await connectHttp(arrotechEnv(sandbox, { AGENTPMT_READ_ONLY: 'true' }));
    try {
      const tools = (await conn.client.listTools()).tools;
      expect(tools.length).toBeGreaterThan(10);
      expect(tools.filter((t) => t.annotations?.readOnlyHint !== true || t.annotations?.destructiveHint)).toEqual([]);
      expect(tools.map((t) => t.name)).not.toContain('arrotech_workflows_delete');
    } finally {
      await conn.close();
    }
  });

  it('the default toolsets keep the Arrotech tools/list under 4,000 tokens', async () => {
    const sandbox = await sandboxWith();
    const conn = await connectHttp(arrotechEnv(sandbox, { AGENTPMT_TOOLSETS: 'default' }));
    try {
      const tools = (await conn.client.listTools()).tools;
      expect(tools.map((t) => t.name)).toContain('arrotech_workflows_run');
      expect(tools.map((t) => t.name)).toContain('arrotech_mcp_tool_call');
      expect(Math.round(JSON.stringify(tools).length / 4)).toBeLessThanOrEqual(4000);
    } finally {
      await conn.close();
    }
  });

  it('doctor names the auth mode and proves it with a login and a read', async () => {
    const sandbox = await sandboxWith();
    const lines: [DoctorMark, string][] = [];
    const report = { line: (m: DoctorMark, t: string) => void lines.push([m, t]) };
    const doctor = await arrotech.doctor!();
    await doctor.run(loadConfig({}, arrotechEnv(sandbox)), report);
    expect(lines.map(([m]) => m)).toEqual(['✓', '✓', '✓']);
    expect(lines.map(([, t]) => t).join('\n')).toMatch(/managed login[\s\S]*login accepted[\s\S]*credential accepted/);
    lines.length = 0;
    await doctor.run(loadConfig({}, arrotechEnv(sandbox, { ARROTECH_PASSWORD: 'wrong-password-for-doctor' })), report);
    expect(lines.at(-1)![0]).toBe('✗');
    expect(lines.at(-1)![1]).toContain('ARROTECH_PASSWORD');
    knownSecrets.add('wrong-password-for-doctor');
    captured.push(...lines.map(([, t]) => t));
  });
});

describe.each<TransportKind>(['stdio', 'http'])('Arrotech Hub streams over %s', (kind) => {
  let sandbox: ArrotechSandbox;
  let conn: Connected;
  beforeAll(async () => {
    sandbox = await sandboxWith({ streamIntervalMs: 60 });
    conn = await connect(kind, arrotechEnv(sandbox, { AGENTPMT_TOOLSETS: 'default,arrotech_conversations' }));
  });
  afterAll(async () => {
    await conn?.close();
  });

  const streamed = async (name: string, args: Record<string, unknown>, signal?: AbortSignal, onFirst?: () => void) => {
    const progress: string[] = [];
    const res = await conn.client.callTool({ name, arguments: args }, undefined, {
      onprogress: (p) => {
        progress.push(String(p.message));
        if (progress.length === 1) onFirst?.();
      },
      ...(signal ? { signal } : {}),
    });
    captured.push(JSON.stringify(res));
    return { res, progress };
  };

  it('a bridged tool call streams: each SSE event a progress notification, the final one the result', async () => {
    const before = sandbox.streams.length;
    const { res, progress } = await streamed('arrotech_mcp_tool_call', { name: 'echo', arguments: { text: 'streamed hello' } });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ tool: 'echo', result: { text: 'streamed hello' } });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(/echo: Starting/);
    expect(sandbox.streams.length).toBe(before + 1);
    expect(sandbox.streams.at(-1)!.path).toBe('/mcp/call/stream');
    expect(sandbox.requests.filter((q) => q.path === '/mcp/call')).toHaveLength(0);
  });

  it('a streamed tool call that fails (error event) is an error with the platform reason', async () => {
    const { res } = await streamed('arrotech_mcp_tool_call', { name: 'slack_send_message', arguments: { channel: '#x', text: 'hi' } });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toMatch(/No active slack connection/);
  });

  it('a chat reply streams token by token as progress, the saved message is the result', async () => {
    const { res, progress } = await streamed('arrotech_conversations_send_message', { conversation_id: sandbox.ids.conversation, content: 'Show my last HubSpot deals again' });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.join('\n')).toMatch(/tokens so far/);
    expect((res.structuredContent as { message: { content: string; role: string } }).message).toMatchObject({ role: 'assistant' });
    expect(JSON.stringify(res.structuredContent)).toContain('Acme renewal');
    expect(sandbox.streams.at(-1)!.path).toMatch(/\/messages\/stream$/);
  });

  it.each([
    ['arrotech_mcp_tool_call', (_s: ArrotechSandbox) => ({ name: 'echo', arguments: { text: 'x' } })],
    ['arrotech_conversations_send_message', (s: ArrotechSandbox) => ({ conversation_id: s.ids.conversation, content: 'Write a long answer' })],
  ] as const)('cancelling %s closes the upstream stream within 1 s', async (tool, args) => {
    const slow = await sandboxWith({ streamIntervalMs: 1500 });
    const slowConn = await connect(kind, arrotechEnv(slow, { AGENTPMT_TOOLSETS: 'default,arrotech_conversations' }));
    try {
      const ac = new AbortController();
      let abortedAt = 0;
      const outcome = slowConn.client
        .callTool({ name: tool, arguments: args(slow) }, undefined, {
          signal: ac.signal,
          onprogress: () => {
            if (!abortedAt) {
              abortedAt = Date.now();
              ac.abort();
            }
          },
        })
        .then(
          () => 'resolved',
          () => 'rejected',
        );
      expect(await outcome).toBe('rejected');
      const deadline = Date.now() + 2000;
      while (slow.streams[0]?.closedAt === undefined && Date.now() < deadline) await sleep(20);
      const stream = slow.streams[0]!;
      expect(stream.completed).toBe(false);
      expect(stream.closedAt! - abortedAt).toBeLessThan(1000);
    } finally {
      await slowConn.close();
    }
  });

  it('the wait is bounded: past ARROTECH_WAIT_SECONDS the stream is closed and the model told what to do', async () => {
    const slow = await sandboxWith({ streamIntervalMs: 1200 });
    const slowConn = await connect(kind, arrotechEnv(slow, { AGENTPMT_TOOLSETS: 'default', ARROTECH_WAIT_SECONDS: '1' }));
    try {
      const started = Date.now();
      const res = await slowConn.client.callTool({ name: 'arrotech_mcp_tool_call', arguments: { name: 'echo', arguments: { text: 'x' } } }, undefined, { onprogress: () => undefined });
      captured.push(JSON.stringify(res));
      expect(res.isError).toBe(true);
      expect((res.structuredContent as { error: { code: string } }).error.code).toBe('wait_exceeded');
      expect(Date.now() - started).toBeLessThan(4000);
      const deadline = Date.now() + 1000;
      while (slow.streams[0]?.closedAt === undefined && Date.now() < deadline) await sleep(20);
      expect(slow.streams[0]!.completed).toBe(false);
    } finally {
      await slowConn.close();
    }
  });

  it('no credential, JWT or password reached a result, an error or the logs', () => {
    const secrets = [sandbox.credentials.password, sandbox.credentials.apiKey, sandbox.credentials.whatsappToken, ...sandbox.issuedTokens];
    expect(sandbox.issuedTokens.length).toBeGreaterThan(0);
    captured.push(conn.stderr());
    expectNoSecretsCaptured(secrets);
  });
});

describe('Arrotech Hub agents routes of the Public API 1.0.0 era', () => {
  it('a deployment serving /agents/agents/* is found after one route-miss 404, then used directly', async () => {
    const sandbox = await sandboxWith({ legacyAgentPaths: true });
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      const created = await call(conn.client, 'arrotech_agents_create', { workflow_id: sandbox.ids.workflow });
      expect(created.isError, created.text).toBeFalsy();
      const status = await call(conn.client, 'arrotech_agents_status', { agent_id: created.data.agent_id as string });
      expect(status.isError, status.text).toBeFalsy();
      const missing = await call(conn.client, 'arrotech_agents_status', { agent_id: 'no-such-agent' });
      expect(errorOf(missing).message).toBe('Agent not found');
      const paths = sandbox.requests.filter((q) => q.path.startsWith('/agents/')).map((q) => `${q.status} ${q.path}`);
      expect(paths[0]).toBe('404 /agents/create');
      expect(paths[1]).toBe('200 /agents/agents/create');
      expect(paths.slice(2).every((p) => p.includes('/agents/agents/'))).toBe(true);
    } finally {
      await conn.close();
    }
  });
});

describe('Arrotech Hub workflow runs are bounded and cancellable', () => {
  it('a client cancellation stops waiting and, with cancel_on_abort, cancels the execution on the platform', async () => {
    const sandbox = await sandboxWith({ stepMs: 2000 });
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      const ac = new AbortController();
      const outcome = await conn.client
        .callTool({ name: 'arrotech_workflows_run', arguments: { workflow_id: sandbox.ids.workflow, cancel_on_abort: true } }, undefined, { signal: ac.signal, onprogress: () => ac.abort() })
        .then(
          () => 'resolved',
          () => 'rejected',
        );
      expect(outcome).toBe('rejected');
      const deadline = Date.now() + 2000;
      while (!sandbox.requests.some((q) => /\/workflows\/executions\/\d+\/cancel$/.test(q.path) && q.status === 200) && Date.now() < deadline) await sleep(20);
      const cancel = sandbox.requests.find((q) => q.path.endsWith('/cancel'))!;
      expect(cancel.status).toBe(200);
      const id = /executions\/(\d+)\//.exec(cancel.path)![1]!;
      const state = await call(conn.client, 'arrotech_workflows_execution_get', { execution_id: id });
      expect((state.data.data as { status: string }).status).toBe('cancelled');
    } finally {
      await conn.close();
    }
  });

  it('past wait_seconds the run hands back the execution id to keep waiting with', async () => {
    const sandbox = await sandboxWith({ stepMs: 1500 });
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      const r = await call(conn.client, 'arrotech_workflows_run', { workflow_id: sandbox.ids.workflow, wait_seconds: 1 });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.data.done).toBe(false);
      expect(r.text).toContain('arrotech_workflows_run_wait');
      const later = await call(conn.client, 'arrotech_workflows_run_wait', { execution_id: r.data.execution_id as string, wait_seconds: 10 });
      expect(later.data.status).toBe('completed');
    } finally {
      await conn.close();
    }
  });
});

describe('Arrotech Hub deployments of the Public API 1.0.0 era', () => {
  it('a chat message asked with progress falls back to the plain endpoint after the route-miss 404', async () => {
    const sandbox = await sandboxWith({ noChatStream: true });
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      const res = await conn.client.callTool({ name: 'arrotech_conversations_send_message', arguments: { conversation_id: sandbox.ids.conversation, content: 'hello there' } }, undefined, { onprogress: () => undefined });
      captured.push(JSON.stringify(res));
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      expect((res.structuredContent as { role: string }).role).toBe('assistant');
      const paths = sandbox.requests.filter((q) => q.path.includes('/messages')).map((q) => `${q.status} ${q.path.replace(/\d+/, 'N')}`);
      expect(paths).toEqual(['404 /chat/conversations/N/messages/stream', '200 /chat/conversations/N/messages']);
    } finally {
      await conn.close();
    }
  });

  it('without GET /workflows/executions/{id}, a run is followed through the list of executions', async () => {
    const sandbox = await sandboxWith({ noExecutionRoutes: true, stepMs: 150 });
    const conn = await connectHttp(arrotechEnv(sandbox));
    try {
      const progress: string[] = [];
      const res = await conn.client.callTool({ name: 'arrotech_workflows_run', arguments: { workflow_id: sandbox.ids.workflow } }, undefined, { onprogress: (p) => void progress.push(String(p.message)) });
      captured.push(JSON.stringify(res));
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      expect((res.structuredContent as { status: string }).status).toBe('completed');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      const polls = sandbox.requests.filter((q) => q.method === 'GET' && q.path.startsWith('/workflows/executions')).map((q) => q.path.replace(/\d+/, 'N'));
      expect(polls[0]).toBe('/workflows/executions/N');
      expect(polls.slice(1).every((p) => p === '/workflows/executions')).toBe(true);
    } finally {
      await conn.close();
    }
  });
});
