import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import { idArg, workflowId } from './fields.js';
import { defineEndpoint, DESTROY, READ, REPLACE, WRITE } from './types.js';
import { runFollowUps } from './follow-ups.js';
import { itemsOf, listLine, named, textOf, type Json } from '../../../core/hints.js';
import type { NextCall } from '../../../core/results.js';

/** A draft must be published before it runs; a published workflow runs. */
function workflowNext(w: Json | undefined): NextCall[] {
  const id = textOf(w, 'id', 'workflow_id');
  if (!id) return [];
  return w?.status === 'draft'
    ? [{ tool: 'agentruntime_workflows_publish_version', arguments: { workflow_id: id }, why: 'runs execute published versions: publish the draft first' }]
    : [{ tool: 'agentruntime_workflows_run', arguments: { workflow_id: id }, why: 'start a run and follow it to its end (add input if the workflow reads any)' }];
}

const stepsOf = (w: Json) => ((w.graph as Json | undefined)?.steps as unknown[] | undefined)?.length;

const step = z
  .looseObject({
    id: z.string().min(1).max(100).describe('Step id, unique in the graph.'),
    type: z.string().min(1).max(60).describe('Step type, e.g. "action", "llm", "human_task" (pauses the run until approved).'),
    name: z.string().max(200).optional(),
  })
  .describe('One step; further fields (config, next, …) go through as given.');

const graph = z.object({ steps: z.array(step).min(1).max(200) }).describe('The workflow graph: its steps, in order.');

/**
 * Keys the start command reads as controls rather than input: an input field of the same
 * name would be silently taken as a control, so it is refused instead.
 */
export const RESERVED_PARAMS = ['run_id', 'trigger_type', 'trigger_payload', 'trigger_steps', 'excluded_step_ids', 'use_run_setup_defaults', 'mode', 'external_user_id', 'segment_id'] as const;

export const runControls = {
  input: z.record(z.string(), z.unknown()).optional().describe('Workflow input: sent as the start params, read by steps as {{input.<field>}}.'),
  trigger_steps: z.array(z.string().min(1)).max(100).optional().describe('Start from these step ids only.'),
  excluded_step_ids: z.array(z.string().min(1)).max(100).optional().describe('Skip these step ids.'),
  use_run_setup_defaults: z.boolean().optional().describe('Apply the workflow\'s saved run_setup defaults (default false).'),
};

/** The start params as the seed's example sends them: the input flat, next to the run controls. */
export function startParams(args: { input?: Record<string, unknown> | undefined; trigger_steps?: string[] | undefined; excluded_step_ids?: string[] | undefined; use_run_setup_defaults?: boolean | undefined }): Record<string, unknown> {
  const clash = Object.keys(args.input ?? {}).filter((k) => (RESERVED_PARAMS as readonly string[]).includes(k));
  if (clash.length) {
    fail({ code: 'invalid_argument', message: `input.${clash[0]} is a run control name, not workflow input.`, next_step: `Rename the input field (reserved: ${RESERVED_PARAMS.join(', ')}); use the tool's own trigger_steps / excluded_step_ids / use_run_setup_defaults arguments for controls.` });
  }
  return Object.fromEntries(
    Object.entries({ ...args.input, trigger_steps: args.trigger_steps, excluded_step_ids: args.excluded_step_ids, use_run_setup_defaults: args.use_run_setup_defaults }).filter(([, v]) => v !== undefined),
  );
}

export const workflowsList = defineEndpoint({
  name: 'agentruntime_workflows_list',
  title: 'List AgentRuntime workflows',
  description: 'List the workflows of the configured AgentRuntime project (ids, names, status).',
  toolset: 'agentruntime_workflows',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows',
  auth: 'project',
  input: () => ({}),
  summary: (data) => listLine(itemsOf(data, 'workflows'), 'workflows', (w) => named(w, ['name'], ['id'], textOf(w, 'status'))),
  // The first published one runs as it is; a list of drafts leads to publishing.
  next: (data) => {
    const all = itemsOf(data, 'workflows');
    const pick = all.find((w) => w.status === 'published') ?? all[0];
    const id = textOf(pick, 'id');
    return id ? [...workflowNext(pick), { tool: 'agentruntime_workflows_get', arguments: { workflow_id: id }, why: 'its graph and run_setup' }] : [];
  },
  annotations: READ,
});

export const workflowsGet = defineEndpoint({
  name: 'agentruntime_workflows_get',
  title: 'Get an AgentRuntime workflow',
  description: 'One workflow with its draft graph and run_setup.',
  toolset: 'agentruntime_workflows',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}',
  auth: 'project',
  input: () => ({ workflow_id: workflowId() }),
  summary: (data) => `Workflow ${named(data, ['name'], ['id']) ?? '?'}: ${textOf(data, 'status') ?? 'no status'}${stepsOf(data) !== undefined ? `, ${stepsOf(data)} step(s)` : ''}.`,
  next: (data) => workflowNext(data),
  annotations: READ,
});

export const workflowsCreate = defineEndpoint({
  name: 'agentruntime_workflows_create',
  title: 'Create an AgentRuntime workflow',
  description: 'Create a draft workflow from a graph of steps. Runs execute published versions: next, agentruntime_workflows_publish_version.',
  toolset: 'agentruntime_workflows',
  method: 'POST',
  origin: 'api',
  path: '/v1/workflows',
  auth: 'project',
  input: () => ({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).optional(), graph }),
  summary: (data) => `Created draft workflow ${named(data, ['name'], ['id']) ?? '?'}.`,
  next: (data) => {
    const id = textOf(data, 'id');
    return id ? [{ tool: 'agentruntime_workflows_validate', arguments: { workflow_id: id }, why: 'check the graph before publishing' }, ...workflowNext({ ...data, status: 'draft' })] : [];
  },
  annotations: WRITE,
});

export const workflowsPatch = defineEndpoint({
  name: 'agentruntime_workflows_patch',
  title: 'Update an AgentRuntime workflow draft',
  description: 'Replace the draft graph and/or the run_setup defaults of a workflow. Publish again for runs to use it.',
  toolset: 'agentruntime_workflows',
  method: 'PATCH',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}',
  auth: 'project',
  input: () => ({ workflow_id: workflowId(), graph: graph.optional(), run_setup: z.record(z.string(), z.unknown()).optional().describe('Saved run defaults (the Console\'s "Save defaults").') }),
  prepare: (args) => (args.graph === undefined && args.run_setup === undefined ? fail({ code: 'invalid_argument', message: 'Nothing to update: pass graph, run_setup or both.', next_step: 'Add graph or run_setup and call again.' }) : args),
  annotations: REPLACE,
});

export const workflowsArchive = defineEndpoint({
  name: 'agentruntime_workflows_archive',
  title: 'Archive an AgentRuntime workflow',
  description: 'Archive (soft-delete) a workflow: it no longer runs or lists.',
  toolset: 'agentruntime_workflows',
  method: 'DELETE',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}',
  auth: 'project',
  input: () => ({ workflow_id: workflowId() }),
  annotations: DESTROY,
});

export const workflowsPublishVersion = defineEndpoint({
  name: 'agentruntime_workflows_publish_version',
  title: 'Publish an AgentRuntime workflow version',
  description: 'Snapshot the draft graph as a new published version; runs execute the latest published version.',
  toolset: 'agentruntime_workflows',
  method: 'POST',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/versions',
  auth: 'project',
  input: () => ({ workflow_id: workflowId(), changelog: z.string().max(2000).optional() }),
  summary: (data, args) => `Published version ${textOf(data, 'version') ?? '?'} of workflow ${args.workflow_id}; runs now execute it.`,
  next: (_data, args) => workflowNext({ id: args.workflow_id, status: 'published' }),
  annotations: WRITE,
});

export const workflowsListVersions = defineEndpoint({
  name: 'agentruntime_workflows_list_versions',
  title: 'List AgentRuntime workflow versions',
  description: 'The published versions of a workflow.',
  toolset: 'agentruntime_workflows',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/versions',
  auth: 'project',
  input: () => ({ workflow_id: workflowId() }),
  annotations: READ,
});

export const workflowsValidate = defineEndpoint({
  name: 'agentruntime_workflows_validate',
  title: 'Validate an AgentRuntime workflow',
  description: 'Dry-run validation of the draft graph (valid, checks_performed, issues). Changes nothing.',
  toolset: 'agentruntime_workflows',
  method: 'POST',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/validate',
  auth: 'project',
  input: () => ({ workflow_id: workflowId() }),
  summary: (data, args) => (data.valid === true ? `Workflow ${args.workflow_id}: the draft is valid.` : `Workflow ${args.workflow_id}: ${Array.isArray(data.issues) ? data.issues.length : 'some'} issue(s) in the draft; fix them with agentruntime_workflows_patch.`),
  next: (data, args) => (data.valid === true ? workflowNext({ id: args.workflow_id, status: 'draft' }) : []),
  annotations: READ,
});

const COMMANDS = ['start', 'pause', 'resume', 'stop'] as const;

export const workflowsCommand = defineEndpoint({
  name: 'agentruntime_workflows_command',
  title: 'Control an AgentRuntime run',
  description:
    'Start a run (returns run_id at once) or pause, resume or stop one (run_id required). To start and follow a run to its end, prefer agentruntime_workflows_run.',
  toolset: 'agentruntime_workflows',
  method: 'POST',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/command',
  auth: 'project',
  input: () => ({
    workflow_id: workflowId(),
    command: z.enum(COMMANDS),
    run_id: idArg('The run to pause, resume or stop.').optional(),
    mode: z.enum(['immediate', 'graceful']).optional().describe('stop only: immediate (default) or graceful (after the current step).'),
    ...runControls,
  }),
  prepare(args) {
    const controls = args.command === 'start' ? undefined : ['input', 'trigger_steps', 'excluded_step_ids', 'use_run_setup_defaults'].find((k) => (args as Record<string, unknown>)[k] !== undefined);
    if (args.command !== 'start' && args.run_id === undefined) fail({ code: 'invalid_argument', message: `run_id is required for ${args.command}.`, next_step: 'Pass the run_id of the run to control (agentruntime_runs_list lists them).' });
    if (controls) fail({ code: 'invalid_argument', message: `${controls} applies to start only, not ${args.command}.`, next_step: `Drop ${controls} and call again.` });
    if (args.mode !== undefined && args.command !== 'stop') fail({ code: 'invalid_argument', message: 'mode applies to stop only.', next_step: 'Drop mode and call again.' });
    if (args.command === 'start' && args.run_id !== undefined) fail({ code: 'invalid_argument', message: 'run_id is not taken by start: the platform assigns it.', next_step: 'Drop run_id and call again.' });
    return args;
  },
  body: ({ command, run_id, mode, ...rest }) => ({
    command,
    params: command === 'start' ? startParams(rest as Parameters<typeof startParams>[0]) : { run_id, ...(mode !== undefined ? { mode } : {}) },
  }),
  summary: (data, args) => `${args.command === 'start' ? 'Started run' : `${args.command}: run`} ${textOf(data, 'run_id') ?? args.run_id ?? '?'}${textOf(data, 'status') ? `, now ${textOf(data, 'status')}` : ''}.`,
  next: (data, args) => {
    const run = textOf(data, 'run_id') ?? args.run_id;
    // The answer's status may still be the one before the command: judge by the command.
    const status = args.command === 'pause' ? 'paused' : args.command === 'stop' ? 'stopped' : 'running';
    return run ? runFollowUps(args.workflow_id, run, status) : [];
  },
  annotations: WRITE,
});

export const connectionOverridesGet = defineEndpoint({
  name: 'agentruntime_workflows_get_connection_overrides',
  title: 'Get a workflow\'s connection overrides',
  description: 'Which connection each MCP instance of the workflow uses instead of its default (API only).',
  toolset: 'agentruntime_connections',
  method: 'GET',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/connection-overrides',
  auth: 'project',
  input: () => ({ workflow_id: workflowId() }),
  annotations: READ,
});

export const connectionOverridesSet = defineEndpoint({
  name: 'agentruntime_workflows_set_connection_overrides',
  title: 'Set a workflow\'s connection overrides',
  description: 'Replace the whole override map: each MCP instance_id of the workflow → the connection_id it uses. An empty list clears it.',
  toolset: 'agentruntime_connections',
  method: 'PUT',
  origin: 'api',
  path: '/v1/workflows/{workflow_id}/connection-overrides',
  auth: 'project',
  input: () => ({
    workflow_id: workflowId(),
    overrides: z.array(z.object({ instance_id: z.string().min(1).max(200), connection_id: z.string().min(1).max(200) })).max(200),
  }),
  annotations: REPLACE,
});

export const workflowEndpoints = [workflowsList, workflowsGet, workflowsCreate, workflowsPatch, workflowsArchive, workflowsPublishVersion, workflowsListVersions, workflowsValidate, workflowsCommand];
