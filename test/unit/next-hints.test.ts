import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredResult } from '../../src/core/executor.js';
import { itemsOf, listLine, named, payloadOf } from '../../src/core/hints.js';
import { agentpmt } from '../../src/platforms/agentpmt/platform.js';
import { agentruntime } from '../../src/platforms/agentruntime/platform.js';
import { arrotech } from '../../src/platforms/arrotech/platform.js';
import { ROOT } from '../helpers.js';
import { walletTopUp } from '../../src/platforms/agentpmt/tools/low-credits.js';
import type { SpendPolicy } from '../../src/platforms/agentpmt/payments/policy.js';

/** Every .ts file of a platform's tools and code, without its sandbox (the sandbox names no MCP tools). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'sandbox' ? [] : sources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The literal tool names a platform's code puts in next hints (`tool: '…'`). */
function hintedNames(platformDir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sources(path.join(ROOT, 'src', 'platforms', platformDir))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\btool:\s*'([a-z0-9_]+)'/g)) found.set(m[1]!, path.relative(ROOT, file));
  }
  return found;
}

describe('next hints name only tools that exist', () => {
  it.each([
    ['agentpmt', agentpmt.catalog],
    ['agentruntime', agentruntime.catalog],
    ['arrotech', arrotech.catalog],
  ] as const)('every tool name in a %s hint is in its catalog', (dir, catalog) => {
    const names = new Set(catalog.map((t) => t.name));
    const hinted = hintedNames(dir);
    // The check must see the hints (a changed spelling of `tool:` would make it pass on nothing).
    expect(hinted.size).toBeGreaterThan(3);
    const missing = [...hinted].filter(([n]) => !names.has(n)).map(([n, file]) => `${n} (${file})`);
    expect(missing).toEqual([]);
  });
});

describe('declared summaries and next calls', () => {
  it('a declaration that trips over an odd answer keeps the answer and the generic summary', () => {
    const decl = {
      summary: () => {
        throw new Error('odd shape');
      },
    };
    const r = declaredResult(decl, { a: 1 }, {}, 'Generic: a 1.');
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { summary: string }).summary).toBe('Generic: a 1.');
  });

  it('a declared summary and next calls reach structuredContent and the text', () => {
    const r = declaredResult({ summary: () => 'Two things.', next: () => [{ tool: 'x_get', arguments: { id: 1 }, why: 'see it' }] }, { items: [1, 2] }, {}, 'generic');
    expect(r.structuredContent).toMatchObject({ summary: 'Two things.', next: [{ tool: 'x_get', arguments: { id: 1 } }] });
    expect((r.content[0] as { text: string }).text).toContain('Next: x_get {"id":1} — see it');
  });

  it('listings read either wrapped or bare answers, and name the first few', () => {
    const wrapped = { success: true, data: { workflows: [{ workflow_id: 'w1', name: 'Digest' }, { workflow_id: 'w2', name: 'Sync' }], total: 9 } };
    const items = itemsOf(wrapped, 'workflows');
    expect(listLine(items, 'workflows', (w) => named(w, ['name'], ['workflow_id']), { total: payloadOf(wrapped).total })).toBe('2 of 9 workflows: Digest (w1), Sync (w2).');
    expect(itemsOf({ data: [{ id: 1 }] }, 'agents')).toEqual([{ id: 1 }]);
    expect(listLine([], 'agents', () => 'x')).toBe('No agents.');
    expect(listLine([{ n: 'a' }, { n: 'b' }, { n: 'c' }, { n: 'd' }], 'things', (t) => String(t.n))).toBe('4 things: a, b, c and 1 more.');
  });
});

describe("the wallet's pool running low", () => {
  const policy = (usd: bigint) => ({ maxPayment: { USD: usd, EUR: 0n } }) as SpendPolicy;

  it('offers credits_purchase, stating the cap it must fit', () => {
    const { note, next } = walletTopUp(120, policy(10_000_000n));
    expect(note).toMatch(/^Low/);
    expect(next).toEqual([{ tool: 'credits_purchase', arguments: { credits: 500 }, why: expect.stringContaining('per-payment cap of 10.00 USD (AGENTPMT_MAX_PAYMENT_USD)') }]);
  });

  it('offers nothing it knows will fail: under the default 1 USD cap it says why instead', () => {
    const { note, next } = walletTopUp(120, policy(1_000_000n));
    expect(next).toEqual([]);
    expect(note).toMatch(/credits_purchase cannot succeed: .* cap of 1\.00 USD/);
  });

  it('says nothing about a healthy or unknown balance', () => {
    expect(walletTopUp(5_000, policy(10_000_000n))).toEqual({ next: [] });
    expect(walletTopUp(undefined, policy(10_000_000n))).toEqual({ next: [] });
  });
});
