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
  input: () => ({}),
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
  input: () => ({ server_id: serverId() }),
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
  input: () => ({
    name: z.string().trim().min(1).max(200),
    canonical_url: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL').describe('The server\'s MCP endpoint.'),
    description: z.string().max(2000).optional(),
    mode: z.enum(['third_party']).default('third_party').describe('Only third-party servers can be registered.'),
    auth_mode: z.enum(['token']).default('token').describe('Custom servers authenticate with a token (from a connection).'),
  }),
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
  input: () => ({ server_id: serverId() }),
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
  input: () => ({ server_id: serverId() }),
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
  input: () => ({}),
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
  input: () => ({
    server_id: z.string().min(1).max(200).describe('MCP server id from agentruntime_mcp_servers_list.'),
    name: z.string().trim().min(1).max(200).optional(),
    connection_id: z.string().min(1).max(200).optional().describe('Connection holding the server\'s token.'),
  }),
  annotations: WRITE,
});

export const mcpEndpoints = [mcpServersList, mcpServersGet, mcpServersCreate, mcpServersDiscover, mcpServersValidate, mcpInstancesList, mcpInstancesCreate];

const instanceId = () => idArg('MCP instance id from agentruntime_mcp_instances_list.');
const profileId = () => idArg('Config profile id from agentruntime_mcp_config_profiles_list.');

export const mcpPlatformCatalog = defineEndpoint({
  name: 'agentruntime_mcp_platform_catalog',
  title: 'MCP platform adapter catalog',
  description: 'The platform MCP adapters AgentRuntime offers.',
  toolset: 'agentruntime_mcp',
  method: 'GET',
  origin: 'api',
  path: '/v1/mcp/platform-catalog',
  auth: 'project',
  input: () => ({}),
  annotations: READ,
});

export const mcpToolsList = defineEndpoint({
  name: 'agentruntime_mcp_tools_list',
  title: 'MCP tool catalog',
  description: 'Every tool the project\'s MCP servers offer to workflow steps.',
  toolset: 'agentruntime_mcp',
  method: 'GET',
  origin: 'api',
  path: '/v1/mcp/tools',
  auth: 'project',
  input: () => ({}),
  annotations: READ,
});

export const mcpServersPublishVersion = defineEndpoint({
  name: 'agentruntime_mcp_servers_publish_version',
  title: 'Publish an MCP server version',
  description: 'Publish a version of a custom MCP server (its tools and config schema), optionally making it active.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/servers/{server_id}/versions',
  auth: 'project',
  input: () => ({
    server_id: serverId(),
    tools: z.array(z.looseObject({ name: z.string().min(1).max(200) })).max(500).optional().describe('Tools of this version (default: the discovered ones).'),
    config_schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema of the server\'s configuration.'),
    activate: z.boolean().optional().describe('Make this version the active one.'),
  }),
  annotations: WRITE,
});

export const mcpServersValidateConnection = defineEndpoint({
  name: 'agentruntime_mcp_servers_validate_connection',
  title: 'Validate an MCP server with a connection',
  description: 'Check that a connection\'s credentials work with an MCP server.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/servers/{server_id}/connections/{connection_id}/validate',
  auth: 'project',
  input: () => ({ server_id: serverId(), connection_id: idArg('Connection id from agentruntime_connections_list.') }),
  annotations: READ,
});

export const mcpInstancesResolve = defineEndpoint({
  name: 'agentruntime_mcp_instances_resolve',
  title: 'Resolve a workflow\'s MCP instances',
  description: 'Which MCP instance (and connection) each step of a workflow would use.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/instances/resolve',
  auth: 'project',
  input: () => ({ workflow_id: z.string().min(1).max(200).describe('Workflow id from agentruntime_workflows_list.') }),
  annotations: READ,
});

export const mcpInstancesValidate = defineEndpoint({
  name: 'agentruntime_mcp_instances_validate',
  title: 'Validate an MCP instance',
  description: 'Run AgentRuntime\'s checks on one MCP instance.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/instances/{instance_id}/validate',
  auth: 'project',
  input: () => ({ instance_id: instanceId() }),
  annotations: READ,
});

export const mcpConfigProfilesList = defineEndpoint({
  name: 'agentruntime_mcp_config_profiles_list',
  title: 'List an MCP instance\'s config profiles',
  description: 'Config profiles of an MCP instance, and which one is active.',
  toolset: 'agentruntime_mcp',
  method: 'GET',
  origin: 'api',
  path: '/v1/mcp/instances/{instance_id}/config-profiles',
  auth: 'project',
  input: () => ({ instance_id: instanceId() }),
  annotations: READ,
});

const sourceSpec = z.record(z.string(), z.unknown()).describe('Where each config value comes from (literal, connection field, run input…).');

export const mcpConfigProfilesCreate = defineEndpoint({
  name: 'agentruntime_mcp_config_profiles_create',
  title: 'Create a config profile',
  description: 'Add a config profile to an MCP instance.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/instances/{instance_id}/config-profiles',
  auth: 'project',
  input: () => ({ instance_id: instanceId(), name: z.string().trim().min(1).max(200), source_spec: sourceSpec.optional() }),
  annotations: WRITE,
});

export const mcpConfigProfilesUpdate = defineEndpoint({
  name: 'agentruntime_mcp_config_profiles_update',
  title: 'Update a config profile',
  description: 'Replace a config profile\'s wiring (source_spec).',
  toolset: 'agentruntime_mcp',
  method: 'PATCH',
  origin: 'api',
  path: '/v1/mcp/instances/{instance_id}/config-profiles/{profile_id}',
  auth: 'project',
  input: () => ({ instance_id: instanceId(), profile_id: profileId(), source_spec: sourceSpec }),
  annotations: { ...WRITE, idempotentHint: true },
});

export const mcpConfigProfilesSetActive = defineEndpoint({
  name: 'agentruntime_mcp_config_profiles_set_active',
  title: 'Activate a config profile',
  description: 'Make a config profile the one the instance uses.',
  toolset: 'agentruntime_mcp',
  method: 'POST',
  origin: 'api',
  path: '/v1/mcp/instances/{instance_id}/config-profiles/{profile_id}/set-active',
  auth: 'project',
  input: () => ({ instance_id: instanceId(), profile_id: profileId() }),
  annotations: { ...WRITE, idempotentHint: true },
});

export const mcpExtraEndpoints = [
  mcpPlatformCatalog,
  mcpToolsList,
  mcpServersPublishVersion,
  mcpServersValidateConnection,
  mcpInstancesResolve,
  mcpInstancesValidate,
  mcpConfigProfilesList,
  mcpConfigProfilesCreate,
  mcpConfigProfilesUpdate,
  mcpConfigProfilesSetActive,
];
