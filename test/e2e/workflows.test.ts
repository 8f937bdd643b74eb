import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxVariant } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, connect, SANDBOX_VARIANTS, sandboxEnv, withSandbox, type Connected, type TransportKind } from '../helpers.js';

const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as { code: string; status?: number; message: string; next_step: string };

async function callWithProgress(client: Client, name: string, args: Record<string, unknown>, signal?: AbortSignal) {
  const progress: { progress: number; message?: string }[] = [];
  const res = (await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
    onprogress: (p) => progress.push(p),
    timeout: 70_000,
    ...(signal ? { signal } : {}),
  })) as CallToolResult;
  return { res, progress, data: (res.structuredContent ?? {}) as Record<string, unknown> };
}

describe.each<TransportKind>(['stdio', 'http'])('long work over %s', (kind) => {
  let sandbox: Sandbox;
  let conn: Connected;
  beforeAll(async () => {
    sandbox = await withSandbox({ runDurationMs: 3000 });
    conn = await connect(kind, sandboxEnv(sandbox, { AGENTPMT_WORKFLOW_WAIT_SECONDS: '6' }));
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('a 3 s run through workflow_run: at least two progress notifications, then the final response', async () => {
    const { res, progress, data } = await callWithProgress(conn.client, 'workflow_run', { workflow_id: sandbox.ids.workflow, prompt: 'Summarize open orders' });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(data.done).toBe(true);
    expect((data.run as { status: string }).status).toBe('completed');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.map((p) => p.message).join(' ')).toMatch(/running|queued/);
  });

  it('a 120 s run: workflow_run returns "still running" within its bound, workflow_run_wait picks it up', async () => {
    const started = Date.now();
    const { res, data } = await callWithProgress(conn.client, 'workflow_run', { workflow_id: sandbox.ids.slowWorkflow, prompt: 'long', wait_seconds: 2 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(res.isError).toBeFalsy();
    expect(data.done).toBe(false);
    expect(JSON.stringify(res.content)).toContain('workflow_run_wait');
    const runId = data.run_id as string;
    const waited = await call(conn.client, 'workflow_run_wait', { run_id: runId, wait_seconds: 1 });
    expect(waited.data.done).toBe(false);
    await call(conn.client, 'workflow_run_cancel', { run_id: runId });
    const after = await call(conn.client, 'workflow_run_wait', { run_id: runId, wait_seconds: 1 });
    expect(after.data.done).toBe(true);
    expect((after.data.run as { status: string }).status).toBe('cancelled');
  });

  it('failed and setup_required runs explain what to do', async () => {
    const failed = await callWithProgress(conn.client, 'workflow_run', { workflow_id: sandbox.ids.failingWorkflow, prompt: 'x' });
    expect(failed.res.isError).toBe(true);
    expect((failed.data.error as { code: string }).code).toBe('run_failed');
    const setup = await callWithProgress(conn.client, 'workflow_run', { workflow_id: sandbox.ids.setupRequiredWorkflow, prompt: 'x' });
    expect(setup.res.isError).toBe(true);
    expect((setup.data.error as { next_step: string }).next_step).toMatch(/dashboard/);
    const budget = await call(conn.client, 'workflow_run', { workflow_id: sandbox.ids.notOnBudgetWorkflow, prompt: 'x' });
    expect(errorOf(budget).code).toBe('workflow_not_on_budget');
  });

  it('a client cancellation stops polling within 1 s, and cancel_run cancels the run on the platform', async () => {
    const controller = new AbortController();
    const pending = callWithProgress(conn.client, 'workflow_run', { workflow_id: sandbox.ids.slowWorkflow, prompt: 'cancel me', cancel_run: true, wait_seconds: 30 }, controller.signal);
    pending.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1200));
    const polls = () => sandbox.requests.filter((q) => q.method === 'GET' && q.path.startsWith('/api/agent-webhooks/runs/')).length;
    controller.abort();
    const cancelledAt = Date.now();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1000));
    const pollsAfterSettle = polls();
    await new Promise((r) => setTimeout(r, 2500));
    expect(polls()).toBe(pollsAfterSettle);
    const cancel = sandbox.requests.find((q) => q.path.endsWith('/cancel') && q.at >= cancelledAt - 50);
    expect(cancel, 'the run was cancelled on the platform').toBeTruthy();
    expect(cancel!.at - cancelledAt).toBeLessThan(1000);
  });
});

describe.each(SANDBOX_VARIANTS.map((v): [string, SandboxVariant] => [v.name, v]))('schedules: the BYO-agent claim protocol [sandbox variant %s]', (_name, variant) => {
  let sandbox: Sandbox;
  let a: Connected;
  let b: Connected;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant });
    a = await connect('http', sandboxEnv(sandbox));
    b = await connect('stdio', sandboxEnv(sandbox));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
  });

  beforeEach(() => sandbox.reset());

  it('lists due occurrences', async () => {
    const due = await call(a.client, 'schedules_due', { limit: 10 });
    expect(due.isError, due.text).toBeFalsy();
    expect(((due.data.data as { items: unknown[] }).items).length).toBeGreaterThan(0);
  });

  it('two clients race for the same due occurrence: exactly one wins', async () => {
    const [ra, rb] = await Promise.all([call(a.client, 'schedules_claim', { limit: 1 }), call(b.client, 'schedules_claim', { limit: 1 })]);
    const items = [ra, rb].map((r) => ((r.data.data as { items: { schedule_id: string; due_at: string }[] }).items ?? []));
    const keys = items.flat().map((i) => `${i.schedule_id}@${i.due_at}`);
    expect(new Set(keys).size).toBe(keys.length);
    const target = sandbox.ids.schedule;
    const winners = items.filter((list) => list.some((i) => i.schedule_id === target));
    expect(winners.length).toBeLessThanOrEqual(1);
  });

  it('advance → already_advanced on repeat; stale token → claim_mismatch; the other 409s are explained', async () => {
    const sid = sandbox.ids.raceSchedule;
    const claimA = await call(a.client, 'schedules_claim', { limit: 50, lease_seconds: 1 });
    const itemA = (claimA.data.data as { items: { schedule_id: string; due_at: string; claim_token: string }[] }).items.find((i) => i.schedule_id === sid)!;
    expect(itemA).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1300));
    const expired = await call(a.client, 'schedules_advance', { schedule_id: sid, due_at: itemA.due_at, claim_token: itemA.claim_token });
    expect(errorOf(expired).code).toBe('claim_expired');
    const claimB = await call(b.client, 'schedules_claim', { limit: 50, lease_seconds: 60 });
    const itemB = (claimB.data.data as { items: { schedule_id: string; due_at: string; claim_token: string }[] }).items.find((i) => i.schedule_id === sid)!;
    expect(itemB).toBeTruthy();
    const stale = await call(a.client, 'schedules_advance', { schedule_id: sid, due_at: itemA.due_at, claim_token: itemA.claim_token });
    expect(errorOf(stale).code).toBe('claim_mismatch');
    expect(errorOf(stale).next_step).toMatch(/Another worker/);
    const mismatch = await call(b.client, 'schedules_advance', { schedule_id: sid, due_at: '2000-01-01T00:00:00Z', claim_token: itemB.claim_token });
    expect(errorOf(mismatch).code).toBe('due_at_mismatch');
    const ok = await call(b.client, 'schedules_advance', { schedule_id: sid, due_at: itemB.due_at, claim_token: itemB.claim_token, outcome: 'success', external_run_id: 'ext-1' });
    expect(ok.isError, ok.text).toBeFalsy();
    const again = await call(b.client, 'schedules_advance', { schedule_id: sid, due_at: itemB.due_at, claim_token: itemB.claim_token, outcome: 'success' });
    expect(again.isError, again.text).toBeFalsy();
    expect((again.data.data as { already_advanced: boolean }).already_advanced).toBe(true);
    const unclaimed = await call(a.client, 'schedules_advance', { schedule_id: sandbox.ids.unclaimedSchedule, due_at: '2000-01-01T00:00:00Z', claim_token: 'nope' });
    expect(['claim_required', 'due_at_mismatch']).toContain(errorOf(unclaimed).code);
  });

  it('release gives the occurrence back for another worker', async () => {
    const claim = await call(a.client, 'schedules_claim', { limit: 50, lease_seconds: 60 });
    const items = (claim.data.data as { items: { schedule_id: string; due_at: string; claim_token: string }[] }).items;
    expect(items.length).toBeGreaterThan(0);
    const it0 = items[0]!;
    const rel = await call(a.client, 'schedules_release', { schedule_id: it0.schedule_id, due_at: it0.due_at, claim_token: it0.claim_token, note: 'giving up' });
    expect(rel.isError, rel.text).toBeFalsy();
    const reclaim = await call(b.client, 'schedules_claim', { limit: 50 });
    const again = (reclaim.data.data as { items: { schedule_id: string }[] }).items.map((i) => i.schedule_id);
    expect(again).toContain(it0.schedule_id);
    const missing = await call(a.client, 'schedules_release', { schedule_id: 'ffffffffffffffffffffffff', due_at: it0.due_at, claim_token: 'x' });
    expect(errorOf(missing).status).toBe(404);
  });
});
