import { z } from 'zod';
import { idArg } from './fields.js';
import { defineEndpoint, READ, WRITE } from './types.js';

const serverId = () => idArg('MCP server id from agentruntime_mcp_servers_list.');

export const mcpServersList = defineEndpoint({
  name: 'agentruntime_mcp_servers_list',
  title: 'List MCP servers',
  description: 'The tenant\'s registered MCP servers (custom and platform).',
  toolset: 'agentruntime_mcp',
  method: 'GET',
  origin: 'api',
  path: '/v1/mcp/servers',
  auth: 'project',
  input: {},
  annotations: READ,
});

export const mcpServersGet = defineEndpoint({
  name: 'agentruntime_mcp_servers_get',
  title: 'Get an MCP server',
  description: 'One MCP server: status, auth mode, tools.',
  toolset: 'agentruntime_mcp',
  method: 'GET',
  origin: 'api',
  path: '/v1/mcp/servers/{server_id}',
  auth: 'project',
  input: { server_id: serverId() },
  annotations: READ,
});

export const mcpServersCreate = defineEndpoint({
  name: 'agentruntime_mcp_servers_create',
  title: 'Register a custom MCP server',
  description: 'Register a third-party MCP server by URL (status draft). Next: agentruntime_mcp_servers_discover, _validate, then agentruntime_mcp_instances_create.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/servers',
  auth: 'project',
  input: {
    name: z.string().trim().min(1).max(200),
    canonical_url: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL').describe('The server\'s MCP endpoint.'),
    description: z.string().max(2000).optional(),
    mode: z.literal('third_party').default('third_party'),
    auth_mode: z.literal('token').default('token'),
  },
  annotations: WRITE,
});

export const mcpServersDiscover = defineEndpoint({
  name: 'agentruntime_mcp_servers_discover',
  title: 'Discover an MCP server\'s tools',
  description: 'Ask AgentRuntime to list the tools of a registered MCP server.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/servers/{server_id}/discover',
  auth: 'project',
  input: { server_id: serverId() },
  annotations: { ...WRITE, idempotentHint: true },
});

export const mcpServersValidate = defineEndpoint({
  name: 'agentruntime_mcp_servers_validate',
  title: 'Validate an MCP server',
  description: 'Run AgentRuntime\'s checks on a server (reachability, schema, smoke call).',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/servers/{server_id}/validate',
  auth: 'project',
  input: { server_id: serverId() },
  annotations: READ,
});

export const mcpInstancesList = defineEndpoint({
  name: 'agentruntime_mcp_instances_list',
  title: 'List MCP instances',
  description: 'MCP server instances of the project (what workflow steps call).',
  toolset: 'agentruntime_mcp',
  method: 'GET',
  origin: 'api',
  path: '/v1/mcp/instances',
  auth: 'project',
  input: {},
  annotations: READ,
});

export const mcpInstancesCreate = defineEndpoint({
  name: 'agentruntime_mcp_instances_create',
  title: 'Create an MCP instance',
  description: 'Instantiate a registered MCP server in the project, optionally bound to a connection.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/instances',
  auth: 'project',
  input: {
    server_id: z.string().min(1).max(200).describe('MCP server id from agentruntime_mcp_servers_list.'),
    name: z.string().trim().min(1).max(200).optional(),
    connection_id: z.string().min(1).max(200).optional().describe('Connection holding the server\'s token.'),
  },
  annotations: WRITE,
});

export const mcpEndpoints = [mcpServersList, mcpServersGet, mcpServersCreate, mcpServersDiscover, mcpServersValidate, mcpInstancesList, mcpInstancesCreate];
