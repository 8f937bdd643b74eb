/**
 * POST /api/external/credits/purchase (seed 002, contracts §3): credits for a wallet, paid with
 * x402. The first call answers 402 with one requirement for the chosen chain and token; the
 * same body retried with X-PAYMENT settles and grants the credits to `wallet_address`.
 */
import canonicalize from "canonicalize";
import { Issues, missing, readJsonObjectBody, stringField, type ValidationIssue } from "../fastapi.js";
import type { RequestContext, SandboxResponse } from "../http.js";
import { ADDRESS_RE, CONTROL_RE, externalError, MAX_ID_LENGTH } from "./common.js";
import { creditWallet } from "./credits.js";
import type { PurchaseRecord } from "./x402-state.js";
import {
  BASE_UNITS_PER_CREDIT,
  buildChallenge,
  challengeStyleOf,
  handlePayment,
  hasPaymentHeader,
  offerFor,
  paymentInProgress,
  paymentRequired,
  PURCHASE_CHAIN_IDS,
  replayRecorded,
  requestKeyOf,
  SANDBOX_PAYEE,
  tokenFor,
  type X402TokenSymbol,
} from "./x402.js";

export const CREDIT_STEP = 500;
const TOKENS: readonly X402TokenSymbol[] = ["USDC", "EURC"];
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const CHAIN_NAMES: Readonly<Record<number, string>> = { 8453: "Base", 42161: "Arbitrum", 10: "Optimism", 137: "Polygon", 43114: "Avalanche", 84532: "Base Sepolia" };

interface PurchaseFields {
  /** Lowercased. */
  wallet: string;
  credits: number;
  chainId: number;
  token: X402TokenSymbol;
  /** Lowercased, when given. */
  payer?: string;
  requestId?: string;
}

function valueError(loc: Array<string | number>, message: string, input: unknown): ValidationIssue {
  return { type: "value_error", loc, msg: `Value error, ${message}`, input, ctx: { error: {} } };
}

/** A required `int` body field: JSON integers only (no strings, floats or booleans). */
function intField(body: Record<string, unknown>, key: string, issues: Issues): number | undefined {
  const value = body[key];
  if (value === undefined) {
    issues.add(missing(["body", key], body));
    return undefined;
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    issues.add({ type: "int_type", loc: ["body", key], msg: "Input should be a valid integer", input: value });
    return undefined;
  }
  return value;
}

function readPurchase(body: Record<string, unknown>, issues: Issues): PurchaseFields | undefined {
  const wallet = stringField(body, "wallet_address", ["body"], issues, true);
  if (wallet !== undefined && !ADDRESS_RE.test(wallet)) issues.add(valueError(["body", "wallet_address"], "wallet_address must be 0x followed by 40 hex digits", wallet));

  const credits = intField(body, "credits", issues);
  if (credits !== undefined && (credits < CREDIT_STEP || credits % CREDIT_STEP !== 0)) {
    issues.add(valueError(["body", "credits"], `credits must be a positive multiple of ${CREDIT_STEP}`, credits));
  }

  const method = stringField(body, "payment_method", ["body"], issues, true);
  if (method !== undefined && method !== "x402") {
    issues.add({ type: "literal_error", loc: ["body", "payment_method"], msg: "Input should be 'x402'", input: method, ctx: { expected: "'x402'" } });
  }

  const chainId = intField(body, "chain_id", issues);
  const chainOk = chainId !== undefined && PURCHASE_CHAIN_IDS.includes(chainId);
  if (chainId !== undefined && !chainOk) {
    issues.add(valueError(["body", "chain_id"], `chain_id must be one of ${PURCHASE_CHAIN_IDS.join(", ")}`, chainId));
  }

  const token = stringField(body, "token", ["body"], issues, true);
  const tokenOk = token !== undefined && (TOKENS as readonly string[]).includes(token);
  if (token !== undefined && !tokenOk) {
    issues.add({ type: "literal_error", loc: ["body", "token"], msg: "Input should be 'USDC' or 'EURC'", input: token, ctx: { expected: "'USDC' or 'EURC'" } });
  }
  if (chainOk && tokenOk && !tokenFor(chainId!, token!)) {
    issues.add(valueError(["body", "token"], `${token} is not supported on chain ${chainId} (${CHAIN_NAMES[chainId!]})`, token));
  }

  const payer = stringField(body, "payer_wallet_address", ["body"], issues, false);
  if (payer !== undefined && !ADDRESS_RE.test(payer)) issues.add(valueError(["body", "payer_wallet_address"], "payer_wallet_address must be 0x followed by 40 hex digits", payer));

  const requestId = stringField(body, "request_id", ["body"], issues, false);
  if (requestId !== undefined) {
    if (requestId.length === 0) issues.add({ type: "string_too_short", loc: ["body", "request_id"], msg: "String should have at least 1 character", input: requestId, ctx: { min_length: 1 } });
    else if (requestId.length > MAX_ID_LENGTH) {
      issues.add({ type: "string_too_long", loc: ["body", "request_id"], msg: `String should have at most ${MAX_ID_LENGTH} characters`, input: requestId, ctx: { max_length: MAX_ID_LENGTH } });
    } else if (CONTROL_RE.test(requestId)) issues.add(valueError(["body", "request_id"], "request_id must not contain newlines or control characters", requestId));
  }

  const txHash = stringField(body, "transaction_hash", ["body"], issues, false);
  if (txHash !== undefined && txHash.length > MAX_ID_LENGTH) {
    issues.add({ type: "string_too_long", loc: ["body", "transaction_hash"], msg: `String should have at most ${MAX_ID_LENGTH} characters`, input: txHash, ctx: { max_length: MAX_ID_LENGTH } });
  }
  const email = stringField(body, "email", ["body"], issues, false);
  if (email !== undefined && !EMAIL_RE.test(email)) issues.add(valueError(["body", "email"], "email is not a valid email address", email));

  if (issues.list.length > 0) return undefined;
  return {
    wallet: wallet!.toLowerCase(),
    credits: credits!,
    chainId: chainId!,
    token: token as X402TokenSymbol,
    ...(payer !== undefined ? { payer: payer.toLowerCase() } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/** POST /api/external/credits/purchase. */
export async function purchaseCredits(ctx: RequestContext): Promise<SandboxResponse> {
  const body = readJsonObjectBody(ctx);
  const issues = new Issues();
  const p = readPurchase(body, issues);
  issues.throwIfAny();
  const fields = p!;

  const offer = offerFor(tokenFor(fields.chainId, fields.token)!, BigInt(fields.credits) * BASE_UNITS_PER_CREDIT, SANDBOX_PAYEE);
  const challenge = buildChallenge(
    challengeStyleOf(ctx),
    {
      url: `${ctx.baseUrl}/api/external/credits/purchase`,
      description: `AgentPMT credits: ${fields.credits} for ${fields.wallet}`,
      mimeType: "application/json",
    },
    [offer],
  );
  const x = ctx.state.external.x402;
  const carriesPayment = hasPaymentHeader(ctx);

  // request_id is the purchase's idempotency key: a settled purchase is answered again, never granted twice.
  let ridKey: string | undefined;
  let reservation: PurchaseRecord | undefined;
  if (fields.requestId !== undefined) {
    ridKey = `${fields.wallet}\n${fields.requestId}`;
    const paramsKey = canonicalize({ wallet: fields.wallet, credits: fields.credits, chain_id: fields.chainId, token: fields.token, payer: fields.payer ?? null })!;
    const prior = x.purchases.get(ridKey);
    if (prior) {
      if (prior.paramsKey !== paramsKey) {
        throw externalError(409, "REQUEST_ID_CONFLICT", `request_id '${fields.requestId}' was already used for a different purchase (credits, chain, token or payer differ). Use a new request_id.`);
      }
      if (prior.status !== "done" || !prior.response) return paymentInProgress();
      return carriesPayment ? replayRecorded(ctx, prior.response) : { ...prior.response, ...(prior.response.headers ? { headers: { ...prior.response.headers } } : {}) };
    }
    if (carriesPayment) {
      reservation = { paramsKey, status: "processing" };
      x.purchases.set(ridKey, reservation);
    }
  }
  if (!carriesPayment) return paymentRequired(challenge);

  const ext = ctx.state.external;
  return handlePayment(ctx, {
    challenge,
    offers: [offer],
    requestKey: requestKeyOf(ctx, body),
    checkPayer: (payer) =>
      fields.payer !== undefined && payer.toLowerCase() !== fields.payer
        ? { reason: "payer_mismatch", message: `authorization.from ${payer} is not payer_wallet_address ${fields.payer}.` }
        : undefined,
    fulfil: () => {
      const balance = creditWallet(ext, fields.wallet, fields.credits);
      return { data: { wallet_address: fields.wallet, credits_purchased: fields.credits, balance, request_id: fields.requestId ?? null } };
    },
    onRecorded: (response) => {
      if (ridKey !== undefined && reservation && x.purchases.get(ridKey) === reservation) {
        reservation.status = "done";
        reservation.response = response;
      }
    },
    onUnsettled: () => {
      if (ridKey !== undefined && reservation && x.purchases.get(ridKey) === reservation) x.purchases.delete(ridKey);
    },
  });
}

