import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { okResult } from '../../../core/results.js';
import { httpsUrl, NEEDS_ACCOUNT_TOKEN, pathSegment } from './fields.js';
import { defineEndpoint } from './types.js';

const TERMINAL = new Set(['completed', 'succeeded', 'failed', 'cancelled', 'setup_required']);

interface RunEnvelope {
  data?: { run?: { run_id?: string; status?: string; response_text?: unknown; error_code?: unknown; error_message?: unknown } };
}

function runOf(json: unknown) {
  return (json as RunEnvelope | undefined)?.data?.run;
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
  workflow_id: pathSegment('The workflow id (24-character hex ObjectId) from the AgentPMT dashboard.'),
  prompt: z.string().min(1).max(50_000).describe('The instruction forwarded to the workflow.'),
  request_id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Idempotency key. Reuse it to retry without starting a second run. Leave empty to have one generated (it is returned).'),
  callback_url: httpsUrl().optional().describe('Optional HTTPS URL that receives a POST with the final run status.'),
  request_metadata: z.record(z.string(), z.unknown()).optional().describe('Optional free-form metadata stored with the run for your own tracing.'),
};

export const workflowRunTrigger = defineEndpoint({
    name: 'workflow_run_trigger',
    title: 'Start a workflow run',
    description: `Start a run of an AgentPMT workflow with a prompt. Returns at once with the run_id and the request_id used; the run itself takes seconds to minutes: follow it with workflow_run_status. Safe to retry with the same request_id (the platform then returns the existing run instead of starting a second one); a request_id is generated when you give none. Runs may spend the account's credits. ${NEEDS_ACCOUNT_TOKEN}`,
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
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  });

export const workflowRunStatus = defineEndpoint({
    name: 'workflow_run_status',
    title: 'Workflow run status',
    description: `Current status of a workflow run (queued, running, completed/succeeded, failed, setup_required, cancelled) with its final response_text once done, or error_code/error_message when it failed. Poll every few seconds while it is queued or running. Free. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'workflows',
    method: 'GET',
    origin: 'web',
    path: '/api/agent-webhooks/runs/{run_id}',
    auth: 'account',
    input: { run_id: pathSegment('The run_id returned by workflow_run_trigger.') },
    present: (res) => okResult((res.json ?? {}) as Record<string, unknown>, runSummary(res.json)),
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
    input: { run_id: pathSegment('The run_id returned by workflow_run_trigger.') },
    present: (res) => okResult((res.json ?? {}) as Record<string, unknown>, runSummary(res.json)),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  });

export const webhookEndpoints = [
  workflowRunTrigger,
  workflowRunStatus,
  workflowRunCancel,
];
