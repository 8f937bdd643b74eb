import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/platforms/agentpmt/tools/index.js';
import { ROOT } from '../helpers.js';

/**
 * What `npm install agentpmt-mcp` gives a user, offline: the `npm pack` tarball of this tree
 * unpacked into node_modules/agentpmt-mcp of an empty folder whose production dependencies come
 * from our lockfile (`npm ci --omit=dev --offline`: the cache `npm ci` filled holds their
 * tarballs; a plain `npm install <tarball> --offline` would need registry metadata it does not
 * hold). The sandbox's reference facilitator is then added as a user would add it
 * (`npm install @x402/evm`), copied from this clone. From there: the CLI lists every tool, the
 * sandbox serves, and the demo runs to its end.
 */
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let app: string;
let cli: string;

beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-tarball-'));
  // dist/ is already built by `npm test`: skip the prepare script (it would build again).
  const packed = spawnSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  expect(packed.status, packed.stderr).toBe(0);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  app = path.join(dir, 'app');
  mkdirSync(app);
  for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, f), path.join(app, f));
  const deps = spawnSync(npm, ['ci', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, encoding: 'utf8' });
  expect(deps.status, deps.stderr + deps.stdout).toBe(0);
  const pkg = path.join(app, 'node_modules', 'agentpmt-mcp');
  mkdirSync(pkg, { recursive: true });
  const untar = spawnSync('tar', ['-xzf', path.join(dir, tarball!), '-C', pkg, '--strip-components=1'], { encoding: 'utf8' });
  expect(untar.status, untar.stderr).toBe(0);
  cli = path.join(pkg, 'dist', 'cli.js');
}, 240_000);

describe('the npm tarball, installed into an empty folder', () => {
  it('ships dist, the manifest and the README, and no sources or tests', () => {
    const pkg = path.join(app, 'node_modules', 'agentpmt-mcp');
    expect(existsSync(cli)).toBe(true);
    expect(existsSync(path.join(pkg, 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(existsSync(path.join(pkg, 'test'))).toBe(false);
  });

  it('lists every AgentPMT tool over stdio', async () => {
    const client = new Client({ name: 'tarball', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli], env: { PATH: process.env.PATH ?? '', AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'agentpmt-tarball-home-')), AGENTPMT_TOOLSETS: 'all', AGENTPMT_LOG_LEVEL: 'warn' }, cwd: app, stderr: 'pipe' }));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const d of catalog) expect(names).toContain(d.name);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('without @x402/evm the sandbox says what to install; with it, the sandbox serves and the demo runs', async () => {
    const missing = spawnSync(process.execPath, [cli, 'sandbox', '--port', '0'], { cwd: app, encoding: 'utf8', timeout: 20_000 });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/npm install @x402\/evm/);

    cpSync(path.join(ROOT, 'node_modules', '@x402'), path.join(app, 'node_modules', '@x402'), { recursive: true });
    const sandbox = spawn(process.execPath, [cli, 'sandbox', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sandbox.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!/Press Ctrl-C/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    sandbox.kill('SIGTERM');
    expect(out).toMatch(/AgentPMT sandbox listening on http:\/\/127\.0\.0\.1:\d+/);

    const demo = spawnSync(process.execPath, [path.join(app, 'node_modules', 'agentpmt-mcp', 'dist', 'demo.js')], { cwd: app, encoding: 'utf8', timeout: 240_000 });
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/Done\./);
  }, 300_000);
});
