import { createHmac } from 'node:crypto';
import { fail } from '../../core/errors.js';
import { createExecutor } from '../../core/executor.js';
import type { ArContext } from './context.js';
import { normalizeArError } from './errors.js';
import type { AnyArComposite, AnyArEndpoint, ArScope } from './tools/types.js';

/** The PAT, or a missing_credential failure naming the setting, before any request is made. */
export function requireToken(ctx: Pick<ArContext, 'config'>, tool: string): string {
  const token = ctx.config.agentruntimeToken;
  if (token) return token;
  return fail({
    code: 'missing_credential',
    message: `${tool} needs an AgentRuntime personal access token, and none is configured.`,
    next_step: 'Ask the user to set AGENTRUNTIME_TOKEN (a pat_… token from the AgentRuntime Console → Settings → API keys) in the server settings and restart it.',
  });
}

/** X-Tenant-Id (and X-Project-Id on project-scoped calls), or a failure naming the missing setting. */
export function scopeHeaders(ctx: Pick<ArContext, 'config'>, scope: ArScope, tool: string): Record<string, string> {
  if (scope === 'ingress') return {};
  const { agentruntimeTenantId: tenant, agentruntimeProjectId: project } = ctx.config;
  if (!tenant) {
    fail({ code: 'missing_setting', message: `${tool} is scoped to an AgentRuntime tenant, and AGENTRUNTIME_TENANT_ID is not set.`, next_step: 'Ask the user to set AGENTRUNTIME_TENANT_ID (the tenant slug shown in the AgentRuntime Console) and restart the server.' });
  }
  // X-Project-Id goes along whenever it is set: only project-scoped calls require it.
  if (scope === 'tenant') return project ? { 'x-tenant-id': tenant, 'x-project-id': project } : { 'x-tenant-id': tenant };
  if (!project) {
    fail({ code: 'missing_setting', message: `${tool} is scoped to an AgentRuntime project, and AGENTRUNTIME_PROJECT_ID is not set.`, next_step: 'Ask the user to set AGENTRUNTIME_PROJECT_ID (the project id from the AgentRuntime Console) and restart the server.' });
  }
  return { 'x-tenant-id': tenant, 'x-project-id': project };
}

/** The documented ingress signature: `sha256=` + hex HMAC-SHA256 of the raw body, keyed by the subscription's signing secret. */
export function ingressSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** The ingress headers: the stored signing secret signs the exact bytes sent; the bearer is the subscription's automation PAT when we hold it. */
async function ingressHeaders(ctx: ArContext, tool: string, subscriptionId: unknown, body: string): Promise<Record<string, string>> {
  const id = String(subscriptionId);
  const stored = await ctx.secrets.webhook(id);
  if (!stored) {
    fail({
      code: 'signing_secret_unknown',
      message: `No signing secret is stored for inbound webhook subscription ${id}: AgentRuntime returns it only once, when the subscription is created, and it was not created through this server (or its state directory, ${ctx.secrets.dir}, changed).`,
      next_step: 'Create a subscription with agentruntime_inbound_webhooks_create (its secret is then stored here), and send to that one.',
    });
  }
  const automation = stored.automation_pat_id ? await ctx.secrets.pat(stored.automation_pat_id) : undefined;
  if (stored.automation_pat_id && !automation) {
    // The ingress takes only the subscription's automation PAT: sending AGENTRUNTIME_TOKEN would be a 401 that blames the wrong setting.
    fail({
      code: 'automation_token_unknown',
      message: `Subscription ${id} runs as automation PAT ${stored.automation_pat_id}, whose token is not stored here.`,
      next_step: `Fetch it into the local store with agentruntime_pats_reveal (pat_id "${stored.automation_pat_id}"), then send again; or create a subscription without automation_pat_id.`,
    });
  }
  return { authorization: `Bearer ${automation?.token ?? requireToken(ctx, tool)}`, 'x-agentruntime-signature': ingressSignature(stored.signing_secret, body) };
}

/** AgentRuntime's seams into the core executor: one origin, the PAT as bearer, tenant/project headers, the signed ingress, its error answers. */
export const { requestFor, execute } = createExecutor<ArContext, AnyArEndpoint, AnyArComposite>({
  origin: (_name, ctx) => ctx.config.agentruntimeApiUrl,
  async send(decl, req, call, ctx) {
    if (decl.auth === 'ingress') return ctx.http.request({ ...req, headers: { ...req.headers, ...(await ingressHeaders(ctx, decl.name, call.args.subscription_id, req.body ?? '')) } });
    // The token first: without it nothing else matters, and its error names the setting to add.
    const token = requireToken(ctx, decl.name);
    const headers = { ...req.headers, ...scopeHeaders(ctx, decl.auth, decl.name), authorization: `Bearer ${token}` };
    return ctx.http.request({ ...req, headers });
  },
  normalizeError: normalizeArError,
  // The ingress signs its body, so it always sends one (an empty payload is `{}`).
  alwaysBody: (decl) => decl.auth === 'ingress',
});
