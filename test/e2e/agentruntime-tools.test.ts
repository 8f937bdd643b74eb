import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentruntimeSandbox, type ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { call, connect, expectNoSecretsCaptured, knownSecrets, type Connected, type TransportKind } from '../helpers.js';
import { arEnv, callWithProgress, errorOf } from '../support/agentruntime.js';

const CONNECTION_SECRET = 'sk-live-conn-secret-7Q2xV9pL4mN8';
const ROTATED_SECRET = 'sk-live-conn-rotated-3Zk8Wq1Rt6';
knownSecrets.add(CONNECTION_SECRET);
knownSecrets.add(ROTATED_SECRET);

/** Every AgentRuntime tool, called end to end against the sandbox, in the order an agent would use them. */
describe.each<TransportKind>(['stdio', 'http'])('AgentRuntime tools over %s', (kind) => {
  let sandbox: ArSandbox;
  let conn: Connected;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    sandbox = await startAgentruntimeSandbox({ stepMs: 80 });
    env = arEnv(sandbox);
    conn = await connect(kind, env);
  });
  afterAll(async () => {
    for (const s of sandbox?.issuedSecrets() ?? []) knownSecrets.add(s);
    await conn?.close();
    await sandbox?.close();
  });

  it('lists every tool, with destructive ones marked', async () => {
    const { tools } = await conn.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['agentruntime_workflows_create', 'agentruntime_workflows_run', 'agentruntime_inbound_webhooks_send', 'agentruntime_billing_subscribe', 'agentruntime_pats_revoke', 'agentruntime_analytics_live_runs']) expect(names).toContain(n);
    for (const n of ['agentruntime_pats_revoke', 'agentruntime_connections_delete', 'agentruntime_inbound_webhooks_delete', 'agentruntime_workflows_archive']) {
      const t = tools.find((x) => x.name === n)!;
      // Hints equal to MCP's defaults (destructive true, read-only false) are left out of the listing.
      expect(t.annotations?.destructiveHint ?? true, n).toBe(true);
      expect(t.annotations?.readOnlyHint ?? false, n).toBe(false);
    }
  });

  it('workflows: create, get, list, patch, validate, publish, list versions', async () => {
    const created = await call(conn.client, 'agentruntime_workflows_create', { name: 'Test flow', graph: { steps: [{ id: 'a', type: 'action' }, { id: 'b', type: 'action' }] } });
    expect(created.isError, created.text).toBeFalsy();
    ids.workflow = created.data.id as string;
    expect(created.data.status).toBe('draft');
    const got = await call(conn.client, 'agentruntime_workflows_get', { workflow_id: ids.workflow });
    expect(got.data.name).toBe('Test flow');
    const listed = await call(conn.client, 'agentruntime_workflows_list');
    expect((listed.data.workflows as { id: string }[]).map((w) => w.id)).toContain(ids.workflow);
    const patched = await call(conn.client, 'agentruntime_workflows_patch', { workflow_id: ids.workflow, graph: { steps: [{ id: 'a', type: 'action' }, { id: 'x', type: 'mystery' }] }, run_setup: { input: { region: 'eu' } } });
    expect(patched.isError, patched.text).toBeFalsy();
    const invalid = await call(conn.client, 'agentruntime_workflows_validate', { workflow_id: ids.workflow });
    expect(invalid.data.valid).toBe(false);
    await call(conn.client, 'agentruntime_workflows_patch', { workflow_id: ids.workflow, graph: { steps: [{ id: 'a', type: 'action' }, { id: 'b', type: 'action' }] } });
    expect((await call(conn.client, 'agentruntime_workflows_validate', { workflow_id: ids.workflow })).data.valid).toBe(true);
    const published = await call(conn.client, 'agentruntime_workflows_publish_version', { workflow_id: ids.workflow, changelog: 'v1' });
    expect(published.data.version).toBe(1);
    const versions = await call(conn.client, 'agentruntime_workflows_list_versions', { workflow_id: ids.workflow });
    expect((versions.data.versions as unknown[]).length).toBe(1);
  });

  it('command start (flat input, as the seed shows), pause, resume, stop; runs list, tenant feed, summary, events, context', async () => {
    const started = await call(conn.client, 'agentruntime_workflows_command', { workflow_id: sandbox.ids.approvalWorkflow, command: 'start', input: { customer_email: 'ada@example.com' } });
    expect(started.isError, started.text).toBeFalsy();
    const runId = started.data.run_id as string;
    const body = JSON.parse(sandbox.requests.filter((r) => r.path.endsWith('/command')).at(-1)!.body) as { command: string; params: Record<string, unknown> };
    expect(body).toEqual({ command: 'start', params: { customer_email: 'ada@example.com' } });
    expect((await call(conn.client, 'agentruntime_workflows_command', { workflow_id: sandbox.ids.approvalWorkflow, command: 'pause', run_id: runId })).data.status).toBe('paused');
    expect((await call(conn.client, 'agentruntime_workflows_command', { workflow_id: sandbox.ids.approvalWorkflow, command: 'resume', run_id: runId })).data.status).not.toBe('paused');
    expect((await call(conn.client, 'agentruntime_workflows_command', { workflow_id: sandbox.ids.approvalWorkflow, command: 'stop', run_id: runId, mode: 'immediate' })).data.status).toBe('stopped');
    const again = await call(conn.client, 'agentruntime_workflows_command', { workflow_id: sandbox.ids.approvalWorkflow, command: 'stop', run_id: runId });
    expect(errorOf(again).code).toBe('invalid_run_state');
    expect(errorOf(again).next_step).toMatch(/agentruntime_runs_summary/);
    const runs = await call(conn.client, 'agentruntime_runs_list', { workflow_id: sandbox.ids.approvalWorkflow, limit: 5 });
    expect((runs.data.runs as { run_id: string }[]).map((r) => r.run_id)).toContain(runId);
    const feed = await call(conn.client, 'agentruntime_runs_list_tenant', { status: 'stopped' });
    expect((feed.data.runs as { run_id: string }[]).map((r) => r.run_id)).toContain(runId);
    const summary = await call(conn.client, 'agentruntime_runs_summary', { workflow_id: sandbox.ids.approvalWorkflow, run_id: runId });
    expect(summary.data.status).toBe('stopped');
    const events = await call(conn.client, 'agentruntime_runs_events', { workflow_id: sandbox.ids.approvalWorkflow, run_id: runId });
    expect((events.data.events as { event_type: string }[]).map((e) => e.event_type)).toContain('run_started');
    const context = await call(conn.client, 'agentruntime_runs_context', { workflow_id: sandbox.ids.approvalWorkflow, run_id: runId });
    expect(context.data.input).toEqual({ customer_email: 'ada@example.com' });
  });

  it('a run that stops at a human task: progress, the task and the exact approve call; approval resumes it to completion', async () => {
    const { res, data, progress, text } = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sandbox.ids.approvalWorkflow, input: { customer_email: 'bob@example.com' } });
    expect(res.isError, text).toBeFalsy();
    expect(data.done).toBe(false);
    expect(data.waiting_for).toBe('human_task');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const task = (data.pending_tasks as { task_id: string; asks: string; approve: { tool: string; arguments: Record<string, unknown> } }[])[0]!;
    expect(task.asks).toBe('Approve the refund for bob@example.com?');
    expect(text).toContain('agentruntime_tasks_complete');
    const inbox = await call(conn.client, 'agentruntime_tasks_list_pending');
    expect((inbox.data.tasks as { id: string }[]).map((t) => t.id)).toContain(task.task_id);
    const mine = await call(conn.client, 'agentruntime_tasks_list_pending', { workflow_id: sandbox.ids.approvalWorkflow, run_id: data.run_id as string });
    expect((mine.data.tasks as unknown[]).length).toBe(1);
    const approved = await call(conn.client, task.approve.tool, task.approve.arguments);
    expect(approved.isError, approved.text).toBeFalsy();
    expect(approved.data).toMatchObject({ status: 'completed', approved: true });
    const waited = await callWithProgress(conn.client, 'agentruntime_workflows_run_wait', { workflow_id: sandbox.ids.approvalWorkflow, run_id: data.run_id as string });
    expect(waited.data.done).toBe(true);
    expect((waited.data.run as { status: string }).status).toBe('completed');
    expect(waited.progress.length).toBeGreaterThanOrEqual(1);
    const twice = await call(conn.client, 'agentruntime_tasks_complete', { ...task.approve.arguments, approved: false });
    expect(errorOf(twice).code).toBe('task_already_completed');
  });

  it('a rejected task fails the run; a failing workflow reports run_failed with the next step', async () => {
    const first = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sandbox.ids.approvalWorkflow, input: { customer_email: 'eve@example.com' } });
    const task = (first.data.pending_tasks as { reject: { arguments: Record<string, unknown> } }[])[0]!;
    await call(conn.client, 'agentruntime_tasks_complete', task.reject.arguments);
    const after = await callWithProgress(conn.client, 'agentruntime_workflows_run_wait', { workflow_id: sandbox.ids.approvalWorkflow, run_id: first.data.run_id as string });
    expect(after.res.isError).toBe(true);
    expect(errorOf(after).code).toBe('run_failed');
    const failed = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sandbox.ids.failingWorkflow });
    expect(errorOf(failed).code).toBe('run_failed');
    expect(errorOf(failed).next_step).toMatch(/agentruntime_runs_events/);
  });

  it('the bound: a long run returns "still running" with the call that keeps waiting', async () => {
    const long = await call(conn.client, 'agentruntime_workflows_create', { name: 'Long', graph: { steps: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, type: 'action' })) } });
    await call(conn.client, 'agentruntime_workflows_publish_version', { workflow_id: long.data.id as string });
    const started = Date.now();
    const res = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: long.data.id as string, wait_seconds: 1 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.data.done).toBe(false);
    expect(res.text).toMatch(/still running.*agentruntime_workflows_run_wait/s);
    await call(conn.client, 'agentruntime_workflows_command', { workflow_id: long.data.id as string, command: 'stop', run_id: res.data.run_id as string });
  });

  it('inbound webhooks: create stores the secret 0600 and never returns it; send signs; list, update, delete', async () => {
    const created = await call(conn.client, 'agentruntime_inbound_webhooks_create', { workflow_id: sandbox.ids.echoWorkflow, name: 'orders', extras: { trigger_payload: { source: 'test' } } });
    expect(created.isError, created.text).toBeFalsy();
    const id = (created.data.subscription as { id: string }).id;
    ids.subscription = id;
    const secret = sandbox.issuedSecrets().find((s) => s.startsWith('whsec_'))!;
    knownSecrets.add(secret);
    expect(JSON.stringify(created)).not.toContain(secret);
    expect(created.data.signing_secret).toBeUndefined();
    const kept = (created.data.stored as { signing_secret: { kept_at: string } }).signing_secret.kept_at;
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(readFileSync(kept, 'utf8')).toContain(secret);
    expect(created.data.ingress_url).toBe(`${sandbox.url}/v1/inbound-webhooks/${id}`);
    const sent = await call(conn.client, 'agentruntime_inbound_webhooks_send', { subscription_id: id, payload: { order: 7 } });
    expect(sent.isError, sent.text).toBeFalsy();
    expect(sent.data).toMatchObject({ accepted: true, subscription_id: id });
    const ingress = sandbox.requests.filter((r) => r.path === `/v1/inbound-webhooks/${id}` && r.method === 'POST').at(-1)!;
    expect(ingress.headers['x-agentruntime-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(ingress.headers['x-tenant-id']).toBeUndefined();
    const ctx = await call(conn.client, 'agentruntime_runs_context', { workflow_id: sandbox.ids.echoWorkflow, run_id: sent.data.run_id as string });
    expect(ctx.data.input).toEqual({ source: 'test', order: 7 });
    const listed = await call(conn.client, 'agentruntime_inbound_webhooks_list');
    expect(JSON.stringify(listed.data)).not.toContain('whsec_');
    expect((listed.data.subscriptions as { id: string }[]).map((s) => s.id)).toContain(id);
    const updated = await call(conn.client, 'agentruntime_inbound_webhooks_update', { subscription_id: id, extras: { use_run_setup_defaults: true } });
    expect(updated.isError, updated.text).toBeFalsy();
    const deleted = await call(conn.client, 'agentruntime_inbound_webhooks_delete', { subscription_id: id });
    expect(deleted.data).toMatchObject({ deleted: true, local_secret_removed: true });
    const gone = await call(conn.client, 'agentruntime_inbound_webhooks_send', { subscription_id: id, payload: {} });
    expect(errorOf(gone).code).toBe('signing_secret_unknown');
  });

  it('connections: credentials go to the Vault and never come back; overrides; update; delete', async () => {
    const created = await call(conn.client, 'agentruntime_connections_create', { display_name: 'CRM', provider: 'custom', service: 'crm', credentials: { api_key: CONNECTION_SECRET } });
    expect(created.isError, created.text).toBeFalsy();
    ids.connection = created.data.id as string;
    expect(created.data.credential_keys).toEqual(['api_key']);
    expect(sandbox.vaultCredentials(ids.connection)).toEqual({ api_key: CONNECTION_SECRET });
    const listed = await call(conn.client, 'agentruntime_connections_list');
    expect((listed.data.connections as { id: string }[]).map((c) => c.id)).toContain(ids.connection);
    const updated = await call(conn.client, 'agentruntime_connections_update', { connection_id: ids.connection, display_name: 'CRM (prod)', credentials: { api_key: ROTATED_SECRET } });
    expect(updated.data.name).toBe('CRM (prod)');
    expect(sandbox.vaultCredentials(ids.connection)).toEqual({ api_key: ROTATED_SECRET });
    const set = await call(conn.client, 'agentruntime_workflows_set_connection_overrides', { workflow_id: sandbox.ids.echoWorkflow, overrides: [{ instance_id: 'inst_1', connection_id: ids.connection }] });
    expect(set.data.status).toBe('ok');
    const got = await call(conn.client, 'agentruntime_workflows_get_connection_overrides', { workflow_id: sandbox.ids.echoWorkflow });
    expect(got.data.overrides).toEqual([{ instance_id: 'inst_1', connection_id: ids.connection }]);
  });

  it('MCP servers and instances: register, discover, validate, get, list, instantiate', async () => {
    const created = await call(conn.client, 'agentruntime_mcp_servers_create', { name: 'Docs search', canonical_url: 'https://docs.example.com/mcp' });
    expect(created.data.status).toBe('draft');
    const id = created.data.id as string;
    expect((await call(conn.client, 'agentruntime_mcp_servers_discover', { server_id: id })).data.tool_count).toBe(2);
    expect((await call(conn.client, 'agentruntime_mcp_servers_validate', { server_id: id })).data.valid).toBe(true);
    expect((await call(conn.client, 'agentruntime_mcp_servers_get', { server_id: id })).data.status).toBe('active');
    expect((await call(conn.client, 'agentruntime_mcp_servers_list')).data.servers).toHaveLength(2);
    const inst = await call(conn.client, 'agentruntime_mcp_instances_create', { server_id: id, connection_id: ids.connection });
    expect(inst.isError, inst.text).toBeFalsy();
    expect((await call(conn.client, 'agentruntime_mcp_instances_list')).data.instances).toHaveLength(1);
  });

  it('PATs: the new token is stored 0600, never returned, and signs the ingress bearer; revoke', async () => {
    const created = await call(conn.client, 'agentruntime_pats_create', { display_name: 'automation', scopes: ['workflow:run', 'workflow:read'] });
    expect(created.isError, created.text).toBeFalsy();
    const patId = created.data.id as string;
    const token = sandbox.issuedSecrets().filter((s) => s.startsWith('pat_') && !Object.values(sandbox.tokens).includes(s)).at(-1)!;
    knownSecrets.add(token);
    expect(created.data.token).toBeUndefined();
    const kept = (created.data.stored as { token: { kept_at: string } }).token.kept_at;
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect((await call(conn.client, 'agentruntime_pats_list')).data.pats).toEqual(expect.arrayContaining([expect.objectContaining({ id: patId })]));
    const sub = await call(conn.client, 'agentruntime_inbound_webhooks_create', { workflow_id: sandbox.ids.echoWorkflow, name: 'automation hook', automation_pat_id: patId });
    const subId = (sub.data.subscription as { id: string }).id;
    const sent = await call(conn.client, 'agentruntime_inbound_webhooks_send', { subscription_id: subId, payload: { ok: true } });
    expect(sent.isError, sent.text).toBeFalsy();
    expect(sandbox.requests.filter((r) => r.path === `/v1/inbound-webhooks/${subId}`).at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
    const revoked = await call(conn.client, 'agentruntime_pats_revoke', { pat_id: patId });
    expect(revoked.data).toMatchObject({ revoked: true, local_token_removed: true });
    // The token went with the revoke: the send stops before any request, saying how to get a token back.
    const before = sandbox.requests.length;
    const after = await call(conn.client, 'agentruntime_inbound_webhooks_send', { subscription_id: subId, payload: { ok: true } });
    expect(errorOf(after).code).toBe('automation_token_unknown');
    expect(errorOf(after).next_step).toContain('agentruntime_pats_reveal');
    expect(sandbox.requests.length).toBe(before);
  });

  it('billing reads, and subscribe / change plan / cancel only with a confirm token (no elicitation in this client)', async () => {
    for (const t of ['agentruntime_billing_usage', 'agentruntime_billing_summary', 'agentruntime_billing_status', 'agentruntime_billing_usage_history', 'agentruntime_billing_payment_history', 'agentruntime_billing_action_pricing']) {
      const r = await call(conn.client, t);
      expect(r.isError, `${t}: ${r.text}`).toBeFalsy();
    }
    const plans = await call(conn.client, 'agentruntime_billing_plans');
    expect((plans.data.plans as unknown[]).length).toBe(2);
    const writes = () => sandbox.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/billing/')).length;
    const before = writes();
    const quote = await call(conn.client, 'agentruntime_billing_subscribe', { stripe_price_id: sandbox.ids.priceStarter });
    expect(quote.data).toMatchObject({ done: false, needs_confirmation: true });
    expect(quote.text).toContain('29.00 USD per month');
    expect(writes()).toBe(before);
    const wrong = await call(conn.client, 'agentruntime_billing_subscribe', { stripe_price_id: sandbox.ids.pricePro, confirm_token: quote.data.confirm_token as string });
    expect(errorOf(wrong).code).toBe('confirmation_invalid');
    expect(writes()).toBe(before);
    const done = await call(conn.client, 'agentruntime_billing_subscribe', { stripe_price_id: sandbox.ids.priceStarter, confirm_token: quote.data.confirm_token as string });
    expect(done.data).toMatchObject({ done: true, status: 'active', plan_code: 'starter' });
    const reuse = await call(conn.client, 'agentruntime_billing_subscribe', { stripe_price_id: sandbox.ids.priceStarter, confirm_token: quote.data.confirm_token as string });
    expect(errorOf(reuse).code).toBe('confirmation_invalid');
    const change = await call(conn.client, 'agentruntime_billing_change_plan', { stripe_price_id: sandbox.ids.pricePro });
    const changed = await call(conn.client, 'agentruntime_billing_change_plan', { stripe_price_id: sandbox.ids.pricePro, confirm_token: change.data.confirm_token as string });
    expect(changed.data.plan_code).toBe('pro');
    const cancel = await call(conn.client, 'agentruntime_billing_cancel');
    const cancelled = await call(conn.client, 'agentruntime_billing_cancel', { confirm_token: cancel.data.confirm_token as string });
    expect(cancelled.data.cancel_at_period_end).toBe(true);
    const unknown = await call(conn.client, 'agentruntime_billing_subscribe', { stripe_price_id: 'price_nope' });
    expect(errorOf(unknown).code).toBe('invalid_argument');
  });

  it('analytics reads; 503 when analytics is not configured, with the next step', async () => {
    const { tools } = await conn.client.listTools();
    for (const t of tools.filter((x) => x.name.startsWith('agentruntime_analytics_'))) {
      const r = await call(conn.client, t.name);
      expect(r.isError, `${t.name}: ${r.text}`).toBeFalsy();
    }
    sandbox.setAnalytics(false);
    const down = await call(conn.client, 'agentruntime_analytics_success_rate');
    sandbox.setAnalytics(true);
    expect(errorOf(down)).toMatchObject({ status: 503, code: 'analytics_unavailable' });
    expect(errorOf(down).next_step).toMatch(/agentruntime_runs_list_tenant/);
  });

  it('deletes and archives (destructive tools) work', async () => {
    expect((await call(conn.client, 'agentruntime_connections_delete', { connection_id: ids.connection })).isError).toBeFalsy();
    expect((await call(conn.client, 'agentruntime_workflows_archive', { workflow_id: ids.workflow })).isError).toBeFalsy();
    const gone = await call(conn.client, 'agentruntime_workflows_get', { workflow_id: ids.workflow });
    expect(errorOf(gone)).toMatchObject({ status: 404, code: 'workflow_not_found' });
  });

  it('no PAT, signing secret, new token or connection credential reached any result, error or log', () => {
    for (const s of sandbox.issuedSecrets()) knownSecrets.add(s);
    expectNoSecretsCaptured(knownSecrets);
    if (kind === 'stdio') expect(conn.stderr()).not.toContain(CONNECTION_SECRET);
  });
});
