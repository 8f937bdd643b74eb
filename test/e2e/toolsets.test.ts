import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/platforms/agentpmt/tools/index.js';
import { loadConfig } from '../../src/config.js';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { DEFAULT_TOOLSETS, TOOLSETS } from '../../src/platforms/agentpmt/toolsets.js';
import { servedPlatforms } from '../../src/assembly.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { connectStdio, sandboxEnv, withSandbox } from '../helpers.js';

/** The tools the server would serve for these settings (every served platform's). */
const selectTools = (config: ReturnType<typeof loadConfig>) => servedPlatforms(config, PLATFORMS).flatMap((s) => s.tools);
const names = (env: Record<string, string>) => selectTools(loadConfig({}, env)).map((d) => d.name);

describe('toolset selection', () => {
  it('every tool belongs to a known toolset, and "all" is the whole catalog', () => {
    for (const d of catalog) expect(TOOLSETS).toContain(d.toolset);
    expect(names({ AGENTPMT_TOOLSETS: 'all' }).length).toBe(catalog.length);
  });
  it('the default set is the default toolsets', () => {
    const def = names({});
    expect(def.length).toBeGreaterThan(0);
    for (const d of catalog) expect(def.includes(d.name)).toBe(DEFAULT_TOOLSETS.includes(d.toolset));
  });
  it('--toolsets and --tools combine; unknown names stop start-up naming the setting', () => {
    expect(names({ AGENTPMT_TOOLSETS: 'embed', AGENTPMT_TOOLS: 'platform_health' }).sort()).toEqual(
      [...catalog.filter((d) => d.toolset === 'embed').map((d) => d.name), 'platform_health'].sort(),
    );
    expect(() => names({ AGENTPMT_TOOLSETS: 'nope' })).toThrow(/AGENTPMT_TOOLSETS/);
    expect(() => names({ AGENTPMT_TOOLS: 'nope' })).toThrow(/AGENTPMT_TOOLS/);
  });
  it('read-only overrides everything else', () => {
    const ro = selectTools(loadConfig({ readOnly: 'true' }, { AGENTPMT_TOOLSETS: 'all', AGENTPMT_TOOLS: 'account_products_purchase' }));
    expect(ro.length).toBeGreaterThan(0);
    for (const d of ro) expect(d.annotations.readOnlyHint).toBe(true);
    expect(ro.map((d) => d.name)).not.toContain('account_products_purchase');
  });
});

describe('toolsets through the stdio CLI', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('AGENTPMT_READ_ONLY lists no tool without readOnlyHint: true', async () => {
    const conn = await connectStdio(sandboxEnv(sandbox, { AGENTPMT_READ_ONLY: 'true' }));
    try {
      const { tools } = await conn.client.listTools();
      expect(tools.length).toBeGreaterThan(0);
      for (const t of tools) expect(t.annotations?.readOnlyHint, t.name).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('AGENTPMT_TOOLSETS + AGENTPMT_TOOLS expose exactly those tools', async () => {
    const conn = await connectStdio(sandboxEnv(sandbox, { AGENTPMT_TOOLSETS: 'platform', AGENTPMT_TOOLS: 'embed_loader' }));
    try {
      const { tools } = await conn.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['embed_loader', 'platform_health', 'platform_jwt_public_key']);
    } finally {
      await conn.close();
    }
  });
});
