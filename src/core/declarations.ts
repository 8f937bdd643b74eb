import type { z } from 'zod';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { HttpMethod, HttpResponse } from './http-client.js';
import type { NextCall } from './results.js';

export type Args = Record<string, unknown>;

/**
 * One documented endpoint as a tool, declared once (in the spirit of sentry-mcp's
 * defineTool): what the model sees and how the executor builds the request. A platform
 * names its own context, toolsets, origins and auth schemes, and may add fields.
 * Methods (not function properties) keep the argument types inside while a catalog
 * stays a plain list, without a cast.
 */
export interface EndpointSpecOf<Shape extends z.ZodRawShape, Ctx, Toolset extends string, Origin extends string, Auth extends string> {
  name: string;
  title: string;
  /** LLM-facing: when to use it, what it costs, what to call next. */
  description: string;
  toolset: Toolset;
  method: HttpMethod;
  /** A name the platform maps to a base URL. */
  origin: Origin;
  /** Path template; `{arg}` placeholders are filled from the argument of that name, validated and encoded. */
  path: string;
  /** A name the platform maps to an auth scheme. */
  auth: Auth;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  /** Arguments sent as query parameters. */
  query?: readonly string[];
  /** Arguments sent as request headers: argument name -> header name. */
  headers?: Readonly<Record<string, string>>;
  /** Body field acting as an idempotency key: a POST carrying it may be retried. */
  idempotencyKey?: string;
  /** Statuses handed to `present` instead of being turned into an error. */
  acceptStatus?: readonly number[];
  /** Adjusts the validated arguments before the request (e.g. mints a request id). */
  prepare?(args: z.infer<z.ZodObject<Shape>>, ctx: Ctx): z.infer<z.ZodObject<Shape>>;
  /** Builds the JSON body from the arguments left after path, query and header arguments. */
  body?: (rest: Args) => Args;
  /** Runs instead of the generic request, with the same context and client (an endpoint that pays, say). */
  run?(args: z.infer<z.ZodObject<Shape>>, ctx: Ctx): Promise<CallToolResult>;
  /** Shapes a successful response into the tool result; the default passes the platform's JSON through with a summary. */
  present?(res: HttpResponse, args: z.infer<z.ZodObject<Shape>>, ctx: Ctx): CallToolResult;
  /**
   * Without `present`: the calls that make sense after this answer (ids from it as arguments),
   * so a declaration guides the model without a presenter of its own. Reads the platform's JSON.
   */
  next?(data: Record<string, unknown>, args: z.infer<z.ZodObject<Shape>>): NextCall[];
  /** Without `present`: a one-line summary with real content (names, status, the new id); undefined keeps the generic one. */
  summary?(data: Record<string, unknown>, args: z.infer<z.ZodObject<Shape>>): string | undefined;
}

/** A tool that is not one request: it combines declarations (as values, never by name) or reads local state. */
export interface CompositeSpecOf<Shape extends z.ZodRawShape, Ctx, Toolset extends string> {
  kind: 'composite';
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  run(args: z.infer<z.ZodObject<Shape>>, ctx: Ctx): Promise<CallToolResult>;
}

/** A declaration as written: its argument shape may be a function, built on first use (lazyInput). */
export type Declared<T extends { input: z.ZodRawShape }> = Omit<T, 'input'> & { input: T['input'] | (() => T['input']) };

/**
 * Gives a declaration its argument shape on first use. A launch lists tools from listings
 * computed when the bundle is built and never needs the zod schemas of tools nobody calls;
 * building them all was most of the cost of loading a platform (zod clones a schema for every
 * .min(), .max() and .describe()), and the garbage collection that followed.
 */
export function lazyInput<T extends { input: z.ZodRawShape }>(d: Declared<T>): T {
  const build = d.input;
  if (typeof build !== 'function') return d as T;
  let shape: T['input'] | undefined;
  return Object.defineProperty(d, 'input', { get: () => (shape ??= build()), enumerable: true, configurable: true }) as unknown as T;
}

export const isComposite = <T extends object>(t: T): boolean => 'kind' in t && (t as { kind?: unknown }).kind === 'composite';

// Annotation sets, named once so every declaration says what it is in one word.
export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
export const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
export const REPLACE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
export const DESTROY = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } as const;
