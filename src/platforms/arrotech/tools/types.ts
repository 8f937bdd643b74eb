import type { z } from 'zod';
import type { CompositeSpecOf, Declared, EndpointSpecOf } from '../../../core/declarations.js';
import { lazyInput } from '../../../core/declarations.js';
import type { ArrotechContext } from '../context.js';

export type Toolset = 'arrotech_connections' | 'arrotech_conversations' | 'arrotech_workflows' | 'arrotech_agents' | 'arrotech_templates' | 'arrotech_mcp' | 'arrotech_diagnostics';

/** 'bearer': the API key or the managed login's JWT; 'none': routes the platform serves without auth. */
export type AuthKind = 'bearer' | 'none';

export type { Args } from '../../../core/declarations.js';

/** One Arrotech Hub operation, declared once: what the model sees and how to call it (Arrotech has one origin). */
export interface EndpointDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> extends EndpointSpecOf<Shape, ArrotechContext, Toolset, 'api', AuthKind> {
  /** What to do when the platform answers 200 with `success: false`. */
  onReportedFailure?: string;
  /** Credential or token previews the platform echoes: replaced before the model sees the answer. */
  redact?: boolean;
}

export type AnyDeclaration = EndpointDeclaration<z.ZodRawShape>;

/** A tool that combines declarations (referenced as values) rather than being one request. */
export type CompositeDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> = CompositeSpecOf<Shape, ArrotechContext, Toolset>;

export type AnyComposite = CompositeDeclaration<z.ZodRawShape>;
export type AnyTool = AnyDeclaration | AnyComposite;

export function defineEndpoint<Shape extends z.ZodRawShape>(d: Declared<EndpointDeclaration<Shape>>): AnyDeclaration {
  return lazyInput<EndpointDeclaration<Shape>>(d);
}

export function defineTool<Shape extends z.ZodRawShape>(d: Declared<Omit<CompositeDeclaration<Shape>, 'kind'>>): AnyComposite {
  return lazyInput<CompositeDeclaration<Shape>>({ kind: 'composite', ...d });
}

export const isEndpoint = (t: AnyTool): t is AnyDeclaration => !('kind' in t);
