import { readFileSync, statSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxVariant } from '../../src/platforms/agentpmt/sandbox/index.js';
import { decryptKeystoreFile } from '../../src/platforms/agentpmt/wallet/keystore.js';
import { call, captured, connect, knownSecrets, connectHttp, SANDBOX_VARIANTS, sandboxEnv, withSandbox, type Connected, type TransportKind } from '../helpers.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string; address: string };
const PASSPHRASE = 'e2e-keystore-passphrase-not-for-output';
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as { code: string; status?: number; message: string; next_step: string };
/** Every secret this file handles; none may appear in any captured output. */
const secrets = knownSecrets;
secrets.add(PASSPHRASE);
secrets.add('definitely-not-it');

afterAll(() => {
  expect(captured.length).toBeGreaterThan(50);
});

// Each platform variant once; stdio against the documented one, HTTP against the others.
const walletRuns = SANDBOX_VARIANTS.map((v, i): [TransportKind, string, SandboxVariant] => [i === 0 ? 'stdio' : 'http', v.name, v]);

describe.each(walletRuns)('wallet-signed tools over %s [sandbox variant %s]', (kind, _name, variant) => {
  let sandbox: Sandbox;
  let conn: Connected;
  beforeAll(async () => {
    sandbox = await withSandbox({ agentAddressIntervalMs: 0, variant });
    conn = await connect(kind, sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_KEYSTORE_PASSWORD: PASSPHRASE }));
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('wallet_session opens a session for the configured wallet', async () => {
    const r = await call(conn.client, 'wallet_session');
    expect(r.isError, r.text).toBeFalsy();
    expect(r.data.wallet_address).toBe(vectors.address);
    expect(r.data.session_nonce).toBeTruthy();
  });

  it('credits_balance is signed and verified by the sandbox', async () => {
    const before = sandbox.external.verifiedRequests;
    const r = await call(conn.client, 'credits_balance');
    expect(r.isError, r.text).toBeFalsy();
    expect((r.data.data as { balance: number }).balance).toBe(sandbox.walletBalance(vectors.address));
    expect(sandbox.external.verifiedRequests).toBe(before + 1);
  });

  it('the job story: list → reserve → complete with a social post proof → status', async () => {
    const list = await call(conn.client, 'jobs_list', { limit: 10, skip: 0 });
    expect(list.isError, list.text).toBeFalsy();
    const reserve = await call(conn.client, 'jobs_reserve', { job_id: sandbox.ids.socialJob });
    expect(reserve.isError, reserve.text).toBeFalsy();
    const reservationId = (reserve.data.data as { reservation_id: string }).reservation_id;
    expect(reservationId).toBeTruthy();
    const balanceBefore = sandbox.walletBalance(vectors.address);
    const complete = await call(conn.client, 'jobs_complete', {
      job_id: sandbox.ids.socialJob,
      reservation_id: reservationId,
      proof_text: 'Posted the tracked share.',
      social_posts: [
        {
          platform: 'twitter',
          post_url: 'https://x.com/agent/status/123',
          target_url_used: 'https://www.agentpmt.com/marketplace/example?utm_source=x',
          message_text: 'Trying AgentPMT — café ☕',
          posted_at: '2026-11-23T10:00:00Z',
        },
      ],
    });
    expect(complete.isError, complete.text).toBeFalsy();
    const status = await call(conn.client, 'jobs_status', { job_id: sandbox.ids.socialJob });
    expect(status.isError, status.text).toBeFalsy();
    expect(JSON.stringify(status.data)).toMatch(/approved|submitted/);
    expect(sandbox.walletBalance(vectors.address)).toBeGreaterThanOrEqual(balanceBefore);
  });

  it('jobs_complete rejects a bad social post before sending, naming the field', async () => {
    const before = sandbox.requests.length;
    const r = await call(conn.client, 'jobs_complete', {
      job_id: sandbox.ids.job,
      proof_text: 'done',
      social_posts: [{ platform: 'twitter', post_url: '', target_url_used: 'https://a.b', message_text: 'x' }],
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('post_url');
    expect(sandbox.requests.length).toBe(before);
  });

  it('jobs_reserve / jobs_status on an unknown job are 404s', async () => {
    for (const tool of ['jobs_reserve', 'jobs_status']) {
      const r = await call(conn.client, tool, { job_id: 'ffffffffffffffffffffffff' });
      expect(r.isError).toBe(true);
      expect(errorOf(r).status).toBe(404);
    }
    const bad = await call(conn.client, 'jobs_reserve', { job_id: '../x' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('job_id');
  });

  it('marketplace_list pages the public catalog', async () => {
    const r = await call(conn.client, 'marketplace_list', { page_size: 5 });
    expect(r.isError, r.text).toBeFalsy();
    // The raw listing as the platform pages it (its pagination keys differ between variants).
    expect(JSON.stringify(r.data)).toMatch(/has_more|"pages"/);
    const bad = await call(conn.client, 'marketplace_list', { page_size: 5000 });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('page_size');
  });

  it('marketplace_invoke pays with credits; short credits are a 402 and unknown products a 404', async () => {
    const before = sandbox.walletBalance(vectors.address);
    const ok = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: {} });
    expect(ok.isError, ok.text).toBeFalsy();
    expect(sandbox.walletBalance(vectors.address)).toBeLessThanOrEqual(before);
    const mid = sandbox.walletBalance(vectors.address);
    const poor = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.expensiveProductSlug, action: sandbox.ids.expensiveActionSlug, parameters: {} });
    expect(poor.isError).toBe(true);
    expect(errorOf(poor).status).toBe(402);
    expect(sandbox.walletBalance(vectors.address)).toBe(mid);
    const invokesBefore = sandbox.requests.filter((q) => q.path.endsWith('/invoke')).length;
    // Not in the listing: sent anyway (the listing's shape is undocumented), and the platform's 404 comes back with the warning.
    const unknown = await call(conn.client, 'marketplace_invoke', { product: 'no-such-product', action: 'x', parameters: {} });
    expect(errorOf(unknown).status).toBe(404);
    expect(errorOf(unknown).message).toContain('not in the marketplace listing');
    expect(errorOf(unknown).next_step).toContain('marketplace_search');
    const badParams = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { repeat: 'many', bogus: 1 } });
    expect(errorOf(badParams).code).toBe('invalid_parameters');
    expect(badParams.text).toContain('parameters.repeat');
    expect(badParams.text).toContain('parameters.bogus');
    expect(sandbox.requests.filter((q) => q.path.endsWith('/invoke')).length).toBe(invokesBefore + 1);
  });

  it('the workflow session story: list → start → fetch → active → end', async () => {
    const list = await call(conn.client, 'workflows_list', { limit: 5 });
    expect(list.isError, list.text).toBeFalsy();
    const wf = sandbox.ids.publicWorkflow;
    const start = await call(conn.client, 'workflow_session_start', { workflow_id: wf, instance_id: `agent-${kind}` });
    expect(start.isError, start.text).toBeFalsy();
    const sessionId = (start.data.data as { workflow_session_id: string }).workflow_session_id;
    const fetched = await call(conn.client, 'workflow_session_fetch', { workflow_id: wf });
    expect(fetched.isError, fetched.text).toBeFalsy();
    const active = await call(conn.client, 'workflow_sessions_active', { instance_id: `agent-${kind}` });
    expect(JSON.stringify(active.data)).toContain(sessionId);
    const end = await call(conn.client, 'workflow_session_end', { workflow_id: wf, workflow_session_id: sessionId });
    expect(end.isError, end.text).toBeFalsy();
    const again = await call(conn.client, 'workflow_session_end', { workflow_id: wf, workflow_session_id: sessionId });
    expect(again.isError).toBe(true);
    const unknown = await call(conn.client, 'workflow_session_start', { workflow_id: 'ffffffffffffffffffffffff' });
    expect(errorOf(unknown).status).toBe(404);
  });

  it('recovers from a nonce the platform forgot: new nonce, new request id, one retry', async () => {
    await call(conn.client, 'credits_balance');
    sandbox.forgetNonces();
    const fetches = sandbox.external.sessionFetches;
    const r = await call(conn.client, 'credits_balance');
    expect(r.isError, r.text).toBeFalsy();
    expect(sandbox.external.sessionFetches).toBe(fetches + 1);
  });
});

describe('wallet_create', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox({ agentAddressIntervalMs: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('without a passphrase creates nothing and says what to set', async () => {
    const env = sandboxEnv(sandbox, { AGENTPMT_BEARER_TOKEN: undefined });
    const conn = await connect('stdio', env);
    try {
      const before = sandbox.requests.length;
      const r = await call(conn.client, 'wallet_create');
      expect(r.isError).toBe(true);
      expect(errorOf(r).code).toBe('keystore_password_missing');
      expect(r.text).toContain('AGENTPMT_KEYSTORE_PASSWORD');
      expect(sandbox.requests.length).toBe(before);
      expect(existsSync(path.join(env.AGENTPMT_HOME!, 'keystore.json'))).toBe(false);
      const none = await call(conn.client, 'credits_balance');
      expect(errorOf(none).code).toBe('wallet_not_configured');
    } finally {
      await conn.close();
    }
  });

  it('encrypts the new key at once, shows only address and path, refuses a second wallet unless replace, and keeps the old keystore', async () => {
    // Keystore encryption (JavaScript scrypt, seconds on a loaded machine) runs several times here.
    const env = sandboxEnv(sandbox, { AGENTPMT_KEYSTORE_PASSWORD: PASSPHRASE, AGENTPMT_TIMEOUT_MS: '20000' });
    const keystore = path.join(env.AGENTPMT_HOME!, 'keystore.json');
    const conn = await connect('stdio', env);
    try {
      const r = await call(conn.client, 'wallet_create');
      expect(r.isError, r.text).toBeFalsy();
      expect(r.data.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(r.data.keystore).toBe(keystore);
      expect(statSync(keystore).mode & 0o777).toBe(0o600);
      const { key } = await decryptKeystoreFile(keystore, PASSPHRASE);
      secrets.add(key.slice(2));
      for (const m of sandbox.issuedMnemonics()) secrets.add(m);
      expect(JSON.stringify(r)).not.toMatch(/evmPrivateKey|mnemonic"/);

      const balance = await call(conn.client, 'credits_balance');
      expect(balance.isError, balance.text).toBeFalsy();

      const again = await call(conn.client, 'wallet_create');
      expect(errorOf(again).code).toBe('wallet_exists');
      const replaced = await call(conn.client, 'wallet_create', { replace: true });
      expect(replaced.isError, replaced.text).toBeFalsy();
      expect(replaced.data.address).not.toBe(r.data.address);
      const previous = replaced.data.previous_keystore as string;
      expect((await decryptKeystoreFile(previous, PASSPHRASE)).key).toBe(key);
      const { key: key2 } = await decryptKeystoreFile(keystore, PASSPHRASE);
      secrets.add(key2.slice(2));
      for (const m of sandbox.issuedMnemonics()) secrets.add(m);
      expect(readdirSync(env.AGENTPMT_HOME!).filter((f) => f.startsWith('keystore')).length).toBe(2);
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('a 429 from the platform gives the wait time', async () => {
    const paced = await withSandbox({ agentAddressIntervalMs: 60_000 });
    // In-process server and sandbox: the keystore's JavaScript scrypt blocks both for seconds, so the platform timeout must outlast it.
    const conn = await connect('http', sandboxEnv(paced, { AGENTPMT_KEYSTORE_PASSWORD: PASSPHRASE, AGENTPMT_TIMEOUT_MS: '20000' }));
    try {
      const first = await call(conn.client, 'wallet_create');
      expect(first.isError, first.text).toBeFalsy();
      for (const m of paced.issuedMnemonics()) secrets.add(m);
      const second = await call(conn.client, 'wallet_create', { replace: true });
      expect(second.isError).toBe(true);
      expect(errorOf(second).status).toBe(429);
      expect((second.data.error as { retry_after_seconds: number }).retry_after_seconds).toBeGreaterThan(0);
      expect(second.text).toMatch(/wait \d+ s/);
    } finally {
      await conn.close();
      await paced.close();
    }
  }, 120_000);
});

describe('bad wallet settings: a clear error naming the setting, the server keeps running, no file modified', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.each([
    ['an invalid key', { AGENTPMT_PRIVATE_KEY: '0xnot-a-key' }, 'invalid_private_key', 'AGENTPMT_PRIVATE_KEY'],
    ['a wrong passphrase', { AGENTPMT_KEYSTORE_PASSWORD: 'definitely-not-it' }, 'keystore_wrong_password', 'AGENTPMT_KEYSTORE_PASSWORD'],
    ['a missing passphrase', {}, 'keystore_password_missing', 'AGENTPMT_KEYSTORE_PASSWORD'],
    ['a corrupt keystore', { AGENTPMT_KEYSTORE_PASSWORD: 'pw', corrupt: '1' }, 'keystore_corrupt', 'AGENTPMT_KEYSTORE'],
    ['an unreadable keystore', { AGENTPMT_KEYSTORE_PASSWORD: 'pw', unreadable: '1' }, 'keystore_unreadable', 'AGENTPMT_KEYSTORE'],
  ] as [string, Record<string, string>, string, string][])('%s', async (_name, extra, code, setting) => {
    const { corrupt, unreadable, ...settings } = extra;
    const env = sandboxEnv(sandbox, settings);
    const home = env.AGENTPMT_HOME!;
    let keystore = path.join(home, 'keystore.json');
    if (!settings.AGENTPMT_PRIVATE_KEY) {
      const { writeKeystoreFile } = await import('../../src/platforms/agentpmt/wallet/keystore.js');
      await writeKeystoreFile(keystore, vectors.private_key as `0x${string}`, 'right', { n: 4096 });
      if (corrupt) writeFileSync(keystore, '{"version":3,"crypto":');
      if (unreadable) keystore = home; // a directory cannot be read as a file
      env.AGENTPMT_KEYSTORE = keystore;
    }
    const snapshot = () => readdirSync(home).map((f) => [f, statSync(path.join(home, f)).mtimeMs]);
    const before = JSON.stringify(snapshot());
    const conn = await connectHttp(env);
    try {
      for (const tool of ['credits_balance', 'wallet_session']) {
        const r = await call(conn.client, tool);
        expect(r.isError).toBe(true);
        expect(errorOf(r).code).toBe(code);
        expect(r.text).toContain(setting);
      }
      expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
      expect(JSON.stringify(snapshot())).toBe(before);
    } finally {
      await conn.close();
    }
  });
});

describe('sessions under load', () => {
  it('nonce lifetime 1 s: 200 signed calls over 5 s all succeed, and the sandbox saw no replayed request id', async () => {
    const sandbox = await withSandbox({ nonceTtlMs: 1000, initialWalletCredits: 100_000 });
    const conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_LOG_LEVEL: 'warn' }));
    try {
      const started = Date.now();
      const results = [];
      for (let batch = 0; batch < 20; batch++) {
        results.push(...(await Promise.all(Array.from({ length: 10 }, () => call(conn.client, 'credits_balance')))));
        const due = started + (batch + 1) * 250;
        if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      expect(results.filter((r) => r.isError).map((r) => r.text)).toEqual([]);
      expect(sandbox.external.replayedRequestIds).toBe(0);
      expect(sandbox.external.verifiedRequests).toBe(200);
      expect(sandbox.external.sessionFetches).toBeGreaterThanOrEqual(5);
    } finally {
      await conn.close();
      await sandbox.close();
    }
  });

  it('50 concurrent signed calls trigger exactly one session fetch', async () => {
    const sandbox = await withSandbox();
    const conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key }));
    try {
      const results = await Promise.all(Array.from({ length: 50 }, () => call(conn.client, 'credits_balance')));
      expect(results.every((r) => !r.isError)).toBe(true);
      expect(sandbox.external.sessionFetches).toBe(1);
    } finally {
      await conn.close();
      await sandbox.close();
    }
  });

  it("a message-shape mismatch is retried once with our own '/api' variant, never the server's text", async () => {
    const sandbox = await withSandbox({ invokePathForm: 'api' });
    const conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key }));
    try {
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: {} });
      expect(r.isError, r.text).toBeFalsy();
      const invokes = sandbox.requests.filter((q) => q.path.endsWith('/invoke'));
      expect(invokes.length).toBe(2);
    } finally {
      await conn.close();
      await sandbox.close();
    }
  });
});

describe('every signed tool without a wallet', () => {
  it('answers wallet_not_configured with the settings to set, and sends nothing', async () => {
    const sandbox = await withSandbox();
    const conn = await connectHttp(sandboxEnv(sandbox));
    try {
      const signed: [string, Record<string, unknown>][] = [
        ['credits_balance', {}],
        ['jobs_list', {}],
        ['jobs_reserve', { job_id: sandbox.ids.job }],
        ['jobs_status', { job_id: sandbox.ids.job }],
        ['jobs_complete', { job_id: sandbox.ids.job, proof_text: 'x' }],
        ['workflow_session_start', { workflow_id: sandbox.ids.publicWorkflow }],
        ['workflow_session_fetch', { workflow_id: sandbox.ids.publicWorkflow }],
        ['workflow_session_end', { workflow_id: sandbox.ids.publicWorkflow }],
        ['workflow_sessions_active', {}],
        ['wallet_session', {}],
      ];
      const before = sandbox.requests.filter((q) => q.method === 'POST').length;
      for (const [tool, args] of signed) {
        const r = await call(conn.client, tool, args);
        expect(r.isError, tool).toBe(true);
        expect(errorOf(r).code, tool).toBe('wallet_not_configured');
        expect(r.text).toContain('wallet_create');
      }
      expect(sandbox.requests.filter((q) => q.method === 'POST').length).toBe(before);
      const badList = await call(conn.client, 'jobs_list', { limit: 0 });
      expect(badList.text).toContain('limit');
      const badSince = await call(conn.client, 'workflows_list', { since: 'yesterday-ish' });
      expect(badSince.isError).toBe(true);
      expect(errorOf(badSince).status).toBe(422);
    } finally {
      await conn.close();
      await sandbox.close();
    }
  });
});
