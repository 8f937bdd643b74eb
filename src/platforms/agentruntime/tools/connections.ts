import { z } from 'zod';
import { log } from '../../../core/log.js';
import { okResult } from '../../../core/results.js';
import { requestFor } from '../executor.js';
import { idArg } from './fields.js';
import { defineEndpoint, defineTool, DESTROY, READ, REPLACE, WRITE } from './types.js';
import { presentWithoutSecrets, withoutSecrets } from './webhooks.js';
import { connectionOverridesGet, connectionOverridesSet } from './workflows.js';

const connectionId = () => idArg('Connection id from agentruntime_connections_list.');

const credentials = z
  .record(z.string().min(1).max(100), z.string().min(1).max(10_000))
  .refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= 50, 'must hold 1 to 50 fields')
  .describe('Secret fields (api_key, …): sent to AgentRuntime\'s Vault, never echoed back or logged.');

/** Credential values join the log scrubber before the request, so no log line or echo can carry them. */
function guardCredentials<T extends { credentials?: Record<string, string> | undefined }>(args: T): T {
  if (args.credentials) log.addSecrets(Object.values(args.credentials).filter((v) => v.length >= 4));
  return args;
}

const createInput = {
  display_name: z.string().trim().min(1).max(200),
  provider: z.string().trim().min(1).max(100).describe('e.g. "custom", "openai".'),
  service: z.string().trim().min(1).max(100).describe('The service the credentials are for.'),
  credentials,
};

const createRequest = defineEndpoint({
  name: 'agentruntime_connections_create',
  title: 'Create a custom connection',
  description: '',
  toolset: 'agentruntime_connections',
  method: 'POST',
  origin: 'api',
  path: '/v1/connections',
  auth: 'project',
  input: createInput,
  annotations: WRITE,
});

export const connectionsCreate = defineTool({
  name: 'agentruntime_connections_create',
  title: 'Create a custom connection',
  description: 'Store credentials for a service in AgentRuntime\'s Vault as a workspace connection. The credentials are never returned: only their key names.',
  toolset: 'agentruntime_connections',
  input: createInput,
  annotations: WRITE,
  async run(args, ctx) {
    const res = await requestFor(createRequest, guardCredentials(args), ctx);
    const body = withoutSecrets(res.json ?? {}) as Record<string, unknown>;
    return okResult({ ...body, credential_keys: body.credential_keys ?? Object.keys(args.credentials) }, `Connection ${String(body.id ?? '')} created; credentials went to the Vault and are not shown.`);
  },
});

export const connectionsList = defineEndpoint({
  name: 'agentruntime_connections_list',
  title: 'List connections',
  description: 'Workspace connections (id, provider, service, status; never the secrets).',
  toolset: 'agentruntime_connections',
  method: 'GET',
  origin: 'api',
  path: '/v1/connections',
  auth: 'project',
  input: () => ({}),
  annotations: READ,
  present: presentWithoutSecrets('List connections'),
});

const updateInput = {
  connection_id: connectionId(),
  display_name: z.string().trim().min(1).max(200).optional(),
  credentials: credentials.optional().describe('Replacement secret fields; never echoed back or logged.'),
};

const updateRequest = defineEndpoint({
  name: 'agentruntime_connections_update',
  title: 'Update a connection',
  description: '',
  toolset: 'agentruntime_connections',
  method: 'PATCH',
  origin: 'api',
  path: '/v1/connections/{connection_id}',
  auth: 'project',
  input: updateInput,
  annotations: REPLACE,
});

export const connectionsUpdate = defineTool({
  name: 'agentruntime_connections_update',
  title: 'Update a connection',
  description: 'Rename a connection or rotate its credentials (never returned).',
  toolset: 'agentruntime_connections',
  input: updateInput,
  annotations: REPLACE,
  async run(args, ctx) {
    if (args.display_name === undefined && args.credentials === undefined) {
      return okResult({ updated: false }, 'Nothing to update: pass display_name, credentials or both.');
    }
    const res = await requestFor(updateRequest, guardCredentials(args), ctx);
    return okResult(withoutSecrets(res.json ?? { status: res.status }) as Record<string, unknown>, `Connection ${args.connection_id} updated.`);
  },
});

export const connectionsDelete = defineEndpoint({
  name: 'agentruntime_connections_delete',
  title: 'Delete a connection',
  description: 'Delete a connection and its Vault secrets; workflows using it fail until rewired.',
  toolset: 'agentruntime_connections',
  method: 'DELETE',
  origin: 'api',
  path: '/v1/connections/{connection_id}',
  auth: 'project',
  input: () => ({ connection_id: connectionId() }),
  annotations: DESTROY,
});

const credentialMetadataRequest = defineEndpoint({
  name: 'agentruntime_connections_credentials_metadata',
  title: 'Connection credential metadata',
  description: '',
  toolset: 'agentruntime_connections',
  method: 'GET',
  origin: 'api',
  path: '/v1/connections/{connection_id}/credentials',
  auth: 'project',
  input: () => ({ connection_id: connectionId() }),
  annotations: READ,
});

export const connectionsCredentialsMetadata = defineTool({
  name: 'agentruntime_connections_credentials_metadata',
  title: 'Connection credential metadata',
  description: 'Which credential fields a connection holds and when they were set (never the secrets).',
  toolset: 'agentruntime_connections',
  input: () => ({ connection_id: connectionId() }),
  annotations: READ,
  async run(args, ctx) {
    const res = await requestFor(credentialMetadataRequest, args, ctx);
    return okResult(withoutSecrets(res.json ?? {}) as Record<string, unknown>, `Credential metadata of connection ${args.connection_id}.`);
  },
});

const providerConfig = (provider: 'google' | 'whatsapp') =>
  defineEndpoint({
    name: `agentruntime_connections_${provider}_config`,
    title: `Is ${provider === 'google' ? 'Google' : 'WhatsApp'} connect enabled`,
    description: `Whether ${provider === 'google' ? 'Google' : 'WhatsApp'} connect is enabled on this deployment (the connect itself happens in the Console).`,
    toolset: 'agentruntime_connections',
    method: 'GET',
    origin: 'api',
    path: `/v1/connections/${provider}/config`,
    auth: 'project',
    input: () => ({}),
    annotations: READ,
  });

export const googleConfig = providerConfig('google');
export const whatsappConfig = providerConfig('whatsapp');

export const googleAccount = defineEndpoint({
  name: 'agentruntime_connections_google_account',
  title: 'Google account of a connection',
  description: 'The Google account behind a connection and its enabled services.',
  toolset: 'agentruntime_connections',
  method: 'GET',
  origin: 'api',
  path: '/v1/connections/google/accounts/{connection_id}',
  auth: 'project',
  input: () => ({ connection_id: connectionId() }),
  annotations: READ,
});

export const googleServices = defineEndpoint({
  name: 'agentruntime_connections_google_services',
  title: 'Enable or disable Google services',
  description: 'Turn Google services (gmail, calendar, drive…) on or off for a Google connection.',
  toolset: 'agentruntime_connections',
  method: 'PATCH',
  origin: 'api',
  path: '/v1/connections/google/accounts/{connection_id}/services',
  auth: 'project',
  input: () => ({ connection_id: connectionId(), services: z.record(z.string().min(1).max(60), z.boolean()).describe('service → enabled, e.g. {"gmail": true}.') }),
  annotations: REPLACE,
});

const whatsappInput = {
  display_name: z.string().trim().min(1).max(200).optional(),
  waba_id: z.string().min(1).max(100).describe('WhatsApp Business Account id.'),
  phone_number_id: z.string().min(1).max(100),
  access_token: z.string().min(8).max(5000).describe('System user access token; sent to the Vault, never echoed back or logged.'),
};

const whatsappRequest = defineEndpoint({ name: 'agentruntime_connections_whatsapp_manual', title: 'Connect WhatsApp manually', description: '', toolset: 'agentruntime_connections', method: 'POST', origin: 'api', path: '/v1/connections/whatsapp/manual', auth: 'project', input: whatsappInput, annotations: WRITE });

export const whatsappManual = defineTool({
  name: 'agentruntime_connections_whatsapp_manual',
  title: 'Connect WhatsApp with manual credentials',
  description: 'Create a WhatsApp connection from WABA credentials (the API alternative to embedded signup). The access token is never returned or logged.',
  toolset: 'agentruntime_connections',
  input: whatsappInput,
  annotations: WRITE,
  async run(args, ctx) {
    log.addSecrets([args.access_token]);
    const res = await requestFor(whatsappRequest, args, ctx);
    return okResult(withoutSecrets(res.json ?? {}) as Record<string, unknown>, 'WhatsApp connection created; the access token went to the Vault and is not shown.');
  },
});

export const connectionEndpoints = [
  connectionsList,
  connectionsCreate,
  connectionsUpdate,
  connectionsDelete,
  connectionsCredentialsMetadata,
  connectionOverridesGet,
  connectionOverridesSet,
  googleConfig,
  googleAccount,
  googleServices,
  whatsappConfig,
  whatsappManual,
];
