import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error — a plain .mjs script, typed by its use here.
import { outsideRefs, scanRepository } from '../../scripts/outside-refs.mjs';

type Finding = { file: string; line: number; ref: string; why: string };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scan = scanRepository as (root: string) => Finding[];
const refs = outsideRefs as (root: string, file: string, text: string) => Finding[];

describe('the repository is self-contained', () => {
  it('no file under src, test, bench, scripts or .ci reaches outside the repository', () => {
    const found = scan(root).map((f) => `${path.relative(root, f.file)}:${f.line} ${f.ref} (${f.why})`);
    expect(found).toEqual([]);
  });

  it('the guard catches a test that reads beside the clone', () => {
    const file = path.join(root, 'test/unit/example.test.ts');
    const text = [
      "import { x } from '../../src/x.js';", // inside: fine
      "const v = readFileSync(new URL('../../../shared/spec/vectors.json', import.meta.url));", // outside-refs: allow
      'const w = "./../../../other-repo/file.json";', // outside-refs: allow
      "const z = '../../../shared/spec/x.json'; // outside-refs: allow",
    ].join('\n');
    const found = refs(root, file, text);
    expect(found.map((f) => f.line)).toEqual([2, 2, 3]);
    expect(found[0]!.why).toMatch(/climbs out/);
  });

  it('a path that stays inside is not flagged', () => {
    const file = path.join(root, 'test/unit/example.test.ts');
    expect(refs(root, file, "new URL('../fixtures/vectors.json', import.meta.url)")).toEqual([]);
  });
});
