import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadServed } from '../../src/assembly.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { PLATFORM_ENTRIES } from '../../src/platforms/registry.js';

const config = (env: Record<string, string>) => loadConfig({}, { AGENTPMT_HOME: '/tmp/agentpmt-registry-test', ...env });

describe('the platform registry (entries loaded only when served)', () => {
  it('lists the same platforms, in the same order, with the same identity as the loaded list', async () => {
    expect(PLATFORM_ENTRIES.map((e) => e.id)).toEqual(PLATFORMS.map((p) => p.id));
    for (const [i, entry] of PLATFORM_ENTRIES.entries()) {
      const loaded = await entry.load();
      expect(loaded).toBe(PLATFORMS[i]);
      expect({ id: entry.id, title: entry.title, howToEnable: entry.howToEnable }).toEqual({ id: loaded.id, title: loaded.title, howToEnable: loaded.howToEnable });
      for (const env of [{}, { AGENTRUNTIME_TOKEN: 'art_x' }, { ARROTECH_API_KEY: 'k' }] as Record<string, string>[]) expect(entry.configured(config(env))).toBe(loaded.configured(config(env)));
    }
  });

  it('serves what is configured, and still names the platform that owns a tool this run does not serve', async () => {
    expect((await loadServed(config({}))).map((s) => s.platform.id)).toEqual(['agentpmt']);
    expect((await loadServed(config({ ARROTECH_API_KEY: 'k' }))).map((s) => s.platform.id)).toEqual(['agentpmt', 'arrotech']);
    await expect(loadServed(config({ AGENTPMT_TOOLS: 'wallet_status,agentruntime_runs_list' }))).rejects.toThrow(/belongs to AgentRuntime, which this run does not serve\. To serve it: set AGENTRUNTIME_TOKEN/);
    await expect(loadServed(config({ AGENTPMT_PLATFORMS: 'agentpmt,nope' }))).rejects.toThrow(/unknown platform "nope"/);
  });
});
