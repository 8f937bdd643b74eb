/**
 * Mutable state of the wallet-authenticated `/api/external/*` API. Lives inside
 * SandboxState (as `state.external`) and goes back to the seeded state on reset().
 */

import { X402State } from "./x402-state.js";
import type { SandboxVariant } from "../variants.js";

export type InvokePathForm = "external" | "api";

export interface ExternalConfig {
  /** Lifetime of a session nonce. */
  nonceTtlMs: number;
  /** One AgentAddress per caller IP per this many ms. */
  agentAddressIntervalMs: number;
  /** Credits a wallet holds the first time the sandbox sees it. */
  initialWalletCredits: number;
  /** Which `path:` line an invoke signature must carry. */
  invokePathForm: InvokePathForm;
  /** How this sandbox answers the questions the seeds leave open (variants.ts). */
  variant: SandboxVariant;
}

export interface NonceRecord {
  nonce: string;
  /** Lowercased 0x address the nonce was issued to. */
  wallet: string;
  issuedAt: number;
  expiresAt: number;
  /** Request ids consumed under this nonce (only after their signature verified). */
  usedRequestIds: Set<string>;
}

export type ReservationStatus = "reserved" | "submitted" | "approved";

export interface SocialPostRecord {
  platform: string;
  post_url: string;
  target_url_used: string;
  message_text: string;
  posted_at: string | null;
}

export interface ReservationRecord {
  reservationId: string;
  jobId: string;
  wallet: string;
  status: ReservationStatus;
  reservedAt: number;
  reservedUntil: number;
  submittedAt: number | null;
  approvedAt: number | null;
  proofText: string | null;
  socialPosts: SocialPostRecord[];
  creditsAwarded: number;
}

export interface WorkflowSessionRecord {
  sessionId: string;
  workflowId: string;
  wallet: string;
  instanceId: string | null;
  status: "active" | "ended";
  startedAt: number;
  endedAt: number | null;
}

export interface ExternalCounters {
  sessionFetches: number;
  verifiedRequests: number;
  replayedRequestIds: number;
  invocations: number;
}

export class ExternalState {
  readonly nonces = new Map<string, NonceRecord>();
  /** Lowercased wallet → credits. A wallet missing here holds `initialWalletCredits`. */
  readonly walletCredits = new Map<string, number>();
  /** Caller IP → when it last got an AgentAddress. */
  readonly agentAddressIssuedAt = new Map<string, number>();
  /** `${jobId}\n${wallet}` → the wallet's latest reservation of that job. */
  readonly reservations = new Map<string, ReservationRecord>();
  readonly workflowSessions = new Map<string, WorkflowSessionRecord>();
  /** Every mnemonic handed out, so tests can prove none of them leaks from the client. */
  readonly issuedMnemonics: string[] = [];
  /** Mutated in place (never replaced), so `sandbox.external` can expose it live. */
  readonly counters: ExternalCounters = { sessionFetches: 0, verifiedRequests: 0, replayedRequestIds: 0, invocations: 0 };
  /** x402 nonce ledger, settlements, recorded answers and fault modes. */
  readonly x402 = new X402State();

  constructor(readonly config: ExternalConfig) {}

  reset(): void {
    this.nonces.clear();
    this.walletCredits.clear();
    this.agentAddressIssuedAt.clear();
    this.reservations.clear();
    this.workflowSessions.clear();
    this.issuedMnemonics.length = 0;
    this.counters.sessionFetches = 0;
    this.counters.verifiedRequests = 0;
    this.counters.replayedRequestIds = 0;
    this.counters.invocations = 0;
    this.x402.reset();
  }
}
