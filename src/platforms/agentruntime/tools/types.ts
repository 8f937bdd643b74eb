import type { z } from 'zod';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { HttpMethod, HttpResponse } from '../../../core/http-client.js';
import type { ArContext } from '../context.js';

export type ArToolset =
  | 'agentruntime_workflows'
  | 'agentruntime_runs'
  | 'agentruntime_webhooks'
  | 'agentruntime_connections'
  | 'agentruntime_mcp'
  | 'agentruntime_tokens'
  | 'agentruntime_billing'
  | 'agentruntime_analytics'
  | 'agentruntime_memory'
  | 'agentruntime_agents'
  | 'agentruntime_principals';

/**
 * Which headers a call carries besides the PAT: `project` adds X-Tenant-Id and
 * X-Project-Id (both settings required), `tenant` only X-Tenant-Id; `ingress` is
 * the public webhook ingress: no tenant headers (the subscription names them), an
 * HMAC signature of the exact body sent.
 */
export type ArScope = 'project' | 'tenant' | 'ingress';

export type Args = Record<string, unknown>;

/** One AgentRuntime endpoint, declared once; the core executor builds and sends it. */
export interface ArEndpoint<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  /** LLM-facing: when to use it, what it needs, what to call next. */
  description: string;
  toolset: ArToolset;
  method: HttpMethod;
  origin: 'api';
  path: string;
  auth: ArScope;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  query?: readonly string[];
  idempotencyKey?: string;
  acceptStatus?: readonly number[];
  prepare?(args: z.infer<z.ZodObject<Shape>>, ctx: ArContext): z.infer<z.ZodObject<Shape>>;
  body?: (rest: Args) => Args;
  run?(args: z.infer<z.ZodObject<Shape>>, ctx: ArContext): Promise<CallToolResult>;
  present?(res: HttpResponse, args: z.infer<z.ZodObject<Shape>>, ctx: ArContext): CallToolResult;
}

/** A tool that combines endpoints (referenced as values) or reads local state. */
export interface ArComposite<Shape extends z.ZodRawShape = z.ZodRawShape> {
  kind: 'composite';
  name: string;
  title: string;
  description: string;
  toolset: ArToolset;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  run(args: z.infer<z.ZodObject<Shape>>, ctx: ArContext): Promise<CallToolResult>;
}

export type AnyArEndpoint = ArEndpoint<z.ZodRawShape>;
export type AnyArComposite = ArComposite<z.ZodRawShape>;
export type AnyArTool = AnyArEndpoint | AnyArComposite;

export function defineEndpoint<Shape extends z.ZodRawShape>(d: ArEndpoint<Shape>): AnyArEndpoint {
  return d;
}

export function defineTool<Shape extends z.ZodRawShape>(d: Omit<ArComposite<Shape>, 'kind'>): AnyArComposite {
  return { kind: 'composite', ...d };
}

// Annotation sets, named once so every declaration says what it is in one word.
export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
export const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
export const REPLACE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
export const DESTROY = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } as const;
