import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { fail, ToolFailureError } from '../../../core/errors.js';
import { errorResult, okResult } from '../../../core/results.js';
import { sleep } from '../../../core/shared/sleep.js';
import type { ArContext } from '../context.js';
import { requestFor } from '../executor.js';
import { runId, workflowId } from './fields.js';
import { runsList, runsSummary, tasksComplete, tasksPendingRun } from './runs.js';
import { defineTool, READ, WRITE } from './types.js';
import { runControls, workflowsCommand } from './workflows.js';
import { runFollowUps, taskFollowUps, TERMINAL } from './follow-ups.js';
// The docs name no run status vocabulary: read the sandbox's words and the likely others.
const isWaiting = (s: Summary) => /wait|human|approval|input_required|pending_task/i.test(s.status) || s.orchestration_phase === 'awaiting_human';
const isTerminal = (s: Summary) => TERMINAL.has(s.status) || (s.run_complete === true && !isWaiting(s));
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 3_000;

interface Summary {
  run_id: string;
  status: string;
  steps_completed?: number;
  steps_total?: number;
  current_step_id?: string;
  orchestration_phase?: string;
  run_complete?: boolean;
  error?: unknown;
  [k: string]: unknown;
}

interface Task {
  id: string;
  title?: string;
  description?: string;
  step_id?: string;
  [k: string]: unknown;
}

/** What the model needs to act on a pending task: what it asks, and the exact calls that approve or reject it. */
function taskStop(workflow: string, run: Summary, tasks: Task[], extra: Record<string, unknown>): CallToolResult {
  const calls = tasks.map((t) => ({
    task_id: t.id,
    asks: t.description ?? t.title ?? `approval of step ${t.step_id ?? '?'}`,
    approve: { tool: 'agentruntime_tasks_complete', arguments: { workflow_id: workflow, run_id: run.run_id, task_id: t.id, approved: true } },
    reject: { tool: 'agentruntime_tasks_complete', arguments: { workflow_id: workflow, run_id: run.run_id, task_id: t.id, approved: false } },
  }));
  const first = calls[0];
  const lead = first
    ? `Run ${run.run_id} is waiting for a human: "${first.asks}" (task ${first.task_id}). Ask the user, then call agentruntime_tasks_complete with ${JSON.stringify(first.approve.arguments)} to approve (or approved: false to reject); then call agentruntime_workflows_run_wait with workflow_id "${workflow}" and run_id "${run.run_id}" to follow it to the end.`
    : `Run ${run.run_id} is waiting, but lists no pending task yet; call agentruntime_workflows_run_wait to keep following it.`;
  return okResult({ ...extra, done: false, waiting_for: 'human_task', run, pending_tasks: calls }, lead, tasks[0] ? taskFollowUps(tasks[0], workflow, run.run_id) : runFollowUps(workflow, run.run_id, 'running').slice(0, 1));
}

function finalResult(workflow: string, run: Summary, extra: Record<string, unknown>): CallToolResult {
  if (run.status === 'failed') {
    return errorResult({
      code: 'run_failed',
      message: `Run ${run.run_id} failed${run.error ? `: ${typeof run.error === 'string' ? run.error : JSON.stringify(run.error)}` : ''}.`,
      next_step: `Read what happened with agentruntime_runs_events (workflow_id "${workflow}", run_id "${run.run_id}"); fix the cause and start a new run.`,
      details: { run },
    });
  }
  return okResult({ ...extra, done: true, run }, `Run ${run.run_id} ${run.status}. Its step results: agentruntime_runs_context (workflow_id "${workflow}", run_id "${run.run_id}").`, runFollowUps(workflow, run.run_id, 'completed'));
}

/**
 * The run's state: its summary (the Platform MCP's "preferred poll"), or, where that
 * route answers 404 (it is documented only in the Platform MCP table), the run's
 * entry in the workflow's run list, for the rest of this wait.
 */
async function readRun(workflow: string, run: string, ctx: ArContext, source: { summary: boolean }): Promise<Summary> {
  if (source.summary) {
    try {
      return (await requestFor(runsSummary, { workflow_id: workflow, run_id: run }, ctx)).json as Summary;
    } catch (err) {
      if (!(err instanceof ToolFailureError) || err.failure.status !== 404) throw err;
      source.summary = false;
      const fromList = await fromRunList(workflow, run, ctx);
      if (!fromList) throw err;
      return fromList;
    }
  }
  const fromList = await fromRunList(workflow, run, ctx);
  if (!fromList) fail({ code: 'run_not_found', status: 404, message: `Run ${run} is not among workflow ${workflow}'s runs.`, next_step: 'List them with agentruntime_runs_list.' });
  return fromList;
}

async function fromRunList(workflow: string, run: string, ctx: ArContext): Promise<Summary | undefined> {
  const body = (await requestFor(runsList, { workflow_id: workflow, limit: 200 }, ctx)).json as { runs?: Record<string, unknown>[] };
  const entry = (body.runs ?? []).find((r) => r.run_id === run || r.id === run);
  return entry && typeof entry.status === 'string' ? ({ ...entry, run_id: run, status: entry.status } as Summary) : undefined;
}

/**
 * Puts a human task to the user through MCP elicitation (the user decides, not the
 * model) and completes it with their answer. False when they did not answer.
 */
async function askAboutTask(workflow: string, run: string, task: Task, ctx: ArContext): Promise<boolean> {
  const asks = task.description ?? task.title ?? `approval of step ${task.step_id ?? '?'}`;
  const answer = await ctx.elicit!(`AgentRuntime run ${run} is waiting for you: ${asks}`, {
    type: 'object',
    properties: {
      approve: { type: 'boolean', title: 'Approve', description: asks },
      note: { type: 'string', title: 'Note (optional)', description: 'Kept with the step result.' },
    },
    required: ['approve'],
  });
  if (answer.action !== 'accept' || typeof answer.content?.approve !== 'boolean') return false;
  const note = typeof answer.content.note === 'string' && answer.content.note.trim() ? answer.content.note.trim() : undefined;
  await requestFor(tasksComplete, { workflow_id: workflow, run_id: run, task_id: task.id, approved: answer.content.approve, ...(note ? { result: { note } } : {}) }, ctx);
  await ctx.progress(0, `The user ${answer.content.approve ? 'approved' : 'rejected'} task ${task.id}; following the run`);
  return true;
}

/** The run's pending tasks; a viewer may follow a run but not read its tasks, which is not a failure of the wait. */
async function pendingTasks(workflow: string, run: string, ctx: ArContext): Promise<Task[] | 'forbidden'> {
  try {
    return ((await requestFor(tasksPendingRun, { workflow_id: workflow, run_id: run }, ctx)).json as { tasks?: Task[] }).tasks ?? [];
  } catch (err) {
    if (err instanceof ToolFailureError && err.failure.status === 403) return 'forbidden';
    throw err;
  }
}

/**
 * Follows a run with backoff for at most `waitSeconds`, reporting each step as
 * progress; stops early at a pending human task (nothing moves until someone
 * answers it) and hands back a still-running run before hosts time the call out.
 */
async function follow(workflow: string, run: string, ctx: ArContext, waitSeconds: number, extra: Record<string, unknown>, stopOnCancel: boolean, askUser = false): Promise<CallToolResult> {
  const started = Date.now();
  const deadline = started + waitSeconds * 1000;
  let delay = FIRST_POLL_MS;
  const source = { summary: true };
  try {
    for (;;) {
      const summary = await readRun(workflow, run, ctx, source);
      const done = summary.steps_completed ?? 0;
      await ctx.progress(done, `Run ${run} is ${summary.status}${summary.current_step_id ? ` at step ${summary.current_step_id}` : ''} (${done}${summary.steps_total !== undefined ? `/${summary.steps_total}` : ''} steps done)`, summary.steps_total);
      if (isTerminal(summary)) return finalResult(workflow, summary, extra);
      if (isWaiting(summary)) {
        const tasks = await pendingTasks(workflow, run, ctx);
        if (tasks === 'forbidden') {
          return okResult(
            { ...extra, done: false, waiting_for: 'human_task', run: summary, pending_tasks: [] },
            `Run ${run} is waiting for a human task, which this PAT cannot read (listing a run's tasks needs the contributor role). Ask the user to approve it in the AgentRuntime Console, then call agentruntime_workflows_run_wait.`,
          );
        }
        if (tasks.length > 0 && askUser && ctx.elicit) {
          const answered = await askAboutTask(workflow, run, tasks[0]!, ctx);
          if (answered) {
            delay = FIRST_POLL_MS;
            continue;
          }
        }
        if (tasks.length > 0 || Date.now() + delay > deadline) return taskStop(workflow, summary, tasks, extra);
      }
      if (summary.status === 'paused') {
        return okResult({ ...extra, done: false, run: summary }, `Run ${run} is paused. Resume it with agentruntime_workflows_command (command "resume", run_id "${run}"), then agentruntime_workflows_run_wait.`, runFollowUps(workflow, run, 'paused'));
      }
      const elapsed = Math.round((Date.now() - started) / 100) / 10;
      if (Date.now() + delay > deadline) {
        return okResult(
          { ...extra, done: false, run: summary, waited_seconds: elapsed },
          `Run ${run} is still ${summary.status} after ${elapsed} s. Call agentruntime_workflows_run_wait with workflow_id "${workflow}" and run_id "${run}" to keep waiting, or agentruntime_workflows_command (command "stop") to stop it.`,
          runFollowUps(workflow, run, 'running'),
        );
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.6));
    }
  } catch (err) {
    if (!ctx.signal?.aborted) throw err;
    // The client cancelled the call: stop following now; stop the run too if asked, on a signal of its own.
    if (stopOnCancel) {
      await requestFor(workflowsCommand, { workflow_id: workflow, command: 'stop', run_id: run }, { ...ctx, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    }
    throw new ToolFailureError({
      code: 'cancelled',
      message: `Stopped following run ${run}${stopOnCancel ? ' and asked AgentRuntime to stop it' : ''}.`,
      next_step: stopOnCancel ? 'Nothing to do.' : `The run goes on; check it with agentruntime_runs_summary (run_id "${run}").`,
    });
  }
}

const askUser = z.boolean().default(false).describe('At a human task, ask the user directly (MCP elicitation, when the client supports it) and go on with their answer.');

const waitSeconds = z.number().int().min(1).max(55).optional().describe('How long to follow the run before handing back its id (default AGENTRUNTIME_RUN_WAIT_SECONDS, 45).');

export const workflowsRun = defineTool({
  name: 'agentruntime_workflows_run',
  title: 'Run an AgentRuntime workflow and follow it',
  description:
    'Start a run of the published workflow and follow it with progress until it ends, stops at a human task (returns the task and the exact approve/reject call) or wait_seconds pass (then call agentruntime_workflows_run_wait).',
  toolset: 'agentruntime_workflows',
  input: () => ({
    workflow_id: workflowId(),
    ...runControls,
    wait_seconds: waitSeconds,
    stop_on_cancel: z.boolean().default(false).describe('If the client cancels this call, also stop the run.'),
    ask_user: askUser,
  }),
  annotations: WRITE,
  async run(args, ctx) {
    const { wait_seconds, stop_on_cancel, ask_user, workflow_id, ...controls } = args;
    const started = (await requestFor(workflowsCommand, { workflow_id, command: 'start', ...controls }, ctx)).json as { run_id?: unknown; status?: unknown };
    if (typeof started.run_id !== 'string' || started.run_id === '') {
      return errorResult({ code: 'unexpected_response', message: 'AgentRuntime accepted the start but named no run_id.', next_step: `Find the run with agentruntime_runs_list (workflow_id "${workflow_id}").`, details: started });
    }
    await ctx.progress(0, `Run ${started.run_id} started (${String(started.status ?? 'running')})`);
    return follow(workflow_id, started.run_id, ctx, wait_seconds ?? ctx.config.agentruntimeRunWaitSeconds, { workflow_id, run_id: started.run_id }, stop_on_cancel, ask_user);
  },
});

export const workflowsRunWait = defineTool({
  name: 'agentruntime_workflows_run_wait',
  title: 'Keep following an AgentRuntime run',
  description: 'Keep following a run (after agentruntime_workflows_run, a task approval or a resume), with progress, up to wait_seconds.',
  toolset: 'agentruntime_workflows',
  // No ask_user here: this tool only reads (it is served in read-only mode), and answering a task writes.
  input: () => ({ workflow_id: workflowId(), run_id: runId(), wait_seconds: waitSeconds }),
  annotations: READ,
  run: (args, ctx) => follow(args.workflow_id, args.run_id, ctx, args.wait_seconds ?? ctx.config.agentruntimeRunWaitSeconds, { workflow_id: args.workflow_id, run_id: args.run_id }, false),
});
