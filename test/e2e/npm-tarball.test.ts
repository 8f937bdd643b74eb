import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/platforms/index.js';
import { elicitingClient, ROOT, sandboxEnv, withSandbox } from '../helpers.js';
import { listingOf } from '../../src/server.js';
import { loadConfig } from '../../src/config.js';
import { earlyAnswers } from '../../src/early-answers.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';

/**
 * What `npm install agentpmt-mcp` gives a user: the `npm pack` tarball of this tree installed
 * into an empty folder, offline. The package ships the esbuild bundle (bundle/) and has no
 * dependencies, so nothing else is fetched. From there: the bin lists every tool of every
 * platform, the sandbox serves (its x402 facilitator is bundled too), and the demo runs to its end.
 */
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let app: string;
let bin: string;

const sizeOf = (p: string): number => {
  const st = lstatSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((n, f) => n + sizeOf(path.join(p, f)), 0) : st.size;
};

beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-tarball-'));
  // bundle/ is already built by `npm test`: skip the prepare script (it would build again).
  const packed = spawnSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  expect(packed.status, packed.stderr).toBe(0);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  app = path.join(dir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const installed = spawnSync(npm, ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, tarball!)], { cwd: app, encoding: 'utf8' });
  expect(installed.status, installed.stderr + installed.stdout).toBe(0);
  bin = path.join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'agentpmt-mcp.cmd' : 'agentpmt-mcp');
}, 120_000);

describe('the npm tarball, installed into an empty folder', () => {
  it('ships the bundle, the manifest and the README; no sources, tests or dependencies', () => {
    const pkg = path.join(app, 'node_modules', 'agentpmt-mcp');
    expect(existsSync(path.join(pkg, 'bundle', 'cli.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'manifest.json'))).toBe(true);
    for (const absent of ['src', 'test', 'dist']) expect(existsSync(path.join(pkg, absent))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
    // Everything npm put in node_modules is our package (issue 18: ≤ 60 MB; it was 141 MB with node_modules).
    expect(readdirSync(path.join(app, 'node_modules')).filter((f) => f !== '.bin' && !f.startsWith('.'))).toEqual(['agentpmt-mcp']);
    expect(sizeOf(path.join(app, 'node_modules'))).toBeLessThan(10 * 1024 * 1024);
  });

  it('lists every tool of every platform over stdio, through the installed bin', async () => {
    const client = new Client({ name: 'tarball', version: '1.0.0' });
    const env = { PATH: process.env.PATH ?? '', AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'agentpmt-tarball-home-')), AGENTPMT_TOOLSETS: 'all', AGENTPMT_PLATFORMS: PLATFORMS.map((p) => p.id).join(','), AGENTRUNTIME_TOKEN: 'art_tarball', ARROTECH_API_KEY: 'tarball', AGENTPMT_HOSTED_MCP: 'false', AGENTPMT_LOG_LEVEL: 'warn' };
    await client.connect(new StdioClientTransport({ command: bin, env, cwd: app, stderr: 'pipe' }));
    try {
      const listed = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
      // The bundle carries listings computed when it was built: each equals what the sources compute.
      for (const p of PLATFORMS) for (const d of p.catalog) expect(listed.get(d.name), d.name).toEqual(listingOf(d));
      // initialize was answered before the server loaded: with what the sources' server says.
      const own = (await earlyAnswers(loadConfig({}, env))).initialize(LATEST_PROTOCOL_VERSION) as { instructions: string; serverInfo: unknown };
      expect(client.getInstructions()).toBe(own.instructions);
      expect(client.getServerVersion()).toEqual(own.serverInfo);
      // The first call is the loaded server's: it refuses the missing argument in the house format.
      const refused = await client.callTool({ name: 'marketplace_describe', arguments: {} });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.structuredContent)).toContain('invalid_argument');
    } finally {
      await client.close();
    }
  }, 60_000);

  it('answers initialize before the MCP SDK or any platform code loads (its tools/list answer is ready by then too): a host that leaves has loaded neither', () => {
    const pkg = path.join(app, 'node_modules', 'agentpmt-mcp');
    const hook = `export async function load(u, c, next) { if (u.startsWith('file:')) process.stderr.write('LOADED ' + u + '\\n'); return next(u, c); }`;
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ];
    const env = { PATH: process.env.PATH ?? '', AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'agentpmt-tarball-early-')), AGENTRUNTIME_TOKEN: 'art_tarball', ARROTECH_API_KEY: 'tarball' };
    const res = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, path.join(pkg, 'bundle', 'cli.js')], { input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', env, encoding: 'utf8', timeout: 20_000 });
    const answers = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: number; result?: { tools?: unknown[] } });
    expect(answers.map((a) => a.id)).toEqual([1]);
    const loaded = [...new Set(res.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => fileURLToPath(l.slice(7))))];
    expect(loaded.length).toBeGreaterThan(1);
    const text = loaded.map((f) => readFileSync(f, 'utf8')).join('\n');
    // The listings the bundle carries (tools/list is answered from them) are loaded ...
    expect(text).toContain(JSON.stringify(listingOf(PLATFORMS[0]!.catalog[0]!)).slice(0, 60));
    // ... and nothing only the SDK's server or a platform's running code holds.
    for (const marker of ['Cannot register capabilities after connecting to transport', 'reconciled unresolved payments', 'Check the network and AGENTRUNTIME_API_URL, then retry.', 'Check the network and the ARROTECH_API_URL setting, then retry.']) {
      expect(text.includes(marker), marker).toBe(false);
      expect(readdirSync(path.join(pkg, 'bundle')).some((f) => readFileSync(path.join(pkg, 'bundle', f), 'utf8').includes(marker)), `the bundle holds ${marker}`).toBe(true);
    }
  });

  it('a payment above the approval threshold asks the user through the bundle (its lazily loaded validator checks the answer) and pays', async () => {
    const sandbox = await withSandbox();
    const asked: string[] = [];
    const client = elicitingClient({ action: 'accept', content: { approve: true } }, asked);
    const env = sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_APPROVAL_THRESHOLD_USD: '0', AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'agentpmt-tarball-pay-')) });
    await client.connect(new StdioClientTransport({ command: bin, env: { PATH: process.env.PATH ?? '', ...env }, cwd: app, stderr: 'pipe' }));
    try {
      const r = await client.callTool({ name: 'marketplace_invoke', arguments: { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'from the bundle' }, payment: 'x402' } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(((r.structuredContent as { payment?: { status?: string } }).payment ?? {}).status).toBe('settled');
    } finally {
      await client.close();
      await sandbox.close();
    }
  }, 60_000);

  it('the sandbox serves and the demo runs to its end, with nothing else installed', async () => {
    const sandbox = spawn(bin, ['sandbox', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sandbox.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!/Press Ctrl-C/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    sandbox.kill('SIGTERM');
    expect(out).toMatch(/AgentPMT sandbox listening on http:\/\/127\.0\.0\.1:\d+/);

    const demo = spawnSync(bin, ['demo'], { cwd: app, encoding: 'utf8', timeout: 240_000 });
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/Done\./);
  }, 300_000);
});
