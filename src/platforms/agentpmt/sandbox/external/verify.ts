/**
 * Server side of the wallet-signed request (contracts §2), written without the client's
 * wallet code: the sandbox rebuilds the message it expects from the received JSON and
 * recovers the signer with viem. If both sides shared one builder, a bug in it would
 * verify its own output and hide itself.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { recoverMessageAddress } from "viem";
import { Issues, missing, MSG, readJsonObjectBody } from "../fastapi.js";
import type { RequestContext } from "../http.js";
import { ADDRESS_RE, CONTROL_RE, externalError, MAX_ID_LENGTH } from "./common.js";
import type { InvokePathForm } from "./state.js";

export const MESSAGE_HEADER = "agentpmt-external";

/** What the `action:`/`product:` or `method:`/`path:` lines and the payload bind a request to. */
export type VerifyScope =
  | { shape: "scoped"; action: string; product: string; payload: Record<string, unknown> | null }
  | { shape: "invoke"; productSlug: string; actionSlug: string; payload: Record<string, unknown> };

export interface SignedFields {
  /** Lowercased. */
  wallet: string;
  sessionNonce: string;
  requestId: string;
  signature: string;
}

const SIGNATURE_RE = /^0x[0-9a-fA-F]{130}$/;
const PATH_FORMS: readonly InvokePathForm[] = ["external", "api"];
const ACCEPTED_HASH_FORMS = ["sha256_hex(rfc8785_jcs(payload))"];

/** Lowercase hex SHA-256 of the RFC 8785 text of `payload`; '' for the endpoints whose payload line is empty. */
export function payloadHashOf(payload: Record<string, unknown> | null): string {
  if (payload === null) return "";
  const text = canonicalize(payload);
  if (text === undefined) throw new Error("payload has no JSON representation");
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The payload object of a scoped endpoint. 'absent' (decided, contracts §2): exactly those
 * `fields` the body carries (JSON has no undefined: present means carried, null included).
 * 'null' (a variant): every listed field, an omitted one as null, as a server hashing its model would.
 */
export function carriedFields(body: Record<string, unknown>, fields: readonly string[], omitted: "absent" | "null" = "absent"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (Object.hasOwn(body, f)) out[f] = body[f];
    else if (omitted === "null") out[f] = null;
  }
  return out;
}

/** The omitted-field convention this sandbox plays. */
export function omittedConvention(ctx: RequestContext): "absent" | "null" {
  return ctx.state.external.config.variant.omittedFields;
}

export function invokeSignedPath(productSlug: string, actionSlug: string, form: InvokePathForm): string {
  return `${form === "api" ? "/api" : ""}/external/tools/${encodeURIComponent(productSlug)}/actions/${encodeURIComponent(actionSlug)}/invoke`;
}

export interface ExpectedMessageInput {
  wallet: string;
  sessionNonce: string;
  requestId: string;
  scope: VerifyScope;
  /** Only for invoke scopes. Default 'external'. */
  pathForm?: InvokePathForm;
}

/** The exact text the server expects to be signed: `\n`-joined, no trailing newline, wallet lowercased. */
export function expectedMessage({ wallet, sessionNonce, requestId, scope, pathForm = "external" }: ExpectedMessageInput): string {
  const scopeLines =
    scope.shape === "scoped"
      ? [`action:${scope.action}`, `product:${scope.product}`]
      : ["method:POST", `path:${invokeSignedPath(scope.productSlug, scope.actionSlug, pathForm)}`];
  return [
    MESSAGE_HEADER,
    `wallet:${wallet.toLowerCase()}`,
    `session:${sessionNonce}`,
    `request:${requestId}`,
    ...scopeLines,
    `payload:${payloadHashOf(scope.payload)}`,
  ].join("\n");
}

/**
 * Reads a signed JSON body the way the FastAPI model would: the four signed fields are
 * required strings, every problem (including the endpoint's own fields, checked by
 * `more`) is reported at once as a 422.
 */
export function readSignedBody<T>(
  ctx: RequestContext,
  more: (body: Record<string, unknown>, issues: Issues) => T,
): { body: Record<string, unknown>; signed: SignedFields; fields: T } {
  const body = readJsonObjectBody(ctx);
  const issues = new Issues();
  const signed = signedFieldsOf(body, issues);
  const fields = more(body, issues);
  issues.throwIfAny();
  return { body, signed: signed!, fields };
}

/** Validates the four signed fields of `body`, adding issues; undefined when any is bad. */
export function signedFieldsOf(body: Record<string, unknown>, issues: Issues): SignedFields | undefined {
  const str = (key: string): string | undefined => {
    const value = body[key];
    if (value === undefined) {
      issues.add(missing(["body", key], body));
      return undefined;
    }
    if (typeof value !== "string") {
      issues.add({ type: "string_type", loc: ["body", key], msg: MSG.stringType, input: value });
      return undefined;
    }
    return value;
  };
  const wallet = str("wallet_address");
  const sessionNonce = str("session_nonce");
  const requestId = str("request_id");
  const signature = str("signature");
  let ok = wallet !== undefined && sessionNonce !== undefined && requestId !== undefined && signature !== undefined;
  if (wallet !== undefined && !ADDRESS_RE.test(wallet)) {
    ok = false;
    issues.add({
      type: "value_error",
      loc: ["body", "wallet_address"],
      msg: "Value error, wallet_address must be 0x followed by 40 hex digits",
      input: wallet,
      ctx: { error: {} },
    });
  }
  if (requestId !== undefined) {
    if (requestId.length === 0 || requestId.length > MAX_ID_LENGTH) {
      ok = false;
      issues.add(
        requestId.length === 0
          ? { type: "string_too_short", loc: ["body", "request_id"], msg: "String should have at least 1 character", input: requestId, ctx: { min_length: 1 } }
          : { type: "string_too_long", loc: ["body", "request_id"], msg: `String should have at most ${MAX_ID_LENGTH} characters`, input: requestId, ctx: { max_length: MAX_ID_LENGTH } },
      );
    } else if (CONTROL_RE.test(requestId)) {
      ok = false;
      issues.add({
        type: "value_error",
        loc: ["body", "request_id"],
        msg: "Value error, request_id must not contain newlines or control characters",
        input: requestId,
        ctx: { error: {} },
      });
    }
  }
  if (!ok) return undefined;
  return { wallet: wallet!.toLowerCase(), sessionNonce: sessionNonce!, requestId: requestId!, signature: signature! };
}

function signatureDetails(scope: VerifyScope, accepted: InvokePathForm, ctx: RequestContext): Record<string, unknown> {
  return {
    omitted_optional_fields: omittedConvention(ctx) === "null" ? "hashed as null" : "left out of the hashed object",
    accepted_path_forms:
      scope.shape === "invoke"
        ? [invokeSignedPath(scope.productSlug, scope.actionSlug, accepted)]
        : ["(scoped endpoint: action:<action> and product:<id or -> lines, no path line)"],
    accepted_hash_forms: ACCEPTED_HASH_FORMS,
  };
}

async function recoverLower(message: string, signature: string): Promise<string | undefined> {
  try {
    return (await recoverMessageAddress({ message, signature: signature as `0x${string}` })).toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Checks nonce, signature and replay, in that order, and consumes the request id only once
 * the signature verified. Throws the documented 401/409 envelopes; resolves with the
 * lowercased wallet on success.
 */
export async function verifySignedRequest(ctx: RequestContext, signed: SignedFields, scope: VerifyScope): Promise<string> {
  const ext = ctx.state.external;
  const now = ctx.now();
  const record = ext.nonces.get(signed.sessionNonce);
  if (!record || record.wallet !== signed.wallet) {
    throw externalError(
      401,
      "EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID",
      "Session nonce is unknown or was issued to a different wallet. Request a new one with POST /api/external/auth/session.",
    );
  }
  if (now >= record.expiresAt) {
    throw externalError(
      401,
      "EXTERNAL_SIGNATURE_SESSION_NONCE_EXPIRED",
      `Session nonce expired at ${new Date(record.expiresAt).toISOString()}. Request a new one with POST /api/external/auth/session.`,
    );
  }

  const accepted = ext.config.invokePathForm;
  const expected = expectedMessage({ ...signed, scope, pathForm: accepted });
  const signatureError = (code: string, message: string) =>
    externalError(401, code, message, signatureDetails(scope, accepted, ctx), { expected_message: expected });

  if (!SIGNATURE_RE.test(signed.signature)) {
    throw signatureError("EXTERNAL_SIGNATURE_MALFORMED", "Signature is malformed: expected 0x followed by 130 hex digits (65 bytes r || s || v).");
  }
  const recovered = await recoverLower(expected, signed.signature);
  if (recovered === undefined) {
    throw signatureError("EXTERNAL_SIGNATURE_MALFORMED", "Signature could not be parsed (invalid r, s or v).");
  }
  if (recovered !== signed.wallet) {
    if (scope.shape === "invoke") {
      // A signature over a path form this server does not take is a malformed request, not a forgery.
      for (const form of PATH_FORMS) {
        if (form === accepted) continue;
        const other = await recoverLower(expectedMessage({ ...signed, scope, pathForm: form }), signed.signature);
        if (other === signed.wallet) {
          throw signatureError(
            "EXTERNAL_SIGNATURE_MALFORMED",
            `Signature covers path '${invokeSignedPath(scope.productSlug, scope.actionSlug, form)}', a path form this server does not accept for this action.`,
          );
        }
      }
    }
    throw signatureError(
      "EXTERNAL_SIGNATURE_WALLET_MISMATCH",
      "Signature does not recover to wallet_address: the signed text differs from the expected message (scope lines, payload hash, lowercase wallet, no trailing newline) or another key signed it.",
    );
  }

  // Everything below is synchronous: the check and the consumption cannot interleave with another request.
  const live = ext.nonces.get(signed.sessionNonce);
  if (live !== record) {
    throw externalError(401, "EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID", "Session nonce is no longer known. Request a new one with POST /api/external/auth/session.");
  }
  if (record.usedRequestIds.has(signed.requestId)) {
    ext.counters.replayedRequestIds += 1;
    throw externalError(
      409,
      "EXTERNAL_SIGNATURE_REQUEST_REPLAY",
      `request_id '${signed.requestId}' was already used with this session nonce. Sign the request again with a new request_id.`,
    );
  }
  record.usedRequestIds.add(signed.requestId);
  ext.counters.verifiedRequests += 1;
  return signed.wallet;
}
