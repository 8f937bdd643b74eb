import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, connectHttp, connectStdio, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string; address: string };
type Err = { code: string; status?: number; message: string; next_step: string };
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as Err;
const paidRequests = (s: Sandbox) => s.requests.filter((q) => q.headers['x-payment'] !== undefined).length;
/** One cent per call in the sandbox: a budget of n cents covers exactly n calls. */
const budgetFor = (calls: number) => (calls / 100).toFixed(2);

export const walletEnv = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) =>
  sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_LOG_LEVEL: 'warn', AGENTPMT_TIMEOUT_MS: '10000', ...extra });

type Line = { op: string; entry?: { id: string; status: string; auth_nonce?: string; call_key: string; amount: string }; id?: string; patch?: { status?: string; auth_nonce?: string } };
export function foldLedger(home: string) {
  const f = path.join(home, 'payments.jsonl');
  const m = new Map<string, { id: string; status: string; auth_nonce?: string; call_key: string; amount: string }>();
  if (!existsSync(f)) return m;
  const text = readFileSync(f, 'utf8');
  // A torn tail (no newline yet) is not a record: the server seals it away on its next write.
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean)) {
    const l = JSON.parse(line) as Line;
    if (l.op === 'create' && l.entry) m.set(l.entry.id, { ...l.entry });
    else if (l.id && m.has(l.id)) Object.assign(m.get(l.id)!, l.patch);
  }
  return m;
}

const invokeArgs = (sandbox: Sandbox, tag: string) => ({ product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: tag }, payment: 'x402' });

/** Fires `n` distinct paid calls at once through one client; returns each result. */
async function burst(client: Connected['client'], sandbox: Sandbox, n: number, tag: string) {
  return Promise.all(Array.from({ length: n }, (_, i) => call(client, 'marketplace_invoke', invokeArgs(sandbox, `${tag}-${i}`))));
}

function tally(results: Awaited<ReturnType<typeof burst>>) {
  const ok = results.filter((r) => !r.isError);
  const refused = results.filter((r) => r.isError && errorOf(r).code === 'payment_refused_by_policy');
  const other = results.filter((r) => r.isError && errorOf(r).code !== 'payment_refused_by_policy');
  return { ok, refused, other };
}

/** The sandbox and the ledger tell the same story: same settled nonces, none twice. */
function expectAgreement(sandbox: Sandbox, ledger: Iterable<{ status: string; auth_nonce?: string }>, settledCount: number) {
  const nonces = sandbox.x402.settled.map((x) => x.nonce).sort();
  expect(new Set(nonces).size, 'a nonce settled twice').toBe(nonces.length);
  expect(nonces.length).toBe(settledCount);
  const settled = [...ledger].filter((e) => e.status === 'settled').map((e) => e.auth_nonce).sort();
  expect(settled).toEqual(nonces);
}

describe('the spend policy holds under concurrency (file ledger)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('100 concurrent x402 calls against a budget for 7 over stdio: exactly 7 settle, 93 are refused before signing', async () => {
    sandbox.reset();
    const env = walletEnv(sandbox, { AGENTPMT_DAILY_BUDGET_USD: budgetFor(7) });
    const conn = await connectStdio(env);
    try {
      const { ok, refused, other } = tally(await burst(conn.client, sandbox, 100, 'stdio'));
      expect(other.map((r) => r.text)).toEqual([]);
      expect(ok.length).toBe(7);
      expect(refused.length).toBe(93);
      // Refused before signing: only 7 requests ever carried a payment.
      expect(paidRequests(sandbox)).toBe(7);
      const msg = errorOf(refused[0]!).message;
      expect(msg).toContain('AGENTPMT_DAILY_BUDGET_USD');
      expect(msg).toMatch(/0\.07 USD is already committed today/);
      expect(msg).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
      expectAgreement(sandbox, foldLedger(env.AGENTPMT_HOME!).values(), 7);
      const status = await call(conn.client, 'wallet_status');
      expect((status.data.today as { USD: { spent_or_pending: string; remaining: string } }).USD).toMatchObject({ spent_or_pending: '0.07', remaining: '0.00' });
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('the same over HTTP with 20 sessions: exactly 7 settle', async () => {
    sandbox.reset();
    const env = walletEnv(sandbox, { AGENTPMT_DAILY_BUDGET_USD: budgetFor(7), AGENTPMT_HTTP_TOKEN: 'money-safety-http-token-0123456789' });
    const first = await connectHttp(env);
    const extra: Connected[] = [];
    try {
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      const clients = [first.client];
      for (let i = 1; i < 20; i++) {
        const c = new Client({ name: `session-${i}`, version: '1.0.0' });
        await c.connect(new StreamableHTTPClientTransport(new URL(first.server.url), { requestInit: { headers: { authorization: `Bearer ${env.AGENTPMT_HTTP_TOKEN}` } } }));
        clients.push(c);
        extra.push({ client: c, stderr: () => '', close: () => c.close() });
      }
      const results = (await Promise.all(clients.map((c, s) => burst(c, sandbox, 5, `http-${s}`)))).flat();
      const { ok, refused, other } = tally(results);
      expect(other.map((r) => r.text)).toEqual([]);
      expect(ok.length).toBe(7);
      expect(refused.length).toBe(93);
      expect(paidRequests(sandbox)).toBe(7);
      expectAgreement(sandbox, foldLedger(env.AGENTPMT_HOME!).values(), 7);
    } finally {
      for (const c of extra) await c.close().catch(() => undefined);
      await first.close();
    }
  }, 120_000);

  it('4 server processes sharing one state directory, 25 concurrent calls each, budget for 10: exactly 10 settle in total', async () => {
    sandbox.reset();
    const env = walletEnv(sandbox, { AGENTPMT_DAILY_BUDGET_USD: budgetFor(10) });
    const servers = await Promise.all([0, 1, 2, 3].map(() => connectStdio(env)));
    try {
      const results = (await Promise.all(servers.map((s, i) => burst(s.client, sandbox, 25, `proc-${i}`)))).flat();
      const { ok, refused, other } = tally(results);
      expect(other.map((r) => r.text)).toEqual([]);
      expect(ok.length).toBe(10);
      expect(refused.length).toBe(90);
      expect(paidRequests(sandbox)).toBe(10);
      expectAgreement(sandbox, foldLedger(env.AGENTPMT_HOME!).values(), 10);
      // Every process sees the others' spend.
      for (const s of servers) {
        const list = await call(s.client, 'payments_list', { status: 'settled' });
        expect(list.data.total).toBe(10);
      }
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 180_000);

  it('a settled call repeated does not pay again; pay_again pays once more, within the budget', async () => {
    sandbox.reset();
    const env = walletEnv(sandbox);
    const conn = await connectStdio(env);
    try {
      const args = invokeArgs(sandbox, 'repeat-me');
      const first = await call(conn.client, 'marketplace_invoke', args);
      expect(first.isError, first.text).toBeFalsy();
      const repeats = await Promise.all([1, 2, 3].map(() => call(conn.client, 'marketplace_invoke', args)));
      for (const r of repeats) {
        expect(r.isError, r.text).toBeFalsy();
        expect(r.text).toMatch(/^Already paid at .*not paid again/);
        expect((r.data.payment as { already_paid: boolean }).already_paid).toBe(true);
      }
      expect(paidRequests(sandbox)).toBe(1);
      const again = await call(conn.client, 'marketplace_invoke', { ...args, pay_again: true });
      expect(again.isError, again.text).toBeFalsy();
      expect(paidRequests(sandbox)).toBe(2);
    } finally {
      await conn.close();
    }
  }, 60_000);

  it('identical calls at the same moment: one pays, the others are told it is in progress or get its outcome', async () => {
    sandbox.reset();
    sandbox.x402Faults.set({ delayMs: 600 });
    const env = walletEnv(sandbox);
    const conn = await connectStdio(env);
    try {
      const args = invokeArgs(sandbox, 'same-moment');
      const results = await Promise.all(Array.from({ length: 8 }, () => call(conn.client, 'marketplace_invoke', args)));
      const codes = results.map((r) => (r.isError ? errorOf(r).code : (r.data.payment as { already_paid?: boolean }).already_paid ? 'replayed' : 'paid'));
      expect(codes.filter((c) => c === 'paid').length).toBe(1);
      expect(codes.every((c) => ['paid', 'replayed', 'payment_in_progress'].includes(c)), codes.join()).toBe(true);
      expect(sandbox.x402.settled.length).toBe(1);
    } finally {
      sandbox.x402Faults.clear();
      await conn.close();
    }
  }, 60_000);
});

describe('crashes and damage (file ledger)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('SIGKILL mid-burst, then a torn final record: after restart every settled payment is listed and counted, none paid twice', async () => {
    sandbox.reset();
    sandbox.x402Faults.set({ delayMs: 300 });
    const env = walletEnv(sandbox, { AGENTPMT_DAILY_BUDGET_USD: budgetFor(20) });
    const first = await connectStdio(env);
    const pending = burst(first.client, sandbox, 30, 'kill');
    pending.catch(() => undefined);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && sandbox.x402.settled.length < 5) await new Promise((r) => setTimeout(r, 10));
    process.kill(first.pid!, 'SIGKILL');
    await first.close().catch(() => undefined);
    sandbox.x402Faults.clear();
    // A crash in the middle of the next write leaves half a record at the end.
    appendFileSync(path.join(env.AGENTPMT_HOME!, 'payments.jsonl'), '{"seq":9999,"op":"update","id":"pay_x","at":"2026-');
    const second = await connectStdio(env);
    try {
      // Start-up reconciliation resends every envelope that was in flight.
      const until = Date.now() + 40_000;
      const unresolved = () => [...foldLedger(env.AGENTPMT_HOME!).values()].filter((e) => ['pending', 'unknown', 'reserved'].includes(e.status));
      while (Date.now() < until && unresolved().length) await new Promise((r) => setTimeout(r, 100));
      expect(unresolved()).toEqual([]);
      const ledger = [...foldLedger(env.AGENTPMT_HOME!).values()];
      expectAgreement(sandbox, ledger, sandbox.x402.settled.length);
      const list = await call(second.client, 'payments_list', { status: 'settled', limit: 200 });
      expect(list.data.total).toBe(sandbox.x402.settled.length);
      const status = await call(second.client, 'wallet_status');
      const spent = (status.data.today as { USD: { spent_or_pending: string } }).USD.spent_or_pending;
      expect(Math.round(Number(spent) * 100)).toBe(sandbox.x402.settled.length);
      // The budget still holds across the crash: 20 in total at most.
      const more = tally(await burst(second.client, sandbox, 30, 'after'));
      expect(more.other.map((r) => r.text)).toEqual([]);
      expect(sandbox.x402.settled.length).toBe(20);
      expect(new Set(sandbox.x402.settled.map((s) => s.nonce)).size).toBe(20);
      expect(readFileSync(path.join(env.AGENTPMT_HOME!, 'payments.jsonl.torn'), 'utf8')).toContain('"seq":9999');
    } finally {
      await second.close();
    }
  }, 120_000);

  /** A home with two settled payments in its ledger, then `damage` applied. */
  async function damagedHome(damage: (file: string, home: string) => void) {
    sandbox.reset();
    const env = walletEnv(sandbox);
    const conn = await connectStdio(env);
    for (const tag of ['d1', 'd2']) {
      const r = await call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, tag));
      expect(r.isError, r.text).toBeFalsy();
    }
    await conn.close();
    damage(path.join(env.AGENTPMT_HOME!, 'payments.jsonl'), env.AGENTPMT_HOME!);
    return env;
  }

  const damages: Array<[string, (file: string, home: string) => void, RegExp]> = [
    ['truncated to 0 bytes', (f) => truncateSync(f, 0), /truncated or replaced/],
    ['a record removed from the middle', (f) => writeFileSync(f, readFileSync(f, 'utf8').split('\n').filter((_, i) => i !== 1).join('\n'), { mode: 0o600 }), /sequence|damaged record/],
    ['an amount altered to a negative number', (f) => writeFileSync(f, readFileSync(f, 'utf8').replace('"amount":"10000"', '"amount":"-10000"'), { mode: 0o600 }), /damaged record.*(checksum|amount)/],
    ['an amount altered (checksum)', (f) => writeFileSync(f, readFileSync(f, 'utf8').replace('"amount":"10000"', '"amount":"1"'), { mode: 0o600 }), /checksum does not match/],
    ['deleted while its head remembers it', (f) => rmSync(f), /is missing/],
    ['a folder in its place', (f) => { rmSync(f); mkdirSync(f); }, /not a regular file/],
    ['world-writable state directory', (_f, home) => chmodSync(home, 0o777), /writable by every user/],
  ];
  if (process.getuid?.() !== 0) damages.push(['unreadable (mode 000)', (f) => chmodSync(f, 0o000), /permission denied/]);

  it.each(damages)('a ledger %s: paying tools refuse naming the file and the cause; free tools still answer', async (_name, damage, cause) => {
    const env = await damagedHome(damage);
    const conn = await connectStdio(env);
    try {
      const before = paidRequests(sandbox);
      const r = await call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, 'after-damage'));
      expect(r.isError).toBe(true);
      const e = errorOf(r);
      expect(e.code).toBe('ledger_unusable');
      expect(e.message).toContain(path.join(env.AGENTPMT_HOME!, 'payments.jsonl'));
      expect(e.message).toMatch(cause);
      expect(e.message).toContain('Nothing was signed or paid');
      expect(e.next_step).toMatch(/doctor|chmod|Move/);
      expect(paidRequests(sandbox)).toBe(before);
      // Free tools keep working, and say what is wrong.
      const health = await call(conn.client, 'platform_health');
      expect(health.isError, health.text).toBeFalsy();
      const status = await call(conn.client, 'wallet_status');
      expect(status.isError, status.text).toBeFalsy();
      expect(String(status.data.ledger_problem)).toMatch(cause);
      const list = await call(conn.client, 'payments_list');
      expect(list.isError, list.text).toBeFalsy();
      // Credits still pay.
      const credits = await call(conn.client, 'marketplace_invoke', { ...invokeArgs(sandbox, 'credits'), payment: 'credits' });
      expect(credits.isError, credits.text).toBeFalsy();
    } finally {
      await conn.close();
      chmodSync(env.AGENTPMT_HOME!, 0o700);
    }
  }, 60_000);

  it('recovery: doctor names the damage, doctor --repair-ledger keeps every readable payment and sets the damaged file aside, and paying works again', async () => {
    const env = await damagedHome((f) => {
      const lines = readFileSync(f, 'utf8').split('\n');
      // The second payment's creation is altered: its checksum fails, and so does the chain after it.
      lines[3] = lines[3]!.replace('"description":"', '"description":"edited ');
      writeFileSync(f, lines.join('\n'), { mode: 0o600 });
    });
    const { execFile } = await import('node:child_process');
    const { CLI } = await import('../helpers.js');
    // Not spawnSync: the sandbox runs in this process and must keep answering the doctor's probes.
    const run = (...args: string[]) =>
      new Promise<{ status: number; stdout: string }>((resolve) => {
        execFile(process.execPath, [CLI, 'doctor', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' }, (err, stdout) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }));
      });
    const check = await run();
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/✗ payment ledger .*payments\.jsonl has a damaged record .*checksum.*--repair-ledger/);
    const repair = await run('--repair-ledger');
    expect(repair.stdout).toMatch(/ledger repair: A fresh checksummed ledger holds every readable payment.*Kept 2 payment\(s\); the damaged file is at .*payments\.jsonl\.damaged-/);
    expect(repair.stdout).toMatch(/✓ payment ledger .*: 2 payment\(s\), today 0\.02 USD committed/);
    const conn = await connectStdio(env);
    try {
      const paid = await call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, 'after-repair'));
      expect(paid.isError, paid.text).toBeFalsy();
      const list = await call(conn.client, 'payments_list', { status: 'settled' });
      expect(list.data.total).toBe(3);
    } finally {
      await conn.close();
    }
  }, 60_000);

  it('filesystem faults on the state directory reach the model as named causes', async () => {
    sandbox.reset();
    const base = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-fs-'));
    const cases: Array<[string, () => string, RegExp]> = [
      ['a file where the folder should be', () => { const p = path.join(base, 'file-home'); writeFileSync(p, 'x'); return p; }, /is a file, not a folder|not a folder/],
      ['a dangling link as the ledger', () => { const h = path.join(base, 'dangling'); mkdirSync(h, { mode: 0o700 }); symlinkSync(path.join(base, 'nowhere', 'x'), path.join(h, 'payments.jsonl')); return h; }, /missing or a link to nothing|link/],
    ];
    for (const [name, make, cause] of cases) {
      const env = walletEnv(sandbox, { AGENTPMT_HOME: make() });
      const conn = await connectStdio(env);
      try {
        const r = await call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, name));
        expect(r.isError, name).toBe(true);
        expect(errorOf(r).code, `${name}: ${r.text}`).toBe('ledger_unusable');
        expect(errorOf(r).message, name).toMatch(cause);
        expect(r.text).not.toMatch(/internal_error/);
      } finally {
        await conn.close();
      }
    }
  }, 60_000);
});

describe('shutdown is bounded', () => {
  it('SIGTERM while the platform is slow: every caller is answered within the bound, the process exits, and a retry does not pay again', async () => {
    const sandbox = await withSandbox();
    sandbox.x402Faults.set({ delayMs: 30_000 });
    const env = walletEnv(sandbox, { AGENTPMT_SHUTDOWN_SECONDS: '3', AGENTPMT_TIMEOUT_MS: '60000' });
    const conn = await connectStdio(env);
    try {
      const calls = Array.from({ length: 3 }, (_, i) => call(conn.client, 'marketplace_invoke', invokeArgs(sandbox, `slow-${i}`)));
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && paidRequests(sandbox) < 3) await new Promise((r) => setTimeout(r, 20));
      expect(paidRequests(sandbox)).toBe(3);
      const exited = new Promise<number>((resolve) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          try {
            process.kill(conn.pid!, 0);
          } catch {
            clearInterval(poll);
            resolve(Date.now() - t0);
          }
        }, 20);
      });
      const t0 = Date.now();
      process.kill(conn.pid!, 'SIGTERM');
      const results = await Promise.all(calls);
      const answeredIn = Date.now() - t0;
      for (const r of results) {
        expect(r.isError).toBe(true);
        expect(errorOf(r).code).toBe('payment_outcome_unknown');
        expect(errorOf(r).message).toMatch(/will be reconciled/);
      }
      // The bound is 3 s; the platform would have taken 30 s. The margin absorbs a loaded machine.
      expect(answeredIn).toBeLessThan(3_000 + 4_000);
      expect(await exited).toBeLessThan(3_000 + 5_000);
      expect([...foldLedger(env.AGENTPMT_HOME!).values()].map((e) => e.status)).toEqual(['unknown', 'unknown', 'unknown']);
      // Restart: reconciliation resends the same envelopes; a retry of a call never signs a second payment.
      sandbox.x402Faults.clear();
      const again = await connectStdio(env);
      try {
        const retry = await call(again.client, 'marketplace_invoke', invokeArgs(sandbox, 'slow-0'));
        expect(retry.isError, retry.text).toBeFalsy();
        const until = Date.now() + 30_000;
        while (Date.now() < until && [...foldLedger(env.AGENTPMT_HOME!).values()].some((e) => e.status !== 'settled')) await new Promise((r) => setTimeout(r, 100));
        expect([...foldLedger(env.AGENTPMT_HOME!).values()].map((e) => e.status)).toEqual(['settled', 'settled', 'settled']);
        expect(sandbox.x402.settled.length).toBe(3);
        expect(new Set(sandbox.x402.settled.map((s) => s.nonce)).size).toBe(3);
      } finally {
        await again.close();
      }
    } finally {
      await conn.close().catch(() => undefined);
      await sandbox.close();
    }
  }, 90_000);
});
