import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/platforms/index.js';
import { SETTINGS, type SettingName } from '../../src/config.js';
import { buildManifest, MANIFEST_EXCLUDED_SETTINGS, userConfigKey, type ManifestUserConfig } from '../../src/manifest.js';
import { ROOT } from '../helpers.js';

interface Manifest {
  version: string;
  tools: { name: string; description?: string }[];
  user_config: Record<string, ManifestUserConfig>;
  server: { entry_point: string; mcp_config: { command: string; args: string[]; env: Record<string, string> } };
}

const MANIFEST_FILE = path.join(ROOT, 'manifest.json');
const committed = (): Manifest => JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;

/** The mcpb CLI of the devDependency, run with this Node (no PATH lookup, no download). */
function mcpbBin(): string {
  const pkgDir = path.join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb');
  const bin = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  return path.join(pkgDir, typeof bin === 'string' ? bin : bin.mcpb!);
}

describe('manifest.json (MCP Bundle for Claude Desktop)', () => {
  it('is what buildManifest() generates: no drift from SETTINGS, the catalog or package.json', () => {
    const expected = JSON.parse(JSON.stringify(buildManifest())) as unknown;
    expect(committed(), 'manifest.json is stale: run `npm run manifest` and commit the result').toEqual(expected);
  });

  it("lists every platform's catalog tools, by name, in registry and catalog order", () => {
    const m = committed();
    expect(m.tools.map((t) => t.name)).toEqual(PLATFORMS.flatMap((p) => p.catalog).map((d) => d.name));
    for (const t of m.tools) expect(t.description?.length, `${t.name} has a description`).toBeGreaterThan(0);
  });

  it('has a user_config entry for every setting except the HTTP/transport ones, each mapped to its env var', () => {
    const m = committed();
    const env = m.server.mcp_config.env;
    for (const [name, s] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
      const key = userConfigKey(name);
      if (MANIFEST_EXCLUDED_SETTINGS[name] !== undefined) {
        expect(m.user_config[key], `${name} is excluded from the bundle`).toBeUndefined();
        expect(env[s.env]).toBeUndefined();
        continue;
      }
      const entry = m.user_config[key];
      expect(entry, `user_config.${key} for ${s.env}`).toBeDefined();
      expect(entry!.required).toBe(false);
      expect(entry!.default, `user_config.${key} has a default, so no literal \${user_config.${key}} ever reaches the server`).toBeDefined();
      expect(env[s.env]).toBe(`\${user_config.${key}}`);
      if ('boolean' in s && s.boolean) expect(entry!.type).toBe('boolean');
    }
    for (const key of ['toolsets', 'tools', 'read_only', 'bearer_token', 'keystore', 'keystore_password']) expect(m.user_config[key]).toBeDefined();
    expect(m.user_config.timeout_ms?.type).toBe('number');
    expect(m.user_config.keystore?.type).toBe('file');
    expect(m.server.mcp_config).toMatchObject({ command: 'node', args: ['${__dirname}/dist/cli.js'] });
    expect(m.server.entry_point).toBe('dist/cli.js');
  });

  it('marks every secret setting sensitive, and nothing else', () => {
    const m = committed();
    for (const [name, s] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
      const entry = m.user_config[userConfigKey(name)];
      if (!entry) continue;
      const secret = 'secret' in s && s.secret === true;
      expect(entry.sensitive === true, `${s.env} sensitive`).toBe(secret);
      if (secret) expect(entry.default, `${s.env} default`).toBe('');
    }
    // The only secret left out is the HTTP transport's own token.
    const excludedSecrets = (Object.keys(MANIFEST_EXCLUDED_SETTINGS) as SettingName[]).filter((n) => 'secret' in SETTINGS[n] && (SETTINGS[n] as { secret?: boolean }).secret);
    expect(excludedSecrets).toEqual(['httpToken']);
  });

  it('its version is package.json\'s', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(committed().version).toBe(pkg.version);
  });

  it('passes `mcpb validate`', () => {
    const r = spawnSync(process.execPath, [mcpbBin(), 'validate', MANIFEST_FILE], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Manifest schema validation passes');
  });
});
