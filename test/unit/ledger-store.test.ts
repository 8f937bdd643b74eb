import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/platforms/agentpmt/payments/ledger-file.js';
import { PgLedger } from '../../src/platforms/agentpmt/payments/ledger-pg.js';
import { budgetRefusal, chooseRequirement, policyFromConfig, type Requirement } from '../../src/platforms/agentpmt/payments/policy.js';
import { loadConfig } from '../../src/config.js';
import type { LedgerStore } from '../../src/platforms/agentpmt/payments/ledger.js';
import { BASE_USDC, ledgerEntry } from '../support/ledger-entry.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

const PAYEE = '0x1111111111111111111111111111111111111111';
const policy = policyFromConfig(loadConfig({}, { AGENTPMT_DAILY_BUDGET_USD: '0.07', AGENTPMT_HOME: os.tmpdir() }));

const entry = ledgerEntry;

/** What the payer does: check the budget against what is committed, then insert, as one step. */
const reserveCent = (store: LedgerStore, id: string) =>
  store.reserve(`k-${id}`, new Date(), (view) => {
    const why = budgetRefusal(10_000n, 'USD', view.committed, policy);
    return why ? { result: false } : { insert: entry(id), result: true };
  });

const requirement: Requirement = { scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: BASE_USDC, payTo: PAYEE, maxTimeoutSeconds: 60, extra: { name: 'USD Coin', version: '2' } };

let pgServer: TestPostgres | undefined;
beforeAll(async () => {
  pgServer = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pgServer?.stop();
});

type Opener = () => Promise<LedgerStore[]>;
const fileOpeners: Opener = async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ledger-contract-')), 'payments.jsonl');
  // Three handles on one file stand for three processes: each has its own memory of the file.
  return Promise.all([1, 2, 3].map(() => FileLedger.open(file)));
};
let schema = 0;
const pgOpeners: Opener = async () => {
  // A fresh database schema per test through search_path keeps tests independent on one server.
  const name = `t${++schema}_${process.pid}`;
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: pgServer!.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const url = `${pgServer!.url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  return Promise.all([1, 2, 3].map(() => PgLedger.open(url, 'PostgreSQL test')));
};

describe.each([
  ['file', fileOpeners],
  ['PostgreSQL', pgOpeners],
] as const)('the %s ledger store', (_name, open) => {
  it('never lets concurrent reservations from several handles exceed the budget', async () => {
    const stores = await open();
    try {
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => reserveCent(stores[i % stores.length]!, `r${i}`)));
      expect(results.filter(Boolean).length).toBe(7);
      for (const s of stores) expect((await s.committedToday()).USD).toBe(70_000n);
      expect((await stores[0]!.list()).length).toBe(7);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);

  it('updates are seen by every handle; failed payments stop counting; entries survive reopening', async () => {
    const stores = await open();
    try {
      expect(await reserveCent(stores[0]!, 'a')).toBe(true);
      expect(await reserveCent(stores[1]!, 'b')).toBe(true);
      await stores[1]!.update('a', { status: 'settled', tx_hash: '0xabc' });
      await stores[2]!.update('b', { status: 'failed', failure_reason: 'refused' });
      const a = await stores[0]!.get('a');
      expect(a).toMatchObject({ status: 'settled', tx_hash: '0xabc' });
      expect(Date.parse(a!.updated_at)).toBeGreaterThan(0);
      expect((await stores[2]!.committedToday()).USD).toBe(10_000n);
      expect((await stores[0]!.byCallKey('k-b')).map((e) => e.status)).toEqual(['failed']);
      expect(await stores[0]!.problem()).toBeUndefined();
      // Yesterday's spend does not count today.
      await stores[0]!.reserve('k-old', new Date(), () => ({ insert: entry('old', { created_at: '2020-01-01T00:00:00.000Z', status: 'settled' }), result: undefined }));
      expect((await stores[1]!.committedToday()).USD).toBe(10_000n);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);

  it('refuses to record nonsense (a negative amount) instead of storing damage', async () => {
    const stores = await open();
    try {
      await expect(stores[0]!.reserve('k-neg', new Date(), () => ({ insert: entry('neg', { amount: '-5' }), result: undefined }))).rejects.toThrow(/amount/);
      expect(await stores[0]!.list()).toEqual([]);
      expect(await stores[0]!.problem()).toBeUndefined();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);

  it('a quote is redeemed once, by whichever handle gets the confirming call', async () => {
    const stores = await open();
    try {
      const c = chooseRequirement([requirement], policy, { USD: 0n, EUR: 0n });
      if (!c.ok) throw new Error('expected a choice');
      const q = await stores[0]!.quotes.issue('call-1', c.choice);
      const PG = stores[0] instanceof PgLedger;
      // Quotes are per process for the file ledger (each stdio process has its own client); shared in PostgreSQL.
      const redeemers = PG ? stores : [stores[0]!, stores[0]!, stores[0]!];
      const answers = await Promise.all(redeemers.map((s) => s.quotes.redeem(q.id, 'call-1', c.choice)));
      expect(answers.filter((a) => a === undefined).length).toBe(1);
      expect(answers.filter((a) => a !== undefined).every((a) => /unknown or expired/.test(a!))).toBe(true);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);
});
