import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { okResult, type NextCall } from '../../../core/results.js';
import { httpsUrl, NEEDS_ACCOUNT_TOKEN, pathSegment } from './fields.js';
import { defineEndpoint } from './types.js';

const TERMINAL = new Set(['completed', 'succeeded', 'failed', 'cancelled', 'setup_required']);

interface RunEnvelope {
  data?: { run?: { run_id?: string; status?: string; response_text?: unknown; error_code?: unknown; error_message?: unknown } };
}

function runOf(json: unknown) {
  return (json as RunEnvelope | undefined)?.data?.run;
}

/** The calls that make sense while a run is not finished: wait for it (with progress) or stop it. */
export function runNext(run: { run_id?: string; status?: string } | undefined): NextCall[] {
  if (!run?.run_id || !run.status || TERMINAL.has(run.status)) return [];
  return [
    { tool: 'workflow_run_wait', arguments: { run_id: run.run_id }, why: 'wait for the result with progress instead of polling' },
    { tool: 'workflow_run_cancel', arguments: { run_id: run.run_id }, why: 'stop it' },
  ];
}

function presentRun(json: unknown) {
  return okResult((json ?? {}) as Record<string, unknown>, runSummary(json), runNext(runOf(json)));
}

/** One sentence telling the model where the run stands and what to do next. */
function runSummary(json: unknown): string {
  const run = runOf(json);
  if (!run?.status) return 'Run returned.';
  const id = run.run_id ?? '?';
  if (!TERMINAL.has(run.status)) return `Run ${id} is ${run.status}. Check again with workflow_run_status (run_id "${id}") in a few seconds, or cancel it with workflow_run_cancel.`;
  if (run.status === 'failed') return `Run ${id} failed: ${String(run.error_code ?? 'error')} ${String(run.error_message ?? '')}`.trim();
  if (run.status === 'setup_required') return `Run ${id} needs setup in the AgentPMT dashboard (credentials or budget approval) before it can run.`;
  return `Run ${id} is ${run.status}.`;
}

/** The trigger's arguments, shared with workflow_run, which triggers and then waits. */
export const triggerInput = {
  workflow_id: pathSegment('Workflow id (24 hex characters) from the AgentPMT dashboard.'),
  prompt: z.string().min(1).max(50_000).describe('The instruction forwarded to the workflow.'),
  request_id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Idempotency key: reuse it to retry without a second run; generated (and returned) when absent.'),
  callback_url: httpsUrl().optional().describe('HTTPS URL that gets a POST with the final run status.'),
  request_metadata: z.record(z.string(), z.unknown()).optional().describe('Free-form metadata kept with the run.'),
};

export const workflowRunTrigger = defineEndpoint({
    name: 'workflow_run_trigger',
    title: 'Start a workflow run',
    description: `Start a workflow run and return at once with its run_id (follow it with workflow_run_status; workflow_run starts and waits in one call). Safe to retry with the same request_id: the existing run comes back. Runs may spend the account's credits. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'workflows',
    method: 'POST',
    origin: 'web',
    path: '/api/agent-webhooks/{workflow_id}/trigger',
    auth: 'account',
    input: triggerInput,
    idempotencyKey: 'request_id',
    prepare: (args) => ({ ...args, request_id: args.request_id ?? randomUUID() }),
    present: (res, args) => {
      const json = (res.json ?? {}) as Record<string, unknown>;
      const replay = res.status === 202;
      return okResult(
        { ...json, request_id: args.request_id, replayed: replay },
        `${replay ? 'Existing run returned for this request_id (no new run started). ' : 'Workflow run started. '}${runSummary(json)} request_id: ${args.request_id}.`,
        runNext(runOf(json)),
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  });

export const workflowRunStatus = defineEndpoint({
    name: 'workflow_run_status',
    title: 'Workflow run status',
    description: `Status of a workflow run (queued, running, completed/succeeded, failed, setup_required, cancelled), with response_text when done or error_code/error_message when it failed. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'workflows',
    method: 'GET',
    origin: 'web',
    path: '/api/agent-webhooks/runs/{run_id}',
    auth: 'account',
    input: () => ({ run_id: pathSegment('The run_id returned by workflow_run_trigger.') }),
    present: (res) => presentRun(res.json),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  });

export const workflowRunCancel = defineEndpoint({
    name: 'workflow_run_cancel',
    title: 'Cancel a workflow run',
    description: `Ask the platform to stop a queued or running workflow run. Cancelling an already cancelled run is fine; a finished run cannot be cancelled (409). ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'workflows',
    method: 'POST',
    origin: 'web',
    path: '/api/agent-webhooks/runs/{run_id}/cancel',
    auth: 'account',
    input: () => ({ run_id: pathSegment('The run_id returned by workflow_run_trigger.') }),
    present: (res) => presentRun(res.json),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  });

export const webhookEndpoints = [
  workflowRunTrigger,
  workflowRunStatus,
  workflowRunCancel,
];
