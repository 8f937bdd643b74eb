import type { z } from 'zod';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { HttpResponse } from '../../../core/http-client.js';
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

export type Args = Record<string, unknown>;

/**
 * One documented endpoint, declared once. Everything the server needs to expose
 * it as an MCP tool and to call it is here; the executor is generic.
 */
export interface EndpointDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  /** LLM-facing: when to use it, what it costs, what to call next. */
  description: string;
  toolset: Toolset;
  method: 'GET' | 'POST';
  origin: Origin;
  /** Path template; `{arg}` placeholders are filled from the argument of that name, validated and encoded. */
  path: string;
  auth: AuthKind;
  /** Required when auth is 'wallet'. */
  signing?: SigningSpec;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  /** Arguments sent as query parameters. */
  query?: readonly string[];
  /** Arguments sent as request headers: argument name -> header name. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Which account bearer form to send when both are configured. Default: the opaque token
   * first. 'legacy_first': `base64(api_key:budget_key)` when both keys are set (the form the
   * seed shows on the workflow-schedules routes), the opaque token otherwise.
   */
  bearer?: 'legacy_first';
  /** Body field acting as an idempotency key: a POST carrying it may be retried. */
  idempotencyKey?: string;
  /** Keep the platform's connection instance id and echo it back (x-instance-id). */
  instanceId?: boolean;
  /** Statuses handed to `present` instead of being turned into an error. */
  acceptStatus?: readonly number[];
  /** Adjusts the validated arguments before the request (e.g. mints a request id). */
  prepare?(args: z.infer<z.ZodObject<Shape>>, ctx: RuntimeContext): z.infer<z.ZodObject<Shape>>;
  /** Builds the JSON body from the arguments left after path, query and header arguments. */
  body?: (rest: Args) => Args;
  /**
   * For an endpoint whose call needs more than the generic request (wallet_create keeps the
   * new key; marketplace_invoke pays): runs instead of it, with the same context and client.
   */
  run?(args: z.infer<z.ZodObject<Shape>>, ctx: RuntimeContext): Promise<CallToolResult>;
  /** Shapes a successful response into the tool result; the default passes the platform's JSON through. */
  present?(res: HttpResponse, args: z.infer<z.ZodObject<Shape>>, ctx: RuntimeContext): CallToolResult;
}

export type AnyDeclaration = EndpointDeclaration<z.ZodRawShape>;

/** What a composite tool relies on (doctor and the docs name it): it makes no request of its own. */
export type Need = 'account' | 'wallet' | 'ledger' | 'catalog';

/**
 * A tool that is not one endpoint: it combines other declarations (as values) or
 * reads local state (the ledger, the cached catalog). No HTTP fields to fake.
 */
export interface CompositeDeclaration<Shape extends z.ZodRawShape = z.ZodRawShape> {
  kind: 'composite';
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  needs: readonly Need[];
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  run(args: z.infer<z.ZodObject<Shape>>, ctx: RuntimeContext): Promise<CallToolResult>;
}

export type AnyComposite = CompositeDeclaration<z.ZodRawShape>;
/** Every tool the platform serves. */
export type AnyTool = AnyDeclaration | AnyComposite;

/** One endpoint, its argument types kept inside while the catalog stays a plain list (method syntax makes that sound without a cast). */
export function defineEndpoint<Shape extends z.ZodRawShape>(d: EndpointDeclaration<Shape>): AnyDeclaration {
  return d;
}

export function defineTool<Shape extends z.ZodRawShape>(d: Omit<CompositeDeclaration<Shape>, 'kind'>): AnyComposite {
  return { kind: 'composite', ...d };
}

export const isEndpoint = (t: AnyTool): t is AnyDeclaration => !('kind' in t);
/** Whether a tool signs with the agent wallet (its own requests, or the ones it makes). */
export const usesWallet = (t: AnyTool): boolean => (isEndpoint(t) ? t.auth === 'wallet' : t.needs.includes('wallet'));
