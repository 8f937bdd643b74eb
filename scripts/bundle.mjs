#!/usr/bin/env node
// Bundles the built server (dist/, from tsc) with esbuild into one directory of ES modules:
// what the npm package ships as its bin (bundle/cli.js, built by `npm run build`) and what
// `npm run pack` ships in the .mcpb. The package then has no dependencies to install.
// The code's dynamic imports stay lazy chunks (the platforms a run does not serve, sandbox,
// doctor, demo, installer, the HTTP transport, viem and the keystore crypto, ajv, pg), so a
// stdio start-up loads only what it runs. `node scripts/bundle.mjs [outDir]` (default bundle/).
// Left out (external): pg's optional native and Cloudflare back-ends (pg runs without them).
import { chmodSync, readdirSync, readFileSync, statSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const BUNDLE_EXTERNAL = ['pg-native', 'pg-cloudflare', 'cloudflare:sockets'];

/**
 * Code a launch would load and never run, left out of the bundle:
 * - the SDK's default JSON Schema validator (ajv + ajv-formats), which every SDK Server and
 *   Client constructs: ours pass src/core/json-schema-validator.ts, which loads the same
 *   validator on first need (a lazy chunk);
 * - zod-to-json-schema, the SDK's converter for zod 3 schemas: all of ours are zod 4;
 * - zod's 60 locales: zod configures English, the only one we use.
 * A stub that is reached anyway throws, naming itself: the bundle tests would see it.
 */
const startupStubs = {
  name: 'agentpmt-startup-stubs',
  setup(build) {
    const sdkCore = /@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/](server|client)[\\/]/;
    build.onResolve({ filter: /validation[\\/]ajv-provider\.js$/ }, (a) => (sdkCore.test(a.importer) ? { path: 'sdk-default-validator', namespace: 'agentpmt-stub' } : undefined));
    build.onResolve({ filter: /^zod-to-json-schema$/ }, () => ({ path: 'zod-to-json-schema', namespace: 'agentpmt-stub' }));
    build.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (a) =>
      /zod[\\/]v4[\\/]/.test(a.importer) ? { path: 'zod-locales', namespace: 'agentpmt-stub', pluginData: path.dirname(path.resolve(a.resolveDir, a.path)) } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'agentpmt-stub' }, (a) => {
      const fail = (what) => `throw new Error(${JSON.stringify(`agentpmt-mcp bundle: ${what} is not bundled`)})`;
      if (a.path === 'sdk-default-validator') return { contents: `export class AjvJsonSchemaValidator { getValidator() { ${fail("the SDK's default validator (pass jsonSchemaValidator from core/json-schema-validator)")}; } }`, loader: 'js' };
      if (a.path === 'zod-to-json-schema') return { contents: `export function zodToJsonSchema() { ${fail('zod 3 schema conversion')}; }`, loader: 'js' };
      return { contents: 'export { default as en } from "./en.js";', loader: 'js', resolveDir: a.pluginData };
    });
  },
};

/**
 * Every catalog tool's tools/list entry, computed from dist/ now instead of at every launch
 * (src/core/precomputed-listings.ts): the bundle's copy of that module carries them.
 */
async function precomputed() {
  const { PLATFORMS } = await import(pathToFileURL(path.join(root, 'dist', 'platforms', 'index.js')).href);
  const { listingOf } = await import(pathToFileURL(path.join(root, 'dist', 'server.js')).href);
  const { indexEntry } = await import(pathToFileURL(path.join(root, 'dist', 'core', 'precomputed-listings.js')).href);
  return {
    listings: Object.fromEntries(PLATFORMS.flatMap((p) => p.catalog.map((t) => [t.name, listingOf(t)]))),
    catalogs: Object.fromEntries(PLATFORMS.map((p) => [p.id, p.catalog.map(indexEntry)])),
  };
}

/** The module's build-time copy: the same exports, with the data in place of undefined. */
const withPrecomputed = ({ listings, catalogs }) => ({
  name: 'agentpmt-precomputed-listings',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]core[\\/]precomputed-listings\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const data = (name, value) => `export const ${name} = JSON.parse(${JSON.stringify(JSON.stringify(value))});`;
      const contents = source
        .replace(/^export const PRECOMPUTED_LISTINGS = undefined;$/m, data('PRECOMPUTED_LISTINGS', listings))
        .replace(/^export const PRECOMPUTED_CATALOGS = undefined;$/m, data('PRECOMPUTED_CATALOGS', catalogs));
      if (!contents.includes('PRECOMPUTED_LISTINGS = JSON') || !contents.includes('PRECOMPUTED_CATALOGS = JSON')) throw new Error(`bundle: ${args.path} no longer has the exports this plugin fills`);
      return { contents, loader: 'js' };
    });
  },
});

/** Writes <outDir>/cli.js and its chunks (it reads ../package.json for the version); returns their size in bytes. */
export async function bundle(outDir) {
  const esbuild = await import('esbuild');
  const dist = outDir;
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
    plugins: [startupStubs, withPrecomputed(await precomputed())],
    // CommonJS dependencies (ajv, pg, …) call require() for Node's built-ins.
    banner: { js: "import { createRequire as __agentpmtCreateRequire } from 'node:module'; const require = __agentpmtCreateRequire(import.meta.url);" },
    legalComments: 'eof', // the dependencies' licence notices stay in the shipped files
    logLevel: 'warning',
  });
  await esbuild.stop?.();
  chmodSync(path.join(dist, 'cli.js'), 0o755);
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
  const out = process.argv[2] ?? path.join(root, 'bundle');
  const bytes = await bundle(path.resolve(out));
  process.stdout.write(`bundled into ${path.relative(process.cwd(), out) || out}: ${(bytes / 1024 / 1024).toFixed(1)} MB\n`);
}
