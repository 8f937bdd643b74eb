import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../src/config.js';
import { servedIndex, servedPlatforms } from '../../src/assembly.js';
import { earlyAnswers } from '../../src/early-answers.js';
import { PROTOCOL_VERSIONS } from '../../src/core/server-identity.js';
import { indexEntry } from '../../src/core/precomputed-listings.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { createMcpServer, createSharedRuntime, type Runtime } from '../../src/server.js';

const HOME = '/tmp/agentpmt-early-answers-test';
const config = (env: Record<string, string>) => loadConfig({}, { AGENTPMT_HOME: HOME, AGENTPMT_API_URL: 'http://127.0.0.1:9', AGENTPMT_WEB_URL: 'http://127.0.0.1:9', ...env });
const EVERY_PLATFORM = { AGENTRUNTIME_TOKEN: 'art_x', AGENTRUNTIME_API_URL: 'http://127.0.0.1:9', ARROTECH_API_KEY: 'k', ARROTECH_API_URL: 'http://127.0.0.1:9' };

/** Settings that change what initialize and tools/list say: platforms, toolsets, single tools, read-only. */
const CASES: [string, Record<string, string>][] = [
  ['defaults', {}],
  ['every platform', EVERY_PLATFORM],
  ['every platform, every toolset', { ...EVERY_PLATFORM, AGENTPMT_TOOLSETS: 'all' }],
  ['read-only', { ...EVERY_PLATFORM, AGENTPMT_READ_ONLY: 'true' }],
  ['AgentRuntime alone', { AGENTPMT_PLATFORMS: 'agentruntime', AGENTRUNTIME_TOKEN: 'art_x' }],
  ['toolsets and single tools', { AGENTPMT_TOOLSETS: 'wallet,schedules', AGENTPMT_TOOLS: 'marketplace_search,embed_loader' }],
  ['a bearer token with the hosted tools off', { AGENTPMT_BEARER_TOKEN: 'tok_early', AGENTPMT_HOSTED_MCP: 'false' }],
];

const runtimes: Runtime[] = [];
afterAll(async () => void (await Promise.all(runtimes.map((r) => r.close()))));

/** The server's own answers, as a client reading raw JSON-RPC sees them. */
async function serverAnswers(env: Record<string, string>, protocolVersion: string) {
  const shared = await createSharedRuntime(config(env));
  runtimes.push(shared);
  const server = createMcpServer(shared);
  const [client, end] = InMemoryTransport.createLinkedPair();
  const answers = new Map<unknown, JSONRPCMessage>();
  client.onmessage = (m) => void ('id' in m && answers.set(m.id, m));
  await server.connect(end);
  await client.start();
  await client.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await client.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
  for (let i = 0; i < 100 && answers.size < 2; i++) await new Promise((r) => setTimeout(r, 10));
  await server.close();
  const result = (id: number) => (answers.get(id) as { result?: unknown }).result;
  return { initialize: result(1), tools: result(2) };
}

describe('early answers (initialize and tools/list before the platforms load)', () => {
  it('know the protocol versions the SDK supports, newest first', () => {
    expect(PROTOCOL_VERSIONS).toEqual(SUPPORTED_PROTOCOL_VERSIONS);
    expect(PROTOCOL_VERSIONS[0]).toBe(LATEST_PROTOCOL_VERSION);
  });

  it.each(CASES)('are what the server itself answers: %s', async (_, env) => {
    const early = await earlyAnswers(config(env));
    for (const version of ['2025-06-18', LATEST_PROTOCOL_VERSION, '2024-11-05', '1999-01-01']) {
      const own = await serverAnswers(env, version);
      // Through JSON, as the client reads both.
      expect(JSON.parse(JSON.stringify(early.initialize(version)))).toEqual(own.initialize);
      expect(JSON.parse(JSON.stringify(early.tools))).toEqual(own.tools);
    }
  });

  it('leave tools/list to the server when tools join at run time (pinned actions, hosted tools)', async () => {
    expect((await earlyAnswers(config({ AGENTPMT_PIN: 'acme/echo' }))).tools).toBeUndefined();
    expect((await earlyAnswers(config({ AGENTPMT_BEARER_TOKEN: 'tok_early' }))).tools).toBeUndefined();
    expect((await earlyAnswers(config({ AGENTPMT_PIN: 'acme/echo' }))).initialize('2025-06-18')).toMatchObject({ serverInfo: { name: 'agentpmt-mcp' } });
  });

  it('select from the index the bundle carries exactly what they select from the loaded catalogs', () => {
    const indexed = PLATFORMS.map((p) => ({ ...p, catalog: p.catalog.map(indexEntry) }));
    for (const [, env] of CASES) {
      const names = (served: { tools: { name: string }[] }[]) => served.map((s) => s.tools.map((t) => t.name));
      expect(names(servedPlatforms(config(env), indexed))).toEqual(names(servedPlatforms(config(env), PLATFORMS)));
    }
  });

  it('stop start-up on a name nothing serves, naming the setting and the owner', async () => {
    await expect(servedIndex(config({ AGENTPMT_TOOLS: 'wallet_status,agentruntime_runs_list' }))).rejects.toThrow(/belongs to AgentRuntime, which this run does not serve/);
    await expect(earlyAnswers(config({ AGENTPMT_TOOLSETS: 'nope' }))).rejects.toThrow(/AGENTPMT_TOOLSETS \(--toolsets\): unknown toolset "nope"/);
  });
});
