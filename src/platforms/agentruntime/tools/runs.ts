import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import { okResult } from '../../../core/results.js';
import { requestFor } from '../executor.js';
import { idArg, limit, runId, workflowId } from './fields.js';
import { defineEndpoint, defineTool, READ, WRITE } from './types.js';
import { runFollowUps, taskFollowUps } from './follow-ups.js';
import { itemsOf, listLine, textOf } from '../../../core/hints.js';

const runLabel = (r: Record<string, unknown>) => `${textOf(r, 'run_id', 'id') ?? '?'} ${textOf(r, 'status') ?? ''}`.trim();

export const runsList = defineEndpoint({
  name: 'agentruntime_runs_list',
  title: 'List a workflow\'s runs',
  description: 'Runs of one workflow, newest first (run_id, status, started_at).',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/runs',
  auth: 'project',
  query: ['limit'],
  input: () => ({ workflow_id: workflowId(), limit: limit() }),
  summary: (data) => listLine(itemsOf(data, 'runs'), 'runs, newest first', runLabel),
  next: (data, args) => {
    const newest = itemsOf(data, 'runs')[0];
    const run = textOf(newest, 'run_id', 'id');
    return run ? runFollowUps(args.workflow_id, run, textOf(newest, 'status')).slice(0, 1) : [];
  },
  annotations: READ,
});

export const runsListTenant = defineEndpoint({
  name: 'agentruntime_runs_list_tenant',
  title: 'List runs across the tenant',
  description: 'The tenant-wide run feed (Command Center): recent runs of every workflow, optionally by status.',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/runs',
  auth: 'tenant',
  query: ['status', 'limit'],
  input: () => ({ status: z.enum(['running', 'waiting', 'paused', 'completed', 'failed', 'stopped']).optional(), limit: limit() }),
  summary: (data) => listLine(itemsOf(data, 'runs'), 'runs in the tenant, newest first', runLabel),
  next: (data) => {
    const newest = itemsOf(data, 'runs')[0];
    const [run, workflow] = [textOf(newest, 'run_id', 'id'), textOf(newest, 'workflow_id')];
    return run && workflow ? runFollowUps(workflow, run, textOf(newest, 'status')).slice(0, 1) : [];
  },
  annotations: READ,
});

export const runsSummary = defineEndpoint({
  name: 'agentruntime_runs_summary',
  title: 'Get a run\'s status',
  description: 'A run\'s status summary (status, phase, current step, run_complete): the cheap poll.',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/runs/{run_id}/summary',
  auth: 'project',
  input: () => ({ workflow_id: workflowId(), run_id: runId() }),
  summary: (data, args) => {
    const done = typeof data.steps_completed === 'number' ? `, ${data.steps_completed}${typeof data.steps_total === 'number' ? `/${data.steps_total}` : ''} steps done` : '';
    return `Run ${args.run_id} is ${textOf(data, 'status') ?? 'in an unnamed state'}${textOf(data, 'current_step_id') ? ` at step ${textOf(data, 'current_step_id')}` : ''}${done}.`;
  },
  next: (data, args) => runFollowUps(args.workflow_id, args.run_id, data.orchestration_phase === 'awaiting_human' ? 'waiting' : textOf(data, 'status')),
  annotations: READ,
});

export const runsEvents = defineEndpoint({
  name: 'agentruntime_runs_events',
  title: 'Get a run\'s step events',
  description: 'The step event log of a run (run_started, step_started/completed/failed, state_changed, …).',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/runs/{run_id}/events',
  auth: 'project',
  input: () => ({ workflow_id: workflowId(), run_id: runId() }),
  annotations: READ,
});

export const runsContext = defineEndpoint({
  name: 'agentruntime_runs_context',
  title: 'Get a run\'s variables and step results',
  description: 'A run\'s context: its input, variables and each step\'s result.',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/runs/{run_id}/context',
  auth: 'project',
  input: () => ({ workflow_id: workflowId(), run_id: runId() }),
  annotations: READ,
});

// The two reads behind agentruntime_tasks_list_pending (not tools of their own).
export const tasksPendingTenant = defineEndpoint({
  name: 'agentruntime_tasks_pending_tenant',
  title: 'Pending human tasks (tenant inbox)',
  description: '',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/tasks/pending',
  auth: 'tenant',
  input: () => ({}),
  annotations: READ,
});

export const tasksPendingRun = defineEndpoint({
  name: 'agentruntime_tasks_pending_run',
  title: 'Pending human tasks of one run',
  description: '',
  toolset: 'agentruntime_runs',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/runs/{run_id}/tasks/pending',
  auth: 'project',
  input: () => ({ workflow_id: workflowId(), run_id: runId() }),
  annotations: READ,
});

export const tasksListPending = defineTool({
  name: 'agentruntime_tasks_list_pending',
  title: 'List pending human tasks',
  description: 'Human tasks waiting for approval: the tenant inbox, or one run\'s when workflow_id and run_id are given. Approve or reject with agentruntime_tasks_complete.',
  toolset: 'agentruntime_runs',
  input: () => ({ workflow_id: workflowId().optional(), run_id: runId().optional() }),
  annotations: READ,
  async run(args, ctx) {
    if ((args.workflow_id === undefined) !== (args.run_id === undefined)) {
      fail({ code: 'invalid_argument', message: 'workflow_id and run_id go together (one run\'s tasks), or leave both out (the tenant inbox).', next_step: 'Pass both, or neither.' });
    }
    const res = args.workflow_id !== undefined ? await requestFor(tasksPendingRun, args, ctx) : await requestFor(tasksPendingTenant, {}, ctx);
    const body = res.json as Record<string, unknown>;
    const tasks = itemsOf(body, 'tasks');
    const first = tasks[0];
    return okResult(
      body,
      `${tasks.length} pending human task(s)${args.run_id ? ` for run ${args.run_id}` : ' in the tenant'}${first ? `; first asks: "${textOf(first, 'description', 'title') ?? first.id}"` : ''}.${tasks.length ? ' Approve or reject each with agentruntime_tasks_complete.' : ''}`,
      first ? taskFollowUps(first, args.workflow_id, args.run_id) : [],
    );
  },
});

export const tasksComplete = defineEndpoint({
  name: 'agentruntime_tasks_complete',
  title: 'Approve or reject a human task',
  description: 'Complete a pending human task: approved true resumes the run, false rejects the step. Confirm with the user first when the task asks them.',
  toolset: 'agentruntime_runs',
  method: 'POST',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/runs/{run_id}/tasks/{task_id}/complete',
  auth: 'project',
  input: () => ({
    workflow_id: workflowId(),
    run_id: runId(),
    task_id: idArg('Task id from agentruntime_tasks_list_pending or agentruntime_workflows_run.'),
    approved: z.boolean(),
    result: z.record(z.string(), z.unknown()).optional().describe('Merged into the step result (e.g. a reviewer note).'),
  }),
  summary: (_data, args) => `Task ${args.task_id} ${args.approved ? 'approved: the run goes on' : 'rejected'}.`,
  next: (_data, args) => runFollowUps(args.workflow_id, args.run_id, 'running').slice(0, 1),
  annotations: WRITE,
});

export const runEndpoints = [runsList, runsListTenant, runsSummary, runsEvents, runsContext, tasksListPending, tasksComplete];
