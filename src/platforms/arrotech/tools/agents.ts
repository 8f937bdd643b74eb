import { z } from 'zod';
import { bodyId, DESTROY, idArg, jsonObject, READ, UPDATE, WRITE } from './fields.js';
import { defineEndpoint } from './types.js';
import { idOf, itemsOf, listLine, named, textOf } from '../../../core/hints.js';

const agentId = z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an agent id (UUID) as returned by arrotech_agents_create or _list').describe('Agent id (UUID) from arrotech_agents_list or _create.');

// Paths: the current backend serves /agents/*; the Public API 1.0.0 era served /agents/agents/*
// (its reference lists every agents operation twice). The executor falls back to the old prefix.
export const agentsEndpoints = [
  defineEndpoint({
    name: 'arrotech_agents_create',
    title: 'Deploy an agent',
    description: 'Turn a workflow into an autonomous agent that can run on a schedule (arrotech_agents_schedule) or on demand (arrotech_agents_execute).',
    toolset: 'arrotech_agents',
    method: 'POST', origin: 'api', path: '/agents/create', auth: 'bearer',
    input: () => ({ workflow_id: idArg('The workflow to automate (arrotech_workflows_list).'), agent_config: jsonObject('Optional overrides: prompt instructions, execution parameters.').optional() }),
    body: (rest) => ({ workflow_id: bodyId(rest.workflow_id), agent_config: rest.agent_config ?? null }),
    summary: (data) => `Agent ${textOf(data, 'agent_id') ?? '?'} deployed for workflow ${textOf(data, 'workflow_id') ?? '?'}.`,
    next: (data) => {
      const agent_id = idOf(data, 'agent_id');
      return agent_id === undefined ? [] : [{ tool: 'arrotech_agents_execute', arguments: { agent_id }, why: 'run it once now' }, { tool: 'arrotech_agents_schedule', arguments: { agent_id }, why: 'run it on a schedule (add schedule_config)' }];
    },
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_agents_schedule',
    title: 'Schedule an agent',
    description: "Run an agent automatically: schedule_config {type:'interval', interval:<seconds>} or {type:'cron', cron:'0 9 * * 1'}.",
    toolset: 'arrotech_agents',
    method: 'POST', origin: 'api', path: '/agents/schedule', auth: 'bearer',
    input: () => ({ agent_id: agentId, schedule_config: jsonObject('interval (seconds) or cron schedule.') }),
    annotations: UPDATE,
  }),
  defineEndpoint({
    name: 'arrotech_agents_list',
    title: 'List agents',
    description: "The account's agents.",
    toolset: 'arrotech_agents',
    method: 'GET', origin: 'api', path: '/agents/', auth: 'bearer',
    input: () => ({}),
    summary: (data) => listLine(itemsOf(data, 'agents'), 'agents', (a) => named(a, ['workflow_name'], ['agent_id'], textOf(a, 'status'))),
    next: (data) => {
      const agent_id = idOf(itemsOf(data, 'agents')[0], 'agent_id');
      return agent_id === undefined ? [] : [{ tool: 'arrotech_agents_status', arguments: { agent_id }, why: 'health, schedule and run counts of the first agent' }];
    },
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_agents_status',
    title: 'Agent status',
    description: 'An agent\'s health: status, schedule, execution and success counts, last error.',
    toolset: 'arrotech_agents',
    method: 'GET', origin: 'api', path: '/agents/{agent_id}/status', auth: 'bearer',
    input: () => ({ agent_id: agentId }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_agents_pause',
    title: 'Pause an agent',
    description: 'Stop an agent\'s scheduled runs until resumed.',
    toolset: 'arrotech_agents',
    method: 'POST', origin: 'api', path: '/agents/{agent_id}/pause', auth: 'bearer',
    input: () => ({ agent_id: agentId }),
    annotations: UPDATE,
  }),
  defineEndpoint({
    name: 'arrotech_agents_resume',
    title: 'Resume an agent',
    description: 'Resume a paused agent.',
    toolset: 'arrotech_agents',
    method: 'POST', origin: 'api', path: '/agents/{agent_id}/resume', auth: 'bearer',
    input: () => ({ agent_id: agentId }),
    annotations: UPDATE,
  }),
  defineEndpoint({
    name: 'arrotech_agents_execute',
    title: 'Run an agent now',
    description: 'Run an agent once, now. Runs actions on connected platforms.',
    toolset: 'arrotech_agents',
    method: 'POST', origin: 'api', path: '/agents/{agent_id}/execute', auth: 'bearer',
    input: () => ({ agent_id: agentId, input_data: jsonObject('Input for this run.').optional() }),
    // The whole body is the input (the route takes the JSON body itself).
    body: (rest) => (rest.input_data as Record<string, unknown> | undefined) ?? {},
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_agents_delete',
    title: 'Delete an agent',
    description: 'Delete an agent and its schedule. Cannot be undone.',
    toolset: 'arrotech_agents',
    method: 'DELETE', origin: 'api', path: '/agents/{agent_id}', auth: 'bearer',
    input: () => ({ agent_id: agentId }),
    annotations: DESTROY,
  }),
  defineEndpoint({
    name: 'arrotech_agents_analytics',
    title: 'Agent analytics',
    description: 'Detailed run analytics of an agent.',
    toolset: 'arrotech_agents',
    method: 'GET', origin: 'api', path: '/agents/{agent_id}/analytics', auth: 'bearer',
    input: () => ({ agent_id: agentId }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_agents_templates',
    title: 'Agent templates',
    description: 'Ready-made agent configurations.',
    toolset: 'arrotech_agents',
    method: 'GET', origin: 'api', path: '/agents/templates', auth: 'none',
    input: () => ({}),
    annotations: READ,
  }),
];
