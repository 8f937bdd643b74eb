import type { NextCall } from '../../../core/results.js';

/** Run statuses after which nothing more happens (the docs name none: the sandbox's words and the likely others). */
export const TERMINAL = new Set(['completed', 'succeeded', 'failed', 'stopped', 'cancelled']);

/**
 * The calls that make sense about a run in `status`: its results once it ended, its
 * task while it waits for a human, resume when paused, else follow or stop it. Shared
 * by every tool that shows a run, so they all lead to the same next step.
 */
export function runFollowUps(workflow_id: string, run_id: string, status: string | undefined): NextCall[] {
  const ids = { workflow_id, run_id };
  if (status === 'failed') return [{ tool: 'agentruntime_runs_events', arguments: ids, why: 'what happened, step by step' }];
  if (status && TERMINAL.has(status)) return [{ tool: 'agentruntime_runs_context', arguments: ids, why: "the run's input and each step's result" }];
  if (status && /wait|human|approval/i.test(status)) return [{ tool: 'agentruntime_tasks_list_pending', arguments: ids, why: 'the human task it waits for, with the calls that approve or reject it' }];
  if (status === 'paused') return [{ tool: 'agentruntime_workflows_command', arguments: { ...ids, command: 'resume' }, why: 'resume it' }];
  return [
    { tool: 'agentruntime_workflows_run_wait', arguments: ids, why: 'follow it to its end with progress' },
    { tool: 'agentruntime_workflows_command', arguments: { ...ids, command: 'stop' }, why: 'stop it' },
  ];
}

/** Approve, reject (each only after the user decides) and then follow the run: the three calls a pending human task needs. */
export function taskFollowUps(task: { id?: unknown; workflow_id?: unknown; run_id?: unknown }, workflow?: string, run?: string): NextCall[] {
  const workflow_id = typeof task.workflow_id === 'string' ? task.workflow_id : workflow;
  const run_id = typeof task.run_id === 'string' ? task.run_id : run;
  if (typeof task.id !== 'string' || !workflow_id || !run_id) return [];
  const ids = { workflow_id, run_id, task_id: task.id };
  return [
    { tool: 'agentruntime_tasks_complete', arguments: { ...ids, approved: true }, why: 'approve it, only after the user agrees' },
    { tool: 'agentruntime_tasks_complete', arguments: { ...ids, approved: false }, why: 'reject it, if the user declines' },
    { tool: 'agentruntime_workflows_run_wait', arguments: { workflow_id, run_id }, why: 'then follow the run to its end' },
  ];
}
