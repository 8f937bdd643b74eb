import type { NextCall } from '../../../core/results.js';
import { idOf, type Json } from '../../../core/hints.js';

/** Execution statuses after which nothing more happens (Arrotech's and its likely synonyms). */
export const TERMINAL = new Set(['completed', 'success', 'succeeded', 'failed', 'error', 'cancelled', 'canceled']);

/**
 * What to call about an execution in `status`: its steps once it ended (they say what
 * failed), else wait for it or cancel it. Every tool that shows an execution uses it.
 */
export function executionFollowUps(execution_id: string | number, status: unknown): NextCall[] {
  if (TERMINAL.has(String(status))) return [{ tool: 'arrotech_workflows_execution_steps', arguments: { execution_id }, why: "each step's output (or error)" }];
  return [
    { tool: 'arrotech_workflows_run_wait', arguments: { execution_id }, why: 'wait for the result with progress instead of polling' },
    { tool: 'arrotech_workflows_execution_cancel', arguments: { execution_id }, why: 'stop it' },
  ];
}

/** A workflow's next steps: run it, and read its steps first if needed. */
export function workflowFollowUps(w: Json | undefined): NextCall[] {
  const workflow_id = idOf(w, 'id', 'workflow_id');
  if (workflow_id === undefined) return [];
  return [
    { tool: 'arrotech_workflows_run', arguments: { workflow_id }, why: 'run it and wait for the result (add input_data for its variables); it acts on connected platforms' },
    { tool: 'arrotech_workflows_get', arguments: { workflow_id }, why: 'its steps, trigger and variables' },
  ];
}
