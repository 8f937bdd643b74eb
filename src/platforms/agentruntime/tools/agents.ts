import { z } from 'zod';
import { idArg } from './fields.js';
import { defineEndpoint, DESTROY, READ, REPLACE, WRITE } from './types.js';

const agentId = () => idArg('Agent id from agentruntime_agents_list.');
// The reference lists the agent routes without their fields: the common ones are named, the rest passes through.
const fields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  config: z.record(z.string(), z.unknown()).optional().describe('Agent configuration (model, instructions, tools…), as the Console shows it.'),
};

const base = { toolset: 'agentruntime_agents', origin: 'api', auth: 'project' } as const;
const NOTE = 'Needs the agents feature (enableAgents) on the tenant; 404 otherwise.';

export const agentsList = defineEndpoint({ ...base, name: 'agentruntime_agents_list', title: 'List agents', description: `Agents of the project. ${NOTE}`, method: 'GET', path: '/v1/agents', input: () => ({}), annotations: READ });
export const agentsGet = defineEndpoint({ ...base, name: 'agentruntime_agents_get', title: 'Get an agent', description: 'One agent.', method: 'GET', path: '/v1/agents/{agent_id}', input: () => ({ agent_id: agentId() }), annotations: READ });
export const agentsCreate = defineEndpoint({ ...base, name: 'agentruntime_agents_create', title: 'Create an agent', description: `Create an agent. ${NOTE}`, method: 'POST', path: '/v1/agents', input: fields, annotations: WRITE });
export const agentsUpdate = defineEndpoint({
  ...base,
  name: 'agentruntime_agents_update',
  title: 'Update an agent',
  description: 'Change an agent\'s name, description or config.',
  method: 'PATCH',
  path: '/v1/agents/{agent_id}',
  input: () => ({ agent_id: agentId(), name: fields.name.optional(), description: fields.description, config: fields.config }),
  annotations: REPLACE,
});
export const agentsDelete = defineEndpoint({ ...base, name: 'agentruntime_agents_delete', title: 'Delete an agent', description: 'Delete an agent.', method: 'DELETE', path: '/v1/agents/{agent_id}', input: () => ({ agent_id: agentId() }), annotations: DESTROY });

export const agentEndpoints = [agentsList, agentsGet, agentsCreate, agentsUpdate, agentsDelete];
