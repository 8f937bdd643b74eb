import { z } from 'zod';
import { log } from '../../../core/log.js';
import { okResult } from '../../../core/results.js';
import { requestFor } from '../executor.js';
import { idArg } from './fields.js';
import { defineEndpoint, defineTool, DESTROY, READ, REPLACE, WRITE } from './types.js';
import { withoutSecrets } from './webhooks.js';

const externalId = () => idArg('The end user\'s external_user_id (your id for them).');
const base = { toolset: 'agentruntime_principals', origin: 'api', auth: 'project' } as const;
const tags = z.array(z.string().min(1).max(100)).max(100);
const principalFields = { email: z.email().optional(), name: z.string().max(200).optional(), team: z.string().max(200).optional(), tags: tags.optional() };

export const connectLink = defineEndpoint({
  ...base,
  name: 'agentruntime_connect_link',
  title: 'Create a hosted connect link',
  description: 'A hosted connect URL for one of your end users to connect their accounts (embedded connect). Give the URL to that user; poll with agentruntime_connect_session_get.',
  method: 'POST',
  path: '/v1/connect/link',
  input: () => ({ external_user_id: z.string().min(1).max(200), provider: z.string().min(1).max(100), services: z.array(z.string().min(1).max(100)).min(1).max(50) }),
  annotations: WRITE,
});

export const connectSessionGet = defineEndpoint({
  ...base,
  name: 'agentruntime_connect_session_get',
  title: 'Get a connect session',
  description: 'Status of a hosted connect session.',
  method: 'GET',
  path: '/v1/connect/sessions/{session_id}',
  input: () => ({ session_id: idArg('connect_session_id from agentruntime_connect_link.') }),
  annotations: READ,
});

const settingsInput = {
  webhook_url: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL').describe('Where AgentRuntime posts connection.created events.'),
  webhook_secret: z.string().min(16).max(500).describe('Secret AgentRuntime signs those events with; never echoed back or logged.'),
};

const settingsRequest = defineEndpoint({ ...base, name: 'agentruntime_embedded_connect_settings', title: 'Set embedded connect settings', description: '', method: 'PUT', path: '/v1/embedded-connect/settings', input: settingsInput, annotations: REPLACE });

export const embeddedConnectSettings = defineTool({
  name: 'agentruntime_embedded_connect_settings',
  title: 'Set embedded connect settings',
  description: 'Set the partner webhook URL and secret for connection.created events. The secret is never returned or logged.',
  toolset: 'agentruntime_principals',
  input: settingsInput,
  annotations: REPLACE,
  async run(args, ctx) {
    log.addSecrets([args.webhook_secret]);
    const res = await requestFor(settingsRequest, args, ctx);
    return okResult(withoutSecrets(res.json ?? { status: res.status }) as Record<string, unknown>, 'Embedded connect settings saved; the webhook secret is not shown.');
  },
});

export const principalsList = defineEndpoint({ ...base, name: 'agentruntime_principals_list', title: 'List principals', description: 'Your end users (principals), filtered by team or tag.', method: 'GET', path: '/v1/principals', query: ['team', 'tag'], input: () => ({ team: z.string().max(200).optional(), tag: z.string().max(100).optional() }), annotations: READ });
export const principalsGet = defineEndpoint({ ...base, name: 'agentruntime_principals_get', title: 'Get a principal', description: 'One principal and its connections.', method: 'GET', path: '/v1/principals/{external_id}', input: () => ({ external_id: externalId() }), annotations: READ });
export const principalsUpsert = defineEndpoint({ ...base, name: 'agentruntime_principals_upsert', title: 'Create or update a principal', description: 'Upsert a principal\'s metadata (email, name, team, tags).', method: 'PUT', path: '/v1/principals/{external_id}', input: () => ({ external_id: externalId(), ...principalFields }), annotations: REPLACE });
export const principalsSync = defineEndpoint({
  ...base,
  name: 'agentruntime_principals_sync',
  title: 'Sync principals in bulk',
  description: 'Upsert many principals\' metadata at once.',
  method: 'POST',
  path: '/v1/principals/sync',
  input: () => ({ principals: z.array(z.object({ external_user_id: z.string().min(1).max(200), ...principalFields })).min(1).max(1000) }),
  annotations: { ...WRITE, idempotentHint: true },
});
export const principalsSuspend = defineEndpoint({ ...base, name: 'agentruntime_principals_suspend', title: 'Suspend a principal', description: 'Exclude a principal from future runs.', method: 'POST', path: '/v1/principals/{external_id}/suspend', input: () => ({ external_id: externalId() }), annotations: { ...WRITE, idempotentHint: true } });
export const principalsDelete = defineEndpoint({ ...base, name: 'agentruntime_principals_delete', title: 'Delete a principal', description: 'Soft-delete a principal: revokes its connections and purges its Vault secrets.', method: 'DELETE', path: '/v1/principals/{external_id}', input: () => ({ external_id: externalId() }), annotations: DESTROY });
export const principalsLink = defineEndpoint({ ...base, name: 'agentruntime_principals_link', title: 'Link a principal to a Console user', description: 'Link a principal to a Console user (tenant admin).', method: 'POST', path: '/v1/principals/{external_id}/link', input: () => ({ external_id: externalId(), user_id: z.string().min(1).max(200) }), annotations: { ...WRITE, idempotentHint: true } });
export const principalsUnlink = defineEndpoint({ ...base, name: 'agentruntime_principals_unlink', title: 'Unlink a principal', description: 'Remove a principal\'s Console user link (tenant admin).', method: 'DELETE', path: '/v1/principals/{external_id}/link', input: () => ({ external_id: externalId() }), annotations: DESTROY });
export const segmentsList = defineEndpoint({ ...base, name: 'agentruntime_segments_list', title: 'List principal segments', description: 'Principal segments (groups a workflow can execute over).', method: 'GET', path: '/v1/principal-segments', input: () => ({}), annotations: READ });
export const segmentsGet = defineEndpoint({ ...base, name: 'agentruntime_segments_get', title: 'Get a segment', description: 'One segment\'s definition.', method: 'GET', path: '/v1/principal-segments/{segment_id}', input: () => ({ segment_id: idArg('Segment id from agentruntime_segments_list.') }), annotations: READ });
export const segmentsCreate = defineEndpoint({
  ...base,
  name: 'agentruntime_segments_create',
  title: 'Create a segment',
  description: 'Define a principal segment by tags, team and connection.',
  method: 'POST',
  path: '/v1/principal-segments',
  input: () => ({
    name: z.string().trim().min(1).max(200),
    filter: z.object({ include_tags: tags.optional(), exclude_tags: tags.optional(), team: z.string().max(200).optional(), require_connection: z.string().max(100).optional() }),
  }),
  annotations: WRITE,
});
export const usageHistory = defineEndpoint({ ...base, name: 'agentruntime_usage_history', title: 'Usage per principal', description: 'Usage export per principal (runs, microcredits).', method: 'GET', path: '/v1/usage-history', input: () => ({}), annotations: READ });

export const principalEndpoints = [connectLink, connectSessionGet, embeddedConnectSettings, principalsList, principalsGet, principalsUpsert, principalsSync, principalsSuspend, principalsDelete, principalsLink, principalsUnlink, segmentsList, segmentsGet, segmentsCreate, usageHistory];
