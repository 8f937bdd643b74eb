import os from 'node:os';
import { z } from 'zod';
import type { Currency } from './assets.js';
import type { QuoteStore } from './approval.js';

/**
 * reserved: the amount is held under the spend policy, nothing signed yet;
 * pending: signed and on disk, about to be (or being) sent;
 * settled / failed: final; unknown: sent, outcome not known (reconciled later).
 */
export type PaymentStatus = 'reserved' | 'pending' | 'settled' | 'failed' | 'unknown';
export const PAYMENT_STATUSES = ['reserved', 'pending', 'settled', 'failed', 'unknown'] as const;

export interface PaymentEntry {
  id: string;
  created_at: string;
  updated_at: string;
  status: PaymentStatus;
  /** What the payment buys, for people reading the ledger. */
  description: string;
  kind: 'tool_invoke' | 'credits_purchase';
  /** The logical call this pays for; one call never gets two payments. */
  call_key: string;
  method: 'POST';
  url: string;
  /** The exact request body, so an unknown outcome can be resolved by resending it byte for byte. */
  body: string;
  /** The signed X-PAYMENT value; resent as is, never re-signed. Absent while only reserved. */
  envelope?: string;
  network: string;
  asset: string;
  symbol: string;
  currency: Currency;
  amount: string; // base units
  pay_to: string;
  payer: string;
  auth_nonce?: string;
  valid_before?: string;
  attempts: number;
  /** Which process made it (host:pid:start), so another process does not resend a payment still in flight. */
  owner?: string;
  tx_hash?: string;
  failure_reason?: string;
  settlement?: unknown;
  /** The platform's answer to the paid call (when small), returned again if the same call is repeated. */
  response?: unknown;
}

/** Six-decimal stablecoins: a million units is already far beyond any policy; more is damage, not spend. */
export const MAX_SANE_AMOUNT = 10n ** 12n;

const amount = z.string().refine((s) => /^[1-9]\d{0,30}$/.test(s) && BigInt(s) <= MAX_SANE_AMOUNT, 'amount must be a positive integer of base units no larger than 1,000,000 tokens');
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');

/** What a ledger record must look like; anything else is damage, never silently spend or not-spend. */
export const entrySchema = z
  .object({
    id: z.string().min(1),
    created_at: iso,
    updated_at: iso,
    status: z.enum(PAYMENT_STATUSES),
    description: z.string(),
    kind: z.enum(['tool_invoke', 'credits_purchase']),
    call_key: z.string().min(1),
    method: z.literal('POST'),
    url: z.string().url(),
    body: z.string(),
    envelope: z.string().optional(),
    network: z.string(),
    asset: z.string(),
    symbol: z.string(),
    currency: z.enum(['USD', 'EUR']),
    amount,
    pay_to: z.string(),
    payer: z.string(),
    auth_nonce: z.string().optional(),
    valid_before: z.string().optional(),
    attempts: z.number().int().min(0),
    owner: z.string().optional(),
    tx_hash: z.string().optional(),
    failure_reason: z.string().optional(),
    settlement: z.unknown().optional(),
    response: z.unknown().optional(),
  })
  .passthrough();

export const patchSchema = entrySchema.partial().refine((p) => p.id === undefined && p.created_at === undefined && p.call_key === undefined && p.amount === undefined && p.currency === undefined, 'an update may not change id, created_at, call_key, amount or currency');

/** Settled + pending + unknown + reserved: everything that is or may become spend. */
export const COMMITTED: ReadonlySet<PaymentStatus> = new Set(['reserved', 'pending', 'settled', 'unknown']);
export const UNRESOLVED: ReadonlySet<PaymentStatus> = new Set(['reserved', 'pending', 'unknown']);

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/** Today's committed spend per currency (calendar day, UTC). */
export function committedOn(entries: Iterable<PaymentEntry>, now: Date): Record<Currency, bigint> {
  const day = utcDay(now);
  const out: Record<Currency, bigint> = { USD: 0n, EUR: 0n };
  for (const e of entries) if (COMMITTED.has(e.status) && e.created_at.slice(0, 10) === day) out[e.currency] += BigInt(e.amount);
  return out;
}

/** What the spend decision sees, consistent for as long as the decision runs. */
export interface CommittedView {
  committed: Record<Currency, bigint>;
  /** Every entry for the same call, oldest first. */
  sameCall: PaymentEntry[];
}

export interface Decision<T> {
  /** Recorded (as one atomic step with the decision) when present. */
  insert?: PaymentEntry;
  result: T;
}

/** Why a ledger cannot be trusted for paying: the file (or database), what is wrong, and what to do. */
export interface LedgerProblem {
  location: string;
  what: string;
  next_step: string;
}

export class LedgerProblemError extends Error {
  constructor(readonly problem: LedgerProblem) {
    super(`the payment ledger ${problem.location} ${problem.what}`);
    this.name = 'LedgerProblemError';
  }
}

/**
 * Where payments are recorded. Every implementation guarantees, for any number
 * of concurrent calls, processes or instances sharing it: a `reserve` decision
 * sees every earlier committed payment and no other writer can interleave
 * between the decision and its insert; every record is durable before the
 * call that depends on it returns.
 */
export interface LedgerStore {
  /** The file or database, safe to show (no credentials). */
  readonly location: string;
  readonly quotes: QuoteStore;
  reserve<T>(callKey: string, now: Date, decide: (view: CommittedView) => Decision<T>): Promise<T>;
  update(id: string, patch: Partial<PaymentEntry>): Promise<PaymentEntry>;
  get(id: string): Promise<PaymentEntry | undefined>;
  byCallKey(callKey: string): Promise<PaymentEntry[]>;
  /** Every readable entry, oldest first; works on a damaged ledger too (free tools keep answering). */
  list(): Promise<PaymentEntry[]>;
  committedToday(now?: Date): Promise<Record<Currency, bigint>>;
  /** Undefined when the ledger can be paid from; otherwise why not. */
  problem(): Promise<LedgerProblem | undefined>;
  close(): Promise<void>;
}

const START = Date.now().toString(36);
/** This process, as written into the entries it owns. */
export const OWNER = `${os.hostname()}:${process.pid}:${START}`;

/** Whether the process that owns an entry may still be working on it (so nobody else resends its envelope). */
export function ownerMayBeAlive(owner: string | undefined, updatedAt: string, now = Date.now()): boolean {
  if (!owner) return false;
  if (owner === OWNER) return true;
  const [host, pid] = owner.split(':');
  if (host === os.hostname() && pid && /^\d+$/.test(pid)) {
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    // A live pid may be a reused one after a reboot; a payment untouched for 10 minutes is not in flight.
    return now - Date.parse(updatedAt) < 10 * 60_000;
  }
  // Another machine (a PostgreSQL ledger shared by instances): trust it for a while, then take over.
  return now - Date.parse(updatedAt) < 5 * 60_000;
}
