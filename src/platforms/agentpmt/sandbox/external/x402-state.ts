/**
 * Mutable x402 state of the sandbox: the fake chain's record of used EIP-3009 authorization
 * nonces, the recorded answers that make an identical resend idempotent, the settlement
 * ledger tests inspect, and the switchable fault modes. Lives in `state.external.x402`.
 */
import type { SandboxResponse } from "../http.js";
import { seededRandom } from "../ids.js";

export interface X402SettledPayment {
  /** 0x + 64 hex, lowercased. */
  nonce: string;
  /** Checksummed payer (authorization.from). */
  from: string;
  /** Checksummed payee (authorization.to). */
  to: string;
  /** Checksummed token contract. */
  asset: string;
  /** CAIP-2, e.g. eip155:8453. */
  network: string;
  /** Base units, decimal string. */
  amount: string;
  /** Fake 0x + 64 hex transaction hash derived from the nonce. */
  transaction: string;
  /** resource.url the payment was for. */
  resource: string;
  /** Sandbox clock (ms) at settlement. */
  at: number;
}

export interface X402FaultConfig {
  /** Settle and record, then destroy the socket without answering. Probability 0..1 or boolean. */
  dropAfterSettle?: number | boolean;
  /** Answer this many ms late, after settling and recording: a resend meanwhile gets the recorded result. */
  delayMs?: number;
  /**
   * Hold a verified payment this many ms before settling it (slow settlement): meanwhile it is
   * "in progress" (a resend meets 409 X402_PAYMENT_IN_PROGRESS) and not yet in the ledger.
   */
  settleDelayMs?: number;
  /** Probability 0..1 of answering 500/502/503 WITHOUT settling. */
  status5xx?: number;
  /** Settle, then answer 200 with a body that is not JSON and PAYMENT-RESPONSE headers that are not base64 JSON. */
  malformedSettlement?: number | boolean;
  /** Seed of the PRNG that rolls the probabilistic faults (reproducible runs). */
  seed?: number;
}

export interface FaultDecision {
  /** Set: answer this 5xx status and do not settle. */
  status5xx?: 500 | 502 | 503;
  drop: boolean;
  malformed: boolean;
  delayMs: number;
  settleDelayMs: number;
}

/** `${network}|${asset}|${from}|${nonce}` (all lowercased): one EIP-3009 authorization on one token contract. */
export type NonceKey = string;

export interface PaymentRecord {
  key: NonceKey;
  /** RFC 8785 text of the decoded envelope: "the same envelope". */
  envelopeKey: string;
  /** Method, path and canonical body of the request it paid for. */
  requestKey: string;
  /** pending: reserved while it is verified (and, with settleDelayMs, before it settles); done: settled, `response` recorded. */
  status: "pending" | "done";
  response?: SandboxResponse;
}

export interface PurchaseRecord {
  /** Canonical text of the purchase parameters the request_id was first used with. */
  paramsKey: string;
  status: "processing" | "done";
  response?: SandboxResponse;
}

interface NormalizedFaults {
  drop: number;
  delayMs: number;
  settleDelayMs: number;
  status5xx: number;
  malformed: number;
}


function probability(value: number | boolean | undefined, name: string): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return 1;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`x402Faults.set: ${name} must be a probability between 0 and 1 or a boolean`);
  }
  return value;
}

const FIVE_XX = [500, 502, 503] as const;

export class X402State {
  /** Every settled payment, in settlement order. Mutated in place (exposed live). */
  readonly settled: X402SettledPayment[] = [];
  /** Payments answered with a 402 rejection. */
  rejected = 0;
  readonly payments = new Map<NonceKey, PaymentRecord>();
  /** `${wallet}\n${request_id}` → credit purchase. */
  readonly purchases = new Map<string, PurchaseRecord>();
  private faults: NormalizedFaults | undefined;
  private rng: () => number = seededRandom(1);

  setFaults(f: X402FaultConfig): void {
    if (typeof f !== "object" || f === null) throw new TypeError("x402Faults.set: expected an object");
    const delayMs = f.delayMs ?? 0;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) throw new RangeError("x402Faults.set: delayMs must be a non-negative number");
    const settleDelayMs = f.settleDelayMs ?? 0;
    if (typeof settleDelayMs !== "number" || !Number.isFinite(settleDelayMs) || settleDelayMs < 0) {
      throw new RangeError("x402Faults.set: settleDelayMs must be a non-negative number");
    }
    if (f.seed !== undefined && (typeof f.seed !== "number" || !Number.isFinite(f.seed))) throw new RangeError("x402Faults.set: seed must be a finite number");
    this.faults = {
      drop: probability(f.dropAfterSettle, "dropAfterSettle"),
      delayMs,
      settleDelayMs,
      status5xx: probability(f.status5xx, "status5xx"),
      malformed: probability(f.malformedSettlement, "malformedSettlement"),
    };
    this.rng = seededRandom(f.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  clearFaults(): void {
    this.faults = undefined;
  }

  /** One roll per paid request, always in the same order so a seed reproduces a run. */
  rollFaults(): FaultDecision {
    const f = this.faults;
    if (!f) return { drop: false, malformed: false, delayMs: 0, settleDelayMs: 0 };
    const hit = (p: number) => p > 0 && this.rng() < p;
    const decision: FaultDecision = { drop: false, malformed: false, delayMs: f.delayMs, settleDelayMs: f.settleDelayMs };
    if (hit(f.status5xx)) decision.status5xx = FIVE_XX[Math.floor(this.rng() * FIVE_XX.length)] ?? 500;
    decision.drop = hit(f.drop);
    decision.malformed = hit(f.malformed);
    return decision;
  }

  /** Whether the fake chain has already consumed this authorization (settled, not merely reserved). */
  isNonceSettled(key: NonceKey): boolean {
    const rec = this.payments.get(key);
    return rec !== undefined && rec.status === "done";
  }

  reset(): void {
    this.settled.length = 0;
    this.rejected = 0;
    this.payments.clear();
    this.purchases.clear();
    this.faults = undefined;
    this.rng = seededRandom(1);
  }
}
