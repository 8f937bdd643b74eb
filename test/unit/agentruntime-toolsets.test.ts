import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { agentruntime } from '../../src/platforms/agentruntime/platform.js';
import { createMcpServer, createSharedRuntime } from '../../src/server.js';

async function listed(toolsets: string, extra: Record<string, string> = {}) {
  const config = loadConfig({}, { AGENTPMT_PLATFORMS: 'agentruntime', AGENTRUNTIME_TOKEN: 'pat_measure_only_0000', AGENTPMT_TOOLSETS: toolsets, AGENTPMT_HOME: path.join(os.tmpdir(), 'agentruntime-measure'), ...extra });
  const shared = createSharedRuntime(config);
  const server = createMcpServer(shared);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'measure', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
    await shared.close();
  }
}

describe('AgentRuntime toolsets', () => {
  it('the default tools/list stays within 4,000 tokens (JSON characters / 4), as the README states', async () => {
    const tools = await listed('default');
    const tokens = Math.round(JSON.stringify(tools).length / 4);
    expect(tokens).toBeLessThanOrEqual(4000);
    expect(tools.map((t) => t.name)).toContain('agentruntime_workflows_run');
  });

  it('every toolset name carries the platform prefix; every tool name too', () => {
    expect(agentruntime.toolsets.known.every((t) => t.startsWith('agentruntime_'))).toBe(true);
    expect(agentruntime.catalog.every((t) => t.name.startsWith('agentruntime_') && agentruntime.toolsets.known.includes(t.toolset))).toBe(true);
  });

  it('deletes, revokes and money moves are marked and never read-only', () => {
    for (const t of agentruntime.catalog) {
      if (/_(delete|revoke|archive|cancel)$/.test(t.name)) expect(t.annotations, t.name).toMatchObject({ destructiveHint: true, readOnlyHint: false });
      if (/billing_(subscribe|change_plan|cancel)$/.test(t.name)) expect(t.annotations.readOnlyHint, t.name).toBe(false);
    }
  });
});
