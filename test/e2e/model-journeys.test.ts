import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, connectHttp, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

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

/** One journey: a connection, a call counter, and a way to follow a hint exactly as given. */
async function journey(extraEnv: Record<string, string>, ideal: number, run: (j: { call: (tool: string, args?: Record<string, unknown>) => Promise<Result>; follow: (hint: Next | undefined, extra?: Record<string, unknown>) => Promise<Result>; conn: Connected }) => Promise<void>) {
  const conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_TOOLSETS: 'default', ...extraEnv }));
  let calls = 0;
  const j = {
    conn,
    call: (tool: string, args: Record<string, unknown> = {}) => {
      calls++;
      return call(conn.client, tool, args);
    },
    follow: (hint: Next | undefined, extra: Record<string, unknown> = {}) => {
      expect(hint, 'the result offered no next call to follow').toBeDefined();
      calls++;
      return call(conn.client, hint!.tool, { ...hint!.arguments, ...extra });
    },
  };
  try {
    await run(j);
    expect(calls, 'calls taken').toBeLessThanOrEqual(ideal + 1);
  } finally {
    await conn.close();
  }
}

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
