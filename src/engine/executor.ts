import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AnyDeclaration, Args } from '../catalog/types.js';
import type { RuntimeContext } from './context.js';
import { requireAccountBearer } from './auth.js';
import { normalizePlatformError, ToolFailureError, fail } from './errors.js';
import type { HttpResponse } from './http-client.js';
import { errorResult, okResult } from './results.js';
import { log } from '../log.js';
import { sendSigned } from './signed.js';

const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/gi;

export function pathParamsOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

function fillPath(template: string, args: Args): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = args[name];
    if (typeof value !== 'string' || value === '') {
      fail({ code: 'invalid_argument', message: `${name} is required.`, next_step: `Pass ${name} and call again.` });
    }
    return encodeURIComponent(value);
  });
}

function queryString(names: readonly string[] | undefined, args: Args): string {
  if (!names) return '';
  const q = new URLSearchParams();
  for (const n of names) {
    const v = args[n];
    if (v !== undefined && v !== null) q.set(n, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function dropUndefined(obj: Args): Args {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function rememberInstance(res: HttpResponse, ctx: RuntimeContext): void {
  const fromBody = (res.json as { instance_id?: unknown } | undefined)?.instance_id;
  const id = typeof fromBody === 'string' && fromBody ? fromBody : res.headers['x-instance-id'];
  if (id) ctx.instance.id = id;
}

function defaultPresent(decl: AnyDeclaration, res: HttpResponse, ctx: RuntimeContext): CallToolResult {
  const structured: Record<string, unknown> =
    res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json)
      ? { ...(res.json as Record<string, unknown>) }
      : res.kind === 'json'
        ? { data: res.json }
        : { content_type: res.contentType, body: res.text };
  if (decl.instanceId && ctx.instance.id && structured.instance_id === undefined) structured.instance_id = ctx.instance.id;
  return okResult(structured, `${decl.title}: HTTP ${res.status}.`);
}

/**
 * Sends the one platform request a declaration describes and returns the
 * response; an HTTP error (outside `acceptStatus`) is thrown as a ToolFailureError.
 * Higher-level tools (workflow_run) call this too: there is no second HTTP path.
 */
export async function requestFor(decl: AnyDeclaration, args: Args, ctx: RuntimeContext): Promise<HttpResponse> {
  const started = Date.now();
  const consumed = new Set<string>([...pathParamsOf(decl.path), ...(decl.query ?? []), ...Object.keys(decl.headers ?? {})]);
  const headers: Record<string, string> = {};
  if (decl.auth === 'account') headers.authorization = `Bearer ${requireAccountBearer(ctx.config, decl.name, decl.bearer ?? 'opaque_first')}`;
  if (decl.instanceId && ctx.instance.id) headers['x-instance-id'] = ctx.instance.id;
  for (const [arg, header] of Object.entries(decl.headers ?? {})) {
    const v = args[arg];
    if (v !== undefined && v !== null) headers[header] = String(v);
  }
  let bodyObject: Args | undefined;
  if (decl.method === 'POST') {
    const rest = dropUndefined(Object.fromEntries(Object.entries(args).filter(([k]) => !consumed.has(k))));
    const shaped = decl.body ? decl.body(rest) : rest;
    bodyObject = Object.keys(shaped).length > 0 || decl.body || decl.auth === 'wallet' ? shaped : undefined;
  }
  const origin = decl.origin === 'api' ? ctx.config.apiUrl : ctx.config.webUrl;
  const path = fillPath(decl.path, args) + queryString(decl.query, args);
  const idempotent = decl.method === 'GET' || decl.annotations.idempotentHint === true || (decl.idempotencyKey !== undefined && args[decl.idempotencyKey] !== undefined);
  const res =
    decl.auth === 'wallet'
      ? await sendSigned(decl, args, origin, path, bodyObject ?? {}, ctx)
      : await ctx.http.request({
          origin,
          method: decl.method,
          path,
          headers,
          ...(bodyObject !== undefined ? { body: JSON.stringify(bodyObject) } : {}),
          idempotent,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
  if (decl.instanceId) rememberInstance(res, ctx);
  log.debug('platform request', { tool: decl.name, status: res.status, ms: Date.now() - started });
  if (res.status >= 400 && !decl.acceptStatus?.includes(res.status)) {
    throw new ToolFailureError(normalizePlatformError(res.status, res.json ?? res.text, res.retryAfterSeconds));
  }
  return res;
}

/** Runs `fn`, turning any failure into the single error model; nothing unexpected (no stack) reaches the model. */
export async function asToolResult(name: string, fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ToolFailureError) {
      log.info('tool call failed', { tool: name, code: err.failure.code, status: err.failure.status });
      return errorResult(err.failure);
    }
    log.error('unexpected tool failure', { tool: name, error: err instanceof Error ? err.message : String(err) });
    return errorResult({ code: 'internal_error', message: `agentpmt-mcp hit an unexpected error while running ${name}.`, next_step: 'Retry once; if it happens again, report it with the server log.' });
  }
}

/**
 * Turns one declaration plus validated arguments into one platform request and
 * one tool result. Every failure ends up in the single error model.
 */
export function execute(decl: AnyDeclaration, rawArgs: Args, ctx: RuntimeContext): Promise<CallToolResult> {
  return asToolResult(decl.name, async () => {
    const args: Args = decl.prepare ? (decl.prepare(rawArgs, ctx) as Args) : rawArgs;
    if (decl.run) return decl.run(args, ctx);
    const res = await requestFor(decl, args, ctx);
    if (res.status >= 200 && res.status < 300 && res.kind === 'empty' && !decl.present) {
      return okResult({ status: res.status }, `${decl.title}: HTTP ${res.status} (no body).`);
    }
    return decl.present ? decl.present(res, args, ctx) : defaultPresent(decl, res, ctx);
  });
}
