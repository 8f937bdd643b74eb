import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { startAgentruntimeSandbox, type ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { startArrotechSandbox, type ArrotechSandbox } from '../../src/platforms/arrotech/sandbox/index.js';
import { call, connectHttp, knownSecrets, sandboxEnv, withSandbox, type Connected } from '../helpers.js';
import { arEnv } from '../support/agentruntime.js';
import { arrotechEnv } from '../support/arrotech.js';

/**
 * A scripted "model": it knows only what tools/list, the instructions and the results
 * tell it. Each journey follows the `next` hints and error next steps, asserts the hints
 * it relies on, and counts its calls against the ideal (+1 allowed).
 */
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string };

interface Next {
  tool: string;
  arguments?: Record<string, unknown>;
  why: string;
}
type Result = Awaited<ReturnType<typeof call>>;
const nextOf = (r: Result): Next[] => (r.data.next as Next[] | undefined) ?? [];
const errorOf = (r: Result) => r.data.error as { code: string; next_step: string; message: string };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await withSandbox({ runDurationMs: 600 });
});
afterAll(async () => {
  await sandbox?.close();
});

type Journey = { call: (tool: string, args?: Record<string, unknown>) => Promise<Result>; follow: (hint: Next | undefined, extra?: Record<string, unknown>) => Promise<Result>; conn: Connected };

/**
 * One journey against the server `env` describes: a connection, a call counter, and a way to
 * follow a hint exactly as given. Every hint any result offered must name a tool this server
 * serves (a hint to a missing tool is a dead end for the model).
 */
async function journeyOn(env: Record<string, string>, ideal: number, run: (j: Journey) => Promise<void>) {
  const conn = await connectHttp(env);
  let calls = 0;
  const hinted = new Set<string>();
  const counted = async (tool: string, args: Record<string, unknown>) => {
    calls++;
    const r = await call(conn.client, tool, args);
    for (const n of nextOf(r)) hinted.add(n.tool);
    return r;
  };
  const j: Journey = {
    conn,
    call: (tool, args = {}) => counted(tool, args),
    follow: (hint, extra = {}) => {
      expect(hint, 'the result offered no next call to follow').toBeDefined();
      return counted(hint!.tool, { ...hint!.arguments, ...extra });
    },
  };
  try {
    await run(j);
    expect(calls, 'calls taken').toBeLessThanOrEqual(ideal + 1);
    const served = new Set((await conn.client.listTools()).tools.map((t) => t.name));
    expect([...hinted].filter((t) => !served.has(t)), 'hinted tools this server does not serve').toEqual([]);
  } finally {
    await conn.close();
  }
}

/** A journey against the AgentPMT sandbox, default toolsets unless `extraEnv` says otherwise. */
const journey = (extraEnv: Record<string, string>, ideal: number, run: (j: Journey) => Promise<void>) =>
  journeyOn(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_TOOLSETS: 'default', ...extraEnv }), ideal, run);

const hint = (r: Result, tool: string) => nextOf(r).find((n) => n.tool === tool);

describe('journeys a model makes, following only the hints', () => {
  it('the instructions lead with the simplest paths and name what is off', async () => {
    await journey({}, 0, async ({ conn }) => {
      const text = conn.client.getInstructions() ?? '';
      expect(text).toContain('workflow_run');
      expect(text).toContain('marketplace_search → marketplace_describe → marketplace_invoke');
      expect(text).toMatch(/Two separate credit pools/);
      expect(text).toMatch(/Toolsets off in this server: .*jobs .*AGENTPMT_TOOLSETS/);
    });
  });

  it('balance with its expiry: one call, the summary says it', async () => {
    await journey({}, 1, async ({ call }) => {
      const r = await call('account_credits_balance');
      expect(r.data.summary).toMatch(/^The account's credits: [\d,]+ credits \(\d+\.\d\d USD\), next expiry \d{4}-\d\d-\d\d\.$/);
    });
  });

  it('find an email tool and its price, then invoke it with credits, then with x402', async () => {
    await journey({ AGENTPMT_APPROVAL_THRESHOLD_USD: '1' }, 4, async ({ call, follow }) => {
      const found = await call('marketplace_search', { query: 'send email' });
      expect(nextOf(found)[0]?.tool).toBe('marketplace_describe');
      const described = await follow(nextOf(found)[0]);
      expect(described.data.summary).toMatch(/send-email \d+(\.\d+)? USD, required: to/);
      const invoke = nextOf(described)[0];
      // The product has several actions: the hint names the product, the model picks the action the summary priced.
      expect(invoke).toMatchObject({ tool: 'marketplace_invoke', arguments: { product: described.data.product } });
      const parameters = { to: 'ada@example.com', subject: 'hello', body: 'from the journey' };
      const paidCredits = await follow(invoke, { action: 'send-email', parameters });
      expect(paidCredits.isError, paidCredits.text).toBeFalsy();
      expect(paidCredits.data.paid_with).toBe('credits');
      const paidX402 = await follow(invoke, { action: 'send-email', parameters: { ...parameters, subject: 'again' }, payment: 'x402' });
      expect(paidX402.isError, paidX402.text).toBeFalsy();
      expect(paidX402.data.paid_with).toBe('x402');
    });
  });

  it('a price above the approval threshold: the quote says to ask the user, and the next call carries the quote', async () => {
    await journey({ AGENTPMT_APPROVAL_THRESHOLD_USD: '0' }, 2, async ({ call, follow }) => {
      const quoted = await call('marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'approve me' }, payment: 'x402' });
      expect(quoted.data).toMatchObject({ approval_required: true });
      expect(quoted.data.summary).toMatch(/Ask the user in the conversation/);
      const confirm = nextOf(quoted)[0];
      expect(confirm?.why).toMatch(/only after the user agrees/);
      expect(confirm?.arguments?.quote_id).toBe(quoted.data.quote_id);
      // (The user agreed in the conversation.)
      const paid = await follow(confirm);
      expect(paid.isError, paid.text).toBeFalsy();
      expect((paid.data.payment as { status: string }).status).toBe('settled');
    });
  });

  it('run a workflow to its end, and cancel another that runs too long', async () => {
    await journey({ AGENTPMT_TOOLSETS: 'default' }, 3, async ({ call, follow }) => {
      const done = await call('workflow_run', { workflow_id: sandbox.ids.workflow, prompt: 'summarize' });
      expect(done.data.done).toBe(true);
      const slow = await call('workflow_run', { workflow_id: sandbox.ids.slowWorkflow, prompt: 'take your time', wait_seconds: 1 });
      expect(slow.data.done).toBe(false);
      const cancel = nextOf(slow).find((n) => n.tool === 'workflow_run_cancel');
      expect(cancel?.arguments?.run_id).toBe(slow.data.run_id);
      const cancelled = await follow(cancel);
      expect(cancelled.isError, cancelled.text).toBeFalsy();
    });
  });

  it('reserve a job and complete it', async () => {
    await journey({ AGENTPMT_TOOLSETS: 'default,jobs' }, 3, async ({ call, follow }) => {
      const jobs = await call('jobs_list');
      const reserve = nextOf(jobs)[0];
      expect(reserve?.tool).toBe('jobs_reserve');
      const reserved = await follow(reserve);
      const complete = nextOf(reserved)[0];
      expect(complete).toMatchObject({ tool: 'jobs_complete', arguments: { job_id: reserve!.arguments!.job_id } });
      expect(complete?.arguments?.reservation_id).toBeTruthy();
      const completed = await follow(complete, { proof_text: 'Shared the link on my blog.' });
      expect(completed.isError, completed.text).toBeFalsy();
    });
  });

  it('what did I pay today: x402 and credits together', async () => {
    await journey({ AGENTPMT_APPROVAL_THRESHOLD_USD: '1' }, 4, async ({ call, follow }) => {
      await call('marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'today' }, payment: 'x402' });
      await call('account_products_purchase', { product_id: sandbox.ids.product, action: 'echo', parameters: { message: 'paid with account credits' } });
      const today = await call('payments_list', { since: 'today' });
      expect(today.data.summary).toMatch(/\d+ x402 payment\(s\)/);
      expect(((today.data.payments as unknown[]) ?? []).length).toBeGreaterThan(0);
      const credits = nextOf(today).find((n) => n.tool === 'account_credits_history');
      expect(credits?.why).toMatch(/credits/);
      const history = await follow(credits);
      expect(history.isError, history.text).toBeFalsy();
      expect(JSON.stringify(history.data)).toMatch(/purchase|debit|tool/i);
    });
  });

  it('three mistakes, each recovered from by following the error', async () => {
    await journey({}, 6, async ({ call }) => {
      const wrongType = await call('marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: 'hello' });
      expect(errorOf(wrongType)).toMatchObject({ code: 'invalid_argument' });
      expect(errorOf(wrongType).message).toContain('parameters must be an object, got a string');
      const fixed = await call('marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'hello' } });
      expect(fixed.isError, fixed.text).toBeFalsy();

      const typo = await call('wallet_stats');
      expect(errorOf(typo).next_step).toContain('wallet_status');
      const status = await call('wallet_status');
      expect(status.isError, status.text).toBeFalsy();

      const unknownRun = await call('workflow_run_status', { run_id: '0123456789abcdef01234567' });
      expect(errorOf(unknownRun).next_step).toMatch(/run_id that workflow_run_trigger or workflow_run returned/);
      const real = await call('workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'hi' });
      expect(nextOf(real)[0]).toMatchObject({ tool: 'workflow_run_wait' });
    });
  });
});

describe('journeys that start from a listing', () => {
  it('buy an account product, starting from the budget\'s listing', async () => {
    await journey({}, 2, async ({ call, follow }) => {
      const listed = await call('account_products_list', { page_size: 5 });
      expect(listed.data.summary).toMatch(/^5 of \d+ tools in the budget: .+ \(\w+ \d+ credits\)/);
      const buy = hint(listed, 'account_products_purchase');
      const first = (listed.data.tools as { product_id: string; actions: { name: string; parameters: { required?: string[] } }[] }[])[0]!;
      expect(buy?.arguments).toEqual({ product_id: first.product_id, action: first.actions[0]!.name });
      // The model fills the action's required parameters from the schema the listing showed.
      const parameters = Object.fromEntries((first.actions[0]!.parameters.required ?? []).map((k) => [k, 'from the journey']));
      const bought = await follow(buy, { parameters });
      expect(bought.isError, bought.text).toBeFalsy();
      expect(bought.data.summary).toMatch(/ran, \d+ credits charged; account balance \d+ credits \(order \w+\)\.$/);
    });
  });

  it('run a public workflow from the workflows listing, and work one through a session', async () => {
    await journey({}, 5, async ({ call, follow }) => {
      const listed = await call('workflows_list');
      expect(listed.data.summary).toMatch(/^\d+ (of \d+ )?workflows: .+ \([0-9a-f]{24}\)/);
      const run = hint(listed, 'workflow_run');
      expect(run?.arguments?.workflow_id).toBe(sandbox.ids.workflow);
      const done = await follow(run, { prompt: 'summarize today' });
      expect(done.data.done, done.text).toBe(true);

      const start = hint(listed, 'workflow_session_start');
      const session = await follow(start);
      expect(session.data.summary).toMatch(/^Session \S+ of .+ (started|resumed)/);
      const fetch = hint(session, 'workflow_session_fetch');
      expect(fetch?.arguments).toEqual({ workflow_id: start!.arguments!.workflow_id });
      const fetched = await follow(fetch);
      expect(fetched.isError, fetched.text).toBeFalsy();
      const end = hint(fetched, 'workflow_session_end') ?? hint(session, 'workflow_session_end');
      expect(hint(session, 'workflow_session_end')?.arguments?.workflow_session_id).toBeTruthy();
      const ended = await follow(end);
      expect(ended.isError, ended.text).toBeFalsy();
    });
  });
});

describe('hints name only what this server serves', () => {
  it('read-only: the workflows listing no longer offers to run or start one, in structuredContent or text', async () => {
    await journey({ AGENTPMT_READ_ONLY: 'true' }, 1, async ({ call }) => {
      const listed = await call('workflows_list');
      expect(listed.isError, listed.text).toBeFalsy();
      for (const tool of ['workflow_run', 'workflow_session_start']) {
        expect(hint(listed, tool)).toBeUndefined();
        expect(listed.text).not.toContain(`Next: ${tool} `);
      }
      expect(listed.data.summary).toMatch(/workflows/); // the rest of the answer is intact
    });
  });
});

describe('schedules: due, claim, advance, each handed over by the last', () => {
  it('work one due occurrence through its lease', async () => {
    await journey({ AGENTPMT_TOOLSETS: 'default,schedules' }, 3, async ({ call, follow }) => {
      const due = await call('schedules_due');
      expect(due.data.summary).toMatch(/^\d+ occurrence\(s\) due: /);
      const claimed = await follow(hint(due, 'schedules_claim'), { limit: 1 });
      expect(claimed.data.summary).toMatch(/^Claimed 1 occurrence\(s\), first: .+ \(prompt: /);
      const advance = hint(claimed, 'schedules_advance');
      const item = (claimed.data.data as { items: { schedule_id: string; due_at: string; claim_token: string }[] }).items[0]!;
      expect(advance?.arguments).toEqual({ schedule_id: item.schedule_id, due_at: item.due_at, claim_token: item.claim_token, outcome: 'success' });
      expect(hint(claimed, 'schedules_release')?.arguments).toEqual({ schedule_id: item.schedule_id, due_at: item.due_at, claim_token: item.claim_token });
      // (The work is done.)
      const advanced = await follow(advance);
      expect(advanced.data.summary).toMatch(/advanced/);
    });
  });
});

describe('AgentRuntime: from the workflows listing to a finished run, through a human task', () => {
  let ar: ArSandbox;
  beforeAll(async () => {
    ar = await startAgentruntimeSandbox({ stepMs: 60 });
  });
  afterAll(async () => {
    for (const s of ar?.issuedSecrets() ?? []) knownSecrets.add(s);
    await ar?.close();
  });

  it('list, run the published workflow, approve its task, follow it, read its results', async () => {
    await journeyOn(arEnv(ar), 5, async ({ call, follow }) => {
      const listed = await call('agentruntime_workflows_list');
      expect(listed.data.summary).toMatch(/^\d+ workflows: Order approval \(\S+, published\)/);
      const run = hint(listed, 'agentruntime_workflows_run');
      expect(run?.arguments).toEqual({ workflow_id: ar.ids.approvalWorkflow });
      const waiting = await follow(run, { input: { customer_email: 'ada@example.com' } });
      expect(waiting.data.waiting_for, waiting.text).toBe('human_task');
      const [approve, reject, wait] = nextOf(waiting);
      expect(approve).toMatchObject({ tool: 'agentruntime_tasks_complete', arguments: { approved: true } });
      expect(approve?.why).toMatch(/only after the user agrees/);
      expect(reject).toMatchObject({ tool: 'agentruntime_tasks_complete', arguments: { approved: false } });
      expect(wait?.tool).toBe('agentruntime_workflows_run_wait');
      // (The user approved in the conversation.)
      const approved = await follow(approve);
      expect(approved.data.summary).toMatch(/approved/);
      const done = await follow(hint(approved, 'agentruntime_workflows_run_wait'));
      expect(done.data.done, done.text).toBe(true);
      const results = await follow(hint(done, 'agentruntime_runs_context'));
      expect(results.isError, results.text).toBeFalsy();
    });
  });

  it('a new draft: create, validate, publish and run it, each step handed over by the last', async () => {
    await journeyOn(arEnv(ar), 4, async ({ call, follow }) => {
      const created = await call('agentruntime_workflows_create', { name: 'Journey flow', graph: { steps: [{ id: 'a', type: 'action' }] } });
      expect(created.data.summary).toMatch(/^Created draft workflow Journey flow \(\S+\)\.$/);
      const validated = await follow(hint(created, 'agentruntime_workflows_validate'));
      expect(validated.data.summary).toMatch(/valid/);
      const published = await follow(hint(validated, 'agentruntime_workflows_publish_version'));
      expect(published.data.summary).toMatch(/^Published version 1/);
      const done = await follow(hint(published, 'agentruntime_workflows_run'));
      expect(done.data.done, done.text).toBe(true);
    });
  });
});

describe('Arrotech Hub: from a template to a finished execution', () => {
  let hub: ArrotechSandbox;
  beforeAll(async () => {
    hub = await startArrotechSandbox({ stepMs: 60, streamIntervalMs: 30 });
  });
  afterAll(async () => {
    for (const t of hub?.issuedTokens ?? []) knownSecrets.add(t);
    await hub?.close();
  });

  it('find a template, create a workflow from it, run it, read its steps', async () => {
    await journeyOn(arrotechEnv(hub), 4, async ({ call, follow }) => {
      const templates = await call('arrotech_templates_list', { search: 'digest' });
      expect(templates.data.summary).toBe('1 templates: Daily Slack digest (slack-daily-digest).');
      const created = await follow(hint(templates, 'arrotech_templates_use'));
      expect(created.data.summary).toMatch(/^Created workflow \d+ from the template\.$/);
      const run = hint(created, 'arrotech_workflows_run');
      const done = await follow(run, { wait_seconds: 10 });
      expect(done.data.done, done.text).toBe(true);
      const steps = await follow(hint(done, 'arrotech_workflows_execution_steps'));
      expect(steps.isError, steps.text).toBeFalsy();
    });
  });

  it('a listed workflow started without waiting hands over the wait and the cancel', async () => {
    await journeyOn(arrotechEnv(hub), 3, async ({ call, follow }) => {
      const listed = await call('arrotech_workflows_list');
      expect(listed.data.summary).toMatch(/^\d+ workflows: .+ \(\d+, draft\)/);
      const workflowId = hint(listed, 'arrotech_workflows_run')?.arguments?.workflow_id;
      const started = await call('arrotech_workflows_execute', { workflow_id: workflowId });
      expect(started.data.summary).toMatch(/^Execution \d+ started/);
      const cancel = hint(started, 'arrotech_workflows_execution_cancel');
      expect(hint(started, 'arrotech_workflows_run_wait')?.arguments).toEqual(cancel?.arguments);
      const cancelled = await follow(cancel);
      expect(cancelled.isError, cancelled.text).toBeFalsy();
    });
  });
});
