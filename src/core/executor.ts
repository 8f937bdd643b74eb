import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fail, ToolFailureError, type FailureContext, type ToolFailure } from './errors.js';
import type { HttpMethod, HttpRequest, HttpResponse } from './http-client.js';
import { errorResult, okResult, type NextCall } from './results.js';
import { log } from './log.js';

export type Args = Record<string, unknown>;

/** The HTTP part of a tool that is one platform request (what the executor needs to build it). */
export interface EndpointSpec {
  name: string;
  title: string;
  method: HttpMethod;
  /** A name the platform maps to a base URL. */
  origin: string;
  /** Path template; `{arg}` placeholders are filled from the argument of that name, validated and encoded. */
  path: string;
  /** A name the platform maps to an auth scheme. */
  auth: string;
  query?: readonly string[];
  headers?: Readonly<Record<string, string>>;
  idempotencyKey?: string;
  acceptStatus?: readonly number[];
  body?: (rest: Args) => Args;
  annotations: { idempotentHint?: boolean };
}

/** A tool: one request (the endpoint spec) or code of its own (`run`), with optional argument and result shaping. */
export interface ToolSpec<Ctx> extends EndpointSpec {
  prepare?: (args: never, ctx: Ctx) => unknown;
  run?: (args: never, ctx: Ctx) => Promise<CallToolResult>;
  present?: (res: HttpResponse, args: never, ctx: Ctx) => CallToolResult;
  next?: (data: Record<string, unknown>, args: never) => NextCall[];
  summary?: (data: Record<string, unknown>, args: never) => string | undefined;
}

/** What a declaration says about its own answer, for the generic presenter. */
export type DeclaredHints = Pick<ToolSpec<never>, 'next' | 'summary'>;

/**
 * The result of a tool without a presenter: the declaration's own summary and next calls
 * when it has them, else the generic summary. A hint that trips over an unexpected answer
 * shape costs the hint, never the platform's (successful) answer.
 */
export function declaredResult(decl: DeclaredHints, data: Record<string, unknown>, args: Args, fallback: string): CallToolResult {
  let summary: string | undefined;
  let next: NextCall[] = [];
  try {
    summary = decl.summary?.(data, args as never);
    next = decl.next?.(data, args as never) ?? [];
  } catch (err) {
    log.warn('a declared hint failed on this answer; the generic summary is used', { error: err instanceof Error ? err.message : String(err) });
  }
  return okResult(data, summary ?? fallback, next);
}

/** A tool that is not one request: it runs its own code (other declarations, local state). */
export interface CompositeSpec<Ctx> {
  kind: 'composite';
  name: string;
  run(args: never, ctx: Ctx): Promise<CallToolResult>;
}

/** The four seams a platform gives the executor; everything else here knows no platform. */
export interface PlatformSeams<Ctx, D extends EndpointSpec> {
  /** The base URL of a named origin. */
  origin(name: string, ctx: Ctx): string;
  /** Sends one request through the declaration's auth scheme and the one HTTP client: the only way out to the platform. */
  send(decl: D, req: HttpRequest, call: { args: Args; body: Args | undefined }, ctx: Ctx): Promise<HttpResponse>;
  /** The platform's error answers in the one error model; the tool decides the next step too. */
  normalizeError(status: number, body: unknown, retryAfterSeconds: number | undefined, context: FailureContext): ToolFailure;
  /** Whether a POST carries a JSON body even when no argument is left for it (signed requests hash one). */
  alwaysBody?(decl: D): boolean;
  /** Adds platform data to the default result of a one-request tool. */
  enrich?(structured: Record<string, unknown>, decl: D, ctx: Ctx): void;
}
const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/gi;

export function pathParamsOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** A path template filled from arguments: each `{arg}` validated and percent-encoded (the one place request paths are built). */
export function fillPath(template: string, args: Args): string {
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

/** Turns one declaration plus validated arguments into one request, and its answer into one tool result. */
export function createExecutor<Ctx extends { signal?: AbortSignal }, D extends ToolSpec<Ctx>, C extends CompositeSpec<Ctx> = CompositeSpec<Ctx>>(seams: PlatformSeams<Ctx, D>) {
  function defaultPresent(decl: D, res: HttpResponse, args: Args, ctx: Ctx): CallToolResult {
    const structured: Record<string, unknown> =
      res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json)
        ? { ...(res.json as Record<string, unknown>) }
        : res.kind === 'json'
          ? { data: res.json }
          : { content_type: res.contentType, body: res.text };
    seams.enrich?.(structured, decl, ctx);
    return declaredResult(decl, structured, args, `${decl.title}: ${describeData(structured)}.`);
  }

  /**
   * Sends the one platform request a declaration describes and returns the
   * response; an HTTP error (outside `acceptStatus`) is thrown as a ToolFailureError.
   * Composite tools call this too: there is no second HTTP path.
   */
  async function requestFor(decl: D, args: Args, ctx: Ctx): Promise<HttpResponse> {
    const started = Date.now();
    const consumed = new Set<string>([...pathParamsOf(decl.path), ...(decl.query ?? []), ...Object.keys(decl.headers ?? {})]);
    const headers: Record<string, string> = {};
    for (const [arg, header] of Object.entries(decl.headers ?? {})) {
      const v = args[arg];
      if (v !== undefined && v !== null) headers[header] = String(v);
    }
    let body: Args | undefined;
    // GET and DELETE carry no body; every other argument of a POST, PUT or PATCH goes into its JSON body.
    if (decl.method === 'POST' || decl.method === 'PUT' || decl.method === 'PATCH') {
      const rest = dropUndefined(Object.fromEntries(Object.entries(args).filter(([k]) => !consumed.has(k))));
      const shaped = decl.body ? decl.body(rest) : rest;
      body = Object.keys(shaped).length > 0 || decl.body || seams.alwaysBody?.(decl) ? shaped : undefined;
    }
    const idempotent = decl.method === 'GET' || decl.annotations.idempotentHint === true || (decl.idempotencyKey !== undefined && args[decl.idempotencyKey] !== undefined);
    const req: HttpRequest = {
      origin: seams.origin(decl.origin, ctx),
      method: decl.method,
      path: fillPath(decl.path, args) + queryString(decl.query, args),
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      idempotent,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    };
    const res = await seams.send(decl, req, { args, body }, ctx);
    log.debug('platform request', { tool: decl.name, status: res.status, ms: Date.now() - started });
    if (res.status >= 400 && !decl.acceptStatus?.includes(res.status)) {
      throw new ToolFailureError(seams.normalizeError(res.status, res.json ?? res.text, res.retryAfterSeconds, { tool: decl.name }));
    }
    return res;
  }

  /** One declaration plus validated arguments → one tool result; every failure ends up in the single error model. */
  function execute(tool: D | C, rawArgs: Args, ctx: Ctx): Promise<CallToolResult> {
    if ('kind' in tool && tool.kind === 'composite') return asToolResult(tool.name, () => tool.run(rawArgs as never, ctx));
    const decl = tool as D;
    return asToolResult(decl.name, async () => {
      const args = (decl.prepare ? decl.prepare(rawArgs as never, ctx) : rawArgs) as Args;
      if (decl.run) return decl.run(args as never, ctx);
      const res = await requestFor(decl, args, ctx);
      if (res.status >= 200 && res.status < 300 && res.kind === 'empty' && !decl.present) {
        return declaredResult(decl, { status: res.status }, args, `${decl.title}: HTTP ${res.status} (no body).`);
      }
      return decl.present ? decl.present(res, args as never, ctx) : defaultPresent(decl, res, args, ctx);
    });
  }

  return { requestFor, execute };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A one-line account of a platform answer for tools without a presenter of their own:
 * how many items a listing holds and its first few plain values, so the summary says
 * something ("3 items, total 12") rather than "HTTP 200".
 */
export function describeData(structured: Record<string, unknown>): string {
  const payload = isRecord(structured.data) ? structured.data : structured;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(payload)) {
    if (Array.isArray(v)) parts.push(`${v.length} ${k}`);
    if (parts.length >= 1) break;
  }
  for (const [k, v] of Object.entries(payload)) {
    if (parts.length >= 5) break;
    if (k === 'success' || v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean') parts.push(`${k} ${String(v)}`);
    else if (typeof v === 'string' && v.length <= 60 && !/\n/.test(v)) parts.push(`${k} ${v}`);
  }
  return parts.length ? parts.join(', ') : 'done';
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
