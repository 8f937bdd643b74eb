import type { z } from 'zod';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { HttpMethod, HttpResponse } from '../../../core/http-client.js';
import type { ArrotechContext } from '../context.js';

export type Toolset = 'arrotech_connections' | 'arrotech_conversations' | 'arrotech_workflows' | 'arrotech_agents' | 'arrotech_templates' | 'arrotech_mcp' | 'arrotech_diagnostics';

/** 'bearer': the API key or the managed login's JWT; 'none': routes the platform serves without auth. */
export type AuthKind = 'bearer' | 'none';

export type Args = Record<string, unknown>;

/** One Arrotech Hub operation, declared once: what the model sees and how to call it. */
export interface EndpointDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  /** LLM-facing: when to use it, what to call next. */
  description: string;
  toolset: Toolset;
  method: HttpMethod;
  /** Arrotech has one origin. */
  origin: 'api';
  path: string;
  auth: AuthKind;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  query?: readonly string[];
  /** What to do when the platform answers 200 with `success: false`. */
  onReportedFailure?: string;
  /** Credential or token previews the platform echoes: replaced before the model sees the answer. */
  redact?: boolean;
  body?: (rest: Args) => Args;
  prepare?(args: z.infer<z.ZodObject<Shape>>, ctx: ArrotechContext): z.infer<z.ZodObject<Shape>>;
  run?(args: z.infer<z.ZodObject<Shape>>, ctx: ArrotechContext): Promise<CallToolResult>;
  present?(res: HttpResponse, args: z.infer<z.ZodObject<Shape>>, ctx: ArrotechContext): CallToolResult;
}

export type AnyDeclaration = EndpointDeclaration<z.ZodRawShape>;

/** A tool that combines declarations (referenced as values) rather than being one request. */
export interface CompositeDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> {
  kind: 'composite';
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  run(args: z.infer<z.ZodObject<Shape>>, ctx: ArrotechContext): Promise<CallToolResult>;
}

export type AnyComposite = CompositeDeclaration<z.ZodRawShape>;
export type AnyTool = AnyDeclaration | AnyComposite;

export function defineEndpoint<Shape extends z.ZodRawShape>(d: EndpointDeclaration<Shape>): AnyDeclaration {
  return d;
}

export function defineTool<Shape extends z.ZodRawShape>(d: Omit<CompositeDeclaration<Shape>, 'kind'>): AnyComposite {
  return { kind: 'composite', ...d };
}

export const isEndpoint = (t: AnyTool): t is AnyDeclaration => !('kind' in t);
