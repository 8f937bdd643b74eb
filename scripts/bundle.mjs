#!/usr/bin/env node
// Bundles the built server (dist/) with esbuild into <out>/dist: what `npm run pack` ships in
// the .mcpb instead of node_modules. `node scripts/bundle.mjs <outDir>` (needs npm run build).
// The code's dynamic imports stay lazy chunks (sandbox, doctor, demo, the HTTP transport, viem
// and the keystore crypto, ajv 2020), so a stdio start-up loads no more than from node_modules.
// Left out (external): packages only the sandbox needs (@x402/*, a development dependency; the
// sandbox then says what to install) and pg's optional native and Cloudflare back-ends.
import { readdirSync, statSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const BUNDLE_EXTERNAL = ['@x402/*', 'pg-native', 'pg-cloudflare', 'cloudflare:sockets'];

/** Writes <outDir>/dist/*.js and <outDir>/package.json; returns the bundle's size in bytes. */
export async function bundle(outDir) {
  const esbuild = await import('esbuild');
  const dist = path.join(outDir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'dist', 'cli.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    outdir: dist,
    external: BUNDLE_EXTERNAL,
    // CommonJS dependencies (ajv, pg, …) call require() for Node's built-ins.
    banner: { js: "import { createRequire as __agentpmtCreateRequire } from 'node:module'; const require = __agentpmtCreateRequire(import.meta.url);" },
    legalComments: 'eof', // the dependencies' licence notices stay in the shipped files
    logLevel: 'warning',
  });
  await esbuild.stop?.();
  // version.ts reads ../package.json; the bundle has no dependencies to install.
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const { devDependencies: _d, dependencies: _r, scripts: _s, overrides: _o, ...runtime } = pkg;
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ ...runtime, bundled: true }, null, 2)}\n`);
  let bytes = 0;
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else bytes += statSync(p).size;
    }
  };
  walk(dist);
  return bytes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node scripts/bundle.mjs <outDir>\n');
    process.exit(2);
  }
  const bytes = await bundle(path.resolve(out));
  process.stdout.write(`bundled into ${out}/dist: ${(bytes / 1024 / 1024).toFixed(1)} MB\n`);
}
