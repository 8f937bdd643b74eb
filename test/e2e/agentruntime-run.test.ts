import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DoctorMark } from '../../src/core/platform.js';
import { agentruntime } from '../../src/platforms/agentruntime/platform.js';
import { startAgentruntimeSandbox, type ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { servedPlatforms } from '../../src/assembly.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { call, connect, connectHttp, elicitingClient, knownSecrets, type Connected, type TransportKind } from '../helpers.js';
import { arEnv, callWithProgress, errorOf } from '../support/agentruntime.js';

describe.each<TransportKind>(['stdio', 'http'])('agentruntime_workflows_run over %s', (kind) => {
  let sb: ArSandbox;
  let conn: Connected;
  let longWorkflow: string;
  beforeAll(async () => {
    sb = await startAgentruntimeSandbox({ stepMs: 150 });
    conn = await connect(kind, arEnv(sb));
    const created = await call(conn.client, 'agentruntime_workflows_create', { name: 'slow', graph: { steps: Array.from({ length: 60 }, (_, i) => ({ id: `s${i}`, type: 'action' })) } });
    longWorkflow = created.data.id as string;
    await call(conn.client, 'agentruntime_workflows_publish_version', { workflow_id: longWorkflow });
  });
  afterAll(async () => {
    await conn?.close();
    await sb?.close();
  });

  it('progress counts steps, then the human task comes back with what it asks; approval resumes the run to completion', async () => {
    const first = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sb.ids.approvalWorkflow, input: { customer_email: 'kim@example.com' } });
    expect(first.progress.length).toBeGreaterThanOrEqual(2);
    expect(first.progress.some((p) => /fetch_order|manager_approval/.test(p.message ?? ''))).toBe(true);
    expect(first.progress.at(-1)!.total).toBe(3);
    const task = (first.data.pending_tasks as { task_id: string; asks: string; approve: { arguments: Record<string, unknown> } }[])[0]!;
    expect(task.asks).toContain('kim@example.com');
    expect(first.text).toContain(JSON.stringify(task.approve.arguments));
    await call(conn.client, 'agentruntime_tasks_complete', { ...task.approve.arguments, result: { note: 'ok by QA' } });
    const done = await callWithProgress(conn.client, 'agentruntime_workflows_run_wait', { workflow_id: sb.ids.approvalWorkflow, run_id: first.data.run_id as string });
    expect((done.data.run as { status: string; steps_completed: number }).status).toBe('completed');
    const ctx = await call(conn.client, 'agentruntime_runs_context', { workflow_id: sb.ids.approvalWorkflow, run_id: first.data.run_id as string });
    expect((ctx.data.steps as Record<string, unknown>).manager_approval).toEqual({ approved: true, note: 'ok by QA' });
    const events = await call(conn.client, 'agentruntime_runs_events', { workflow_id: sb.ids.approvalWorkflow, run_id: first.data.run_id as string });
    const types = (events.data.events as { event_type: string; step_id?: string }[]).map((e) => `${e.event_type}:${e.step_id ?? ''}`);
    expect(types).toEqual(expect.arrayContaining(['run_started:', 'step_completed:fetch_order', 'step_completed:manager_approval', 'step_completed:notify']));
  });

  it('a paused run is handed back with the resume call', async () => {
    const started = await call(conn.client, 'agentruntime_workflows_command', { workflow_id: longWorkflow, command: 'start' });
    await call(conn.client, 'agentruntime_workflows_command', { workflow_id: longWorkflow, command: 'pause', run_id: started.data.run_id as string });
    const r = await callWithProgress(conn.client, 'agentruntime_workflows_run_wait', { workflow_id: longWorkflow, run_id: started.data.run_id as string });
    expect(r.text).toMatch(/paused.*"resume"/s);
    await call(conn.client, 'agentruntime_workflows_command', { workflow_id: longWorkflow, command: 'stop', run_id: started.data.run_id as string });
  });

  it('a client cancellation stops following at once, and stop_on_cancel stops the run on AgentRuntime', async () => {
    const controller = new AbortController();
    const pending = callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: longWorkflow, stop_on_cancel: true, wait_seconds: 30 }, controller.signal);
    pending.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 800));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 600));
    const polls = () => sb.requests.filter((q) => q.path.endsWith('/summary')).length;
    const settled = polls();
    const stop = sb.requests.filter((q) => q.path.endsWith('/command')).map((q) => JSON.parse(q.body) as { command: string }).at(-1);
    expect(stop?.command).toBe('stop');
    await new Promise((r) => setTimeout(r, 1500));
    expect(polls()).toBe(settled);
    const runs = await call(conn.client, 'agentruntime_runs_list', { workflow_id: longWorkflow, limit: 1 });
    expect((runs.data.runs as { status: string }[])[0]!.status).toBe('stopped');
  });

  it('a workflow that was never published: the error says to publish a version first', async () => {
    const r = await call(conn.client, 'agentruntime_workflows_run', { workflow_id: sb.ids.draftWorkflow });
    expect(errorOf(r)).toMatchObject({ status: 409, code: 'no_published_version' });
    expect(errorOf(r).next_step).toContain('agentruntime_workflows_publish_version');
  });
});

describe('a platform without the run summary route (documented only in the Platform MCP table)', () => {
  it('agentruntime_workflows_run falls back to the run list, still surfaces the task and follows the run to the end', async () => {
    const sb = await startAgentruntimeSandbox({ stepMs: 50, noSummaryRoute: true });
    const conn = await connect('http', arEnv(sb));
    try {
      const first = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sb.ids.approvalWorkflow, input: { customer_email: 'lee@example.com' } });
      expect(first.res.isError, first.text).toBeFalsy();
      const task = (first.data.pending_tasks as { approve: { arguments: Record<string, unknown> } }[])[0]!;
      await call(conn.client, 'agentruntime_tasks_complete', task.approve.arguments);
      const done = await callWithProgress(conn.client, 'agentruntime_workflows_run_wait', { workflow_id: sb.ids.approvalWorkflow, run_id: first.data.run_id as string });
      expect((done.data.run as { status: string }).status).toBe('completed');
      // One 404 on the summary per wait, then the list only.
      expect(sb.requests.filter((r) => r.path.endsWith('/summary')).length).toBe(2);
    } finally {
      await conn.close();
      await sb.close();
    }
  });
});

describe('billing consent through MCP elicitation', () => {
  let sb: ArSandbox;
  beforeAll(async () => {
    sb = await startAgentruntimeSandbox();
  });
  afterAll(() => sb?.close());

  it.each([
    ['declines', { action: 'decline' } as ElicitResult, false],
    ['approves', { action: 'accept', content: { approve: true } } as ElicitResult, true],
  ] as const)('the user %s: asked once with the plan and price, subscribed only on approval', async (_n, answer, subscribed) => {
    const asked: string[] = [];
    const conn = await connectHttp(arEnv(sb), () => elicitingClient(answer, asked));
    try {
      const r = await call(conn.client, 'agentruntime_billing_subscribe', { stripe_price_id: sb.ids.priceStarter });
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain('29.00 USD per month');
      const posted = sb.requests.some((q) => q.method === 'POST' && q.path === '/v1/billing/subscription');
      expect(posted).toBe(subscribed);
      if (subscribed) expect(r.data).toMatchObject({ done: true, status: 'active' });
      else expect(errorOf(r).code).toBe('declined');
    } finally {
      await conn.close();
      sb.reset();
    }
  });
});

describe('human tasks put to the user through MCP elicitation (ask_user)', () => {
  let sb: ArSandbox;
  beforeAll(async () => {
    sb = await startAgentruntimeSandbox({ stepMs: 40 });
  });
  afterAll(() => sb?.close());

  it.each([
    ['approves', { action: 'accept', content: { approve: true, note: 'fine by me' } } as ElicitResult, 'completed'],
    ['rejects', { action: 'accept', content: { approve: false } } as ElicitResult, 'failed'],
  ] as const)('the user %s: the run goes on to %s within the same call', async (_n, answer, status) => {
    const asked: string[] = [];
    const conn = await connectHttp(arEnv(sb), () => elicitingClient(answer, asked));
    try {
      const r = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sb.ids.approvalWorkflow, input: { customer_email: 'zoe@example.com' }, ask_user: true });
      expect(asked).toEqual([expect.stringContaining('Approve the refund for zoe@example.com?')]);
      if (status === 'completed') {
        expect(r.data.done).toBe(true);
        const ctx = await call(conn.client, 'agentruntime_runs_context', { workflow_id: sb.ids.approvalWorkflow, run_id: r.data.run_id as string });
        expect((ctx.data.steps as Record<string, unknown>).manager_approval).toEqual({ approved: true, note: 'fine by me' });
      } else expect(errorOf(r).code).toBe('run_failed');
    } finally {
      await conn.close();
    }
  });

  it('the user does not answer: the task comes back to the model as without ask_user', async () => {
    const conn = await connectHttp(arEnv(sb), () => elicitingClient({ action: 'cancel' }));
    try {
      const r = await callWithProgress(conn.client, 'agentruntime_workflows_run', { workflow_id: sb.ids.approvalWorkflow, input: { customer_email: 'x@example.com' }, ask_user: true });
      expect(r.data.waiting_for).toBe('human_task');
    } finally {
      await conn.close();
    }
  });
});

describe('serving and doctor', () => {
  let sb: ArSandbox;
  beforeAll(async () => {
    sb = await startAgentruntimeSandbox();
  });
  afterAll(() => sb?.close());

  const configOf = (env: Record<string, string | undefined>) => loadConfig({}, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>);

  it('is served when AGENTRUNTIME_TOKEN is set, not otherwise; its default toolsets are small', () => {
    expect(servedPlatforms(configOf({ AGENTPMT_HOME: '/tmp/x' }), PLATFORMS).map((s) => s.platform.id)).toEqual(['agentpmt']);
    const served = servedPlatforms(configOf({ AGENTPMT_HOME: '/tmp/x', AGENTRUNTIME_TOKEN: sb.tokens.admin }), PLATFORMS);
    expect(served.map((s) => s.platform.id)).toEqual(['agentpmt', 'agentruntime']);
    const tools = served.find((s) => s.platform.id === 'agentruntime')!.tools.map((t) => t.name);
    expect(tools).toContain('agentruntime_workflows_run');
    expect(tools).not.toContain('agentruntime_billing_subscribe');
  });

  async function runDoctor(env: Record<string, string | undefined>) {
    const lines: { mark: DoctorMark; text: string }[] = [];
    await (await agentruntime.doctor!()).run(configOf({ AGENTPMT_HOME: '/tmp/ar-doctor', ...env }), { line: (mark, text) => lines.push({ mark, text }) });
    return lines;
  }

  it('doctor: a working PAT, tenant and project are all ✓, proven by a read through the platform executor', async () => {
    const before = sb.requests.length;
    const lines = await runDoctor({ AGENTRUNTIME_API_URL: sb.url, AGENTRUNTIME_TOKEN: sb.tokens.contributor, AGENTRUNTIME_TENANT_ID: sb.tenant, AGENTRUNTIME_PROJECT_ID: sb.project });
    expect(lines.every((l) => l.mark === '✓'), JSON.stringify(lines)).toBe(true);
    expect(lines.at(-1)!.text).toMatch(/accepts the PAT/);
    expect(sb.requests.length).toBe(before + 1);
    expect(sb.requests.at(-1)!.headers['x-project-id']).toBe(sb.project);
  });

  it('doctor: odd token shape, missing project, refused token each named with the fix, and no secret printed', async () => {
    const odd = await runDoctor({ AGENTRUNTIME_API_URL: sb.url, AGENTRUNTIME_TOKEN: 'whsec_pasted_by_mistake_1234', AGENTRUNTIME_TENANT_ID: sb.tenant, AGENTRUNTIME_PROJECT_ID: sb.project });
    knownSecrets.add('whsec_pasted_by_mistake_1234');
    expect(odd.find((l) => l.mark === '!')!.text).toMatch(/does not look like a PAT/);
    expect(odd.at(-1)).toMatchObject({ mark: '✗' });
    expect(odd.at(-1)!.text).toMatch(/401.*AGENTRUNTIME_TOKEN/s);
    const noProject = await runDoctor({ AGENTRUNTIME_API_URL: sb.url, AGENTRUNTIME_TOKEN: sb.tokens.admin, AGENTRUNTIME_TENANT_ID: sb.tenant });
    expect(noProject.find((l) => l.mark === '✗')!.text).toContain('AGENTRUNTIME_PROJECT_ID');
    const none = await runDoctor({});
    expect(none[0]).toMatchObject({ mark: '✗' });
    expect(none[0]!.text).toContain('AGENTRUNTIME_TOKEN');
    const all = JSON.stringify([odd, noProject, none]);
    for (const t of Object.values(sb.tokens)) expect(all).not.toContain(t);
    expect(all).not.toContain('whsec_pasted_by_mistake_1234');
  });
});
