import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../src/config.js';
import { createMcpServer, createSharedRuntime } from '../../src/server.js';
import { serveHttp } from '../../src/transports/http.js';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { startHostedMcp, type HostedMcp } from '../../src/platforms/agentpmt/sandbox/hosted-mcp.js';
import { call, connectStdio, knownSecrets, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

/** Our server, in process, over Streamable HTTP: started the way the CLI starts it (background work included). */
async function connectHttpStarted(env: Record<string, string>): Promise<Connected> {
  const config = loadConfig({ port: '0' }, env);
  const shared = await createSharedRuntime(config);
  await shared.start();
  const token = randomBytes(24).toString('base64url');
  knownSecrets.add(token);
  const server = await serveHttp({ host: '127.0.0.1', port: 0, token, allowedHosts: config.httpAllowedHosts, maxBodyBytes: config.httpMaxBodyBytes, createServer: () => createMcpServer(shared) });
  const client = new Client({ name: 'federation-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return {
    client,
    stderr: () => '',
    close: async () => {
      await client.close();
      await server.close(1000);
      await shared.close();
    },
  };
}

async function hostedNames(client: Client, timeoutMs = 10_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const names = (await client.listTools()).tools.map((t) => t.name);
    if (names.some((n) => n.startsWith('hosted_')) || Date.now() > end) return names;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['stdio', 'http'] as const)('federation through our server over %s', (kind) => {
  let sandbox: Sandbox;
  let hosted: HostedMcp;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await hosted?.close();
    await sandbox?.close();
  });

  const env = () => sandboxEnv(sandbox, { AGENTPMT_HOSTED_MCP: 'true', AGENTPMT_HOSTED_MCP_URL: hosted.url, AGENTPMT_TOOLSETS: 'default' });
  const open = (e: Record<string, string>) => (kind === 'stdio' ? connectStdio(e) : connectHttpStarted(e));

  it('lists hosted tools beside ours (not the ones we implement), calls them concurrently, relays progress and list_changed; upstream killed: local tools answer, hosted calls fail clearly', async () => {
    hosted = await startHostedMcp({ bearerToken: sandbox.credentials.bearerToken });
    const conn = await open(env());
    try {
      let changed = 0;
      conn.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
      const names = await hostedNames(conn.client);
      expect(names).toEqual(expect.arrayContaining(['hosted_search_tools', 'hosted_echo', 'hosted_slow', 'platform_health', 'account_credits_balance']));
      expect(names).not.toContain('hosted_get_credit_balance');

      const found = await call(conn.client, 'hosted_search_tools', { query: 'pdf' });
      expect(found.data).toMatchObject({ query: 'pdf' });

      const start = Date.now();
      const many = await Promise.all(Array.from({ length: 20 }, () => call(conn.client, 'hosted_slow', { ms: 800, steps: 2 })));
      expect(many.every((r) => r.text === 'done after 800 ms')).toBe(true);
      expect(Date.now() - start).toBeLessThan(4_000); // serial would be 16 s

      const seen: number[] = [];
      await conn.client.callTool({ name: 'hosted_slow', arguments: { ms: 200, steps: 4 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
      // The SDK client dispatches a notification a microtask after a response that arrives in the same
      // read: on a loaded machine the last progress can land after the call resolved (the bridge
      // delays its answer a turn, which helps, but a pipe may still deliver both in one read).
      expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
      expect(seen.every((v, i) => v === i + 1)).toBe(true);

      const abort = new AbortController();
      const before = hosted.stats.cancelled;
      const pending = conn.client.callTool({ name: 'hosted_slow', arguments: { ms: 20_000, steps: 2 } }, undefined, { signal: abort.signal });
      await new Promise((r) => setTimeout(r, 300));
      abort.abort();
      await expect(pending).rejects.toThrow();
      const end = Date.now() + 5_000;
      while (hosted.stats.cancelled === before && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(hosted.stats.cancelled).toBe(before + 1);

      const changesBefore = changed;
      hosted.addTool(`skills_${kind}`, 'Workflow skills.');
      const end2 = Date.now() + 5_000;
      while (changed === changesBefore && Date.now() < end2) await new Promise((r) => setTimeout(r, 50));
      expect((await conn.client.listTools()).tools.map((t) => t.name)).toContain(`hosted_skills_${kind}`);

      await hosted.kill();
      expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
      const down = await call(conn.client, 'hosted_echo', { message: 'x' });
      expect(down.isError).toBe(true);
      expect(down.text).toMatch(/hosted AgentPMT MCP endpoint .* is unavailable/);
      expect(down.text).toMatch(/Next step:/);
    } finally {
      await conn.close();
    }
  }, 60_000);
});

describe('federation does not hold up start-up', () => {
  let sandbox: Sandbox;
  let silent: http.Server;
  /** Requests the upstream received, and how many of them ended (answered, aborted or reset). */
  const upstream = { received: 0, ended: 0 };
  beforeAll(async () => {
    sandbox = await withSandbox();
    // Accepts connections and requests and never answers: the worst upstream for a start-up.
    silent = http.createServer((req) => {
      upstream.received++;
      req.socket.once('close', () => upstream.ended++);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    silent?.closeAllConnections();
    await new Promise<void>((r) => silent?.close(() => r()));
    await sandbox?.close();
  });

  // No timings: an upstream that never answers can only be waited for until someone gives up
  // (the bridge's timeout aborts the request). The first tools/list is answered with every
  // request to the upstream still open, so nothing before it waited for the upstream.
  it('the first tools/list is answered while the upstream has not answered anything', async () => {
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
    const conn = await connectStdio(sandboxEnv(sandbox, { AGENTPMT_TOOLSETS: 'default', AGENTPMT_HOSTED_MCP: 'true', AGENTPMT_HOSTED_MCP_URL: silentUrl }));
    try {
      const names = (await conn.client.listTools()).tools.map((t) => t.name);
      expect(upstream.ended).toBe(0);
      expect(names).toContain('marketplace_search'); // the catalog is served in full meanwhile
      expect(names.some((n) => n.startsWith('hosted_'))).toBe(false);
      // The bridge does try the upstream (so the check above is not vacuous).
      for (let i = 0; i < 100 && upstream.received === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(upstream.received).toBeGreaterThan(0);
    } finally {
      await conn.close();
    }
  }, 60_000);
});
