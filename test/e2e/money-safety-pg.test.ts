import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, captured, CLI, connectStdio, knownSecrets, sandboxEnv, withSandbox } from '../helpers.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string };
type Err = { code: string; message: string };
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as Err;
const paidRequests = (s: Sandbox) => s.requests.filter((q) => q.headers['x-payment'] !== undefined).length;
const invokeArgs = (sandbox: Sandbox, tag: string, extra: Record<string, unknown> = {}) => ({ product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: tag }, payment: 'x402', ...extra });
const HTTP_TOKEN = 'pg-instances-http-token-0123456789';

let db: TestPostgres;
let schemas = 0;
let sandbox: Sandbox;

/** A fresh schema per test on the one server: the instances of a test share it, tests do not. */
async function freshLedgerUrl(): Promise<string> {
  const name = `e2e${++schemas}_${process.pid}`;
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  return `${db.url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
}

async function ledgerRows(url: string): Promise<Array<{ status: string; auth_nonce?: string }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ entry: { status: string; auth_nonce?: string } }>('SELECT entry FROM agentpmt_payments')).rows.map((r) => r.entry);
  } finally {
    await c.end();
  }
}

function expectAgreement(rows: Array<{ status: string; auth_nonce?: string }>, settled: number) {
  const nonces = sandbox.x402.settled.map((x) => x.nonce).sort();
  expect(new Set(nonces).size, 'a nonce settled twice').toBe(nonces.length);
  expect(nonces.length).toBe(settled);
  expect(rows.filter((e) => e.status === 'settled').map((e) => e.auth_nonce).sort()).toEqual(nonces);
}

/** Server instances as separate processes, each with its own state directory: only PostgreSQL is shared. */
const instanceEnv = (ledgerUrl: string, extra: Record<string, string> = {}) =>
  sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_LOG_LEVEL: 'warn', AGENTPMT_TIMEOUT_MS: '10000', AGENTPMT_LEDGER_URL: ledgerUrl, ...extra });

async function startHttpInstance(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0'], { env: { PATH: process.env.PATH ?? '', ...env, AGENTPMT_HTTP_TOKEN: HTTP_TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${err}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      captured.push(d.toString());
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { url, child };
}

async function httpClient(url: string, name: string): Promise<Client> {
  const c = new Client({ name, version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${HTTP_TOKEN}` } } }));
  return c;
}

beforeAll(async () => {
  db = await startPostgres();
  knownSecrets.add(new URL(db.url).password);
  sandbox = await withSandbox();
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
  await db?.stop();
});

describe('the spend policy holds across server instances sharing PostgreSQL', () => {
  it('100 concurrent x402 calls over stdio against a budget for 7: exactly 7 settle, 93 refused before signing', async () => {
    sandbox.reset();
    const url = await freshLedgerUrl();
    const conn = await connectStdio(instanceEnv(url, { AGENTPMT_DAILY_BUDGET_USD: '0.07' }));
    try {
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, `pg-${i}`))));
      expect(results.filter((r) => r.isError && errorOf(r).code !== 'payment_refused_by_policy').map((r) => r.text)).toEqual([]);
      expect(results.filter((r) => !r.isError).length).toBe(7);
      expect(paidRequests(sandbox)).toBe(7);
      expectAgreement(await ledgerRows(url), 7);
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('3 HTTP instances, 20 sessions between them, 100 concurrent calls, budget for 7: exactly 7 settle', async () => {
    sandbox.reset();
    const url = await freshLedgerUrl();
    const instances = await Promise.all([0, 1, 2].map(() => startHttpInstance(instanceEnv(url, { AGENTPMT_DAILY_BUDGET_USD: '0.07' }))));
    const clients: Client[] = [];
    try {
      for (let s = 0; s < 20; s++) clients.push(await httpClient(instances[s % 3]!.url, `session-${s}`));
      const results = (await Promise.all(clients.map((c, s) => Promise.all(Array.from({ length: 5 }, (_, i) => call(c, 'marketplace_invoke', invokeArgs(sandbox, `lb-${s}-${i}`))))))).flat();
      expect(results.filter((r) => r.isError && errorOf(r).code !== 'payment_refused_by_policy').map((r) => r.text)).toEqual([]);
      expect(results.filter((r) => !r.isError).length).toBe(7);
      expect(results.filter((r) => r.isError).length).toBe(93);
      expect(paidRequests(sandbox)).toBe(7);
      expectAgreement(await ledgerRows(url), 7);
    } finally {
      for (const c of clients) await c.close().catch(() => undefined);
      for (const i of instances) i.child.kill('SIGTERM');
    }
  }, 120_000);

  it('3 stdio instances, 25 concurrent calls each, budget for 10: exactly 10 settle in total', async () => {
    sandbox.reset();
    const url = await freshLedgerUrl();
    const servers = await Promise.all([0, 1, 2].map(() => connectStdio(instanceEnv(url, { AGENTPMT_DAILY_BUDGET_USD: '0.10', AGENTPMT_APPROVAL_THRESHOLD_USD: '1' }))));
    try {
      const results = (await Promise.all(servers.map((s, p) => Promise.all(Array.from({ length: 25 }, (_, i) => call(s.client, 'marketplace_invoke', invokeArgs(sandbox, `inst-${p}-${i}`))))))).flat();
      expect(results.filter((r) => r.isError && errorOf(r).code !== 'payment_refused_by_policy').map((r) => r.text)).toEqual([]);
      expect(results.filter((r) => !r.isError).length).toBe(10);
      expect(paidRequests(sandbox)).toBe(10);
      expectAgreement(await ledgerRows(url), 10);
      for (const s of servers) expect((await call(s.client, 'payments_list', { status: 'settled' })).data.total).toBe(10);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 180_000);

  it('a quote issued by one instance is paid through another, once', async () => {
    sandbox.reset();
    const url = await freshLedgerUrl();
    const env = instanceEnv(url, { AGENTPMT_APPROVAL_THRESHOLD_USD: '0' });
    const [a, b] = await Promise.all([connectStdio(env), connectStdio(env)]);
    try {
      const args = invokeArgs(sandbox, 'quoted');
      const q = await call(a.client, 'marketplace_invoke', args);
      expect(q.data.approval_required).toBe(true);
      const paid = await call(b.client, 'marketplace_invoke', { ...args, quote_id: q.data.quote_id });
      expect(paid.isError, paid.text).toBeFalsy();
      const reuse = await call(a.client, 'marketplace_invoke', { ...args, quote_id: q.data.quote_id, pay_again: true });
      expect(errorOf(reuse).code).toBe('quote_mismatch');
      expect(paidRequests(sandbox)).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('PostgreSQL unreachable: paying tools refuse naming the database, free tools answer, no password anywhere', async () => {
    sandbox.reset();
    const url = new URL(db.url);
    url.port = '1'; // nothing listens there
    const conn = await connectStdio(instanceEnv(url.toString()));
    try {
      const r = await call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, 'no-db'));
      expect(r.isError).toBe(true);
      expect(errorOf(r).code).toBe('ledger_unusable');
      expect(errorOf(r).message).toMatch(/PostgreSQL 127\.0\.0\.1:1\/\w+ cannot be opened/);
      expect(r.text).not.toContain(url.password);
      const status = await call(conn.client, 'wallet_status');
      expect(status.isError, status.text).toBeFalsy();
      expect(String(status.data.ledger_problem)).toMatch(/cannot be opened/);
      expect(paidRequests(sandbox)).toBe(0);
    } finally {
      await conn.close();
    }
  }, 60_000);
});
