import type { Args, SigningSpec } from './tools/types.js';
import { log } from '../../core/log.js';
import { buildSignedMessage } from './wallet/message.js';
import { invokePath, pickPayload, type InvokePathVariant, type SigningScope } from './wallet/scope.js';

/**
 * How a signed message is built where contracts §2 had to decide for the docs:
 * omitted optional fields left out of the hashed object (decided) or hashed as
 * null (a server hashing its model); the invoke path without or with `/api`;
 * the hash in lowercase or uppercase hex. Learned from the platform's own
 * `expected_message`, remembered per origin and endpoint for the process.
 */
export interface SigningConvention {
  omitted: 'absent' | 'null';
  path: InvokePathVariant;
  hash: 'hex' | 'HEX';
}

export const DECIDED: Readonly<SigningConvention> = Object.freeze({ omitted: 'absent', path: 'external', hash: 'hex' });

const learned = new Map<string, SigningConvention>();
const keyOf = (origin: string, tool: string) => `${origin} ${tool}`;

export function conventionFor(origin: string, tool: string): SigningConvention {
  return learned.get(keyOf(origin, tool)) ?? { ...DECIDED };
}

export function sameConvention(a: SigningConvention, b: SigningConvention): boolean {
  return a.omitted === b.omitted && a.path === b.path && a.hash === b.hash;
}

/** Remembers a convention the platform accepted after a learned retry, and says what was learned. */
export function rememberConvention(origin: string, tool: string, c: SigningConvention): void {
  const key = keyOf(origin, tool);
  const before = learned.get(key) ?? DECIDED;
  if (sameConvention(before, c)) return;
  learned.set(key, { ...c });
  log.info('learned the platform signing convention for this endpoint (kept for this process)', {
    tool,
    origin,
    omitted_optional_fields: c.omitted === 'null' ? 'hashed as null' : 'left out',
    invoke_path: c.path === 'api' ? '/api/external/...' : '/external/...',
    payload_hash: c.hash === 'HEX' ? 'uppercase hex' : 'lowercase hex',
  });
}

/** Test-only: forget everything learned. */
export function forgetConventions(): void {
  learned.clear();
}

/** The payload object of a scoped endpoint under a convention. */
export function payloadUnder(fields: readonly string[] | null, body: Args, omitted: SigningConvention['omitted']): Record<string, unknown> | null {
  if (fields === null || omitted === 'absent') return pickPayload(body, fields);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (Object.hasOwn(body, f) && body[f] !== undefined) out[f] = body[f];
    else if (omitted === 'null') out[f] = null;
  }
  return out;
}

export function scopeUnder(spec: SigningSpec, args: Args, body: Args, c: SigningConvention): SigningScope {
  if (spec.shape === 'invoke') {
    return {
      shape: 'path',
      method: 'POST',
      path: invokePath(String(args[spec.productArg]), String(args[spec.actionArg]), c.path),
      payload: (body[spec.parametersArg] as Record<string, unknown> | undefined) ?? {},
    };
  }
  return { shape: 'scoped', action: spec.action, product: spec.product === null ? '-' : String(args[spec.product]), payload: payloadUnder(spec.payload, body, c.omitted) };
}

export interface SignedAttempt {
  wallet: string;
  nonce: string;
  requestId: string;
  args: Args;
  body: Args;
}

export function messageUnder(spec: SigningSpec, a: SignedAttempt, c: SigningConvention): string {
  return buildSignedMessage({ wallet: a.wallet, sessionNonce: a.nonce, requestId: a.requestId, scope: scopeUnder(spec, a.args, a.body, c), hashEncoding: c.hash });
}

function candidates(spec: SigningSpec): SigningConvention[] {
  const out: SigningConvention[] = [];
  const omitted: SigningConvention['omitted'][] = spec.shape === 'scoped' && spec.payload?.length ? ['absent', 'null'] : ['absent'];
  const paths: InvokePathVariant[] = spec.shape === 'invoke' ? ['external', 'api'] : ['external'];
  for (const o of omitted) for (const p of paths) for (const h of ['hex', 'HEX'] as const) out.push({ omitted: o, path: p, hash: h });
  return out;
}

export function expectedMessageOf(json: unknown): string | undefined {
  const o = (json ?? {}) as { expected_message?: unknown; details?: { expected_message?: unknown } };
  const e = o.expected_message ?? o.details?.expected_message;
  return typeof e === 'string' ? e : undefined;
}

/**
 * The convention to retry with after a signature refusal, or undefined for
 * none. With `expected_message`: the one of our own candidate messages that
 * equals it (its text is compared, never signed). Without: the '/api' path
 * variant for invokes (the one alternative the contracts name), nothing else.
 */
export function conventionAfterRefusal(spec: SigningSpec, json: unknown, attempt: SignedAttempt, current: SigningConvention): SigningConvention | undefined {
  const expected = expectedMessageOf(json);
  if (expected === undefined) return spec.shape === 'invoke' && current.path !== 'api' ? { ...current, path: 'api' } : undefined;
  for (const c of candidates(spec)) {
    let text: string;
    try {
      text = messageUnder(spec, attempt, c);
    } catch {
      continue;
    }
    if (text === expected) return sameConvention(c, current) ? undefined : c;
  }
  log.warn('a signed call was refused and the platform expected a message none of our conventions builds; not retried', { spec: spec.shape === 'invoke' ? 'invoke' : spec.action });
  return undefined;
}
