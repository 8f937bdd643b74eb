/**
 * Server side of x402 v2 "exact" on EVM (contracts §4), written without the client's wallet
 * or payments code: the sandbox builds its own challenges, decodes the X-PAYMENT envelope,
 * demands that `accepted` is one of the requirements it would offer for this very request,
 * and verifies the EIP-3009 authorization twice — with the reference facilitator
 * (`@x402/evm/exact/facilitator`) running against an offline fake chain, and with its own
 * viem recovery and checks against the sandbox clock. Nothing is ever sent to a chain:
 * "settling" records the authorization nonce as consumed and mints a fake transaction hash.
 */
import canonicalize from "canonicalize";
import type { PaymentPayload, PaymentRequirements, VerifyResponse } from "@x402/core/types";
import type { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import {
  decodeFunctionData,
  encodeFunctionResult,
  getAddress,
  isAddress,
  keccak256,
  parseAbi,
  recoverTypedDataAddress,
  toHex,
  verifyTypedData,
  type Hex,
} from "viem";
import { isPlainObject, json, type RequestContext, type SandboxResponse } from "../http.js";
import type { FaultDecision, NonceKey, PaymentRecord } from "./x402-state.js";

// ---------------------------------------------------------------------------------------------
// Tokens (contracts §4 table) and prices
// ---------------------------------------------------------------------------------------------

/**
 * The reference facilitator (18 MB in node_modules, with its own zod) is loaded only when the
 * sandbox starts. The shipped bundle carries it in a lazy chunk; running dist/ (tsc output)
 * from a tree without development dependencies gets an error that says how to get it.
 */
let facilitatorModule: Promise<{ ExactEvmScheme: typeof ExactEvmScheme }> | undefined;
export const X402_FACILITATOR_MISSING =
  "The AgentPMT sandbox verifies x402 payments with the reference facilitator, @x402/evm, which is not installed here (the npm package bundles it; a build run from its sources needs the development dependencies). " +
  "Install it next to agentpmt-mcp (npm install @x402/evm@^2.27.0, or npm install -g @x402/evm@^2.27.0 for a global install) and run the sandbox again; a clone of the repository has it after npm ci.";
export function loadX402Facilitator(): Promise<{ ExactEvmScheme: typeof ExactEvmScheme }> {
  facilitatorModule ??= import("@x402/evm/exact/facilitator").catch((err: unknown) => {
    facilitatorModule = undefined;
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new Error(X402_FACILITATOR_MISSING);
    throw err;
  });
  return facilitatorModule;
}

export type X402TokenSymbol = "USDC" | "EURC";

export interface X402Token {
  chainId: number;
  /** CAIP-2: eip155:<chainId>. */
  network: string;
  symbol: X402TokenSymbol;
  /** Checksummed contract address. */
  address: Hex;
  /** EIP-712 domain name and version of the token contract. */
  name: string;
  version: string;
}

function token(chainId: number, symbol: X402TokenSymbol, address: string, name: string): X402Token {
  return { chainId, network: `eip155:${chainId}`, symbol, address: getAddress(address), name, version: "2" };
}

export const X402_TOKENS: readonly X402Token[] = Object.freeze([
  token(8453, "USDC", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USD Coin"),
  token(8453, "EURC", "0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42", "EURC"),
  token(42161, "USDC", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", "USD Coin"),
  token(10, "USDC", "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", "USD Coin"),
  token(137, "USDC", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", "USD Coin"),
  token(43114, "USDC", "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", "USD Coin"),
  token(43114, "EURC", "0xC891EB4cbdEFf6e073e859e987815Ed1505c2ACD", "EURC"),
  token(84532, "USDC", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC"),
  token(84532, "EURC", "0x808456652fdb597867f38412077A9182bf77359F", "EURC"),
]);

/** The chains `POST /api/external/credits/purchase` takes (seed 002). */
export const PURCHASE_CHAIN_IDS: readonly number[] = Object.freeze([8453, 42161, 10, 137, 43114, 84532]);

export function tokenFor(chainId: number, symbol: string): X402Token | undefined {
  return X402_TOKENS.find((t) => t.chainId === chainId && t.symbol === symbol);
}

export function tokenByAddress(address: string): X402Token | undefined {
  const lower = address.toLowerCase();
  return X402_TOKENS.find((t) => t.address.toLowerCase() === lower);
}

/** Fixed, obviously fake payee: nothing is ever settled to it on a real chain. */
export const SANDBOX_PAYEE: Hex = getAddress("0x5a4e44424f78343032000000000000000000c0de");
/** 1 credit = 10,000 base units of a 6-decimal USD stablecoin (contracts §3). */
export const BASE_UNITS_PER_CREDIT = 10_000n;
/** Fixed sandbox exchange rate: 0.92 EUR per USD. */
export const EUR_PER_USD = 0.92;
export const MAX_TIMEOUT_SECONDS = 300;
/** How far past now + maxTimeoutSeconds a validBefore may reach (client clock skew). */
export const VALID_BEFORE_SLACK_SECONDS = 60;
/** The facilitator's margin: an authorization expiring within this many seconds is already expired. */
const VALID_BEFORE_MARGIN_SECONDS = 6;

/** USD base units → the token's base units (EURC: × 0.92, rounded up to the base unit). */
export function tokenAmount(symbol: X402TokenSymbol, usdBaseUnits: bigint): bigint {
  return symbol === "EURC" ? (usdBaseUnits * 92n + 99n) / 100n : usdBaseUnits;
}

export interface X402Requirement {
  scheme: "exact";
  network: string;
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: { name: string; version: string };
}

/** A requirement plus what the sandbox knows about it (for the settlement block). */
export interface X402Offer {
  requirement: X402Requirement;
  token: X402Token;
  /** Price in USD before conversion (credits / 100). */
  amountUsd: number;
}

export function offerFor(t: X402Token, usdBaseUnits: bigint, payTo: string = SANDBOX_PAYEE): X402Offer {
  return {
    requirement: {
      scheme: "exact",
      network: t.network,
      amount: tokenAmount(t.symbol, usdBaseUnits).toString(),
      asset: t.address,
      payTo,
      maxTimeoutSeconds: MAX_TIMEOUT_SECONDS,
      extra: { name: t.name, version: t.version },
    },
    token: t,
    amountUsd: Number(usdBaseUnits) / 1_000_000,
  };
}

// ---------------------------------------------------------------------------------------------
// Challenge
// ---------------------------------------------------------------------------------------------

export interface X402Resource {
  url: string;
  description: string;
  mimeType: string;
}

export interface X402Challenge {
  x402Version: 2;
  error: string;
  resource: X402Resource;
  /** As sent: the offers' requirements, in the variant's form (possibly lean, possibly after a malformed entry). */
  accepts: Array<Record<string, unknown>>;
}

/** How the variant presents challenges (variants.ts). */
export interface ChallengeStyle {
  /** No maxTimeoutSeconds, `extra: {}`: the seed's example. The server still knows the token's domain. */
  lean: boolean;
  /** A malformed entry first (no payTo, amount as a number): clients must skip it, not give up. */
  malformedEntry: boolean;
}

export function challengeStyleOf(ctx: RequestContext): ChallengeStyle {
  const v = ctx.state.external.config.variant;
  return { lean: v.challengeLean, malformedEntry: v.challengeMalformedEntry };
}

/** A requirement as the challenge shows it. */
export function presentRequirement(r: X402Requirement, lean: boolean): Record<string, unknown> {
  if (!lean) return { ...r };
  const { maxTimeoutSeconds: _t, extra: _e, ...rest } = r;
  return { ...rest, extra: {} };
}

export function buildChallenge(style: ChallengeStyle, resource: X402Resource, offers: readonly X402Offer[]): X402Challenge {
  const shown = offers.map((o) => presentRequirement(o.requirement, style.lean));
  const first = offers[0]?.requirement;
  const malformed = first && style.malformedEntry ? [{ scheme: "exact", network: first.network, asset: first.asset, amount: Number(first.amount) }] : [];
  return { x402Version: 2, error: "Payment required", resource, accepts: [...malformed, ...shown] };
}

function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

/** 402 with the challenge in the body and, base64, in PAYMENT-REQUIRED. */
export function paymentRequired(challenge: X402Challenge): SandboxResponse {
  return json(402, challenge, { "payment-required": base64Json(challenge) });
}

export interface X402Rejection {
  ok: false;
  /** Short machine reason, the `error` of the 402 body. */
  reason: string;
  message: string;
  /** The reference facilitator's invalidReason, when it was the one to refuse. */
  facilitatorReason?: string;
}

/** 402: the challenge again, its `error` naming why the payment was refused. */
export function rejectionResponse(challenge: X402Challenge, r: Pick<X402Rejection, "reason" | "message" | "facilitatorReason">): SandboxResponse {
  const body = {
    x402Version: 2,
    error: r.reason,
    message: r.message,
    ...(r.facilitatorReason ? { invalidReason: r.facilitatorReason } : {}),
    resource: challenge.resource,
    accepts: challenge.accepts,
  };
  return json(402, body, { "payment-required": base64Json(body) });
}

// ---------------------------------------------------------------------------------------------
// Envelope decoding
// ---------------------------------------------------------------------------------------------

export interface X402Authorization {
  from: Hex;
  to: Hex;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: Hex;
}

export interface X402Envelope {
  x402Version: 2;
  resource: { url: string; [k: string]: unknown };
  accepted: {
    scheme: string;
    network: string;
    amount: string;
    asset: string;
    payTo: string;
    maxTimeoutSeconds?: number;
    extra?: Record<string, unknown>;
    [k: string]: unknown;
  };
  payload: { signature: Hex; authorization: X402Authorization; [k: string]: unknown };
  [k: string]: unknown;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UINT_RE = /^(0|[1-9][0-9]*)$/;
const NONCE_RE = /^0x[0-9a-fA-F]{64}$/;
const ECDSA_SIGNATURE_RE = /^0x[0-9a-fA-F]{130}$/;
const UINT256_MAX = (1n << 256n) - 1n;

function rejection(reason: string, message: string, facilitatorReason?: string): X402Rejection {
  return facilitatorReason ? { ok: false, reason, message, facilitatorReason } : { ok: false, reason, message };
}

const invalid = (message: string) => rejection("invalid_payment", message);

/** Shape of a v2 EIP-3009 envelope; every authorization value a string (contracts §4). */
export function parseEnvelope(value: unknown): { ok: true; envelope: X402Envelope } | X402Rejection {
  if (!isPlainObject(value)) return invalid("The payment envelope must be a JSON object.");
  if (value.x402Version === undefined) return invalid("The payment envelope has no x402Version.");
  if (value.x402Version !== 2) return rejection("invalid_x402_version", `x402Version ${JSON.stringify(value.x402Version)} is not supported; send x402Version 2.`);
  const resource = value.resource;
  if (!isPlainObject(resource) || typeof resource.url !== "string") return invalid("The payment envelope needs resource.url (echo the challenge's resource).");
  const a = value.accepted;
  if (!isPlainObject(a)) return invalid("The payment envelope needs `accepted`: the chosen entry of the challenge's accepts, unchanged.");
  for (const k of ["scheme", "network", "amount", "asset", "payTo"] as const) {
    if (typeof a[k] !== "string") return invalid(`accepted.${k} must be a string.`);
  }
  // Both are optional in the seed; whether `accepted` equals an offer is checked against the challenge as sent.
  if (a.maxTimeoutSeconds !== undefined && typeof a.maxTimeoutSeconds !== "number") return invalid("accepted.maxTimeoutSeconds must be a number.");
  if (a.extra !== undefined && !isPlainObject(a.extra)) return invalid("accepted.extra must be an object.");
  const payload = value.payload;
  if (!isPlainObject(payload)) return invalid("The payment envelope needs payload {signature, authorization}.");
  const auth = payload.authorization;
  if (!isPlainObject(auth)) return invalid("payload.authorization must be an object (EIP-3009 TransferWithAuthorization).");
  for (const k of ["from", "to", "value", "validAfter", "validBefore", "nonce"] as const) {
    if (typeof auth[k] !== "string") return invalid(`payload.authorization.${k} must be a string.`);
  }
  const au = auth as Record<"from" | "to" | "value" | "validAfter" | "validBefore" | "nonce", string>;
  for (const k of ["from", "to"] as const) {
    if (!isAddress(au[k])) return invalid(`payload.authorization.${k} is not a valid address (0x + 40 hex, checksummed or one case).`);
  }
  for (const k of ["value", "validAfter", "validBefore"] as const) {
    if (!UINT_RE.test(au[k]) || BigInt(au[k]) > UINT256_MAX) return invalid(`payload.authorization.${k} must be a decimal uint256 string.`);
  }
  if (!NONCE_RE.test(au.nonce)) return invalid("payload.authorization.nonce must be 32 bytes of hex (0x + 64 hex digits).");
  if (typeof payload.signature !== "string") return invalid("payload.signature must be a string.");
  if (!ECDSA_SIGNATURE_RE.test(payload.signature)) {
    return rejection("invalid_signature", "payload.signature must be a 65-byte ECDSA signature (0x + 130 hex digits).");
  }
  return { ok: true, envelope: value as X402Envelope };
}

/** base64(JSON) → envelope, plus its RFC 8785 text (what "the same envelope" means). */
export function decodePaymentHeader(header: string): { ok: true; envelope: X402Envelope; canonical: string } | X402Rejection {
  const text = header.trim();
  if (text === "" || !BASE64_RE.test(text)) return invalid("The payment header is not base64.");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    return invalid("The payment header is base64 but not of JSON.");
  }
  const parsed = parseEnvelope(decoded);
  if (!parsed.ok) return parsed;
  const canonical = canonicalize(parsed.envelope);
  if (canonical === undefined) return invalid("The payment envelope has no JSON representation.");
  return { ok: true, envelope: parsed.envelope, canonical };
}

// ---------------------------------------------------------------------------------------------
// Verification: reference facilitator on a fake chain + the sandbox's own checks
// ---------------------------------------------------------------------------------------------

const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

const TOKEN_ABI = parseAbi([
  "function balanceOf(address account) view returns (uint256)",
  "function name() view returns (string)",
  "function version() view returns (string)",
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
]);

const FAKE_BALANCE = 10n ** 30n;

type FacilitatorSigner = ConstructorParameters<typeof ExactEvmScheme>[0];

export interface NonceLookup {
  network: string;
  asset: string;
  from: string;
  nonce: string;
}

export function nonceKey(k: NonceLookup): NonceKey {
  return `${k.network}|${k.asset}|${k.from}|${k.nonce}`.toLowerCase();
}

function never(what: string): never {
  throw new Error(`sandbox fake chain: ${what} is not available; the sandbox never broadcasts a transaction`);
}

/**
 * The fake chain the facilitator talks to. Token contracts exist at the table's addresses,
 * every payer is an EOA with a huge balance, `authorizationState` and the simulated
 * `transferWithAuthorization` consult the sandbox's nonce ledger and clock, and the simulated
 * transfer checks the signature against the token's real EIP-712 domain as FiatToken would.
 * Writes throw.
 */
function fakeChain(nowSeconds: number, network: string, isNonceUsed: (k: NonceLookup) => boolean): FacilitatorSigner {
  const used = (asset: string, from: string, nonce: string) => isNonceUsed({ network, asset, from, nonce });
  const call = (address: string, functionName: string, args: readonly unknown[]): unknown => {
    const t = tokenByAddress(address);
    if (!t) throw new Error(`execution reverted: no contract at ${address}`);
    switch (functionName) {
      case "balanceOf":
        return FAKE_BALANCE;
      case "name":
        return t.name;
      case "version":
        return t.version;
      case "authorizationState":
        return used(t.address, String(args[0]), String(args[1]));
      default:
        throw new Error(`execution reverted: ${functionName} is not simulated`);
    }
  };
  const simulateTransfer = async (address: string, args: readonly unknown[]): Promise<void> => {
    const t = tokenByAddress(address);
    if (!t) throw new Error(`execution reverted: no contract at ${address}`);
    const [from, to, value, validAfter, validBefore, nonce] = args as [Hex, Hex, bigint, bigint, bigint, Hex];
    const now = BigInt(nowSeconds);
    if (!(now > validAfter)) throw new Error("FiatTokenV2: authorization is not yet valid");
    if (!(now < validBefore)) throw new Error("FiatTokenV2: authorization is expired");
    if (used(t.address, from, nonce)) throw new Error("FiatTokenV2: authorization is used or canceled");
    const signature =
      args.length === 9
        ? { v: BigInt(args[6] as number | bigint), r: args[7] as Hex, s: args[8] as Hex }
        : (args[6] as Hex);
    const signer = await recoverTypedDataAddress({
      domain: { name: t.name, version: t.version, chainId: t.chainId, verifyingContract: t.address },
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      primaryType: "TransferWithAuthorization",
      message: { from, to, value, validAfter, validBefore, nonce },
      signature,
    }).catch(() => undefined);
    if (signer === undefined || signer.toLowerCase() !== from.toLowerCase()) throw new Error("FiatTokenV2: invalid signature");
  };
  return {
    getAddresses: () => [getAddress("0x5a4e44424f7834303266616300000000000000f0")],
    async getCode({ address }) {
      return tokenByAddress(address) ? "0x6080604052" : "0x";
    },
    async readContract({ address, functionName, args = [] }) {
      if (functionName === "transferWithAuthorization") return simulateTransfer(address, args);
      if (functionName === "tryAggregate") {
        // Multicall3 as the facilitator's diagnosis uses it: decode each call, answer it, encode the result.
        const calls = (args[1] ?? []) as ReadonlyArray<{ target: Hex; callData: Hex }>;
        return calls.map(({ target, callData }) => {
          try {
            const { functionName: fn, args: callArgs } = decodeFunctionData({ abi: TOKEN_ABI, data: callData });
            const result = call(target, fn, callArgs ?? []);
            return { success: true, returnData: encodeFunctionResult({ abi: TOKEN_ABI, functionName: fn, result } as never) };
          } catch {
            return { success: false, returnData: "0x" as Hex };
          }
        });
      }
      return call(address, functionName, args);
    },
    async verifyTypedData(args) {
      return verifyTypedData(args as Parameters<typeof verifyTypedData>[0]);
    },
    writeContract: async () => never("writeContract"),
    sendTransaction: async () => never("sendTransaction"),
    waitForTransactionReceipt: async () => never("waitForTransactionReceipt"),
  };
}

/** The facilitator's invalidReason → the sandbox's reason names. */
const FACILITATOR_REASONS: Readonly<Record<string, string>> = {
  invalid_exact_evm_scheme: "unsupported_scheme",
  invalid_exact_evm_network_mismatch: "network_mismatch",
  invalid_exact_evm_missing_eip712_domain: "requirement_mismatch",
  invalid_exact_evm_signature: "invalid_signature",
  invalid_exact_evm_failed_to_parse_signature: "invalid_signature",
  invalid_exact_evm_recipient_mismatch: "pay_to_mismatch",
  invalid_exact_evm_payload_authorization_valid_before: "valid_before_expired",
  invalid_exact_evm_payload_authorization_valid_after: "valid_after_in_future",
  invalid_exact_evm_payload_authorization_value_mismatch: "amount_mismatch",
  invalid_exact_evm_nonce_already_used: "nonce_already_used",
  invalid_exact_evm_insufficient_balance: "insufficient_funds",
  asset_not_deployed_contract: "asset_mismatch",
};

export interface VerifyX402Options {
  /** resource.url the envelope must carry. */
  resourceUrl: string;
  /** The requirements the server offers for this request right now: `accepted` must deep-equal one. */
  offers: readonly X402Requirement[];
  /** Server clock, Unix seconds. */
  nowSeconds: number;
  /** The challenge showed lean requirements: `accepted` must equal the lean form; the full one is verified. */
  lean?: boolean;
  /**
   * validBefore may lie at most maxTimeoutSeconds + this many seconds ahead. Default
   * VALID_BEFORE_SLACK_SECONDS; null skips the check (golden vectors signed for year 2100).
   */
  validBeforeSlackSeconds?: number | null;
  /** Whether an authorization nonce was already consumed on the (fake) chain. Default: never. */
  isNonceUsed?: (k: NonceLookup) => boolean;
}

export interface X402Verified {
  ok: true;
  requirement: X402Requirement;
  authorization: X402Authorization;
  /** Checksummed authorization.from. */
  payer: Hex;
  facilitator: VerifyResponse;
}

/** Why `accepted` matches none of the offers, in the order a client would want to hear it. */
function mismatchReason(accepted: X402Envelope["accepted"], offers: readonly X402Requirement[]): X402Rejection {
  const list = (f: (r: X402Requirement) => string) => [...new Set(offers.map(f))].join(", ");
  if (!offers.some((o) => o.scheme === accepted.scheme)) {
    return rejection("unsupported_scheme", `Scheme '${accepted.scheme}' is not offered; accepted schemes: ${list((o) => o.scheme)}.`);
  }
  const onNetwork = offers.filter((o) => o.network === accepted.network);
  if (onNetwork.length === 0) return rejection("network_mismatch", `Network '${accepted.network}' is not offered; offered networks: ${list((o) => o.network)}.`);
  const sameAsset = onNetwork.filter((o) => o.asset.toLowerCase() === accepted.asset.toLowerCase());
  if (sameAsset.length === 0) {
    return rejection("asset_mismatch", `Asset ${accepted.asset} is not offered on ${accepted.network}; offered: ${onNetwork.map((o) => o.asset).join(", ")}.`);
  }
  const o = sameAsset[0]!;
  if (o.amount !== accepted.amount) return rejection("amount_mismatch", `accepted.amount ${accepted.amount} differs from the price ${o.amount} for this request.`);
  if (o.payTo.toLowerCase() !== accepted.payTo.toLowerCase()) return rejection("pay_to_mismatch", `accepted.payTo ${accepted.payTo} is not this server's payee ${o.payTo}.`);
  const differing = Object.keys({ ...o, ...accepted }).filter(
    (k) => canonicalize((o as unknown as Record<string, unknown>)[k]) !== canonicalize(accepted[k]),
  );
  return rejection(
    "requirement_mismatch",
    `accepted must be an unchanged copy of one entry of the challenge's accepts; differing field(s): ${differing.join(", ") || "(letter case or key order)"}.`,
  );
}

/**
 * Verifies an x402 v2 exact/EVM envelope against the offers of one request. Pure apart from
 * `isNonceUsed`: it neither reserves nor records anything.
 */
export async function verifyX402Payment(value: unknown, opts: VerifyX402Options): Promise<X402Verified | X402Rejection> {
  const parsed = parseEnvelope(value);
  if (!parsed.ok) return parsed;
  const envelope = parsed.envelope;
  if (envelope.resource.url !== opts.resourceUrl) {
    return rejection("resource_mismatch", `resource.url '${envelope.resource.url}' is not this request's resource '${opts.resourceUrl}'.`);
  }
  const acceptedText = canonicalize(envelope.accepted);
  const requirement = opts.offers.find((o) => canonicalize(presentRequirement(o, opts.lean === true)) === acceptedText);
  if (!requirement) return mismatchReason(envelope.accepted, opts.offers);

  const auth = envelope.payload.authorization;
  const isNonceUsed = opts.isNonceUsed ?? (() => false);
  const now = opts.nowSeconds;

  // 1. The reference facilitator, offline.
  let facilitator: VerifyResponse;
  try {
    const { ExactEvmScheme: Scheme } = await loadX402Facilitator();
    const scheme = new Scheme(fakeChain(now, requirement.network, isNonceUsed));
    facilitator = await scheme.verify(envelope as unknown as PaymentPayload, requirement as unknown as PaymentRequirements);
  } catch (err) {
    return rejection("payment_verification_failed", `The payment could not be verified: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!facilitator.isValid) {
    const fr = facilitator.invalidReason ?? "unknown";
    return rejection(FACILITATOR_REASONS[fr] ?? "payment_verification_failed", `Facilitator refused the payment: ${fr}${facilitator.invalidMessage ? ` (${facilitator.invalidMessage})` : ""}.`, fr);
  }

  // 2. The sandbox's own checks, on its own clock.
  if (getAddress(auth.to) !== getAddress(requirement.payTo)) {
    return rejection("pay_to_mismatch", `authorization.to ${auth.to} is not the payee ${requirement.payTo}.`);
  }
  if (auth.value !== requirement.amount) {
    return rejection("amount_mismatch", `authorization.value ${auth.value} differs from the required amount ${requirement.amount}.`);
  }
  if (BigInt(auth.validAfter) > BigInt(now)) {
    return rejection("valid_after_in_future", `authorization.validAfter ${auth.validAfter} is in the future (server time ${now}).`);
  }
  if (BigInt(auth.validBefore) < BigInt(now + VALID_BEFORE_MARGIN_SECONDS)) {
    return rejection("valid_before_expired", `authorization.validBefore ${auth.validBefore} has passed or expires within ${VALID_BEFORE_MARGIN_SECONDS} s (server time ${now}).`);
  }
  const slack = opts.validBeforeSlackSeconds === undefined ? VALID_BEFORE_SLACK_SECONDS : opts.validBeforeSlackSeconds;
  if (slack !== null && BigInt(auth.validBefore) > BigInt(now + requirement.maxTimeoutSeconds + slack)) {
    return rejection(
      "valid_before_too_far",
      `authorization.validBefore ${auth.validBefore} lies beyond now + maxTimeoutSeconds (${now} + ${requirement.maxTimeoutSeconds}).`,
    );
  }
  if (isNonceUsed({ network: requirement.network, asset: requirement.asset, from: auth.from, nonce: auth.nonce })) {
    return rejection("nonce_already_used", `Authorization nonce ${auth.nonce} of ${auth.from} was already used on ${requirement.asset}.`);
  }
  const chainId = Number(requirement.network.slice("eip155:".length));
  let recovered: string | undefined;
  try {
    recovered = await recoverTypedDataAddress({
      domain: { name: requirement.extra.name, version: requirement.extra.version, chainId, verifyingContract: getAddress(requirement.asset) },
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      primaryType: "TransferWithAuthorization",
      message: {
        from: getAddress(auth.from),
        to: getAddress(auth.to),
        value: BigInt(auth.value),
        validAfter: BigInt(auth.validAfter),
        validBefore: BigInt(auth.validBefore),
        nonce: auth.nonce,
      },
      signature: envelope.payload.signature,
    });
  } catch {
    recovered = undefined;
  }
  if (recovered === undefined || getAddress(recovered) !== getAddress(auth.from)) {
    return rejection("invalid_signature", "The signature does not recover to authorization.from over the EIP-3009 TransferWithAuthorization typed data of this requirement.");
  }
  return { ok: true, requirement, authorization: auth, payer: getAddress(auth.from), facilitator };
}

// ---------------------------------------------------------------------------------------------
// The paid-request flow: reserve, verify, settle, run, record, answer (with faults)
// ---------------------------------------------------------------------------------------------

export interface X402SettlementBlock {
  settled: true;
  transaction: Hex;
  network: string;
  resource_url: string;
  settlement_recorded: true;
  payment: {
    token: X402TokenSymbol;
    asset: string;
    amount_base_units: string;
    amount_usd: number;
    payer_wallet_address: string;
    pay_to: string;
  };
}

export interface PaidRequestSpec {
  challenge: X402Challenge;
  offers: readonly X402Offer[];
  /** Method, path and canonical body: an identical resend must be for the same request. */
  requestKey: string;
  /** Extra check of the verified payer (credit purchases: payer_wallet_address). */
  checkPayer?: (payer: Hex) => { reason: string; message: string } | undefined;
  /** The paid work, run once after settlement; its fields join `success` and `x402` in the body. */
  fulfil: (block: X402SettlementBlock) => Record<string, unknown>;
  /** The payment settled and its answer is recorded. */
  onRecorded?: (response: SandboxResponse) => void;
  /** The payment was refused or not settled. */
  onUnsettled?: () => void;
}

export function hasPaymentHeader(ctx: RequestContext): boolean {
  return ctx.headers["x-payment"] !== undefined || ctx.headers["payment-signature"] !== undefined;
}

/** Method, path and RFC 8785 body: what "the same request" means for an idempotent resend. */
export function requestKeyOf(ctx: RequestContext, body: unknown): string {
  return `${ctx.method} ${ctx.path}\n${canonicalize(body) ?? ""}`;
}

function sleep(ctx: RequestContext, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return ctx.sleep ? ctx.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
}

export function paymentInProgress(): SandboxResponse {
  return json(409, { success: false, error: "payment already in progress", code: "X402_PAYMENT_IN_PROGRESS" }, { "retry-after": "1" });
}

function fiveXX(status: 500 | 502 | 503): SandboxResponse {
  switch (status) {
    case 500:
      return json(500, { success: false, error: "Payment settlement failed upstream; nothing was charged. Retry with the same X-PAYMENT.", code: "X402_SETTLEMENT_FAILED" });
    case 502:
      return { status: 502, raw: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", contentType: "text/html; charset=utf-8" };
    case 503:
      return json(503, { detail: "Service Unavailable" }, { "retry-after": "1" });
  }
}

function cloneResponse(r: SandboxResponse): SandboxResponse {
  return { ...r, ...(r.headers ? { headers: { ...r.headers } } : {}) };
}

/** The recorded answer as the faults let it through. */
function deliver(response: SandboxResponse, faults: FaultDecision): SandboxResponse {
  if (faults.drop) return { status: 0, raw: "", destroySocket: true };
  if (faults.malformed) {
    const notJson = Buffer.from("settled=yes; tx=pending", "utf8").toString("base64");
    return {
      status: 200,
      raw: '{"success":true,"x402":{"settled":true,"transaction":"0x',
      contentType: "application/json",
      headers: { "payment-response": notJson, "x-payment-response": "%%not-base64%%" },
    };
  }
  return cloneResponse(response);
}

/** An already-recorded answer to a paid request, through the fault modes (nothing is settled again). */
export async function replayRecorded(ctx: RequestContext, response: SandboxResponse): Promise<SandboxResponse> {
  const faults = ctx.state.external.x402.rollFaults();
  await sleep(ctx, faults.delayMs);
  if (faults.status5xx) return fiveXX(faults.status5xx);
  return deliver(response, faults);
}

function transactionHash(k: NonceLookup): Hex {
  return keccak256(toHex(`agentpmt-sandbox-x402-settlement|${nonceKey(k)}`));
}

/**
 * Handles a request that carries X-PAYMENT / PAYMENT-SIGNATURE. The nonce is reserved
 * synchronously before anything is awaited, so two concurrent deliveries can never both settle.
 */
export async function handlePayment(ctx: RequestContext, spec: PaidRequestSpec): Promise<SandboxResponse> {
  const x = ctx.state.external.x402;
  const reject = (r: Pick<X402Rejection, "reason" | "message" | "facilitatorReason">): SandboxResponse => {
    x.rejected += 1;
    spec.onUnsettled?.();
    return rejectionResponse(spec.challenge, r);
  };

  const xPayment = ctx.headers["x-payment"];
  const paymentSignature = ctx.headers["payment-signature"];
  if (xPayment !== undefined && paymentSignature !== undefined && xPayment.trim() !== paymentSignature.trim()) {
    return reject({ reason: "invalid_payment", message: "X-PAYMENT and PAYMENT-SIGNATURE carry different payments; send one." });
  }
  const decoded = decodePaymentHeader(xPayment ?? paymentSignature ?? "");
  if (!decoded.ok) return reject(decoded);
  const { envelope, canonical } = decoded;
  const auth = envelope.payload.authorization;
  const key = nonceKey({ network: envelope.accepted.network, asset: envelope.accepted.asset, from: auth.from, nonce: auth.nonce });

  const existing = x.payments.get(key);
  if (existing) {
    if (existing.status !== "done") {
      spec.onUnsettled?.();
      return paymentInProgress();
    }
    if (existing.envelopeKey === canonical && existing.requestKey === spec.requestKey && existing.response) {
      return replayRecorded(ctx, existing.response);
    }
    return reject({
      reason: "nonce_already_used",
      message:
        existing.envelopeKey === canonical
          ? "This payment already settled for a different request body; a payment pays for exactly one request."
          : `Authorization nonce ${auth.nonce} already settled with a different envelope. Sign a new authorization with a fresh nonce.`,
    });
  }

  const record: PaymentRecord = { key, envelopeKey: canonical, requestKey: spec.requestKey, status: "pending" };
  x.payments.set(key, record);
  const release = () => {
    if (x.payments.get(key) === record) x.payments.delete(key);
  };

  let verdict: X402Verified | X402Rejection;
  try {
    verdict = await verifyX402Payment(envelope, {
      resourceUrl: spec.challenge.resource.url,
      offers: spec.offers.map((o) => o.requirement),
      nowSeconds: Math.floor(ctx.now() / 1000),
      lean: challengeStyleOf(ctx).lean,
      isNonceUsed: (k) => x.isNonceSettled(nonceKey(k)),
    });
  } catch (err) {
    release();
    spec.onUnsettled?.();
    throw err;
  }
  // reset() ran while this payment was pending: the ledger it would settle into is gone.
  const wasReset = () => x.payments.get(key) !== record;
  const resetAnswer = () => {
    spec.onUnsettled?.();
    return json(503, { success: false, error: "The sandbox was reset while the payment was pending; nothing was charged.", code: "X402_SANDBOX_RESET" });
  };
  if (wasReset()) return resetAnswer();
  if (!verdict.ok) {
    release();
    return reject(verdict);
  }
  const payerProblem = spec.checkPayer?.(verdict.payer);
  if (payerProblem) {
    release();
    return reject(payerProblem);
  }

  const faults = x.rollFaults();
  // Slow settlement: still pending, so a resend meets 409 and the ledger does not have it yet.
  await sleep(ctx, faults.settleDelayMs);
  if (wasReset()) return resetAnswer();
  if (faults.status5xx) {
    release();
    spec.onUnsettled?.();
    await sleep(ctx, faults.delayMs);
    return fiveXX(faults.status5xx);
  }

  // Settle, run the paid work and record the answer in one synchronous step: there is no
  // observable moment where the payment settled but its answer is not recorded.
  const requirement = verdict.requirement;
  const offer = spec.offers.find((o) => o.requirement === requirement)!;
  const lookup = { network: requirement.network, asset: requirement.asset, from: verdict.payer, nonce: auth.nonce };
  const transaction = transactionHash(lookup);
  x.settled.push({
    nonce: auth.nonce.toLowerCase(),
    from: verdict.payer,
    to: getAddress(auth.to),
    asset: getAddress(requirement.asset),
    network: requirement.network,
    amount: auth.value,
    transaction,
    resource: spec.challenge.resource.url,
    at: ctx.now(),
  });
  const block: X402SettlementBlock = {
    settled: true,
    transaction,
    network: requirement.network,
    resource_url: spec.challenge.resource.url,
    settlement_recorded: true,
    payment: {
      token: offer.token.symbol,
      asset: getAddress(requirement.asset),
      amount_base_units: requirement.amount,
      amount_usd: offer.amountUsd,
      payer_wallet_address: verdict.payer,
      pay_to: requirement.payTo,
    },
  };
  const headerValue = base64Json(block);
  const response = json(200, { success: true, ...spec.fulfil(block), x402: block }, { "payment-response": headerValue, "x-payment-response": headerValue });

  record.status = "done";
  record.response = response;
  spec.onRecorded?.(response);

  // "Answer late": settled and recorded already, so a resend meanwhile gets the recorded result.
  await sleep(ctx, faults.delayMs);
  return deliver(response, faults);
}
