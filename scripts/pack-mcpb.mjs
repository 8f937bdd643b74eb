#!/usr/bin/env node
// Builds the MCP Bundle (.mcpb) for Claude Desktop: `npm run pack` (which first builds and
// regenerates manifest.json). `mcpb pack` zips a directory as it is, so the bundle is packed
// from a staging directory holding only what the server needs at run time: manifest.json,
// package.json, README, dist/ and the production node_modules (`npm install --omit=dev --omit=optional`
// at the locked versions, served from the npm cache when it can). Then the bundle is unpacked again and its
// server started with --version, so a bundle that cannot run is never left behind.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${pkg.name}-${pkg.version}.mcpb`);

function die(message) {
  process.stderr.write(`pack-mcpb: ${message}\n`);
  process.exit(1);
}

function run(command, args, opts = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', ...opts });
  if (r.error) die(`${path.basename(command)} ${args[0] ?? ''}: ${r.error.message}`);
  if (r.status !== 0) die(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited with ${r.status}`);
  return r;
}

function mcpbCli() {
  const dir = path.join(root, 'node_modules', '@anthropic-ai', 'mcpb');
  if (!existsSync(dir)) die('@anthropic-ai/mcpb is not installed: run npm ci');
  const bin = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).bin;
  return path.join(dir, typeof bin === 'string' ? bin : bin.mcpb);
}

function npm(args, cwd) {
  // Under `npm run`, npm_execpath is the npm that runs us: use it, with this Node.
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.c?js$/.test(npmCli)) return run(process.execPath, [npmCli, ...args], { cwd });
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, shell: process.platform === 'win32' });
}

for (const f of ['manifest.json', 'dist/cli.js', 'package-lock.json']) {
  if (!existsSync(path.join(root, f))) die(`${f} is missing: run npm run manifest (npm run pack does) first`);
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-mcpb-'));
const check = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-mcpb-check-'));
try {
  for (const f of ['manifest.json', 'package-lock.json', 'README.md', 'LICENSE', 'LICENSE.md']) {
    if (existsSync(path.join(root, f))) cpSync(path.join(root, f), path.join(stage, f));
  }
  // The bundle's package.json: no dev dependencies, no scripts (the staged package's prepare would try to build).
  const { devDependencies: _dev, scripts: _scripts, ...runtimePkg } = pkg;
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(runtimePkg, null, 2)}\n`);
  cpSync(path.join(root, 'dist'), path.join(stage, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') });
  // Production dependencies at the versions of package-lock.json. (`npm ci --omit=dev` would refuse:
  // it checks the lock against every platform's optional packages of the dev tools.) --omit=optional
  // as well: the lock marks typescript (our dev dependency, and an optional peer of viem, ox and
  // abitype) "devOptional", which --omit=dev alone still installs (23 MB); the only other optional
  // package of the production tree is pg-cloudflare, which pg loads only on Cloudflare Workers.
  npm(['install', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], stage);

  // TypeScript sources some dependencies ship beside their JS (mcpb already drops *.d.ts and *.map).
  writeFileSync(path.join(stage, '.mcpbignore'), '*.ts\n*.tsx\n');

  rmSync(out, { force: true });
  run(process.execPath, [mcpbCli(), 'pack', stage, out]);

  // Smoke test: the unpacked bundle, with nothing else around it, runs.
  run(process.execPath, [mcpbCli(), 'unpack', out, check], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const f of ['manifest.json', 'dist/cli.js', 'node_modules/@modelcontextprotocol/sdk/package.json', 'node_modules/zod/package.json']) {
    if (!existsSync(path.join(check, f))) die(`the bundle lacks ${f}`);
  }
  for (const dev of ['vitest', 'node', 'typescript', '@x402/evm', '@ethereumjs/wallet']) {
    if (existsSync(path.join(check, 'node_modules', dev))) die(`the bundle contains a development dependency (${dev})`);
  }
  const v = spawnSync(process.execPath, [path.join(check, 'dist', 'cli.js'), '--version'], { encoding: 'utf8', cwd: os.tmpdir() });
  if (v.status !== 0 || v.stdout.trim() !== pkg.version) die(`the unpacked bundle does not run: ${v.stderr || v.stdout}`);
  process.stdout.write(`\n${path.relative(process.cwd(), out) || out}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB, checked (unpacked, dist/cli.js --version = ${v.stdout.trim()})\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
  rmSync(check, { recursive: true, force: true });
}
