import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RuntimeContext } from '../context.js';
import { ToolFailureError } from '../../../core/errors.js';
import { nextStepFor } from '../errors.js';
import { requestFor } from '../executor.js';
import { errorResult, okResult } from '../../../core/results.js';
import { sleep } from '../../../core/shared/sleep.js';
import { NEEDS_ACCOUNT_TOKEN, pathSegment } from './fields.js';
import { defineEndpoint, type AnyDeclaration, defineTool } from './types.js';
import { runNext, triggerInput, workflowRunCancel, workflowRunStatus, workflowRunTrigger } from './webhooks.js';

const TERMINAL = new Set(['completed', 'succeeded', 'failed', 'cancelled', 'setup_required']);
const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 5_000;

interface Run {
  run_id: string;
  status: string;
  response_text?: unknown;
  error_code?: unknown;
  error_message?: unknown;
  [k: string]: unknown;
}

const runOf = (json: unknown): Run => (json as { data: { run: Run } }).data.run;

function finalResult(run: Run, extra: Record<string, unknown>): CallToolResult {
  if (run.status === 'failed') {
    return errorResult({
      code: 'run_failed',
      message: `Workflow run ${run.run_id} failed: ${String(run.error_code ?? 'error')}${run.error_message ? ` — ${String(run.error_message)}` : ''}.`,
      next_step: 'Read the error. If the prompt or the setup was the cause, fix it and start a new run (a new request_id: the old one returns this failed run).',
      details: { run },
    });
  }
  if (run.status === 'setup_required') {
    return errorResult({ code: 'setup_required', message: `Workflow run ${run.run_id} stopped: the workflow needs setup.`, next_step: nextStepFor(409, 'setup_required'), details: { run } });
  }
  const text = typeof run.response_text === 'string' && run.response_text ? `\n\n${run.response_text}` : '';
  return okResult({ ...extra, done: true, run }, `Workflow run ${run.run_id} ${run.status}.${text}`);
}

/**
 * Polls a run with backoff for at most `waitSeconds`, reporting progress; hands
 * back a still-running run before hosts time the call out (~60 s).
 */
async function waitForRun(runId: string, ctx: RuntimeContext, waitSeconds: number, extra: Record<string, unknown>, cancelRun: boolean): Promise<CallToolResult> {
  const started = Date.now();
  const deadline = started + waitSeconds * 1000;
  let delay = FIRST_POLL_MS;
  try {
    for (;;) {
      const run = runOf((await requestFor(workflowRunStatus, { run_id: runId }, ctx)).json);
      const elapsed = Math.round((Date.now() - started) / 100) / 10;
      await ctx.progress(elapsed, `Run ${runId} is ${run.status} (${elapsed} s)`);
      if (TERMINAL.has(run.status)) return finalResult(run, extra);
      if (Date.now() + delay > deadline) {
        return okResult(
          { ...extra, done: false, run_id: runId, status: run.status, waited_seconds: elapsed, run },
          `Workflow run ${runId} is still ${run.status} after ${elapsed} s. Call workflow_run_wait with run_id "${runId}" to keep waiting, or workflow_run_cancel to stop it.`,
          runNext(run),
        );
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.6));
    }
  } catch (err) {
    if (!ctx.signal?.aborted) throw err;
    // The client cancelled the call: stop polling now; cancel the run too if asked, on a signal of its own.
    if (cancelRun) {
      await requestFor(workflowRunCancel, { run_id: runId }, { ...ctx, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    }
    throw new ToolFailureError({ code: 'cancelled', message: `Stopped waiting for run ${runId}${cancelRun ? ' and asked the platform to cancel it' : ''}.`, next_step: cancelRun ? 'Nothing to do.' : `The run goes on; check it later with workflow_run_status (run_id "${runId}").` });
  }
}

const waitSeconds = z.number().int().min(1).max(55).optional().describe('Seconds to wait before handing back the run id (default 45, max 55).');

export const workflowRunEndpoints = [
  defineTool({
    name: 'workflow_run',
    needs: ['account'],
    title: 'Run a workflow and wait',
    description:
      `Start a workflow run and wait for its result with progress, up to wait_seconds. Returns the final response, or the run_id for workflow_run_wait if it is still running. Safe to retry with the same request_id. Runs may spend the account's credits. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'workflows',
    input: () => ({
      ...triggerInput,
      wait_seconds: waitSeconds,
      cancel_run: z.boolean().default(false).describe('Also cancel the run if this call is cancelled.'),
    }),
    run: async (args, ctx) => {
      const requestId = args.request_id ?? randomUUID();
      const { wait_seconds, cancel_run, ...trigger } = args;
      const res = await requestFor(workflowRunTrigger, { ...trigger, request_id: requestId }, ctx);
      const run = runOf(res.json);
      await ctx.progress(0, `Run ${run.run_id} ${res.status === 202 ? 'already existed' : 'started'}: ${run.status}`);
      return waitForRun(run.run_id, ctx, wait_seconds ?? ctx.config.workflowWaitSeconds, { request_id: requestId, replayed: res.status === 202 }, cancel_run);
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineTool({
    name: 'workflow_run_wait',
    needs: ['account'],
    title: 'Wait for a workflow run',
    description:
      `Keep waiting for a run started by workflow_run or workflow_run_trigger, up to wait_seconds. Returns the final response, or the status if it is still running (call again). ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'workflows',
    input: () => ({ run_id: pathSegment('The run_id returned by workflow_run or workflow_run_trigger.'), wait_seconds: waitSeconds }),
    run: (args, ctx) => waitForRun(args.run_id, ctx, args.wait_seconds ?? ctx.config.workflowWaitSeconds, {}, false),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
];
