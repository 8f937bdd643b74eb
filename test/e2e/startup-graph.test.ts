import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers.js';

/**
 * What a stdio launch loads (node dist/cli.js with stdin at EOF), as files: the heavy
 * libraries only some calls need stay out of it (issue 18). Counts files, not time.
 */
function startupFiles(): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-startup-'));
  const hook = `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) process.stderr.write('LOADED_ESM ' + r.url + '\\n'); return r; }`;
  const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
  const preload = path.join(dir, 'cjs.cjs');
  writeFileSync(preload, "process.on('exit', () => { for (const k of Object.keys(require.cache)) process.stderr.write('LOADED_CJS ' + k + '\\n'); });\n");
  const res = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '-r', preload, CLI], {
    input: '',
    env: { PATH: process.env.PATH ?? '', AGENTPMT_HOME: dir },
    encoding: 'utf8',
    timeout: 25_000,
  });
  const files = res.stderr
    .split('\n')
    .flatMap((l) => (l.startsWith('LOADED_ESM ') ? [fileURLToPath(l.slice(11))] : l.startsWith('LOADED_CJS ') ? [l.slice(11)] : []))
    .filter((f) => f !== preload);
  expect(files.some((f) => f.endsWith(path.join('dist', 'server.js')))).toBe(true); // the hook saw the start-up at all
  return [...new Set(files)];
}

describe('start-up module graph', () => {
  it('leaves out viem, the keystore crypto, the sandbox and our JSON Schema 2020 validator', () => {
    const files = startupFiles().map((f) => f.split(path.sep).join('/'));
    const loaded = (re: RegExp) => files.filter((f) => re.test(f));
    expect(loaded(/node_modules\/(viem|ox|@noble|@ethereumjs|@x402)\//)).toEqual([]);
    expect(loaded(/node_modules\/ajv\/dist\/2020\.js$/)).toEqual([]);
    expect(loaded(/dist\/platforms\/agentpmt\/sandbox\//)).toEqual([]);
    // The hosted-MCP bridge (an SDK client) loads only when federation starts, after start-up.
    expect(loaded(/dist\/platforms\/agentpmt\/hosted\/bridge\.js$|@modelcontextprotocol\/sdk\/dist\/esm\/client\//)).toEqual([]);
  });

  it('loads only the platforms it serves: with no AgentRuntime or Arrotech credentials, none of their modules', () => {
    const files = startupFiles().map((f) => f.split(path.sep).join('/'));
    expect(files.filter((f) => /dist\/platforms\/agentpmt\/tools\//.test(f)).length).toBeGreaterThan(0);
    // Their registry entries (entry, identity, instructions, settings, toolsets) are all a start-up pays for them.
    expect(files.filter((f) => /dist\/platforms\/(agentruntime|arrotech)\//.test(f) && !/\/(entry|identity|instructions|settings|toolsets)\.js$/.test(f))).toEqual([]);
  });
});
