import { createExecutor } from '../../core/executor.js';
import type { HttpRequest } from '../../core/http-client.js';
import { requireAccountBearer } from './auth.js';
import type { RuntimeContext } from './context.js';
import { normalizePlatformError } from './errors.js';
import { sendSigned } from './signed.js';
import type { AnyComposite, AnyDeclaration } from './tools/types.js';

/**
 * AgentPMT's seams into the core executor: two origins, three auth schemes
 * (none, the account bearer — opaque or legacy keys — and wallet-signed), its
 * error normalizer, and the connection instance id some endpoints echo.
 */
export const { requestFor, execute } = createExecutor<RuntimeContext, AnyDeclaration, AnyComposite>({
  origin: (name, ctx) => (name === 'api' ? ctx.config.apiUrl : ctx.config.webUrl),
  async send(decl, req, call, ctx) {
    if (decl.auth === 'wallet') return sendSigned(decl, call.args, req.origin, req.path, call.body ?? {}, ctx);
    const headers: Record<string, string> = { ...req.headers };
    if (decl.auth === 'account') headers.authorization = `Bearer ${requireAccountBearer(ctx.config, decl.name, decl.bearer ?? 'opaque_first')}`;
    if (decl.instanceId && ctx.instance.id) headers['x-instance-id'] = ctx.instance.id;
    const res = await ctx.http.request({ ...req, headers } satisfies HttpRequest);
    if (decl.instanceId) {
      const fromBody = (res.json as { instance_id?: unknown } | undefined)?.instance_id;
      const id = typeof fromBody === 'string' && fromBody ? fromBody : res.headers['x-instance-id'];
      if (id) ctx.instance.id = id;
    }
    return res;
  },
  normalizeError: normalizePlatformError,
  // A signed request always carries a JSON body: the signature covers it.
  alwaysBody: (decl) => decl.auth === 'wallet',
  enrich(structured, decl, ctx) {
    if (decl.instanceId && ctx.instance.id && structured.instance_id === undefined) structured.instance_id = ctx.instance.id;
  },
});
