import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/** The import rules (.dependency-cruiser.cjs): core knows no platform, platforms know each other not, no cycles. */
const CLI = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

function cruise(cwd: string): { rule: string; from: string; to: string }[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    // Violations make the command exit non-zero; the JSON report is still on stdout.
    out = (err as { stdout: string }).stdout;
  }
  const report = JSON.parse(out) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return report.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('dependency rules', () => {
  it('src keeps them: no cycles, the core imports no platform, platforms stay apart, the sandbox verifies on its own', () => {
    expect(cruise(ROOT)).toEqual([]);
  }, 60_000);

  it('the rules catch each kind of breach (a scratch tree that breaks them all)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'depcruise-'));
    const file = (p: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), text);
    };
    file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, target: 'ES2022' }, include: ['src'] }));
    file('src/core/a.ts', "import { p } from '../platforms/p/tool.js';\nexport const c = p;\n");
    file('src/core/typea.ts', "import type { B } from './b.js';\nexport interface A { b?: B }\n");
    file('src/core/b.ts', "import type { A } from './typea.js';\nexport interface B { a?: A }\n");
    file('src/platforms/p/tool.ts', "import { q } from '../other/tool.js';\nexport const p = q;\n");
    file('src/platforms/other/tool.ts', 'export const q = 1;\n');
    file('src/platforms/p/sandbox/x.ts', "import { y } from './y.js';\nimport { p } from '../tool.js';\nexport const x = () => [y, p];\n");
    file('src/platforms/p/sandbox/y.ts', "import { x } from './x.js';\nimport { k } from '../../../sandbox-kit/k.js';\nexport const y = () => [x, k];\n"); // a scratch tree, inside it: outside-refs: allow
    file('src/sandbox-kit/k.ts', "import { p } from '../platforms/p/tool.js';\nexport const k = p;\n");
    // A cycle is reported once, at one of its edges.
    const found = cruise(dir).map((v) => `${v.rule}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual(
      [
        'core-knows-no-platform: src/core/a.ts → src/platforms/p/tool.ts',
        'no-circular: src/core/b.ts → src/core/typea.ts',
        'no-circular-sandbox-values: src/platforms/p/sandbox/x.ts → src/platforms/p/sandbox/y.ts',
        'platforms-are-separate: src/platforms/p/tool.ts → src/platforms/other/tool.ts',
        'sandbox-verifies-independently: src/platforms/p/sandbox/x.ts → src/platforms/p/tool.ts',
        'sandbox-kit-knows-no-platform: src/sandbox-kit/k.ts → src/platforms/p/tool.ts',
      ].sort(),
    );
  }, 60_000);
});
