import { createHash, randomUUID } from 'node:crypto';
import type { RuntimeContext } from '../context.js';
import { fail, ToolFailureError } from '../../../core/errors.js';
import { normalizePlatformError } from '../errors.js';
import type { HttpResponse } from '../../../core/http-client.js';
import { log } from '../../../core/log.js';
import { sleep } from '../../../core/shared/sleep.js';
import { CHAIN_NAMES, formatAmount, type Currency } from './assets.js';
import { readChallenge, readSettlement } from './challenge.js';
import { committedOn, LedgerProblemError, OWNER, ownerMayBeAlive, UNRESOLVED, type LedgerProblem, type LedgerStore, type PaymentEntry } from './ledger.js';
import { budgetRefusal, chooseRequirement, type PricedRequirement } from './policy.js';
import type { Quote } from './approval.js';

export interface PaidCall {
  kind: PaymentEntry['kind'];
  /** What the payment buys, shown to the user when asking for approval and kept in the ledger. */
  description: string;
  origin: string;
  path: string;
  /** Sent byte for byte on the unpaid request, the paid one and every resend. */
  body: string;
  quoteId?: string;
  maxPrice?: { currency: Currency; amount: bigint };
  /** The user wants this identical call bought again, although it was paid moments ago. */
  payAgain?: boolean;
}

export interface PaidOutcome {
  res?: HttpResponse;
  payment?: PaymentEntry;
  /** Set when the call stopped to ask for approval: the quote to confirm, the price, and what it buys. */
  approval?: { quote: Quote; choice: PricedRequirement; buys: string; /** The client's approval prompt was cancelled, not answered. */ promptCancelled?: boolean };
  /** The identical call was already paid within the de-duplication window: this is its recorded outcome. */
  replayed?: boolean;
}

const SEND_ATTEMPTS = 3;
const RECONCILE_ATTEMPTS = 7; // backoff 0.2 s … 12.8 s, about 25 s in all
const SHUT_DOWN = 'the server shut down before the platform answered';
/** Platform answers kept in the ledger for a repeated call; bigger ones are summarized by the payment alone. */
const MAX_RECORDED_RESPONSE = 32 * 1024;

/** Payments this process is sending right now: nobody else may resend them meanwhile. */
const delivering = new Set<string>();

export const describeChoice = (c: PricedRequirement): string => `${formatAmount(c.amount)} ${c.asset.currency} (${c.asset.symbol} on ${CHAIN_NAMES[c.asset.chainId]}) to ${c.payTo}`;

/** The ledger, or a refusal naming what is wrong with it: nothing is paid from a ledger we cannot trust. */
export async function usableLedger(ctx: Pick<RuntimeContext, 'payments'>): Promise<LedgerStore> {
  let store: LedgerStore;
  try {
    store = await ctx.payments.ledger();
  } catch (err) {
    if (err instanceof ToolFailureError) throw err;
    throw ledgerFailure(openProblem(ctx, err));
  }
  const problem = await store.problem();
  if (problem) throw ledgerFailure(problem);
  return store;
}

/** Why the ledger could not even be opened (a database down, say). */
function openProblem(ctx: Pick<RuntimeContext, 'payments'>, err: unknown): LedgerProblem {
  if (err instanceof LedgerProblemError) return err.problem;
  return { location: ctx.payments.ledgerLocation, what: `cannot be opened: ${(err as Error).message}`, next_step: 'Run agentpmt-mcp doctor to check the ledger settings.' };
}

export function ledgerFailure(p: LedgerProblem): ToolFailureError {
  return new ToolFailureError({
    code: 'ledger_unusable',
    message: `Payments are stopped: the payment ledger ${p.location} ${p.what}. Nothing was signed or paid.`,
    next_step: `${p.next_step} Free tools and credit payments keep working meanwhile.`,
  });
}

/** Ledger errors met while paying become the same named refusal. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LedgerProblemError) throw ledgerFailure(err.problem);
    throw err;
  }
}

const isUnresolved = (e: PaymentEntry) => UNRESOLVED.has(e.status);

/** Another call (here or in another process) is paying for this same call right now. */
function inFlight(e: PaymentEntry): boolean {
  if (!isUnresolved(e)) return false;
  if (e.owner === OWNER) return delivering.has(e.id) || e.status === 'reserved';
  return ownerMayBeAlive(e.owner, e.updated_at);
}

function recentlySettled(entries: readonly PaymentEntry[], windowSeconds: number, now = Date.now()): PaymentEntry | undefined {
  if (windowSeconds <= 0) return undefined;
  return entries.filter((e) => e.status === 'settled' && now - Date.parse(e.updated_at) <= windowSeconds * 1000).at(-1);
}

function inProgressFailure(e: PaymentEntry): ToolFailureError {
  return new ToolFailureError({
    status: 409,
    code: 'payment_in_progress',
    message: `An identical call is being paid right now (payment ${e.id}, ${formatAmount(BigInt(e.amount))} ${e.currency}, ${e.status}). It was not paid a second time.`,
    next_step: 'Wait a few seconds, then call again with the same arguments: you get that payment\'s outcome. payments_list shows it meanwhile.',
    details: paymentSummary(e),
  });
}

/** A reservation whose process stopped before signing: nothing was sent, so its amount is given back. */
function releaseUnsigned(store: LedgerStore, e: PaymentEntry): Promise<PaymentEntry> {
  return store.update(e.id, { status: 'failed', failure_reason: 'released: reserved but never signed (the process stopped first); nothing was sent' });
}

function replayOf(e: PaymentEntry): PaidOutcome {
  const json = e.response ?? {};
  return { res: { status: 200, headers: {}, contentType: 'application/json', kind: 'json', json, text: JSON.stringify(json) }, payment: e, replayed: true };
}

/**
 * Sends a call that may answer 402 and pays it with x402 under the spend
 * policy: choose → approve → reserve (the policy check and the ledger record
 * in one atomic step) → sign → record the envelope → send the identical body
 * with X-PAYMENT → record the outcome. Nothing is signed before the policy,
 * the approval and the reservation said yes; nothing is sent before the
 * envelope is on disk.
 */
export async function sendWithX402(call: PaidCall, ctx: RuntimeContext): Promise<PaidOutcome> {
  return guarded(() => payOnce(call, ctx));
}

async function payOnce(call: PaidCall, ctx: RuntimeContext): Promise<PaidOutcome> {
  const store = await usableLedger(ctx);
  const callKey = createHash('sha256').update(`${call.origin}${call.path}\n${call.body}`).digest('hex');
  const windowSeconds = ctx.config.paymentDedupeSeconds;

  // An earlier payment for this very call is finished first, with its own envelope:
  // signing a second one could pay twice. One still being sent elsewhere is left alone.
  const prior = await store.byCallKey(callKey);
  for (const earlier of prior.filter(isUnresolved)) {
    if (inFlight(earlier)) throw inProgressFailure(earlier);
    if (!earlier.envelope) {
      await releaseUnsigned(store, earlier);
      continue;
    }
    const outcome = await deliver(earlier, ctx);
    if (outcome.payment?.status !== 'failed') return outcome;
  }
  const settled = call.payAgain ? undefined : recentlySettled(prior, windowSeconds);
  if (settled) return replayOf(settled);

  const first = await ctx.http.request({ origin: call.origin, method: 'POST', path: call.path, body: call.body, idempotent: false, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (first.status !== 402) return { res: first };
  const challenge = readChallenge(first);
  const verdict = chooseRequirement(challenge.accepts, ctx.payments.policy, await store.committedToday(), call.maxPrice);
  if (!verdict.ok) throw policyRefusal([...verdict.reasons, ...challenge.skipped.map((x) => `${x}: skipped, not a readable payment option.`)]);
  const choice = verdict.choice;

  if (verdict.needsApproval) {
    if (call.quoteId) {
      const why = await store.quotes.redeem(call.quoteId, callKey, choice);
      if (why) fail({ status: 402, code: 'quote_mismatch', message: `Not paid: ${why}.`, next_step: 'Call again without quote_id to get a fresh quote, and show the user the new price before confirming.' });
    } else if (ctx.elicit) {
      const answer = await ctx.elicit(`Approve a payment of ${describeChoice(choice)} for: ${call.description}?`, {
        type: 'object',
        properties: { approve: { type: 'boolean', title: 'Approve this payment', description: `${describeChoice(choice)} — ${call.description}` } },
        required: ['approve'],
      });
      // A cancel is not a no: headless hosts cancel every prompt, and a user may dismiss one
      // unread. The quote path lets the model ask in the conversation instead.
      if (answer.action === 'cancel') {
        const quote = await store.quotes.issue(callKey, choice);
        return { res: first, approval: { quote, choice, buys: call.description, promptCancelled: true } };
      }
      if (answer.action !== 'accept' || answer.content?.approve !== true) {
        fail({
          status: 402,
          code: 'payment_declined',
          message: `Not paid: the user declined the payment of ${describeChoice(choice)}.`,
          next_step: 'Do not retry this payment unless the user asks for it.',
        });
      }
    } else {
      const quote = await store.quotes.issue(callKey, choice);
      return { res: first, approval: { quote, choice, buys: call.description } };
    }
  }

  // The wallet is unlocked before the reservation: holding the ledger lock through a keystore decryption would stall every other payer.
  const from = await ctx.wallet.address();
  const now = new Date();
  const reservation: PaymentEntry = {
    id: `pay_${randomUUID()}`,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    status: 'reserved',
    description: call.description,
    kind: call.kind,
    call_key: callKey,
    method: 'POST',
    url: `${call.origin}${call.path}`,
    body: call.body,
    network: choice.requirement.network,
    asset: choice.requirement.asset,
    symbol: choice.asset.symbol,
    currency: choice.asset.currency,
    amount: choice.requirement.amount,
    pay_to: choice.payTo,
    payer: from,
    attempts: 0,
    owner: OWNER,
  };
  type Reserved = { kind: 'reserved' } | { kind: 'busy'; entry: PaymentEntry } | { kind: 'done'; entry: PaymentEntry } | { kind: 'refused'; why: string };
  const verdictNow = await store.reserve<Reserved>(callKey, now, (view) => {
    const busy = view.sameCall.find(isUnresolved);
    if (busy) return { result: { kind: 'busy', entry: busy } };
    const done = call.payAgain ? undefined : recentlySettled(view.sameCall, windowSeconds, now.getTime());
    if (done) return { result: { kind: 'done', entry: done } };
    const over = budgetRefusal(choice.amount, choice.asset.currency, view.committed, ctx.payments.policy, now);
    if (over) return { result: { kind: 'refused', why: over } };
    return { insert: reservation, result: { kind: 'reserved' } };
  });
  if (verdictNow.kind === 'busy') throw inProgressFailure(verdictNow.entry);
  if (verdictNow.kind === 'done') return replayOf(verdictNow.entry);
  if (verdictNow.kind === 'refused') throw policyRefusal([`${describeChoice(choice)}: refused, ${verdictNow.why}.`]);

  let signed: { envelope: string; nonce: string; validBefore: string };
  try {
    const x402 = await import('../wallet/x402-authorization.js');
    // `accepted` is echoed exactly as offered; the validity window and the EIP-712 domain the
    // challenge may leave out come from the choice (defaults / our asset table, policy.ts).
    const requirement = choice.requirement as Parameters<typeof x402.authorizationForRequirement>[0];
    const signingView = { ...requirement, maxTimeoutSeconds: choice.timeoutSeconds, extra: { ...(requirement.extra ?? {}), name: choice.domain.name, version: choice.domain.version } };
    const authorization = x402.authorizationForRequirement(signingView, from);
    const signature = await ctx.wallet.signTransfer(x402.transferDomainFromRequirement(signingView), authorization);
    signed = { envelope: x402.encodeX402Envelope(x402.buildX402Envelope({ resource: challenge.resource, accepted: requirement, authorization, signature })), nonce: authorization.nonce, validBefore: authorization.validBefore };
  } catch (err) {
    await store.update(reservation.id, { status: 'failed', failure_reason: `released: not signed (${err instanceof ToolFailureError ? err.failure.code : 'signing error'}); nothing was sent` });
    throw err;
  }
  delivering.add(reservation.id);
  try {
    // On disk before it leaves: a crash from here on is resolved by resending this very envelope.
    const pending = await store.update(reservation.id, { status: 'pending', envelope: signed.envelope, auth_nonce: signed.nonce, valid_before: signed.validBefore });
    return await deliver(pending, ctx);
  } finally {
    delivering.delete(reservation.id);
  }
}

function policyRefusal(reasons: readonly string[]): ToolFailureError {
  return new ToolFailureError({
    status: 402,
    code: 'payment_refused_by_policy',
    message: `Not paid: no payment option fits the spend policy. ${reasons.join(' ')}`,
    next_step: 'Nothing was signed or paid. Pay with credits instead, pick a cheaper action, wait for the budget to reset, or ask the user to change the spend policy setting named above.',
  });
}

/** The platform's answer, kept for a repeated call when it is small enough. */
function recordable(res: HttpResponse): { response?: unknown } {
  return res.json !== undefined && res.text.length <= MAX_RECORDED_RESPONSE ? { response: res.json } : {};
}

/**
 * Sends a recorded payment's envelope with its exact body, a few times on
 * transport failures, and records the outcome. Safe to repeat: one signed
 * authorization can be settled only once. A shutdown stops it early: the
 * payment is then recorded as unknown and reconciled at the next start.
 */
export async function deliver(entry: PaymentEntry, ctx: Pick<RuntimeContext, 'http' | 'payments'> & { signal?: AbortSignal }, attemptsAllowed = SEND_ATTEMPTS): Promise<PaidOutcome> {
  const store = await ctx.payments.ledger();
  const url = new URL(entry.url);
  const stop = ctx.payments.shutdown;
  let attempts = entry.attempts;
  let last: HttpResponse | undefined;
  let lastProblem = 'no answer';
  delivering.add(entry.id);
  try {
    for (let i = 0; i < attemptsAllowed && !stop.aborted; i++) {
      attempts++;
      try {
        // Not tied to the client's cancel signal: once an envelope is out, we keep going until we know its outcome (or the server stops).
        last = await ctx.http.request({ origin: url.origin, method: 'POST', path: url.pathname + url.search, body: entry.body, headers: { 'x-payment': entry.envelope ?? '' }, idempotent: false, signal: stop });
      } catch (err) {
        if (!(err instanceof ToolFailureError)) throw err;
        lastProblem = stop.aborted ? SHUT_DOWN : err.failure.message;
        log.warn('payment outcome unknown; resending the same envelope', { payment: entry.id, attempt: attempts, code: err.failure.code });
        await sleep(200 * 2 ** i, stop).catch(() => undefined);
        continue;
      }
      if (last.status >= 200 && last.status < 300) {
        const settlement = readSettlement(last);
        const payment = await store.update(entry.id, { status: 'settled', attempts, ...(settlement?.transaction ? { tx_hash: String(settlement.transaction) } : {}), ...(settlement ? { settlement } : {}), ...recordable(last) });
        return { res: last, payment };
      }
      if (last.status === 409 || last.status >= 500) {
        lastProblem = `HTTP ${last.status}`;
        await sleep(200 * 2 ** i, stop).catch(() => undefined);
        continue;
      }
      const failure = normalizePlatformError(last.status, last.json ?? last.text);
      const payment = await store.update(entry.id, { status: 'failed', attempts, failure_reason: `${failure.code}: ${failure.message}` });
      return { res: last, payment };
    }
    if (stop.aborted) lastProblem = SHUT_DOWN;
    const payment = await store.update(entry.id, { status: 'unknown', attempts, failure_reason: lastProblem });
    return { ...(last ? { res: last } : {}), payment };
  } finally {
    delivering.delete(entry.id);
  }
}

/**
 * Resolves payments left unresolved by an earlier run (crash, lost answer,
 * shutdown) by resending their own envelopes. Payments another live process
 * is still sending are left to it; reservations that were never signed are released.
 */
export async function reconcilePayments(ctx: Pick<RuntimeContext, 'http' | 'payments'>): Promise<PaymentEntry[]> {
  return guarded(async () => {
    const store = await usableLedger(ctx);
    const out: PaymentEntry[] = [];
    for (const e of (await store.list()).filter(isUnresolved)) {
      if (ctx.payments.shutdown.aborted) break;
      if (inFlight(e)) continue;
      log.info('reconciling an unresolved payment', { payment: e.id, status: e.status });
      if (!e.envelope) {
        out.push(await releaseUnsigned(store, e));
        continue;
      }
      // No caller is waiting here, so be patient: a platform still finishing the first delivery answers 409 for a while.
      const outcome = await deliver(e, ctx, RECONCILE_ATTEMPTS);
      if (outcome.payment) out.push(outcome.payment);
    }
    return out;
  });
}

/** The paid call's outcome as the model needs it, including the error when the payment did not settle. */
export function paymentSummary(p: PaymentEntry): Record<string, unknown> {
  return {
    payment_id: p.id,
    status: p.status,
    amount: formatAmount(BigInt(p.amount)),
    currency: p.currency,
    asset: p.symbol,
    network: p.network,
    pay_to: p.pay_to,
    ...(p.tx_hash ? { transaction: p.tx_hash } : {}),
    ...(p.failure_reason ? { reason: p.failure_reason } : {}),
  };
}

export function unsettledFailure(p: PaymentEntry, res: HttpResponse | undefined): ToolFailureError {
  if (p.status === 'unknown') {
    return new ToolFailureError({
      code: 'payment_outcome_unknown',
      message: `Payment ${p.id} (${formatAmount(BigInt(p.amount))} ${p.currency}) was sent but no answer came back (${p.failure_reason ?? 'no answer'}). It is recorded as awaiting an outcome and counts against today's budget; it will be reconciled by resending the same signed payment (at the next start, or when this call is repeated).`,
      next_step: 'Do not pay again. Call the same tool again with the same arguments: it resends the same signed payment, which can settle at most once. payments_list shows it meanwhile.',
      details: paymentSummary(p),
    });
  }
  const base = res ? normalizePlatformError(res.status, res.json ?? res.text) : undefined;
  return new ToolFailureError({
    ...(base ?? { code: 'payment_failed', message: 'The payment failed.' }),
    status: res?.status ?? 402,
    code: base?.code ?? 'payment_failed',
    message: `Payment ${p.id} was refused by the platform: ${p.failure_reason ?? base?.message ?? 'no reason given'}`,
    next_step: 'Nothing was charged for this call. Check the policy and wallet funds (wallet_status), then try again or pay with credits.',
    details: paymentSummary(p),
  });
}

/**
 * The ledger as free tools read it: every readable entry, today's committed
 * spend and, when the ledger cannot be paid from, why. Never throws for
 * damage: listing and status keep answering while payments are stopped.
 */
export async function readLedger(ctx: Pick<RuntimeContext, 'payments'>, now: Date = new Date()): Promise<{ entries: PaymentEntry[]; committed: Record<Currency, bigint>; problem?: LedgerProblem }> {
  try {
    const store = await ctx.payments.ledger();
    const problem = await store.problem();
    const entries = await store.list();
    return { entries, committed: committedOn(entries, now), ...(problem ? { problem } : {}) };
  } catch (err) {
    return { entries: [], committed: { USD: 0n, EUR: 0n }, problem: openProblem(ctx, err) };
  }
}
