import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/platforms/agentpmt/tools/index.js';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, connect, knownSecrets, sandboxEnv, withSandbox, type Connected, type TransportKind } from '../helpers.js';

knownSecrets.add('not-the-right-token');

const UNKNOWN_ID = 'ffffffffffffffffffffffff';
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as { code: string; status?: number; message: string; next_step: string };

describe.each<TransportKind>(['stdio', 'http'])('every tool over %s against the sandbox', (kind) => {
  let sandbox: Sandbox;
  let conn: Connected;

  beforeAll(async () => {
    sandbox = await withSandbox();
    conn = await connect(kind, sandboxEnv(sandbox, { AGENTPMT_TIMEOUT_MS: '1000', AGENTPMT_MAX_RETRIES: '1' }));
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('lists every catalog tool with an object input schema, a description and annotations', async () => {
    const { tools } = await conn.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(catalog.map((d) => d.name).sort());
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.description!.length).toBeGreaterThan(40);
      // Only hints that differ from MCP's defaults travel: each tool's must mean what its declaration says.
      const decl = catalog.find((d) => d.name === t.name)!;
      expect(t.annotations?.readOnlyHint ?? false).toBe(decl.annotations.readOnlyHint === true);
      if (decl.annotations.readOnlyHint !== true) expect(t.annotations?.destructiveHint ?? true).toBe(decl.annotations.destructiveHint !== false);
      expect(t.outputSchema).toBeDefined();
      expect(t.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      for (const [, prop] of Object.entries((t.inputSchema.properties ?? {}) as Record<string, { description?: string }>)) {
        expect(prop.description, `${t.name} field without description`).toBeTruthy();
      }
    }
  });

  it('platform_health and platform_jwt_public_key succeed', async () => {
    const h = await call(conn.client, 'platform_health');
    expect(h.isError).toBeFalsy();
    expect(h.data.status).toBe('ok');
    const k = await call(conn.client, 'platform_jwt_public_key');
    expect(k.isError).toBeFalsy();
    expect(String(k.data.public_key)).toContain('BEGIN PUBLIC KEY');
    expect(k.data.algorithm).toBeTruthy();
  });

  it('platform_health: a timeout becomes an actionable error, and the server keeps serving', async () => {
    sandbox.addFault({ path: '/health', delayMs: 2500, times: 2 });
    const r = await call(conn.client, 'platform_health');
    expect(r.isError).toBe(true);
    expect(errorOf(r).code).toBe('timeout');
    expect(r.text).toMatch(/Next step/);
    sandbox.clearFaults();
    expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
  });

  it('platform_jwt_public_key: a 503 with Retry-After is retried once, then succeeds', async () => {
    sandbox.addFault({ path: '/public/jwt-public-key', status: 503, headers: { 'retry-after': '0' }, body: '{"detail":"busy"}', contentType: 'application/json', times: 1 });
    const r = await call(conn.client, 'platform_jwt_public_key');
    expect(r.isError).toBeFalsy();
    sandbox.addFault({ path: '/public/jwt-public-key', status: 500, body: '{not json', contentType: 'application/json', times: 5 });
    const bad = await call(conn.client, 'platform_jwt_public_key');
    expect(bad.isError).toBe(true);
    expect(errorOf(bad).code).toBe('unparsable_response');
    sandbox.clearFaults();
  });

  it('account_credits_balance returns the balance and keeps the instance id', async () => {
    const r = await call(conn.client, 'account_credits_balance');
    expect(r.isError).toBeFalsy();
    expect((r.data.data as { balance: number }).balance).toBe(sandbox.balance());
  });

  it('account_credits_history returns grants and transactions', async () => {
    const r = await call(conn.client, 'account_credits_history', { limit: 5 });
    expect(r.isError).toBeFalsy();
    const data = r.data.data as { grants: unknown[]; transactions: unknown[] };
    expect(Array.isArray(data.grants)).toBe(true);
    expect(Array.isArray(data.transactions)).toBe(true);
  });

  it('account_credits_history: bad limit is rejected naming the field', async () => {
    const r = await call(conn.client, 'account_credits_history', { limit: 0 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('limit');
  });

  it('account_products_list pages and echoes the instance id on the next call', async () => {
    const r = await call(conn.client, 'account_products_list', { page: 2, page_size: 5 });
    expect(r.isError).toBeFalsy();
    expect((r.data.tools as unknown[]).length).toBe(5);
    const instance = r.data.instance_id as string;
    expect(instance).toBeTruthy();
    const before = sandbox.requests.length;
    await call(conn.client, 'account_credits_balance');
    const sent = sandbox.requests.slice(before).find((q) => q.path === '/credits/balance');
    expect(sent?.headers['x-instance-id']).toBe(instance);
  });

  it('account_products_list: page_size over 100 is rejected before any request', async () => {
    const before = sandbox.requests.length;
    const r = await call(conn.client, 'account_products_list', { page_size: 101 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('page_size');
    expect(sandbox.requests.length).toBe(before);
  });

  it('account_report_issue records an issue', async () => {
    const r = await call(conn.client, 'account_report_issue', { product_id: sandbox.ids.product, error_message: 'returned an empty list' });
    expect(r.isError).toBeFalsy();
    expect((r.data.data as { issue_id: string }).issue_id).toBeTruthy();
  });

  it("account_report_issue: a platform 422 is normalized with the field's location", async () => {
    sandbox.addFault({
      path: '/issues/report',
      status: 422,
      contentType: 'application/json',
      body: JSON.stringify({ detail: [{ loc: ['body', 'error_message'], msg: 'String should have at most 5000 characters', type: 'string_too_long' }] }),
      times: 1,
    });
    const r = await call(conn.client, 'account_report_issue', { product_id: 'x', error_message: 'y' });
    expect(r.isError).toBe(true);
    expect(errorOf(r)).toMatchObject({ status: 422, code: 'validation_error' });
    expect(r.text).toContain('body.error_message');
    const missing = await call(conn.client, 'account_report_issue', { product_id: 'x' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('error_message');
  });

  it('account_products_purchase debits credits', async () => {
    const before = sandbox.balance();
    const list = await call(conn.client, 'account_products_list', { page_size: 100 });
    const tools = list.data.tools as { product_id: string; actions?: { name: string }[] }[];
    const product = tools.find((t) => t.product_id === sandbox.ids.product) ?? tools[0]!;
    const action = product.actions?.[0]?.name ?? 'run';
    const r = await call(conn.client, 'account_products_purchase', { product_id: sandbox.ids.product, action, parameters: {} });
    expect(r.isError, r.text).toBeFalsy();
    expect(r.data.order_id).toBeTruthy();
    expect(sandbox.balance()).toBeLessThanOrEqual(before);
  });

  it('account_products_purchase: unknown product is 404 and short balance is 402, nothing debited', async () => {
    const before = sandbox.balance();
    const unknown = await call(conn.client, 'account_products_purchase', { product_id: UNKNOWN_ID, action: 'run' });
    expect(unknown.isError).toBe(true);
    expect(errorOf(unknown).status).toBe(404);
    const list = await call(conn.client, 'account_products_list', { page_size: 100 });
    let expensive = (list.data.tools as { product_id: string; actions?: { name: string }[] }[]).find((t) => t.product_id === sandbox.ids.expensiveProduct);
    for (let page = 2; !expensive && page <= 5; page++) {
      const more = await call(conn.client, 'account_products_list', { page, page_size: 100 });
      expensive = (more.data.tools as { product_id: string; actions?: { name: string }[] }[]).find((t) => t.product_id === sandbox.ids.expensiveProduct);
    }
    const poor = await call(conn.client, 'account_products_purchase', { product_id: sandbox.ids.expensiveProduct, action: expensive?.actions?.[0]?.name ?? 'run' });
    expect(poor.isError).toBe(true);
    expect(errorOf(poor)).toMatchObject({ status: 402, code: 'payment_required' });
    expect(errorOf(poor).next_step).toMatch(/credits/);
    expect(sandbox.balance()).toBe(before);
  });

  it('workflow_run_trigger mints a request_id, and a retry with it returns the same run (202)', async () => {
    const first = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'Summarize open orders' });
    expect(first.isError, first.text).toBeFalsy();
    const requestId = first.data.request_id as string;
    expect(requestId).toMatch(/[0-9a-f-]{36}/);
    const runId = (first.data.data as { run: { run_id: string } }).run.run_id;
    const again = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'Summarize open orders', request_id: requestId });
    expect(again.data.replayed).toBe(true);
    expect((again.data.data as { run: { run_id: string } }).run.run_id).toBe(runId);
  });

  it('workflow_run_trigger: 409 not on budget and a non-https callback are explained', async () => {
    const r = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.notOnBudgetWorkflow, prompt: 'go' });
    expect(r.isError).toBe(true);
    expect(errorOf(r)).toMatchObject({ status: 409, code: 'workflow_not_on_budget' });
    expect(errorOf(r).next_step).toMatch(/approv/);
    const cb = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'go', callback_url: 'http://example.com/hook' });
    expect(cb.isError).toBe(true);
    expect(cb.text).toContain('callback_url');
  });

  it('workflow_run_status follows a run to completion', async () => {
    const t = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'hello' });
    const runId = (t.data.data as { run: { run_id: string } }).run.run_id;
    let status = '';
    for (let i = 0; i < 40 && status !== 'completed'; i++) {
      const s = await call(conn.client, 'workflow_run_status', { run_id: runId });
      expect(s.isError).toBeFalsy();
      status = (s.data.data as { run: { status: string } }).run.status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('completed');
  });

  it('workflow_run_status: unknown run is 404, path tricks are rejected naming run_id, and the server keeps serving', async () => {
    const r = await call(conn.client, 'workflow_run_status', { run_id: UNKNOWN_ID });
    expect(r.isError).toBe(true);
    expect(errorOf(r)).toMatchObject({ status: 404, code: 'run_not_found' });
    const before = sandbox.requests.length;
    for (const bad of ['../x', 'a/b', '', 'a\nb', 42]) {
      const b = await call(conn.client, 'workflow_run_status', { run_id: bad });
      expect(b.isError).toBe(true);
      expect(b.text).toContain('run_id');
    }
    const missing = await call(conn.client, 'workflow_run_status', {});
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('run_id');
    expect(sandbox.requests.length).toBe(before);
    expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
  });

  it('workflow_run_cancel cancels a running run; cancelling a finished run is a 409', async () => {
    const slow = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.slowWorkflow, prompt: 'long job' });
    const runId = (slow.data.data as { run: { run_id: string } }).run.run_id;
    const c = await call(conn.client, 'workflow_run_cancel', { run_id: runId });
    expect(c.isError, c.text).toBeFalsy();
    expect((c.data.data as { run: { status: string } }).run.status).toBe('cancelled');

    const quick = await call(conn.client, 'workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'quick' });
    const quickId = (quick.data.data as { run: { run_id: string } }).run.run_id;
    await new Promise((r) => setTimeout(r, 600));
    const late = await call(conn.client, 'workflow_run_cancel', { run_id: quickId });
    expect(late.isError).toBe(true);
    expect(errorOf(late)).toMatchObject({ status: 409, code: 'run_not_cancellable' });
  });

  it('embed tools return snippets and whether the target exists', async () => {
    const loader = await call(conn.client, 'embed_loader');
    expect(loader.isError).toBeFalsy();
    expect(loader.data.exists).toBe(true);
    expect(String(loader.data.script_tag)).toContain('/embed.js');
    const cases: [string, string, string][] = [
      ['embed_workflow', 'workflow_id', sandbox.ids.workflow],
      ['embed_bundle', 'bundle_id', sandbox.ids.bundle],
      ['embed_product', 'product_id', sandbox.ids.product],
    ];
    for (const [tool, field, id] of cases) {
      const ok = await call(conn.client, tool, { [field]: id });
      expect(ok.isError).toBeFalsy();
      expect(ok.data.exists).toBe(true);
      expect(String(ok.data.iframe_snippet)).toContain('<iframe');
      const missing = await call(conn.client, tool, { [field]: UNKNOWN_ID });
      expect(missing.isError).toBeFalsy();
      expect(missing.data.exists).toBe(false);
      const bad = await call(conn.client, tool, { [field]: '../admin' });
      expect(bad.isError).toBe(true);
      expect(bad.text).toContain(field);
    }
  });

  it('embed_loader: a server error is reported as an error', async () => {
    sandbox.addFault({ path: '/embed.js', status: 500, body: 'oops', contentType: 'text/plain', times: 5 });
    const r = await call(conn.client, 'embed_loader');
    expect(r.isError).toBe(true);
    expect(errorOf(r).status).toBe(500);
    sandbox.clearFaults();
  });
});

describe.each<TransportKind>(['stdio', 'http'])('credentials over %s', (kind) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('with no credentials the server starts, lists tools, public tools work and account tools name the setting', async () => {
    const conn = await connect(kind, sandboxEnv(sandbox, { AGENTPMT_BEARER_TOKEN: undefined }));
    try {
      expect((await conn.client.listTools()).tools.length).toBe(catalog.length);
      expect((await call(conn.client, 'platform_health')).isError).toBeFalsy();
      expect((await call(conn.client, 'embed_workflow', { workflow_id: sandbox.ids.workflow })).isError).toBeFalsy();
      for (const [tool, args] of [
        ['account_credits_balance', {}],
        ['workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'x' }],
      ] as const) {
        const before = sandbox.requests.length;
        const r = await call(conn.client, tool, args);
        expect(r.isError).toBe(true);
        expect(errorOf(r).code).toBe('missing_credential');
        expect(r.text).toContain('AGENTPMT_BEARER_TOKEN');
        expect(sandbox.requests.length).toBe(before);
      }
    } finally {
      await conn.close();
    }
  });

  it('a wrong token is a 401 that tells the user which setting to check', async () => {
    const conn = await connect(kind, sandboxEnv(sandbox, { AGENTPMT_BEARER_TOKEN: 'not-the-right-token' }));
    try {
      const r = await call(conn.client, 'account_credits_history');
      expect(r.isError).toBe(true);
      expect(errorOf(r).status).toBe(401);
      expect(errorOf(r).next_step).toContain('AGENTPMT_BEARER_TOKEN');
      const w = await call(conn.client, 'workflow_run_status', { run_id: UNKNOWN_ID });
      expect(errorOf(w).status).toBe(401);
    } finally {
      await conn.close();
    }
  });

  it('the legacy api key + budget key work as the bearer token', async () => {
    const conn = await connect(
      kind,
      sandboxEnv(sandbox, { AGENTPMT_BEARER_TOKEN: undefined, AGENTPMT_API_KEY: sandbox.credentials.apiKey, AGENTPMT_BUDGET_KEY: sandbox.credentials.budgetKey }),
    );
    try {
      const r = await call(conn.client, 'account_credits_balance');
      expect(r.isError, r.text).toBeFalsy();
    } finally {
      await conn.close();
    }
  });
});
