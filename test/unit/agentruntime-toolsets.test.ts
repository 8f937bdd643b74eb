import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentruntime } from '../../src/platforms/agentruntime/platform.js';
import { withInMemoryClient } from '../helpers.js';

function listed(toolsets: string, extra: Record<string, string> = {}) {
  const env = { AGENTPMT_PLATFORMS: 'agentruntime', AGENTRUNTIME_TOKEN: 'pat_measure_only_0000', AGENTPMT_TOOLSETS: toolsets, AGENTPMT_HOME: path.join(os.tmpdir(), 'agentruntime-measure'), ...extra };
  return withInMemoryClient(env, async (client) => (await client.listTools()).tools);
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
