import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ToolFailureError } from '../../../core/errors.js';
import { errorResult, okResult } from '../../../core/results.js';
import { sleep } from '../../../core/shared/sleep.js';
import type { ArrotechContext } from '../context.js';
import { execute, requestFor } from '../executor.js';
import { bodyId, DESTROY, idArg, jsonObject, READ, UPDATE, WRITE } from './fields.js';
import { defineEndpoint, defineTool } from './types.js';
import { executionFollowUps, TERMINAL, workflowFollowUps } from './follow-ups.js';
import { idOf, itemsOf, listLine, named, payloadOf, textOf } from '../../../core/hints.js';

const stepCount = (w: Record<string, unknown>) => (Array.isArray(w.steps) ? `, ${w.steps.length} step(s)` : '');

const workflowId = idArg('Workflow id from arrotech_workflows_list or _create.');
const executionId = idArg('Execution id from arrotech_workflows_execute or _executions_list.');
const conversationId = idArg('Conversation id from arrotech_conversations_list.');
const steps = z.array(z.record(z.string(), z.unknown())).describe('The steps in order; each names a tool and its parameters ({{variables}} allowed).');
const triggerType = z.string().min(1).optional().describe("'manual' (default) or 'schedule'.");

export const workflowsExecute = defineEndpoint({
  name: 'arrotech_workflows_execute',
  title: 'Start a workflow execution',
  description: 'Start a workflow and return at once with the execution id; arrotech_workflows_run also waits for the result. Runs actions on connected platforms.',
  toolset: 'arrotech_workflows',
  method: 'POST', origin: 'api', path: '/workflows/{workflow_id}/execute', auth: 'bearer',
  input: () => ({ workflow_id: workflowId, input_data: jsonObject('Values for the workflow variables.').optional() }),
  body: (rest) => ({ input_data: rest.input_data ?? {} }),
  summary: (data) => `Execution ${textOf(payloadOf(data), 'execution_id', 'id') ?? '?'} started (${textOf(payloadOf(data), 'status') ?? 'pending'}).`,
  next: (data) => {
    const id = idOf(payloadOf(data), 'execution_id', 'id');
    return id === undefined ? [] : executionFollowUps(id, 'pending');
  },
  annotations: WRITE,
});

export const workflowsExecutionGet = defineEndpoint({
  name: 'arrotech_workflows_execution_get',
  title: 'Get an execution',
  description: 'One workflow execution: status (pending, running, completed, failed, cancelled), input, output, error.',
  toolset: 'arrotech_workflows',
  method: 'GET', origin: 'api', path: '/workflows/executions/{execution_id}', auth: 'bearer',
  input: () => ({ execution_id: executionId }),
  summary: (data, args) => {
    const ex = payloadOf(data);
    return `Execution ${String(args.execution_id)} is ${textOf(ex, 'status') ?? 'in an unnamed state'}${typeof ex.current_step === 'number' && typeof ex.total_steps === 'number' ? ` (step ${ex.current_step}/${ex.total_steps})` : ''}${textOf(ex, 'error_message') ? `: ${textOf(ex, 'error_message')}` : ''}.`;
  },
  next: (data, args) => executionFollowUps(args.execution_id, payloadOf(data).status),
  annotations: READ,
});

export const workflowsExecutionCancel = defineEndpoint({
  name: 'arrotech_workflows_execution_cancel',
  title: 'Cancel an execution',
  description: 'Stop a pending or running workflow execution.',
  toolset: 'arrotech_workflows',
  method: 'POST', origin: 'api', path: '/workflows/executions/{execution_id}/cancel', auth: 'bearer',
  input: () => ({ execution_id: executionId }),
  annotations: DESTROY,
});

const executionsAll = defineEndpoint({
  name: 'arrotech_workflows_executions_list',
  title: 'List executions',
  description: 'Workflow executions, newest first: all of the account\'s, or one workflow\'s with workflow_id.',
  toolset: 'arrotech_workflows',
  method: 'GET', origin: 'api', path: '/workflows/executions', auth: 'bearer',
  input: () => ({ workflow_id: workflowId.optional() }),
  summary: (data) => listLine(itemsOf(data, 'executions'), 'executions, newest first', (e) => `${textOf(e, 'id', 'execution_id') ?? '?'} ${textOf(e, 'status') ?? ''}`.trim()),
  next: (data) => {
    const newest = itemsOf(data, 'executions')[0];
    const id = idOf(newest, 'id', 'execution_id');
    return id === undefined ? [] : [{ tool: 'arrotech_workflows_execution_get', arguments: { execution_id: id }, why: 'the newest execution in full' }];
  },
  annotations: READ,
});
const executionsOfWorkflow = defineEndpoint({ ...executionsAll, path: '/workflows/{workflow_id}/executions' });

const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 5_000;

interface Execution {
  id?: unknown;
  execution_id?: unknown;
  status?: unknown;
  error_message?: unknown;
  [k: string]: unknown;
}

const dataOf = (json: unknown): Execution => {
  const body = (json ?? {}) as { data?: unknown };
  return (body.data !== null && typeof body.data === 'object' ? body.data : body) as Execution;
};

function finalResult(ex: Execution, id: string): CallToolResult {
  const status = String(ex.status);
  if (status === 'failed' || status === 'error') {
    return errorResult({
      code: 'execution_failed',
      message: `Workflow execution ${id} failed${typeof ex.error_message === 'string' && ex.error_message ? `: ${ex.error_message}` : '.'}`,
      next_step: `See which step failed with arrotech_workflows_execution_steps (execution_id ${id}); fix the workflow or its connection, then run it again.`,
      details: { execution: ex },
    });
  }
  return okResult({ done: true, execution_id: id, status, execution: ex }, `Workflow execution ${id} ${status}.`, executionFollowUps(id, status));
}

const isRouteMissFailure = (err: unknown) => err instanceof ToolFailureError && err.failure.status === 404 && err.failure.message === 'Not Found';

/**
 * One execution's state. GET /workflows/executions/{id} is newer than the Public API
 * 1.0.0; where it is missing (FastAPI's route-miss 404) the execution is read from the
 * list of executions, which that version has, and the process keeps doing so.
 */
async function readExecution(id: string, ctx: ArrotechContext): Promise<Execution> {
  if (!ctx.routes?.executionsByList) {
    try {
      return dataOf((await requestFor(workflowsExecutionGet, { execution_id: id }, ctx)).json);
    } catch (err) {
      if (!isRouteMissFailure(err)) throw err;
      if (ctx.routes) ctx.routes.executionsByList = true;
    }
  }
  const list = (await requestFor(executionsAll, {}, ctx)).json as { data?: unknown };
  const found = (Array.isArray(list.data) ? (list.data as Execution[]) : []).find((e) => String(e.id ?? e.execution_id) === id);
  if (!found) {
    throw new ToolFailureError({ status: 404, code: 'not_found', message: `Execution ${id} is not among this account's executions.`, next_step: 'List them with arrotech_workflows_executions_list and use an id from there.' });
  }
  return found;
}

/** Polls an execution with backoff for at most `waitSeconds`, reporting progress; hands back one still running before hosts time the call out. */
async function follow(id: string, ctx: ArrotechContext, waitSeconds: number, cancelOnAbort: boolean): Promise<CallToolResult> {
  const started = Date.now();
  const deadline = started + waitSeconds * 1000;
  let delay = FIRST_POLL_MS;
  try {
    for (;;) {
      const ex = await readExecution(id, ctx);
      const elapsed = Math.round((Date.now() - started) / 100) / 10;
      const stepInfo = typeof ex.current_step === 'number' && typeof ex.total_steps === 'number' ? `, step ${ex.current_step}/${ex.total_steps}` : '';
      await ctx.progress(elapsed, `Execution ${id} is ${String(ex.status)}${stepInfo} (${elapsed} s)`);
      if (TERMINAL.has(String(ex.status))) return finalResult(ex, id);
      if (Date.now() + delay > deadline) {
        return okResult(
          { done: false, execution_id: id, status: ex.status, waited_seconds: elapsed, execution: ex },
          `Workflow execution ${id} is still ${String(ex.status)} after ${elapsed} s. Call arrotech_workflows_run_wait with execution_id ${id} to keep waiting, or arrotech_workflows_execution_cancel to stop it.`,
          executionFollowUps(id, ex.status),
        );
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.6));
    }
  } catch (err) {
    if (!ctx.signal?.aborted) throw err;
    if (cancelOnAbort) await requestFor(workflowsExecutionCancel, { execution_id: id }, { ...ctx, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    throw new ToolFailureError({
      code: 'cancelled',
      message: `Stopped waiting for execution ${id}${cancelOnAbort ? ' and asked Arrotech Hub to cancel it' : ''}.`,
      next_step: cancelOnAbort ? 'Nothing to do.' : `The execution goes on; check it later with arrotech_workflows_execution_get (execution_id ${id}).`,
    });
  }
}

const waitSeconds = z.number().int().min(1).max(55).optional().describe('How long to wait (default 45 s, at most 55).');

export const workflowsEndpoints = [
  defineEndpoint({
    name: 'arrotech_workflows_create',
    title: 'Create a workflow from a description',
    description: 'Build a draft workflow from plain English: the AI splits it into steps, maps them to connected tools and wires the data. Be specific about platforms and filters. Review the steps with arrotech_workflows_get.',
    toolset: 'arrotech_workflows',
    method: 'POST', origin: 'api', path: '/workflows/create', auth: 'bearer',
    input: () => ({ description: z.string().min(1).describe('What the workflow should do, in plain English.'), name: z.string().min(1).optional() }),
    summary: (data) => `Created workflow ${named(payloadOf(data), ['name'], ['id']) ?? '?'}${stepCount(payloadOf(data))}; review its steps before running it.`,
    next: (data) => workflowFollowUps(payloadOf(data)).reverse(),
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_list',
    title: 'List workflows',
    description: "The account's workflows.",
    toolset: 'arrotech_workflows',
    method: 'GET', origin: 'api', path: '/workflows/', auth: 'bearer',
    input: () => ({}),
    summary: (data) => listLine(itemsOf(data, 'workflows'), 'workflows', (w) => named(w, ['name'], ['id'], textOf(w, 'status'))),
    next: (data) => workflowFollowUps(itemsOf(data, 'workflows')[0]),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_get',
    title: 'Get a workflow',
    description: 'A workflow with its steps, trigger and variables.',
    toolset: 'arrotech_workflows',
    method: 'GET', origin: 'api', path: '/workflows/{workflow_id}', auth: 'bearer',
    input: () => ({ workflow_id: workflowId }),
    summary: (data) => `Workflow ${named(payloadOf(data), ['name'], ['id']) ?? '?'}: ${textOf(payloadOf(data), 'status') ?? 'no status'}${stepCount(payloadOf(data))}.`,
    next: (data) => workflowFollowUps(payloadOf(data)).slice(0, 1),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_update',
    title: 'Update a workflow',
    description: 'Change a workflow: only the fields given are changed; steps replaces the whole list.',
    toolset: 'arrotech_workflows',
    method: 'PUT', origin: 'api', path: '/workflows/{workflow_id}', auth: 'bearer',
    input: () => ({
      workflow_id: workflowId,
      name: z.string().min(1).optional(),
      description: z.string().optional(),
      status: z.string().min(1).optional().describe("'active', 'paused' or 'draft'."),
      trigger_type: triggerType,
      trigger_config: jsonObject('Trigger settings.').optional(),
      variables: jsonObject('Workflow variables.').optional(),
      steps: steps.optional(),
      workflow_metadata: jsonObject('Metadata.').optional(),
    }),
    annotations: UPDATE,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_delete',
    title: 'Delete a workflow',
    description: 'Delete a workflow. Cannot be undone.',
    toolset: 'arrotech_workflows',
    method: 'DELETE', origin: 'api', path: '/workflows/{workflow_id}', auth: 'bearer',
    input: () => ({ workflow_id: workflowId }),
    annotations: DESTROY,
  }),
  workflowsExecute,
  defineTool({
    name: 'arrotech_workflows_run',
    title: 'Run a workflow and wait',
    description: 'Start a workflow and wait for its result up to wait_seconds (default 45), reporting progress. Returns the output, or the execution_id to pass to arrotech_workflows_run_wait if still running. Runs actions on connected platforms.',
    toolset: 'arrotech_workflows',
    input: () => ({
      workflow_id: workflowId,
      input_data: jsonObject('Values for the workflow variables.').optional(),
      wait_seconds: waitSeconds,
      cancel_on_abort: z.boolean().default(false).describe('If the client cancels the call, cancel the execution too.'),
    }),
    run: async (args, ctx) => {
      const res = await requestFor(workflowsExecute, { workflow_id: args.workflow_id, input_data: args.input_data }, ctx);
      const ex = dataOf(res.json);
      const id = ex.execution_id ?? ex.id;
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
        return okResult({ done: false, response: (res.json ?? {}) as Record<string, unknown> }, 'The workflow started but Arrotech Hub returned no execution id to follow; list executions with arrotech_workflows_executions_list.');
      }
      await ctx.progress(0, `Execution ${String(id)} started: ${String(ex.status ?? 'pending')}`);
      return follow(String(id), ctx, args.wait_seconds ?? ctx.config.arrotechWaitSeconds, args.cancel_on_abort);
    },
    annotations: WRITE,
  }),
  defineTool({
    name: 'arrotech_workflows_run_wait',
    title: 'Wait for an execution',
    description: 'Keep waiting for an execution started by arrotech_workflows_run or _execute, up to wait_seconds (default 45); returns its result or current status.',
    toolset: 'arrotech_workflows',
    input: () => ({ execution_id: executionId, wait_seconds: waitSeconds }),
    run: (args, ctx) => follow(String(args.execution_id), ctx, args.wait_seconds ?? ctx.config.arrotechWaitSeconds, false),
    annotations: READ,
  }),
  defineEndpoint({
    ...executionsAll,
    run: (args, ctx) => execute(args.workflow_id === undefined ? executionsAll : executionsOfWorkflow, args, ctx),
  }),
  workflowsExecutionGet,
  defineEndpoint({
    name: 'arrotech_workflows_execution_steps',
    title: 'Steps of an execution',
    description: 'Each step of an execution: tool, status, input, output, error.',
    toolset: 'arrotech_workflows',
    method: 'GET', origin: 'api', path: '/workflows/executions/{execution_id}/steps', auth: 'bearer',
    input: () => ({ execution_id: executionId }),
    annotations: READ,
  }),
  workflowsExecutionCancel,
  defineEndpoint({
    name: 'arrotech_workflows_create_from_steps',
    title: 'Create a workflow from steps',
    description: 'Save a workflow from explicit steps (e.g. the tool calls of arrotech_workflows_conversation_tool_calls).',
    toolset: 'arrotech_workflows',
    method: 'POST', origin: 'api', path: '/workflows/create-from-steps', auth: 'bearer',
    input: () => ({
      workflow_name: z.string().min(1),
      description: z.string(),
      steps,
      trigger_type: triggerType,
      trigger_config: jsonObject('Trigger settings.').optional(),
      variables: jsonObject('Workflow variables.').optional(),
      workflow_metadata: jsonObject('Metadata.').optional(),
    }),
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_extract_from_conversation',
    title: 'Extract a workflow from a conversation',
    description: 'Turn the tool calls of a conversation into a reusable workflow; preview them with arrotech_workflows_conversation_tool_calls.',
    toolset: 'arrotech_workflows',
    method: 'POST', origin: 'api', path: '/workflows/extract-from-conversation', auth: 'bearer',
    input: () => ({
      conversation_id: conversationId,
      workflow_name: z.string().min(1),
      description: z.string().optional(),
      selected_step_ids: z.array(z.string()).optional().describe('Only these tool calls (default all).'),
      parameterize_fields: z.array(z.string()).optional().describe('Fields to turn into variables.'),
      trigger_type: triggerType,
      trigger_config: jsonObject('Trigger settings.').optional(),
    }),
    body: (rest) => ({ ...rest, conversation_id: bodyId(rest.conversation_id) }),
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_conversation_tool_calls',
    title: 'Tool calls of a conversation',
    description: 'The tool calls made in a conversation, to preview a workflow extraction.',
    toolset: 'arrotech_workflows',
    method: 'GET', origin: 'api', path: '/workflows/conversation/{conversation_id}/tool-calls', auth: 'bearer',
    input: () => ({ conversation_id: conversationId }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_chat_agent',
    title: 'Create a chat agent',
    description: 'Create a workflow with a chat agent prompt from a description.',
    toolset: 'arrotech_workflows',
    method: 'POST', origin: 'api', path: '/workflows/chat-agent', auth: 'bearer',
    input: () => ({ description: z.string().min(1), name: z.string().min(1).optional() }),
    annotations: WRITE,
  }),
];

/** Workflow-builder test helpers (vendor debugging aids): in the diagnostics toolset. */
export const workflowDiagnostics = [
  defineEndpoint({
    name: 'arrotech_workflows_test_condition',
    title: 'Test a workflow condition',
    description: 'Evaluate a workflow condition against a context, to debug a branch.',
    toolset: 'arrotech_diagnostics',
    method: 'POST', origin: 'api', path: '/workflows/test-condition', auth: 'bearer',
    input: () => ({ condition: jsonObject('The condition object.'), context: jsonObject('Variables and step results.') }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_workflows_test_variables',
    title: 'Test variable substitution',
    description: 'Fill {{variables}} in parameters from a context, to debug a step.',
    toolset: 'arrotech_diagnostics',
    method: 'POST', origin: 'api', path: '/workflows/test-variable-substitution', auth: 'bearer',
    input: () => ({ parameters: jsonObject('Parameters with {{variables}}.'), context: jsonObject('Values.') }),
    annotations: READ,
  }),
];
