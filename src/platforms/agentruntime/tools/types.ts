import type { z } from 'zod';
import type { CompositeSpecOf, Declared, EndpointSpecOf } from '../../../core/declarations.js';
import { lazyInput } from '../../../core/declarations.js';
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

export type { Args } from '../../../core/declarations.js';

/** One AgentRuntime endpoint, declared once; the core executor builds and sends it (one origin; auth is the header scope). */
export type ArEndpoint<Shape extends z.ZodRawShape = z.ZodRawShape> = EndpointSpecOf<Shape, ArContext, ArToolset, 'api', ArScope>;

/** A tool that combines endpoints (referenced as values) or reads local state. */
export type ArComposite<Shape extends z.ZodRawShape = z.ZodRawShape> = CompositeSpecOf<Shape, ArContext, ArToolset>;

export type AnyArEndpoint = ArEndpoint<z.ZodRawShape>;
export type AnyArComposite = ArComposite<z.ZodRawShape>;
export type AnyArTool = AnyArEndpoint | AnyArComposite;

export function defineEndpoint<Shape extends z.ZodRawShape>(d: Declared<ArEndpoint<Shape>>): AnyArEndpoint {
  return lazyInput<ArEndpoint<Shape>>(d);
}

export function defineTool<Shape extends z.ZodRawShape>(d: Declared<Omit<ArComposite<Shape>, 'kind'>>): AnyArComposite {
  return lazyInput<ArComposite<Shape>>({ kind: 'composite', ...d });
}

export { READ, WRITE, REPLACE, DESTROY } from '../../../core/declarations.js';
