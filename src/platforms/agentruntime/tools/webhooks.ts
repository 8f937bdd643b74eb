import { z } from 'zod';
import type { HttpResponse } from '../../../core/http-client.js';
import { okResult } from '../../../core/results.js';
import { requestFor } from '../executor.js';
import { idArg, workflowId } from './fields.js';
import { defineEndpoint, defineTool, DESTROY, READ, REPLACE, WRITE } from './types.js';

const subscriptionId = () => idArg('Inbound webhook subscription id from agentruntime_inbound_webhooks_create or _list.');

const extras = z
  .object({
    use_run_setup_defaults: z.boolean().optional(),
    trigger_payload: z.record(z.string(), z.unknown()).optional().describe('Fixed input merged into every run the webhook starts.'),
    trigger_steps: z.array(z.string().min(1)).max(100).optional(),
    excluded_step_ids: z.array(z.string().min(1)).max(100).optional(),
  })
  .describe('Run options applied to every delivery.');

/** Drops every field that could carry a secret, wherever the platform put it. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => !/secret|token|bearer|credential/i.test(k) || k === 'credential_keys').map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}
export { withoutSecrets };

/** A list's answer with any secret-looking field dropped: the docs say lists never carry secrets; this keeps it so if one ever did. */
export const presentWithoutSecrets = (title: string) => (res: HttpResponse) => okResult(withoutSecrets(res.json ?? { status: res.status }) as Record<string, unknown>, `${title}: HTTP ${res.status}.`);

const createInput = {
  workflow_id: workflowId(),
  name: z.string().trim().min(1).max(200),
  automation_pat_id: idArg('Id of the Vault-backed PAT deliveries run as (from agentruntime_pats_list); default: the platform\'s choice.').optional(),
  extras: extras.optional(),
};

/** The request alone; the tool below keeps the secret it answers with. */
const createRequest = defineEndpoint({
  name: 'agentruntime_inbound_webhooks_create',
  title: 'Create an inbound webhook',
  description: '',
  toolset: 'agentruntime_webhooks',
  method: 'POST',
  origin: 'api',
  path: '/v1/inbound-webhooks',
  auth: 'project',
  input: createInput,
  annotations: WRITE,
});

export const inboundWebhooksCreate = defineTool({
  name: 'agentruntime_inbound_webhooks_create',
  title: 'Create an inbound webhook',
  description:
    'Subscribe a workflow to signed inbound webhooks. The signing secret (shown once) is stored locally, never returned; agentruntime_inbound_webhooks_send signs with it. Returns the ingress URL for external senders.',
  toolset: 'agentruntime_webhooks',
  input: createInput,
  annotations: WRITE,
  async run(args, ctx) {
    // The secret comes back once: store it before anything else can fail, then hand back the rest.
    const res = await requestFor(createRequest, args, ctx);
    const body = (res.json ?? {}) as { subscription?: { id?: unknown }; signing_secret?: unknown; [k: string]: unknown };
    const id = typeof body.subscription?.id === 'string' ? body.subscription.id : undefined;
    let stored: Record<string, unknown> = { signing_secret: 'AgentRuntime returned no signing_secret: this subscription cannot be signed from here.' };
    if (id && typeof body.signing_secret === 'string' && body.signing_secret) {
      const file = await ctx.secrets.put({ kind: 'webhook', subscription_id: id, signing_secret: body.signing_secret, ...(args.automation_pat_id ? { automation_pat_id: args.automation_pat_id } : {}), created_at: new Date().toISOString() });
      stored = { signing_secret: { kept_at: file, mode: '0600', used_by: 'agentruntime_inbound_webhooks_send', note: 'Shown once by AgentRuntime and never returned here. An external sender needs it too: the user can copy it from that file.' } };
    }
    return okResult({ ...(withoutSecrets(body) as Record<string, unknown>), stored }, `Inbound webhook ${id ?? '(no id)'} created; its signing secret is stored locally (never shown). Test it with agentruntime_inbound_webhooks_send.`);
  },
});

export const inboundWebhooksList = defineEndpoint({
  name: 'agentruntime_inbound_webhooks_list',
  title: 'List inbound webhooks',
  description: 'Inbound webhook subscriptions of the project (never includes secrets).',
  toolset: 'agentruntime_webhooks',
  method: 'GET',
  origin: 'api',
  path: '/v1/inbound-webhooks',
  auth: 'project',
  input: () => ({}),
  annotations: READ,
  present: presentWithoutSecrets('List inbound webhooks'),
});

export const inboundWebhooksUpdate = defineEndpoint({
  name: 'agentruntime_inbound_webhooks_update',
  title: 'Update an inbound webhook',
  description: 'Replace the run options (extras) of an inbound webhook subscription.',
  toolset: 'agentruntime_webhooks',
  method: 'PATCH',
  origin: 'api',
  path: '/v1/inbound-webhooks/{subscription_id}',
  auth: 'project',
  input: () => ({ subscription_id: subscriptionId(), extras }),
  annotations: REPLACE,
});

const deleteRequest = defineEndpoint({
  name: 'agentruntime_inbound_webhooks_delete',
  title: 'Delete an inbound webhook',
  description: '',
  toolset: 'agentruntime_webhooks',
  method: 'DELETE',
  origin: 'api',
  path: '/v1/inbound-webhooks/{subscription_id}',
  auth: 'project',
  input: () => ({ subscription_id: subscriptionId() }),
  annotations: DESTROY,
});

export const inboundWebhooksDelete = defineTool({
  name: 'agentruntime_inbound_webhooks_delete',
  title: 'Delete an inbound webhook',
  description: 'Delete a subscription: deliveries to its ingress URL fail from then on. Its locally stored signing secret is removed.',
  toolset: 'agentruntime_webhooks',
  input: () => ({ subscription_id: subscriptionId() }),
  annotations: DESTROY,
  async run(args, ctx) {
    const res = await requestFor(deleteRequest, args, ctx);
    const removed = await ctx.secrets.remove('webhook', args.subscription_id);
    return okResult({ deleted: true, subscription_id: args.subscription_id, status: res.status, local_secret_removed: removed }, `Inbound webhook ${args.subscription_id} deleted.`);
  },
});

export const inboundWebhooksSend = defineEndpoint({
  name: 'agentruntime_inbound_webhooks_send',
  title: 'Send a signed inbound webhook',
  description:
    'Deliver a JSON payload to a subscription\'s ingress as an external sender would (PAT + X-Agentruntime-Signature HMAC with the stored signing secret): starts a run with the payload as trigger_payload.',
  toolset: 'agentruntime_webhooks',
  method: 'POST',
  origin: 'api',
  path: '/v1/inbound-webhooks/{subscription_id}',
  auth: 'ingress',
  input: () => ({ subscription_id: subscriptionId(), payload: z.record(z.string(), z.unknown()).default({}).describe('The JSON body; becomes the run\'s trigger_payload.') }),
  body: (rest) => (rest.payload ?? {}) as Record<string, unknown>,
  annotations: WRITE,
});

export const webhookEndpoints = [inboundWebhooksCreate, inboundWebhooksList, inboundWebhooksUpdate, inboundWebhooksDelete, inboundWebhooksSend];
