#!/usr/bin/env node
// The "node" devDependency brings the Node 22 binary the interop tools need (the MCP
// Inspector and the conformance suite require Node >= 22). Its package declares a bin
// named "node", so npm links node_modules/.bin/node, and npm scripts and npx put
// node_modules/.bin first on PATH: every script and test would silently run on Node 22
// instead of the Node you installed (the project supports Node 20). This removes that
// one link; the binary stays at node_modules/node/bin/node, where test/interop finds it.
// Run from "prepare", which npm runs after `npm ci` / `npm install` have linked the bins.
import { lstatSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(root, 'node_modules', '.bin');
const target = path.join(root, 'node_modules', 'node', 'bin');

for (const name of ['node', 'node.cmd', 'node.ps1', 'node.exe']) {
  const link = path.join(binDir, name);
  let st;
  try {
    st = lstatSync(link);
  } catch {
    continue;
  }
  let ours = false;
  if (st.isSymbolicLink()) {
    ours = path.resolve(binDir, readlinkSync(link)).startsWith(target + path.sep);
  } else if (st.isFile() && st.size < 64 * 1024) {
    // Windows shims (.cmd/.ps1) name the target in their text.
    ours = /node[\\/]+bin[\\/]+node/.test(readFileSync(link, 'utf8'));
  }
  if (ours) {
    rmSync(link, { force: true });
    process.stdout.write(`removed ${path.relative(root, link)} (keeps npm scripts on your own Node; Node 22 stays in node_modules/node/bin)\n`);
  }
}
