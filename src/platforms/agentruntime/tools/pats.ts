import { z } from 'zod';
import { okResult } from '../../../core/results.js';
import { requestFor } from '../executor.js';
import { idArg } from './fields.js';
import { defineEndpoint, defineTool, DESTROY, READ, WRITE } from './types.js';
import { presentWithoutSecrets, withoutSecrets } from './webhooks.js';

export const PAT_SCOPES = ['workflow:read', 'workflow:run', 'mcp:execute'] as const;

export const patsList = defineEndpoint({
  name: 'agentruntime_pats_list',
  title: 'List personal access tokens',
  description: 'PATs of the tenant (id, display_name, scopes, created_at; never the token).',
  toolset: 'agentruntime_tokens',
  method: 'GET',
  origin: 'api',
  path: '/v1/pats',
  auth: 'tenant',
  input: () => ({}),
  annotations: READ,
  present: presentWithoutSecrets('List personal access tokens'),
});

const createInput = {
  display_name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(PAT_SCOPES)).min(1).max(3).describe('workflow:read (reads), workflow:run (changes and runs), mcp:execute (MCP servers).'),
};

const createRequest = defineEndpoint({
  name: 'agentruntime_pats_create',
  title: 'Create a personal access token',
  description: '',
  toolset: 'agentruntime_tokens',
  method: 'POST',
  origin: 'api',
  path: '/v1/pats',
  auth: 'tenant',
  input: createInput,
  annotations: WRITE,
});

export const patsCreate = defineTool({
  name: 'agentruntime_pats_create',
  title: 'Create a personal access token',
  description:
    'Create a scoped PAT (e.g. an automation PAT for inbound webhooks). The token (shown once) is stored locally, never returned; agentruntime_inbound_webhooks_send uses it for subscriptions created with its id.',
  toolset: 'agentruntime_tokens',
  input: createInput,
  annotations: WRITE,
  async run(args, ctx) {
    const res = await requestFor(createRequest, args, ctx);
    const body = (res.json ?? {}) as Record<string, unknown>;
    const id = typeof body.id === 'string' ? body.id : undefined;
    let stored: Record<string, unknown> = { token: 'AgentRuntime returned no token.' };
    if (id && typeof body.token === 'string' && body.token) {
      const file = await ctx.secrets.put({ kind: 'pat', pat_id: id, token: body.token, display_name: args.display_name, scopes: [...args.scopes], created_at: new Date().toISOString() });
      stored = { token: { kept_at: file, mode: '0600', used_by: 'agentruntime_inbound_webhooks_send (subscriptions created with automation_pat_id = this id)', note: 'Shown once by AgentRuntime and never returned here; the user can copy it from that file.' } };
    }
    return okResult({ ...(withoutSecrets(body) as Record<string, unknown>), stored }, `PAT ${id ?? '(no id)'} created with scopes ${args.scopes.join(', ')}; its token is stored locally (never shown).`);
  },
});

const revokeRequest = defineEndpoint({
  name: 'agentruntime_pats_revoke',
  title: 'Revoke a personal access token',
  description: '',
  toolset: 'agentruntime_tokens',
  method: 'DELETE',
  origin: 'api',
  path: '/v1/pats/{pat_id}',
  auth: 'tenant',
  input: () => ({ pat_id: idArg('PAT id from agentruntime_pats_list.') }),
  annotations: DESTROY,
});

export const patsRevoke = defineTool({
  name: 'agentruntime_pats_revoke',
  title: 'Revoke a personal access token',
  description: 'Revoke a PAT at once: every client and webhook using it gets 401 from then on. Its locally stored token is removed.',
  toolset: 'agentruntime_tokens',
  input: () => ({ pat_id: idArg('PAT id from agentruntime_pats_list.') }),
  annotations: DESTROY,
  async run(args, ctx) {
    const res = await requestFor(revokeRequest, args, ctx);
    const removed = await ctx.secrets.remove('pat', args.pat_id);
    return okResult({ revoked: true, pat_id: args.pat_id, status: res.status, local_token_removed: removed }, `PAT ${args.pat_id} revoked.`);
  },
});

const revealRequest = defineEndpoint({
  name: 'agentruntime_pats_reveal',
  title: 'Reveal a PAT',
  description: '',
  toolset: 'agentruntime_tokens',
  method: 'GET',
  origin: 'api',
  path: '/v1/pats/{pat_id}/reveal',
  auth: 'tenant',
  input: () => ({ pat_id: idArg('PAT id from agentruntime_pats_list.') }),
  annotations: WRITE,
});

export const patsReveal = defineTool({
  name: 'agentruntime_pats_reveal',
  title: 'Keep a PAT\'s token locally',
  description: 'Fetch a PAT\'s token (AgentRuntime reveals it once) into the local secret store, never into the result; agentruntime_inbound_webhooks_send then uses it for subscriptions created with this automation_pat_id.',
  toolset: 'agentruntime_tokens',
  input: () => ({ pat_id: idArg('PAT id from agentruntime_pats_list.') }),
  // Revealing uses up the one reveal: not idempotent, not read-only.
  annotations: WRITE,
  async run(args, ctx) {
    const res = await requestFor(revealRequest, args, ctx);
    const body = (res.json ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : undefined;
    if (!token) return okResult({ ...(withoutSecrets(body) as Record<string, unknown>), stored: false }, `AgentRuntime revealed no token for PAT ${args.pat_id}.`);
    const file = await ctx.secrets.put({ kind: 'pat', pat_id: args.pat_id, token, created_at: new Date().toISOString() });
    return okResult({ ...(withoutSecrets(body) as Record<string, unknown>), pat_id: args.pat_id, stored: { token: { kept_at: file, mode: '0600', used_by: 'agentruntime_inbound_webhooks_send' } } }, `PAT ${args.pat_id}'s token is stored locally (never shown).`);
  },
});

export const patEndpoints = [patsList, patsCreate, patsReveal, patsRevoke];
