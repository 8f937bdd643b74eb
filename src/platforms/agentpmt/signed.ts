import { randomUUID } from 'node:crypto';
import type { AnyDeclaration, Args, SigningSpec } from './tools/types.js';
import { buildSignedMessage } from './wallet/message.js';
import { invokePath, pickPayload, type InvokePathVariant, type SigningScope } from './wallet/scope.js';
import type { RuntimeContext } from './context.js';
import { fail } from '../../core/errors.js';
import type { HttpResponse } from '../../core/http-client.js';
import { log } from '../../core/log.js';

const NONCE_CODES = new Set(['EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID', 'EXTERNAL_SIGNATURE_SESSION_NONCE_EXPIRED']);
const VARIANT_CODES = new Set(['EXTERNAL_SIGNATURE_MALFORMED', 'EXTERNAL_SIGNATURE_WALLET_MISMATCH']);
const REPLAY_CODE = 'EXTERNAL_SIGNATURE_REQUEST_REPLAY';

export function platformCode(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  const detail = typeof o.detail === 'object' && o.detail !== null ? (o.detail as Record<string, unknown>) : {};
  return [o.code, o.error_code, detail.code, o.error].find((v): v is string => typeof v === 'string' && /^[A-Z0-9_]+$/.test(v));
}

function scopeFor(spec: SigningSpec, args: Args, body: Args, variant: InvokePathVariant): SigningScope {
  if (spec.shape === 'invoke') {
    return {
      shape: 'path',
      method: 'POST',
      path: invokePath(String(args[spec.productArg]), String(args[spec.actionArg]), variant),
      payload: (body[spec.parametersArg] as Record<string, unknown> | undefined) ?? {},
    };
  }
  return {
    shape: 'scoped',
    action: spec.action,
    product: spec.product === null ? '-' : String(args[spec.product]),
    payload: pickPayload(body, spec.payload),
  };
}

/**
 * Picks the message variant to retry with after a malformed/mismatch error.
 * Only variants we build ourselves are candidates; the server's expected_message
 * is used to choose among them, never signed as such.
 */
function variantAfterMismatch(spec: SigningSpec, json: unknown, tried: { wallet: string; nonce: string; requestId: string; args: Args; body: Args }): InvokePathVariant | undefined {
  if (spec.shape !== 'invoke') return undefined;
  const expected = (json as { expected_message?: unknown; details?: { expected_message?: unknown } } | undefined)?.expected_message ??
    (json as { details?: { expected_message?: unknown } } | undefined)?.details?.expected_message;
  const ours = buildSignedMessage({ wallet: tried.wallet, sessionNonce: tried.nonce, requestId: tried.requestId, scope: scopeFor(spec, tried.args, tried.body, 'api') });
  if (typeof expected === 'string') return expected === ours ? 'api' : undefined;
  return 'api';
}

/**
 * Sends one wallet-signed request: fresh request id per attempt, the cached
 * session nonce, EIP-191 signature; recovers once from an expired nonce, once
 * from a replay, once from a message-shape mismatch (contracts §2).
 */
export async function sendSigned(decl: AnyDeclaration, args: Args, origin: string, path: string, body: Args, ctx: RuntimeContext): Promise<HttpResponse> {
  const spec = decl.signing ?? fail({ code: 'internal_error', message: `${decl.name} has no signing scope.`, next_step: 'Report this bug.' });
  const wallet = await ctx.wallet.address();
  let variant: InvokePathVariant = 'external';
  let freshNonce = false;
  const retried = { nonce: false, replay: false, variant: false };
  for (;;) {
    const session = await ctx.sessions.get(wallet, { fresh: freshNonce, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    freshNonce = false;
    const requestId = randomUUID();
    let message: string;
    try {
      message = buildSignedMessage({ wallet, sessionNonce: session.nonce, requestId, scope: scopeFor(spec, args, body, variant) });
    } catch (err) {
      fail({ code: 'invalid_argument', message: `Cannot sign this request: ${(err as Error).message}.`, next_step: 'Fix the named value and call again.' });
    }
    const signature = await ctx.wallet.signMessage(message);
    const res = await ctx.http.request({
      origin,
      method: 'POST',
      path,
      body: JSON.stringify({ ...body, wallet_address: wallet, session_nonce: session.nonce, request_id: requestId, signature }),
      // A byte-identical resend would be refused as a replay; recovery below re-signs instead.
      idempotent: false,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const code = platformCode(res.json);
    if (res.status === 401 && code && NONCE_CODES.has(code) && !retried.nonce) {
      retried.nonce = true;
      ctx.sessions.invalidate(wallet, session.nonce);
      freshNonce = true;
      log.debug('session nonce rejected; refreshing', { tool: decl.name, code });
      continue;
    }
    if (res.status === 409 && code === REPLAY_CODE && !retried.replay) {
      retried.replay = true;
      log.debug('request id replay; re-signing with a new one', { tool: decl.name });
      continue;
    }
    if (res.status === 401 && code && VARIANT_CODES.has(code) && !retried.variant) {
      const next = variantAfterMismatch(spec, res.json, { wallet, nonce: session.nonce, requestId, args, body });
      if (next && next !== variant) {
        retried.variant = true;
        variant = next;
        log.debug('signature shape rejected; retrying with our own variant', { tool: decl.name, variant });
        continue;
      }
    }
    return res;
  }
}
