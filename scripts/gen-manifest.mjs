#!/usr/bin/env node
// Writes manifest.json (the MCP Bundle manifest) from the built dist/manifest.js.
// Run through `npm run manifest`, which builds first.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildManifest } from '../dist/manifest.js';

const target = fileURLToPath(new URL('../manifest.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(buildManifest(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
