import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createExecutor, declaredResult, describeData, pathParamsOf, type Args } from '../../core/executor.js';
import { ToolFailureError } from '../../core/errors.js';
import type { HttpRequest, HttpResponse } from '../../core/http-client.js';
import { log } from '../../core/log.js';
import { errorResult } from '../../core/results.js';
import { credentialStep } from './auth.js';
import type { ArrotechContext } from './context.js';
import { normalizeArrotechError, rateLimitFailure, reportedFailure } from './errors.js';
import { redactCredentials } from './redact.js';
import type { AnyComposite, AnyDeclaration, AnyTool, AuthKind } from './tools/types.js';

/**
 * Runs `send` with the declaration's auth: no header for public routes, else the bearer
 * (API key or login JWT). A 401 on a login token is retried once with a fresh login; a 429
 * becomes a failure naming the limit. Streams and plain requests both go through here.
 */
export async function authorized<T>(ctx: ArrotechContext, auth: AuthKind, send: (headers: Record<string, string>) => Promise<T>, statusOf: (r: T) => { status: number; res?: HttpResponse }): Promise<T> {
  if (auth === 'none') return checked(await send({}), statusOf, ctx);
  const bearer = await ctx.auth.bearer();
  let out = await send({ authorization: `Bearer ${bearer}` });
  if (statusOf(out).status === 401 && ctx.auth.rejected(bearer)) {
    out = await send({ authorization: `Bearer ${await ctx.auth.bearer()}` });
  }
  return checked(out, statusOf, ctx);
}

function checked<T>(out: T, statusOf: (r: T) => { status: number; res?: HttpResponse }, ctx: ArrotechContext): T {
  const { status, res } = statusOf(out);
  if (status === 429 && res) throw new ToolFailureError(rateLimitFailure(res));
  if (status === 401 && res) {
    const f = normalizeArrotechError(401, res.json ?? res.text, res.retryAfterSeconds);
    throw new ToolFailureError({ ...f, next_step: credentialStep(ctx.auth.mode) });
  }
  return out;
}

/** FastAPI's answer for a path no route serves, as opposed to a route's own 404 ("Agent not found"). */
export const isRouteMiss = (res: HttpResponse) => res.status === 404 && (res.json as { detail?: unknown } | undefined)?.detail === 'Not Found';

const LEGACY_AGENTS = '/agents/agents/';

/**
 * The agents routes moved from /agents/agents/* (Public API 1.0.0) to /agents/*. We call
 * the current path; a deployment that still serves the old one answers its route-miss 404,
 * so the call is repeated once there (nothing ran: no route took it) and the process keeps
 * using the old prefix.
 */
async function sendWithAgentsFallback(req: HttpRequest, ctx: ArrotechContext, go: (req: HttpRequest) => Promise<HttpResponse>): Promise<HttpResponse> {
  if (!req.path.startsWith('/agents/')) return go(req);
  const legacy = { ...req, path: LEGACY_AGENTS + req.path.slice('/agents/'.length) };
  if (ctx.routes?.agentsLegacy) return go(legacy);
  const res = await go(req);
  if (!isRouteMiss(res)) return res;
  const old = await go(legacy);
  if (!isRouteMiss(old) && ctx.routes) {
    ctx.routes.agentsLegacy = true;
    log.info('arrotech: this deployment serves the agents routes under /agents/agents/ (Public API 1.0.0); using them from now on');
  }
  return old;
}

const core = createExecutor<ArrotechContext, AnyDeclaration, AnyComposite>({
  origin: (_name, ctx) => ctx.config.arrotechApiUrl,
  send: (decl, req, _call, ctx) =>
    sendWithAgentsFallback(req, ctx, (r) => authorized(ctx, decl.auth, (headers) => ctx.http.request({ ...r, headers: { ...r.headers, ...headers } }), (res) => ({ status: res.status, res }))),
  normalizeError: normalizeArrotechError,
});

/** Arrotech ids are integers in the Public API 1.0.0 reference and UUIDs on newer deployments: either goes into a path as text. */
function pathArgs(decl: AnyDeclaration, args: Args): Args {
  const names = pathParamsOf(decl.path);
  if (!names.some((n) => typeof args[n] === 'number')) return args;
  return { ...args, ...Object.fromEntries(names.filter((n) => typeof args[n] === 'number').map((n) => [n, String(args[n])])) };
}

/** The default answer: the platform's JSON (credential previews redacted where declared); `success: false` is a failure. */
export function presentJson(decl: AnyDeclaration, res: HttpResponse, args: Args): CallToolResult {
  let body: unknown = res.json;
  if (decl.redact) body = redactCredentials(body);
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && (body as { success?: unknown }).success === false) {
    const tool = (body as { tool?: unknown }).tool;
    return errorResult(reportedFailure(body as Record<string, unknown>, typeof tool === 'string' && tool ? `Tool ${tool}` : decl.title, decl.onReportedFailure ?? 'Read the error, fix what it names (arguments, a connection), then retry.'));
  }
  const structured: Record<string, unknown> =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : res.kind === 'json' ? { data: body } : res.kind === 'empty' ? { status: res.status } : { content_type: res.contentType, body: res.text };
  return declaredResult(decl, structured, args, `${decl.title}: ${describeData(structured)}.`);
}

/** One request for `decl` with validated arguments: the only way out to Arrotech Hub (composites use it too). */
export function requestFor(decl: AnyDeclaration, args: Args, ctx: ArrotechContext): Promise<HttpResponse> {
  return core.requestFor(decl, pathArgs(decl, args), ctx);
}

export function execute(tool: AnyTool, args: Args, ctx: ArrotechContext): Promise<CallToolResult> {
  if ('kind' in tool) return core.execute(tool, args, ctx);
  const decl: AnyDeclaration = tool.present || tool.run ? tool : { ...tool, present: (res, args) => presentJson(tool, res, args) };
  return core.execute(decl, pathArgs(tool, args), ctx);
}
