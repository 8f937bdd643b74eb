import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { HostedBridge, localEquivalent, registerHostedTools, exportedName } from '../../src/platforms/agentpmt/hosted/index.js';
import { startHostedMcp, type HostedMcp } from '../../src/platforms/agentpmt/sandbox/hosted-mcp.js';
import { captured, knownSecrets } from '../helpers.js';

const TOKEN = 'hosted-sandbox-bearer-7c1d9e2f4a6b';
knownSecrets.add(TOKEN);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const textOf = (r: unknown): string => ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');

async function upstream(): Promise<HostedMcp> {
  const fake = await startHostedMcp({ bearerToken: TOKEN });
  cleanups.push(() => fake.close());
  return fake;
}

function bridgeFor(url: string, extra: Partial<ConstructorParameters<typeof HostedBridge>[0]> = {}): HostedBridge {
  const bridge = new HostedBridge({ url, bearerToken: TOKEN, connectTimeoutMs: 2_000, callTimeoutMs: 10_000, localTools: new Set(['account_credits_balance', 'platform_health']), retryMs: 50, ...extra });
  cleanups.push(() => bridge.close());
  return bridge;
}

/** Our server side: one local tool plus the hosted ones, and a client connected to it in memory. */
async function downstream(bridge: HostedBridge): Promise<{ client: Client; listChanged: () => number }> {
  const server = new McpServer({ name: 'local', version: '0' });
  server.registerTool('local_ping', { description: 'local', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
  const stop = registerHostedTools(server, bridge);
  const client = new Client({ name: 'test', version: '0' });
  let changes = 0;
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  cleanups.push(async () => {
    stop();
    await client.close();
    await server.close();
  });
  return { client, listChanged: () => changes };
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hosted bridge', () => {
  it('the local-equivalents mapping: a covered tool is skipped only while the local one is offered', () => {
    expect(localEquivalent('get_credit_balance', new Set(['account_credits_balance']))).toBe('account_credits_balance');
    expect(localEquivalent('Get-Credit-Balance', new Set(['account_credits_balance']))).toBe('account_credits_balance');
    expect(localEquivalent('get_credit_balance', new Set())).toBeUndefined();
    expect(localEquivalent('search_tools', new Set(['account_credits_balance']))).toBeUndefined();
    expect(exportedName('a tool/with:odd chars')).toBe('hosted_a_tool_with_odd_chars');
  });

  it('re-exports upstream tools as hosted_<name> with their own schema, next to the local ones, skipping what we implement', async () => {
    const fake = await upstream();
    const bridge = bridgeFor(fake.url);
    expect(await bridge.connect()).toBe(true);
    const { client } = await downstream(bridge);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(['hosted_echo', 'hosted_fail', 'hosted_link', 'hosted_search_tools', 'hosted_slow', 'local_ping']);
    const search = tools.find((t) => t.name === 'hosted_search_tools');
    expect(search?.inputSchema.properties).toHaveProperty('query');
    expect(search?.inputSchema.required).toEqual(['query']);
    expect(search?.annotations?.readOnlyHint).toBe(true);
    const r = await client.callTool({ name: 'hosted_search_tools', arguments: { query: 'pdf', limit: 1 } });
    captured.push(JSON.stringify(r));
    expect(r.structuredContent).toEqual({ query: 'pdf', results: [{ name: 'pdf-to-text', score: 0.91 }] });
    // Upstream's own failure comes back as its error result.
    const failed = await client.callTool({ name: 'hosted_fail', arguments: {} });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/failed on purpose/);
    // The token went to the endpoint on every request, and only as its bearer.
    expect(new Set(fake.stats.authorizations)).toEqual(new Set([`Bearer ${TOKEN}`]));
  });

  it('20 concurrent hosted calls run at the same time upstream', async () => {
    const fake = await upstream();
    const bridge = bridgeFor(fake.url);
    await bridge.connect();
    const { client } = await downstream(bridge);
    const results = await Promise.all(Array.from({ length: 20 }, () => client.callTool({ name: 'hosted_slow', arguments: { ms: 1500, steps: 2 } })));
    expect(results.every((r) => textOf(r) === 'done after 1500 ms')).toBe(true);
    // All 20 were running upstream at once: the bridge neither serializes nor pools them below 20.
    expect(fake.stats.maxRunning).toBe(20);
  });

  it('progress crosses from upstream to the caller; cancellation from the caller to upstream', async () => {
    const fake = await upstream();
    const bridge = bridgeFor(fake.url);
    await bridge.connect();
    const { client } = await downstream(bridge);
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const r = await client.callTool({ name: 'hosted_slow', arguments: { ms: 200, steps: 4 } }, undefined, { onprogress: (p) => void seen.push(p) });
    expect(textOf(r)).toBe('done after 200 ms');
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(seen[0]).toMatchObject({ total: 4, message: 'step 1 of 4' });

    const abort = new AbortController();
    const call = client.callTool({ name: 'hosted_slow', arguments: { ms: 10_000, steps: 2 } }, undefined, { signal: abort.signal });
    await until(() => fake.stats.running === 1);
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(() => fake.stats.cancelled === 1);
    expect(fake.stats.running).toBe(0);
  });

  it('a call past its timeout is cancelled upstream and answered with a clear error', async () => {
    const fake = await upstream();
    const bridge = bridgeFor(fake.url, { callTimeoutMs: 300 });
    await bridge.connect();
    const r = await bridge.call('hosted_slow', { ms: 5_000, steps: 1 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/did not answer within 0\.3 s \(request cancelled upstream\)/);
    expect(textOf(r)).toMatch(/Next step:/);
    await until(() => fake.stats.cancelled === 1);
  });

  it('tools/list_changed upstream updates the re-exported tools and is re-emitted to the client', async () => {
    const fake = await upstream();
    const bridge = bridgeFor(fake.url);
    await bridge.connect();
    const { client, listChanged } = await downstream(bridge);
    fake.addTool('workflow_creator', 'Creates a workflow.');
    await until(() => listChanged() > 0);
    await until(() => bridge.list().some((t) => t.name === 'hosted_workflow_creator'));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('hosted_workflow_creator');
    expect(textOf(await client.callTool({ name: 'hosted_workflow_creator', arguments: {} }))).toBe('workflow_creator ok');
    fake.removeTool('workflow_creator');
    await until(() => !bridge.list().some((t) => t.name === 'hosted_workflow_creator'));
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('hosted_workflow_creator');
  });

  it('upstream killed mid-session: local tools still answer, hosted calls fail clearly, and it reconnects when upstream is back', async () => {
    const fake = await upstream();
    const port = Number(new URL(fake.url).port);
    const bridge = bridgeFor(fake.url);
    await bridge.connect();
    const { client } = await downstream(bridge);
    expect(textOf(await client.callTool({ name: 'hosted_echo', arguments: { message: 'hi' } }))).toBe('hi');
    await fake.kill();
    const local = await client.callTool({ name: 'local_ping', arguments: {} });
    expect(textOf(local)).toBe('pong');
    const r = await client.callTool({ name: 'hosted_echo', arguments: { message: 'hi' } });
    captured.push(textOf(r));
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/hosted AgentPMT MCP endpoint \(http:\/\/127\.0\.0\.1:\d+\) is unavailable/);
    expect(textOf(r)).toMatch(/Next step: The local agentpmt tools still work/);
    expect(textOf(r)).not.toContain(TOKEN);
    // Back on the same port: the next call reconnects.
    const again = await startHostedMcp({ bearerToken: TOKEN, port });
    cleanups.push(() => again.close());
    await until(() => bridge.status.state !== 'connecting');
    const back = await client.callTool({ name: 'hosted_echo', arguments: { message: 'back' } });
    expect(textOf(back)).toBe('back');
  });

  it('start() never waits: an unreachable or silent upstream fails within the bound', async () => {
    // Refused: nothing listens there.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const refusedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = bridgeFor(`http://127.0.0.1:${refusedPort}/mcp`, { connectTimeoutMs: 500 });
    expect(refused.start()).toBeUndefined(); // fire and forget: nothing to await
    expect(refused.status.state).not.toBe('ready');
    expect(await refused.connect()).toBe(false);
    expect(refused.status.state).toBe('down');
    expect(refused.list()).toEqual([]);
    // Silent: accepts the connection and never answers.
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    });
    const bridge = bridgeFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`, { connectTimeoutMs: 400 });
    expect(await bridge.connect()).toBe(false); // the bound ended it: the upstream never answers
    expect(bridge.status.error).toMatch(/no answer within 400 ms|abort/i);
  });

  it('the bearer token goes to the configured origin only: a redirect elsewhere gets no token', async () => {
    const fake = await upstream();
    const seenElsewhere: (string | undefined)[] = [];
    const elsewhere = http.createServer((req, res) => {
      seenElsewhere.push(req.headers.authorization);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/mcp`;
    const redirector = http.createServer((req, res) => {
      res.writeHead(307, { location: elsewhereUrl }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const s of [elsewhere, redirector]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    });
    const bridge = bridgeFor(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/mcp`, { connectTimeoutMs: 1_000 });
    expect(await bridge.connect()).toBe(false);
    expect(seenElsewhere.filter((a) => a !== undefined)).toEqual([]);
    // And a result naming another origin is only passed on, never fetched.
    const ok = bridgeFor(fake.url);
    await ok.connect();
    const before = fake.stats.authorizations.length;
    const r = await ok.call('hosted_link', {});
    expect(r.content?.[0]).toMatchObject({ type: 'resource_link', uri: 'http://127.0.0.1:9/elsewhere/report' });
    expect(fake.stats.authorizations.length).toBeGreaterThan(before);
  });

  it('a wrong token is a failed connection with a next step, not a crash', async () => {
    const fake = await upstream();
    const bridge = new HostedBridge({ url: fake.url, bearerToken: 'wrong-token-value-123', connectTimeoutMs: 1_000, callTimeoutMs: 1_000 });
    cleanups.push(() => bridge.close());
    expect(await bridge.connect()).toBe(false);
    expect(bridge.status.error).toBeDefined();
  });

  it('the fake endpoint refuses requests without the token', async () => {
    const fake = await upstream();
    const res = await fetch(fake.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });

  it('read-only mode re-exports only tools upstream marks read-only', async () => {
    const fake = await upstream();
    const bridge = bridgeFor(fake.url);
    await bridge.connect();
    const server = new McpServer({ name: 'local', version: '0' });
    registerHostedTools(server, bridge, { readOnly: true });
    const client = new Client({ name: 't', version: '0' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    await client.connect(b);
    cleanups.push(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['hosted_echo', 'hosted_search_tools']);
  });
});
