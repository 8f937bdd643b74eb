#!/usr/bin/env node
// The repository must build, test, demo and bench on a clone with nothing beside it.
// This finds relative paths in our own files that climb out of the repository
// (e.g. '../../shared/spec/vectors.json'), and names of the reference shelf. outside-refs: allow
// A line that must mention such a path (this file, the guard's own test) carries that marker.
// Run as a script it prints each finding and exits 1; the test suite runs it too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCANNED_DIRS = ['src', 'test', 'bench', 'scripts', '.ci'];
const TEXT = /\.(m?[jt]s|cjs|json|sh)$|^run$/;
// A quoted string that starts with one or more '../' (or './../').
const RELATIVE = /(['"`])((?:\.\/)?(?:\.\.\/)+[^'"`\s]*)\1/g;
const ALLOW = 'outside-refs: ' + 'allow';
const SHELF = /(^|[^\w.-])shared\/(spec|seeds)\//;

/** Findings for one file's text: relative paths that resolve outside `root`, and shelf names. */
export function outsideRefs(root, file, text) {
  const found = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.includes(ALLOW)) return;
    for (const m of line.matchAll(RELATIVE)) {
      const target = path.resolve(path.dirname(file), m[2]);
      const rel = path.relative(root, target);
      if (rel.startsWith('..') || path.isAbsolute(rel)) found.push({ file, line: i + 1, ref: m[2], why: 'climbs out of the repository' });
    }
    if (SHELF.test(line)) found.push({ file, line: i + 1, ref: line.trim().slice(0, 120), why: 'names the reference shelf (shared/), which is not in the repository' });
  });
  return found;
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'results') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (TEXT.test(name)) yield full;
  }
}

/** Every finding under the scanned folders of `root`. */
export function scanRepository(root) {
  const found = [];
  for (const dir of SCANNED_DIRS) {
    let exists = true;
    try { statSync(path.join(root, dir)); } catch { exists = false; }
    if (!exists) continue;
    for (const file of walk(path.join(root, dir))) found.push(...outsideRefs(root, file, readFileSync(file, 'utf8')));
  }
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const found = scanRepository(root);
  for (const f of found) console.error(`${path.relative(root, f.file)}:${f.line}: ${f.ref} — ${f.why}`);
  process.exit(found.length ? 1 : 0);
}
