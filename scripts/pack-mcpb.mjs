#!/usr/bin/env node
// Builds the MCP Bundle (.mcpb) for Claude Desktop: `npm run pack` (which first builds and
// regenerates manifest.json). `mcpb pack` zips a directory as it is, so the bundle is packed
// from a staging directory holding only what the server needs at run time: manifest.json,
// README, a package.json without dependencies, and dist/ as one esbuild bundle with lazy chunks
// (scripts/bundle.mjs) instead of dist/ + node_modules. Then the bundle is unpacked again and its
// server started with --version, so a bundle that cannot run is never left behind.
// AGENTPMT_MCPB_OUT=<file> writes the bundle there instead of <name>-<version>.mcpb at the root.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = process.env.AGENTPMT_MCPB_OUT ? path.resolve(process.env.AGENTPMT_MCPB_OUT) : path.join(root, `${pkg.name}-${pkg.version}.mcpb`);

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

for (const f of ['manifest.json', 'dist/cli.js']) {
  if (!existsSync(path.join(root, f))) die(`${f} is missing: run npm run manifest (npm run pack does) first`);
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-mcpb-'));
const check = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-mcpb-check-'));
try {
  for (const f of ['manifest.json', 'README.md', 'LICENSE', 'LICENSE.md']) {
    if (existsSync(path.join(root, f))) cpSync(path.join(root, f), path.join(stage, f));
  }
  // dist/ bundled with its dependencies, and a package.json without dependencies or scripts
  // (version.ts reads ../package.json).
  const bytes = await bundle(path.join(stage, 'dist'));
  const { devDependencies: _d, dependencies: _r, scripts: _s, overrides: _o, bin: _b, files: _f, ...runtime } = pkg;
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(runtime, null, 2)}\n`);
  process.stdout.write(`bundled dist/: ${(bytes / 1024 / 1024).toFixed(1)} MB\n`);

  rmSync(out, { force: true });
  run(process.execPath, [mcpbCli(), 'pack', stage, out]);

  // Smoke test: the unpacked bundle, with nothing else around it, runs.
  run(process.execPath, [mcpbCli(), 'unpack', out, check], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const f of ['manifest.json', 'dist/cli.js', 'package.json']) {
    if (!existsSync(path.join(check, f))) die(`the bundle lacks ${f}`);
  }
  if (existsSync(path.join(check, 'node_modules'))) die('the bundle contains node_modules (it should carry the esbuild bundle only)');
  const v = spawnSync(process.execPath, [path.join(check, 'dist', 'cli.js'), '--version'], { encoding: 'utf8', cwd: os.tmpdir() });
  if (v.status !== 0 || v.stdout.trim() !== pkg.version) die(`the unpacked bundle does not run: ${v.stderr || v.stdout}`);
  process.stdout.write(`\n${path.relative(process.cwd(), out) || out}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB, checked (unpacked, dist/cli.js --version = ${v.stdout.trim()})\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
  rmSync(check, { recursive: true, force: true });
}
