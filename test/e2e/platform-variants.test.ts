import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, captured, connectHttp, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

// Where the seeds are silent: the client must work against a platform that guessed otherwise.
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string; address: string };
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as { code: string; status?: number; message: string; next_step: string };
const walletEnv = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) => sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_LOG_LEVEL: 'info', ...extra });
const hits = (s: Sandbox, path: string) => s.requests.filter((q) => q.path === path);

describe('two hosts on two ports', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => sandbox?.close());

  it('the sandbox serves api. and www. separately, and a tool sent to the wrong host fails', async () => {
    expect(sandbox.apiUrl).not.toBe(sandbox.webUrl);
    const right = await connectHttp(walletEnv(sandbox));
    const swapped = await connectHttp(walletEnv(sandbox, { AGENTPMT_API_URL: sandbox.webUrl, AGENTPMT_WEB_URL: sandbox.apiUrl }));
    try {
      expect((await call(right.client, 'platform_health')).isError).toBeFalsy();
      expect((await call(right.client, 'credits_balance')).isError).toBeFalsy();
      const health = await call(swapped.client, 'platform_health');
      expect(health.isError).toBe(true);
      const balance = await call(swapped.client, 'credits_balance');
      expect(balance.isError).toBe(true);
      expect(balance.text).toContain('404');
    } finally {
      await right.close();
      await swapped.close();
    }
  });
});

describe('signing convention learned from the platform', () => {
  let sandbox: Sandbox;
  let conn: Connected;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant: { name: 'null-omitted', omittedFields: 'null' } });
    conn = await connectHttp(walletEnv(sandbox));
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('a server hashing omitted fields as null: one learned retry, then none', async () => {
    const first = await call(conn.client, 'jobs_list', {});
    expect(first.isError, first.text).toBeFalsy();
    const calls = hits(sandbox, '/api/external/jobs/list');
    expect(calls.map((c) => c.status)).toEqual([401, 200]);
    expect(captured.join('\n')).toContain('learned the platform signing convention');
    const second = await call(conn.client, 'jobs_list', {});
    expect(second.isError, second.text).toBeFalsy();
    expect(hits(sandbox, '/api/external/jobs/list').map((c) => c.status)).toEqual([401, 200, 200]);
    // Learned per endpoint: workflow_session_start learns on its own, once.
    const start = await call(conn.client, 'workflow_session_start', { workflow_id: sandbox.ids.publicWorkflow });
    expect(start.isError, start.text).toBeFalsy();
    const ended = await call(conn.client, 'workflow_session_end', { workflow_id: sandbox.ids.publicWorkflow });
    expect(ended.isError, ended.text).toBeFalsy();
    const again = await call(conn.client, 'workflow_session_start', { workflow_id: sandbox.ids.publicWorkflow });
    expect(again.isError, again.text).toBeFalsy();
    expect(hits(sandbox, `/api/external/workflows/${sandbox.ids.publicWorkflow}/start`).map((c) => c.status)).toEqual([401, 200, 200]);
  });

  it('a refusal whose expected_message none of our conventions builds is not retried', async () => {
    const path = '/api/external/credits/balance';
    const before = hits(sandbox, path).length;
    sandbox.addFault({ method: 'POST', path, status: 401, times: 3, body: JSON.stringify({ success: false, code: 'EXTERNAL_SIGNATURE_WALLET_MISMATCH', error: 'no', expected_message: 'something else entirely' }) });
    const r = await call(conn.client, 'credits_balance');
    sandbox.clearFaults();
    expect(r.isError).toBe(true);
    expect(hits(sandbox, path).length).toBe(before + 1);
  });
});

describe('x402 challenges the seed allows', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant: { name: 'lean-challenge', challengeLean: true, challengeMalformedEntry: true } });
  });
  afterAll(async () => sandbox?.close());

  it('extra: {} and no maxTimeoutSeconds on Base USDC, after a malformed entry: paid, and verified by the reference facilitator', async () => {
    const conn = await connectHttp(walletEnv(sandbox));
    try {
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'lean' }, payment: 'x402' });
      expect(r.isError, r.text).toBeFalsy();
      expect((r.data.payment as { status: string }).status).toBe('settled');
      expect(sandbox.x402.settled.length).toBe(1);
      expect(sandbox.x402.settled[0]!.from.toLowerCase()).toBe(vectors.address.toLowerCase());
      expect(captured.join('\n')).toContain('skipped malformed accepts entries');
    } finally {
      await conn.close();
    }
  });

  it('an unknown asset without extra is refused with the reason, before anything is signed', async () => {
    const conn = await connectHttp(walletEnv(sandbox));
    const path = `/api/external/tools/${sandbox.ids.productSlug}/actions/${sandbox.ids.actionSlug}/invoke`;
    const challenge = {
      x402Version: 2,
      error: 'Payment required',
      resource: { url: `${sandbox.webUrl}${path}` },
      accepts: [{ scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: '0x00000000000000000000000000000000000000ba', payTo: sandbox.payee }],
    };
    sandbox.addFault({ method: 'POST', path, status: 402, times: 1, body: JSON.stringify(challenge) });
    try {
      const paidBefore = sandbox.requests.filter((q) => q.headers['x-payment'] !== undefined).length;
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'unknown asset' }, payment: 'x402' });
      expect(errorOf(r).code).toBe('payment_refused_by_policy');
      expect(r.text).toContain('not a stablecoin we know');
      expect(r.text).toContain('extra.name');
      expect(sandbox.requests.filter((q) => q.headers['x-payment'] !== undefined).length).toBe(paidBefore);
    } finally {
      sandbox.clearFaults();
      await conn.close();
    }
  });
});

describe('the marketplace listing as the platform may shape it', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant: { name: 'alternate-listing', listing: 'alternate' } });
  });
  afterAll(async () => sandbox?.close());

  it('an id and an action name resolve to the slugs before the URL and the signature', async () => {
    const conn = await connectHttp(walletEnv(sandbox));
    try {
      const d = await call(conn.client, 'marketplace_describe', { product: sandbox.ids.product });
      expect(d.isError, d.text).toBeFalsy();
      expect(d.data.product).toBe(sandbox.ids.productSlug);
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.product, action: sandbox.ids.actionSlug, parameters: { message: 'by id' } });
      expect(r.isError, r.text).toBeFalsy();
      const invoked = sandbox.requests.filter((q) => q.path.endsWith('/invoke')).map((q) => q.path);
      expect(invoked).toEqual([`/api/external/tools/${sandbox.ids.productSlug}/actions/${sandbox.ids.actionSlug}/invoke`]);
    } finally {
      await conn.close();
    }
  });

  it('a product missing from the listing is sent anyway, with a warning', async () => {
    sandbox.addFault({ method: 'GET', path: '/api/external/tools', status: 200, body: JSON.stringify({ success: true, tools: [] }) });
    const conn = await connectHttp(walletEnv(sandbox));
    try {
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'unlisted' } });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.data.paid_with).toBe('credits');
      expect(r.data.warnings).toEqual([expect.stringContaining('not in the marketplace listing')]);
      expect(r.text).toMatch(/^Warning: /);
    } finally {
      sandbox.clearFaults();
      await conn.close();
    }
  });
});

describe('schedules: bearer form and claims', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant: { name: 'legacy-schedules', scheduleBearer: 'legacy' } });
  });
  afterAll(async () => sandbox?.close());

  it('with API and budget keys set, schedules send Bearer base64(api-key:budget-key); the opaque token alone is refused there', async () => {
    const both = await connectHttp(sandboxEnv(sandbox));
    const opaqueOnly = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_API_KEY: undefined, AGENTPMT_BUDGET_KEY: undefined }));
    try {
      const ok = await call(both.client, 'schedules_due', { limit: 5 });
      expect(ok.isError, ok.text).toBeFalsy();
      const legacy = Buffer.from(`${sandbox.credentials.apiKey}:${sandbox.credentials.budgetKey}`).toString('base64');
      expect(hits(sandbox, '/api/external/workflow-schedules/due').at(-1)!.headers.authorization).toBe(`Bearer ${legacy}`);
      expect(hits(sandbox, '/api/external/workflow-schedules/due').at(-1)!.query).toBe('limit=5');
      const refused = await call(opaqueOnly.client, 'schedules_due', {});
      expect(errorOf(refused).status).toBe(401);
    } finally {
      await both.close();
      await opaqueOnly.close();
    }
  });

  it('a claim answered 503 is not resent: the outcome is unknown, with the request_id to check', async () => {
    const conn = await connectHttp(sandboxEnv(sandbox));
    const path = '/api/external/workflow-schedules/claim';
    const before = hits(sandbox, path).length;
    sandbox.addFault({ method: 'POST', path, status: 503, times: 3, body: JSON.stringify({ error: 'unavailable', message: 'try later', error_code: 'UNAVAILABLE' }) });
    try {
      const r = await call(conn.client, 'schedules_claim', { limit: 1, request_id: 'claim-e2e-1' });
      expect(errorOf(r).code).toBe('claim_outcome_unknown');
      expect(r.text).toContain('claim-e2e-1');
      expect(errorOf(r).next_step).toContain('schedules_due');
      expect(hits(sandbox, path).length).toBe(before + 1);
    } finally {
      sandbox.clearFaults();
      await conn.close();
    }
  });
});
