import type { z } from 'zod';
import type { CompositeSpecOf, Declared, EndpointSpecOf } from '../../../core/declarations.js';
import { lazyInput } from '../../../core/declarations.js';
import type { RuntimeContext } from '../context.js';

export type AuthKind = 'none' | 'account' | 'wallet';

/**
 * How a wallet-signed call is bound into the signed message (contracts §2 table).
 * `product` names the argument holding the id (null → '-'); `payload` lists the
 * body fields hashed (null → empty payload line).
 */
export type SigningSpec =
  | { shape: 'scoped'; action: string; product: string | null; payload: readonly string[] | null }
  | { shape: 'invoke'; productArg: string; actionArg: string; parametersArg: string };
export type Origin = 'api' | 'web';
export type Toolset = 'account' | 'marketplace' | 'payments' | 'wallet' | 'workflows' | 'schedules' | 'jobs' | 'embed' | 'platform' | 'hosted';

export type { Args } from '../../../core/declarations.js';

/** One documented AgentPMT endpoint, declared once (the core's shape, plus how AgentPMT signs and authenticates it). */
export interface EndpointDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> extends EndpointSpecOf<Shape, RuntimeContext, Toolset, Origin, AuthKind> {
  method: 'GET' | 'POST';
  /** Required when auth is 'wallet'. */
  signing?: SigningSpec;
  /**
   * Which account bearer form to send when both are configured. Default: the opaque token
   * first. 'legacy_first': `base64(api_key:budget_key)` when both keys are set (the form the
   * seed shows on the workflow-schedules routes), the opaque token otherwise.
   */
  bearer?: 'legacy_first';
  /** Keep the platform's connection instance id and echo it back (x-instance-id). */
  instanceId?: boolean;
}

export type AnyDeclaration = EndpointDeclaration<z.ZodRawShape>;

/** What a composite tool relies on (doctor and the docs name it): it makes no request of its own. */
export type Need = 'account' | 'wallet' | 'ledger' | 'catalog';

/**
 * A tool that is not one endpoint: it combines other declarations (as values) or
 * reads local state (the ledger, the cached catalog). No HTTP fields to fake.
 */
export interface CompositeDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> extends CompositeSpecOf<Shape, RuntimeContext, Toolset> {
  needs: readonly Need[];
}

export type AnyComposite = CompositeDeclaration<z.ZodRawShape>;
/** Every tool the platform serves. */
export type AnyTool = AnyDeclaration | AnyComposite;

/** One endpoint, its argument types kept inside while the catalog stays a plain list (method syntax makes that sound without a cast). */
export function defineEndpoint<Shape extends z.ZodRawShape>(d: Declared<EndpointDeclaration<Shape>>): AnyDeclaration {
  return lazyInput<EndpointDeclaration<Shape>>(d);
}

export function defineTool<Shape extends z.ZodRawShape>(d: Declared<Omit<CompositeDeclaration<Shape>, 'kind'>>): AnyComposite {
  return lazyInput<CompositeDeclaration<Shape>>({ kind: 'composite', ...d });
}

export const isEndpoint = (t: AnyTool): t is AnyDeclaration => !('kind' in t);
/** Whether a tool signs with the agent wallet (its own requests, or the ones it makes). */
export const usesWallet = (t: AnyTool): boolean => (isEndpoint(t) ? t.auth === 'wallet' : t.needs.includes('wallet'));
