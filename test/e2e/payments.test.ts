import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxVariant } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, connectHttp, connectStdio, elicitingClient, SANDBOX_VARIANTS, sandboxEnv, withSandbox } from '../helpers.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string; address: string };
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as { code: string; status?: number; message: string; next_step: string };
const walletEnv = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) =>
  sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_LOG_LEVEL: 'info', ...extra });
const paidRequests = (s: Sandbox) => s.requests.filter((q) => q.headers['x-payment'] !== undefined).length;
const ledgerLines = (home: string) => {
  const f = path.join(home, 'payments.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { op: string; entry?: { id: string; status: string; auth_nonce: string; call_key: string; body: string }; id?: string; patch?: { status?: string } }) : [];
};
const fold = (home: string) => {
  const m = new Map<string, { status: string; auth_nonce: string; call_key: string; body: string }>();
  for (const l of ledgerLines(home)) {
    if (l.op === 'create' && l.entry) m.set(l.entry.id, { ...l.entry });
    else if (l.id && m.has(l.id)) Object.assign(m.get(l.id)!, l.patch);
  }
  return m;
};


describe.each(SANDBOX_VARIANTS.map((v): [string, SandboxVariant] => [v.name, v]))('x402 payments against the sandbox [sandbox variant %s]', (_name, variant) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('pays a tool call with x402: ledger written, settlement recorded, same nonce the sandbox settled', async () => {
    const env = walletEnv(sandbox);
    const conn = await connectHttp(env);
    try {
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'hi' }, payment: 'x402' });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.data.paid_with).toBe('x402');
      const payment = r.data.payment as { status: string; transaction: string; payment_id: string };
      expect(payment.status).toBe('settled');
      expect(payment.transaction).toMatch(/^0x[0-9a-f]{64}$/);
      const ledger = fold(env.AGENTPMT_HOME!);
      expect(ledger.get(payment.payment_id)?.status).toBe('settled');
      expect(sandbox.x402.settled.map((s) => s.nonce)).toContain(ledger.get(payment.payment_id)!.auth_nonce);
      const list = await call(conn.client, 'payments_list', { status: 'settled' });
      expect((list.data.payments as unknown[]).length).toBe(1);
      const status = await call(conn.client, 'wallet_status');
      expect(status.isError, status.text).toBeFalsy();
      expect((status.data.today as { USD: { spent_or_pending: string } }).USD.spent_or_pending).toBe('0.01');
      expect(status.data.address).toBe(vectors.address);
    } finally {
      await conn.close();
    }
  });

  it.each([
    ['over the per-payment cap', { AGENTPMT_MAX_PAYMENT_USD: '0.001' }, 'AGENTPMT_MAX_PAYMENT_USD'],
    ['over the daily budget', { AGENTPMT_DAILY_BUDGET_USD: '0.005' }, 'AGENTPMT_DAILY_BUDGET_USD'],
    ['a disallowed network', { AGENTPMT_ALLOWED_NETWORKS: 'optimism' }, 'AGENTPMT_ALLOWED_NETWORKS'],
    ['a disallowed asset', { AGENTPMT_ALLOWED_ASSETS: 'EURC', AGENTPMT_ALLOWED_NETWORKS: 'base' }, 'AGENTPMT_ALLOWED_ASSETS'],
    ['a disallowed payee', { AGENTPMT_ALLOWED_PAYEES: '0x0000000000000000000000000000000000000001' }, 'AGENTPMT_ALLOWED_PAYEES'],
  ])('%s is refused before signing, naming the setting', async (_n, extra, setting) => {
    const env = walletEnv(sandbox, extra);
    const conn = await connectHttp(env);
    try {
      const before = paidRequests(sandbox);
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: {}, payment: 'x402' });
      expect(r.isError).toBe(true);
      expect(errorOf(r).code).toBe('payment_refused_by_policy');
      expect(r.text).toContain(setting);
      expect(errorOf(r).next_step).toMatch(/Nothing was signed/);
      expect(paidRequests(sandbox)).toBe(before);
      expect(ledgerLines(env.AGENTPMT_HOME!)).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('quote flow: above the threshold the first call pays nothing and returns a quote; the same call with it pays exactly that', async () => {
    const env = walletEnv(sandbox, { AGENTPMT_APPROVAL_THRESHOLD_USD: '0' });
    const conn = await connectHttp(env);
    try {
      const args = { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'quoted' }, payment: 'x402' };
      const before = paidRequests(sandbox);
      const q = await call(conn.client, 'marketplace_invoke', args);
      expect(q.isError).toBeFalsy();
      expect(q.data.approval_required).toBe(true);
      const quoteId = q.data.quote_id as string;
      expect(paidRequests(sandbox)).toBe(before);
      const other = await call(conn.client, 'marketplace_invoke', { ...args, parameters: { message: 'something else' }, quote_id: quoteId });
      expect(errorOf(other).code).toBe('quote_mismatch');
      const q2 = await call(conn.client, 'marketplace_invoke', args);
      const paid = await call(conn.client, 'marketplace_invoke', { ...args, quote_id: q2.data.quote_id });
      expect(paid.isError, paid.text).toBeFalsy();
      expect((paid.data.payment as { status: string }).status).toBe('settled');
      // The identical call again is not paid again: it gets the recorded payment.
      const paidBefore = paidRequests(sandbox);
      const again = await call(conn.client, 'marketplace_invoke', { ...args, quote_id: q2.data.quote_id });
      expect(again.isError, again.text).toBeFalsy();
      expect((again.data.payment as { already_paid: boolean; payment_id: string }).already_paid).toBe(true);
      expect((again.data.payment as { payment_id: string }).payment_id).toBe((paid.data.payment as { payment_id: string }).payment_id);
      expect(again.text).toMatch(/^Already paid at/);
      expect(paidRequests(sandbox)).toBe(paidBefore);
      // Bought again on purpose, the used quote does not cover it.
      const reuse = await call(conn.client, 'marketplace_invoke', { ...args, quote_id: q2.data.quote_id, pay_again: true });
      expect(errorOf(reuse).code).toBe('quote_mismatch');
    } finally {
      await conn.close();
    }
  });

  it.each([
    ['accept', { action: 'accept', content: { approve: true } }, undefined],
    ['decline', { action: 'decline' }, 'payment_declined'],
    ['cancel', { action: 'cancel' }, 'quote'],
  ] as const)('elicitation: the user answers %s', async (_n, answer, code) => {
    const env = walletEnv(sandbox, { AGENTPMT_APPROVAL_THRESHOLD_USD: '0' });
    const asked: string[] = [];
    const conn = await connectHttp(env, () => elicitingClient(answer, asked));
    try {
      const before = paidRequests(sandbox);
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: `elicit-${_n}` }, payment: 'x402' });
      expect(asked.length).toBe(1);
      expect(asked[0]).toMatch(/0\.01 USD.*USDC.*Base/);
      if (code === 'quote') {
        // A cancelled prompt (headless hosts cancel them all) falls back to the quote path: nothing paid, a quote to confirm.
        expect(r.isError, r.text).toBeFalsy();
        expect(r.data).toMatchObject({ approval_required: true, approval_prompt: 'cancelled' });
        expect((r.data.next as { tool: string; arguments: { quote_id: string } }[])[0]).toMatchObject({ tool: 'marketplace_invoke', arguments: { quote_id: r.data.quote_id } });
        expect(paidRequests(sandbox)).toBe(before);
      } else if (code) {
        expect(errorOf(r).code).toBe(code);
        expect(paidRequests(sandbox)).toBe(before);
      } else {
        expect(r.isError, r.text).toBeFalsy();
        expect(paidRequests(sandbox)).toBe(before + 1);
      }
    } finally {
      await conn.close();
    }
  });

  it('credits_purchase: checks the multiple of 500 before any request, then buys credits within the policy', async () => {
    const env = walletEnv(sandbox, { AGENTPMT_MAX_PAYMENT_USD: '10', AGENTPMT_DAILY_BUDGET_USD: '20', AGENTPMT_APPROVAL_THRESHOLD_USD: '10' });
    const conn = await connectHttp(env);
    try {
      const before = sandbox.requests.length;
      const bad = await call(conn.client, 'credits_purchase', { credits: 750 });
      expect(bad.isError).toBe(true);
      expect(bad.text).toContain('500 or 1000');
      expect(sandbox.requests.length).toBe(before);
      const balance = sandbox.walletBalance(vectors.address);
      const ok = await call(conn.client, 'credits_purchase', { credits: 500 });
      expect(ok.isError, ok.text).toBeFalsy();
      expect(sandbox.walletBalance(vectors.address)).toBe(balance + 500);
      const capped = await call(await connectHttp(walletEnv(sandbox)).then((c) => c.client), 'credits_purchase', { credits: 500 });
      expect(errorOf(capped).code).toBe('payment_refused_by_policy');
    } finally {
      await conn.close();
    }
  });
});

describe('money under failure', () => {
  it('200 paid calls with random injected faults: sandbox settlements equal the ledger, no nonce settled twice, no call paid twice', async () => {
    const sandbox = await withSandbox();
    sandbox.x402Faults.set({ dropAfterSettle: 0.15, status5xx: 0.15, malformedSettlement: 0.1, seed: 42 });
    const env = walletEnv(sandbox, { AGENTPMT_LOG_LEVEL: 'error', AGENTPMT_DAILY_BUDGET_USD: '5' });
    const conn = await connectHttp(env);
    try {
      const calls = Array.from({ length: 200 }, (_, i) => ({ product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: `call-${i}` }, payment: 'x402' }));
      for (let i = 0; i < calls.length; i += 10) await Promise.all(calls.slice(i, i + 10).map((a) => call(conn.client, 'marketplace_invoke', a)));
      // Calls left unknown are finished the way the model is told to: the same call again (it resends the same envelope).
      sandbox.x402Faults.clear();
      for (const e of [...fold(env.AGENTPMT_HOME!).values()].filter((x) => x.status === 'unknown' || x.status === 'pending')) {
        await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: JSON.parse(e.body) as object, payment: 'x402' });
      }
      const ledger = [...fold(env.AGENTPMT_HOME!).values()];
      expect(ledger.filter((e) => e.status === 'unknown' || e.status === 'pending')).toEqual([]);
      const settled = ledger.filter((e) => e.status === 'settled');
      const sandboxNonces = sandbox.x402.settled.map((x) => x.nonce).sort();
      expect(new Set(sandboxNonces).size, 'a nonce settled twice').toBe(sandboxNonces.length);
      expect(settled.map((e) => e.auth_nonce).sort()).toEqual(sandboxNonces);
      const perCall = new Map<string, number>();
      for (const e of settled) perCall.set(e.call_key, (perCall.get(e.call_key) ?? 0) + 1);
      expect([...perCall.values()].filter((n) => n > 1), 'a call paid twice').toEqual([]);
      expect(perCall.size).toBe(200);
    } finally {
      await conn.close();
      await sandbox.close();
    }
  }, 120_000);

  it('crash: the server is SIGKILLed between sending a payment and recording its outcome; after restart it is reconciled without a second payment', async () => {
    const sandbox = await withSandbox();
    sandbox.x402Faults.set({ delayMs: 4000 });
    const env = walletEnv(sandbox);
    const first = await connectStdio(env);
    const pending = call(first.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'crash' }, payment: 'x402' });
    pending.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && sandbox.x402.settled.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(sandbox.x402.settled.length).toBe(1);
    process.kill(first.pid!, 'SIGKILL');
    await first.close().catch(() => undefined);
    const before = [...fold(env.AGENTPMT_HOME!).values()];
    expect(before.map((e) => e.status)).toEqual(['pending']);
    sandbox.x402Faults.clear();
    const second = await connectStdio(env);
    try {
      const until = Date.now() + 30_000;
      while (Date.now() < until && [...fold(env.AGENTPMT_HOME!).values()][0]?.status !== 'settled') await new Promise((r) => setTimeout(r, 50));
      const after = [...fold(env.AGENTPMT_HOME!).values()];
      expect(after.map((e) => e.status)).toEqual(['settled']);
      expect(sandbox.x402.settled.length).toBe(1);
      expect(after[0]!.auth_nonce).toBe(sandbox.x402.settled[0]!.nonce);
    } finally {
      await second.close();
      await sandbox.close();
    }
  }, 60_000);
});
