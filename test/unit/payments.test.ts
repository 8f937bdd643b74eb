import { mkdtempSync, readFileSync, appendFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { formatAmount, parseAmount } from '../../src/platforms/agentpmt/payments/assets.js';
import { QuoteBook } from '../../src/platforms/agentpmt/payments/approval.js';
import { UNRESOLVED, type PaymentEntry } from '../../src/platforms/agentpmt/payments/ledger.js';
import { FileLedger } from '../../src/platforms/agentpmt/payments/ledger-file.js';
import { ledgerEntry } from '../support/ledger-entry.js';
import { chooseRequirement, policyFromConfig, type Requirement } from '../../src/platforms/agentpmt/payments/policy.js';

const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const BASE_EURC = '0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42';
const ARB_USDC = '0xaf88d065e77c8cC2239327C5EDb3A432268e5831';
const PAYEE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const req = (over: Partial<Requirement> = {}): Requirement => ({
  scheme: 'exact',
  network: 'eip155:8453',
  amount: '50000',
  asset: BASE_USDC,
  payTo: PAYEE,
  maxTimeoutSeconds: 300,
  extra: { name: 'USD Coin', version: '2' },
  ...over,
});
const zero = { USD: 0n, EUR: 0n };
const policy = (env: Record<string, string> = {}) => policyFromConfig(loadConfig({}, env));

describe('amounts', () => {
  it('parse and format exactly', () => {
    expect(parseAmount('1.25')).toBe(1_250_000n);
    expect(parseAmount('0.000001')).toBe(1n);
    expect(formatAmount(1_250_000n)).toBe('1.25');
    expect(formatAmount(5_000_000n)).toBe('5.00');
    expect(() => parseAmount('1.2345678')).toThrow();
  });
});

describe('spend policy', () => {
  it('safe defaults: Base USDC only, 1.00 USD per payment, 5.00 USD a day, approval above 0.50, EURC off', () => {
    const p = policy();
    expect(p.networks).toEqual(['eip155:8453']);
    expect(p.assets).toEqual(['USDC']);
    expect(p.maxPayment).toEqual({ USD: 1_000_000n, EUR: 0n });
    expect(p.dailyBudget).toEqual({ USD: 5_000_000n, EUR: 0n });
    expect(p.approvalThreshold.USD).toBe(500_000n);
  });

  it('accepts an allowed payment below the threshold without approval', () => {
    const c = chooseRequirement([req()], policy(), zero);
    expect(c.ok && !c.needsApproval && c.choice.amount === 50_000n).toBe(true);
  });

  it('refuses over the cap, over the budget, a disallowed network, asset or payee — each with the setting to change', () => {
    const over = chooseRequirement([req({ amount: '2000000' })], policy(), zero);
    expect(over.ok).toBe(false);
    expect(!over.ok && over.reasons.join()).toContain('AGENTPMT_MAX_PAYMENT_USD');
    const budget = chooseRequirement([req({ amount: '900000' })], policy(), { USD: 4_500_000n, EUR: 0n });
    expect(!budget.ok && budget.reasons.join()).toContain('AGENTPMT_DAILY_BUDGET_USD');
    const net = chooseRequirement([req({ network: 'eip155:42161', asset: ARB_USDC })], policy(), zero);
    expect(!net.ok && net.reasons.join()).toContain('AGENTPMT_ALLOWED_NETWORKS');
    const eur = chooseRequirement([req({ asset: BASE_EURC, extra: { name: 'EURC', version: '2' } })], policy(), zero);
    expect(!eur.ok && eur.reasons.join()).toContain('AGENTPMT_ALLOWED_ASSETS');
    const payee = chooseRequirement([req()], policy({ AGENTPMT_ALLOWED_PAYEES: '0x0000000000000000000000000000000000000001' }), zero);
    expect(!payee.ok && payee.reasons.join()).toContain('AGENTPMT_ALLOWED_PAYEES');
  });

  it('refuses what it cannot sign or value: no EIP-712 domain anywhere, unknown scheme, non-EVM network, unknown asset', () => {
    const noDomain = { asset: BASE_EURC, extra: {} } as Partial<Requirement>;
    for (const bad of [req(noDomain), req({ scheme: 'upto' }), req({ network: 'solana:mainnet' }), req({ asset: '0x0000000000000000000000000000000000000bad' })]) {
      const c = chooseRequirement([bad], policy({ AGENTPMT_ALLOWED_NETWORKS: 'base', AGENTPMT_ALLOWED_ASSETS: 'USDC,EURC' }), zero);
      expect(c.ok).toBe(false);
    }
    const unknown = chooseRequirement([req({ asset: '0x0000000000000000000000000000000000000bad', extra: undefined })], policy(), zero);
    expect(!unknown.ok && unknown.reasons.join()).toMatch(/not a stablecoin we know.*no extra\.name/);
  });

  it('a lean requirement (extra {}, no maxTimeoutSeconds) on Base USDC takes the domain from our table and the default window', () => {
    const { maxTimeoutSeconds: _t, ...lean } = req({ extra: {} });
    const c = chooseRequirement([lean as Requirement], policy(), zero);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.choice.domain).toEqual({ name: 'USD Coin', version: '2', source: 'asset_table' });
    expect(c.choice.timeoutSeconds).toBe(60);
    expect(c.choice.requirement).toEqual(lean);
    const zeroWindow = chooseRequirement([req({ maxTimeoutSeconds: 0 })], policy(), zero);
    expect(zeroWindow.ok && zeroWindow.choice.timeoutSeconds).toBe(60);
    const given = chooseRequirement([req()], policy(), zero);
    expect(given.ok && given.choice.domain.source).toBe('challenge');
  });

  it('EURC is tracked in EUR: never counted against (or allowed by) the USD budget', () => {
    const p = policy({ AGENTPMT_ALLOWED_ASSETS: 'USDC,EURC', AGENTPMT_MAX_PAYMENT_EUR: '1', AGENTPMT_DAILY_BUDGET_EUR: '2' });
    const eurReq = req({ asset: BASE_EURC, amount: '900000', extra: { name: 'EURC', version: '2' } });
    expect(chooseRequirement([eurReq], p, { USD: 0n, EUR: 1_500_000n }).ok).toBe(false);
    expect(chooseRequirement([eurReq], p, { USD: 4_900_000n, EUR: 0n }).ok).toBe(true);
  });

  it('picks the cheapest allowed option and flags approval above the threshold', () => {
    const p = policy({ AGENTPMT_ALLOWED_NETWORKS: 'base,arbitrum' });
    const c = chooseRequirement([req({ amount: '700000' }), req({ network: 'eip155:42161', asset: ARB_USDC, amount: '600000' })], p, zero);
    expect(c.ok && c.choice.requirement.network).toBe('eip155:42161');
    expect(c.ok && c.needsApproval).toBe(true);
  });

  it('max_price is honoured', () => {
    const c = chooseRequirement([req({ amount: '300000' })], policy(), zero, { currency: 'USD', amount: 200_000n });
    expect(!c.ok && c.reasons.join()).toContain('max_price');
  });

  it('bad policy settings stop start-up naming the setting', () => {
    expect(() => loadConfig({}, { AGENTPMT_MAX_PAYMENT_USD: 'lots' })).toThrow(/AGENTPMT_MAX_PAYMENT_USD/);
    expect(() => loadConfig({}, { AGENTPMT_ALLOWED_NETWORKS: 'dogechain' })).toThrow(/AGENTPMT_ALLOWED_NETWORKS/);
    expect(() => loadConfig({}, { AGENTPMT_ALLOWED_ASSETS: 'DAI' })).toThrow(/AGENTPMT_ALLOWED_ASSETS/);
    expect(() => loadConfig({}, { AGENTPMT_ALLOWED_PAYEES: 'bob' })).toThrow(/AGENTPMT_ALLOWED_PAYEES/);
  });
});

describe('quotes', () => {
  it('pay exactly the quoted payment, once, for the same call', async () => {
    let now = 0;
    const book = new QuoteBook(() => now);
    const c = chooseRequirement([req({ amount: '700000' })], policy(), zero);
    if (!c.ok) throw new Error('expected ok');
    const q = await book.issue('call-1', c.choice);
    expect(await book.redeem(q.id, 'call-2', c.choice)).toMatch(/different call/);
    const dearer = chooseRequirement([req({ amount: '800000' })], policy(), zero);
    if (!dearer.ok) throw new Error('expected ok');
    expect(await book.redeem(q.id, 'call-1', dearer.choice)).toMatch(/amount/);
    expect(await book.redeem(q.id, 'call-1', c.choice)).toBeUndefined();
    expect(await book.redeem(q.id, 'call-1', c.choice)).toMatch(/unknown or expired/);
    const q2 = await book.issue('call-1', c.choice);
    now += 6 * 60_000;
    expect(await book.redeem(q2.id, 'call-1', c.choice)).toMatch(/expired/);
  });
});

describe('ledger', () => {
  const entry = (id: string, over: Partial<PaymentEntry> = {}): PaymentEntry => ledgerEntry(id, { status: 'pending', envelope: 'e30=', amount: '100000', auth_nonce: `0x${id.padStart(64, '0')}`, valid_before: '0', ...over });

  it('appends, folds, survives a reopen and a torn last line, and counts reserved + pending + unknown + settled as committed', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'payments.jsonl');
    const l = await FileLedger.open(file);
    const record = (e: PaymentEntry) => l.reserve(e.call_key, new Date(), () => ({ insert: e, result: undefined }));
    await record(entry('1'));
    await record(entry('2'));
    await record(entry('3', { currency: 'EUR', symbol: 'EURC' }));
    await l.update('1', { status: 'settled', tx_hash: '0xabc' });
    await l.update('2', { status: 'unknown' });
    await record(entry('4'));
    await l.update('4', { status: 'failed', failure_reason: 'nope' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    appendFileSync(file, '{"op":"update","id":"1","pa');
    const again = await FileLedger.open(file);
    expect((await again.get('1'))?.status).toBe('settled');
    expect((await again.get('1'))?.tx_hash).toBe('0xabc');
    expect((await again.list()).filter((e) => UNRESOLVED.has(e.status)).map((e) => e.id).sort()).toEqual(['2', '3']);
    expect(await again.committedToday()).toEqual({ USD: 200_000n, EUR: 100_000n });
    expect(await again.problem()).toBeUndefined();
    // The next write seals the torn fragment away instead of gluing itself onto it.
    await again.update('2', { status: 'settled' });
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBe(8);
    expect(readFileSync(`${file}.torn`, 'utf8')).toContain('{"op":"update","id":"1","pa');
    expect((await (await FileLedger.open(file)).get('2'))?.status).toBe('settled');
  });
});
