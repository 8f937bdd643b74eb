import { createHash, randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RuntimeContext } from '../engine/context.js';
import { fail, normalizePlatformError, ToolFailureError } from '../engine/errors.js';
import type { HttpResponse } from '../engine/http-client.js';
import { okResult } from '../engine/results.js';
import { log } from '../log.js';
import { sleep } from '../shared/sleep.js';
import { CHAIN_NAMES, formatAmount, type Currency } from './assets.js';
import { readChallenge, readSettlement } from './challenge.js';
import type { PaymentEntry } from './ledger.js';
import { chooseRequirement, type PricedRequirement } from './policy.js';

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
}

export interface PaidOutcome {
  res?: HttpResponse;
  payment?: PaymentEntry;
  /** Set when the call stopped to ask for approval (a quote to confirm). */
  approval?: CallToolResult;
}

const SEND_ATTEMPTS = 3;
const RECONCILE_ATTEMPTS = 7; // backoff 0.2 s … 12.8 s, about 25 s in all

const describeChoice = (c: PricedRequirement) => `${formatAmount(c.amount)} ${c.asset.currency} (${c.asset.symbol} on ${CHAIN_NAMES[c.asset.chainId]}) to ${c.payTo}`;


/**
 * Sends a call that may answer 402 and pays it with x402 under the spend
 * policy: choose → approve → sign → write the ledger → send the identical body
 * with X-PAYMENT → record the outcome. Nothing is signed before the policy and
 * the approval said yes; nothing is sent before the ledger line is on disk.
 */
export async function sendWithX402(call: PaidCall, ctx: RuntimeContext): Promise<PaidOutcome> {
  const ledger = await ctx.payments.ledger();
  const callKey = createHash('sha256').update(`${call.origin}${call.path}\n${call.body}`).digest('hex');

  // An earlier payment for this very call whose outcome is unknown is finished first,
  // with its own envelope: signing a second one could pay twice.
  for (const earlier of ledger.unresolved().filter((e) => e.call_key === callKey)) {
    const outcome = await deliver(earlier, ctx);
    if (outcome.payment?.status !== 'failed') return outcome;
  }

  const first = await ctx.http.request({ origin: call.origin, method: 'POST', path: call.path, body: call.body, idempotent: false, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (first.status !== 402) return { res: first };
  const challenge = readChallenge(first);
  const verdict = chooseRequirement(challenge.accepts, ctx.payments.policy, ledger.spentToday(), call.maxPrice);
  if (!verdict.ok) {
    fail({
      status: 402,
      code: 'payment_refused_by_policy',
      message: `Not paid: no payment option fits the spend policy. ${verdict.reasons.join(' ')}`,
      next_step: 'Nothing was signed or paid. Pay with credits instead, pick a cheaper action, or ask the user to change the spend policy setting named above.',
    });
  }
  const choice = verdict.choice;

  if (verdict.needsApproval) {
    if (call.quoteId) {
      const why = ctx.payments.quotes.redeem(call.quoteId, callKey, choice);
      if (why) fail({ status: 402, code: 'quote_mismatch', message: `Not paid: ${why}.`, next_step: 'Call again without quote_id to get a fresh quote, and show the user the new price before confirming.' });
    } else if (ctx.elicit) {
      const answer = await ctx.elicit(`Approve a payment of ${describeChoice(choice)} for: ${call.description}?`, {
        type: 'object',
        properties: { approve: { type: 'boolean', title: 'Approve this payment', description: `${describeChoice(choice)} — ${call.description}` } },
        required: ['approve'],
      });
      if (answer.action !== 'accept' || answer.content?.approve !== true) {
        fail({
          status: 402,
          code: answer.action === 'cancel' ? 'payment_cancelled' : 'payment_declined',
          message: `Not paid: the user ${answer.action === 'cancel' ? 'cancelled the approval' : 'declined the payment'} of ${describeChoice(choice)}.`,
          next_step: 'Do not retry this payment unless the user asks for it.',
        });
      }
    } else {
      const quote = ctx.payments.quotes.issue(callKey, choice);
      return {
        res: first,
        approval: okResult(
          {
            approval_required: true,
            quote_id: quote.id,
            expires_at: new Date(quote.expires_at).toISOString(),
            price: { amount: formatAmount(choice.amount), currency: choice.asset.currency, asset: choice.asset.symbol, network: choice.requirement.network, pay_to: choice.payTo },
            buys: call.description,
          },
          `Approval needed: this call costs ${describeChoice(choice)}, above the approval threshold. Nothing was paid. Ask the user; if they agree, call the same tool again with the same arguments plus quote_id "${quote.id}" (valid 5 minutes).`,
        ),
      };
    }
  }

  const x402 = await import('../wallet/x402-authorization.js');
  const from = await ctx.wallet.address();
  const requirement = choice.requirement as Parameters<typeof x402.authorizationForRequirement>[0];
  const authorization = x402.authorizationForRequirement(requirement, from);
  const signature = await ctx.wallet.signTransfer(x402.transferDomainFromRequirement(requirement), authorization);
  const envelope = x402.encodeX402Envelope(x402.buildX402Envelope({ resource: challenge.resource, accepted: requirement, authorization, signature }));
  const now = new Date().toISOString();
  const entry: PaymentEntry = {
    id: `pay_${randomUUID()}`,
    created_at: now,
    updated_at: now,
    status: 'pending',
    description: call.description,
    kind: call.kind,
    call_key: callKey,
    method: 'POST',
    url: `${call.origin}${call.path}`,
    body: call.body,
    envelope,
    network: choice.requirement.network,
    asset: choice.requirement.asset,
    symbol: choice.asset.symbol,
    currency: choice.asset.currency,
    amount: choice.requirement.amount,
    pay_to: choice.payTo,
    payer: from,
    auth_nonce: authorization.nonce,
    valid_before: authorization.validBefore,
    attempts: 0,
  };
  await ledger.record(entry);
  return deliver(entry, ctx);
}

/**
 * Sends a recorded payment's envelope with its exact body, a few times on
 * transport failures, and records the outcome. Safe to repeat: one signed
 * authorization can be settled only once.
 */
export async function deliver(entry: PaymentEntry, ctx: Pick<RuntimeContext, 'http' | 'payments'> & { signal?: AbortSignal }, attemptsAllowed = SEND_ATTEMPTS): Promise<PaidOutcome> {
  const ledger = await ctx.payments.ledger();
  const url = new URL(entry.url);
  let attempts = entry.attempts;
  let last: HttpResponse | undefined;
  let lastProblem = 'no answer';
  for (let i = 0; i < attemptsAllowed; i++) {
    attempts++;
    try {
      // Deliberately not tied to the client's cancel signal: once an envelope is out, we keep going until we know its outcome.
      last = await ctx.http.request({ origin: url.origin, method: 'POST', path: url.pathname + url.search, body: entry.body, headers: { 'x-payment': entry.envelope }, idempotent: false });
    } catch (err) {
      if (!(err instanceof ToolFailureError)) throw err;
      lastProblem = err.failure.message;
      log.warn('payment outcome unknown; resending the same envelope', { payment: entry.id, attempt: attempts, code: err.failure.code });
      await sleep(200 * 2 ** i);
      continue;
    }
    if (last.status >= 200 && last.status < 300) {
      const settlement = readSettlement(last);
      await ledger.update(entry.id, { status: 'settled', attempts, ...(settlement?.transaction ? { tx_hash: String(settlement.transaction) } : {}), ...(settlement ? { settlement } : {}) });
      return { res: last, payment: ledger.get(entry.id)! };
    }
    if (last.status === 409 || last.status >= 500) {
      lastProblem = `HTTP ${last.status}`;
      await sleep(200 * 2 ** i);
      continue;
    }
    const failure = normalizePlatformError(last.status, last.json ?? last.text);
    await ledger.update(entry.id, { status: 'failed', attempts, failure_reason: `${failure.code}: ${failure.message}` });
    return { res: last, payment: ledger.get(entry.id)! };
  }
  await ledger.update(entry.id, { status: 'unknown', attempts, failure_reason: lastProblem });
  return { ...(last ? { res: last } : {}), payment: ledger.get(entry.id)! };
}

/** Resolves payments left pending or unknown by an earlier run (crash, lost answer) by resending their own envelopes. */
export async function reconcilePayments(ctx: Pick<RuntimeContext, 'http' | 'payments'>): Promise<PaymentEntry[]> {
  const ledger = await ctx.payments.ledger();
  const out: PaymentEntry[] = [];
  for (const e of ledger.unresolved()) {
    log.info('reconciling an unresolved payment', { payment: e.id, status: e.status });
    // No caller is waiting here, so be patient: a platform still finishing the first delivery answers 409 for a while.
    const outcome = await deliver(e, ctx, RECONCILE_ATTEMPTS);
    if (outcome.payment) out.push(outcome.payment);
  }
  return out;
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
      message: `Payment ${p.id} (${formatAmount(BigInt(p.amount))} ${p.currency}) was sent but no answer came back (${p.failure_reason ?? 'no answer'}).`,
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
 * The tool result of a paid call: the approval quote when one is pending, the
 * answer when no payment was asked, the answer plus its payment once settled;
 * an error for everything else (refused, failed, outcome unknown).
 */
export function paidCallResult(outcome: PaidOutcome, render: (json: Record<string, unknown>, payment?: Record<string, unknown>) => CallToolResult): CallToolResult {
  if (outcome.approval) return outcome.approval;
  const res = outcome.res;
  if (!outcome.payment) {
    if (!res || res.status >= 400) throw new ToolFailureError(normalizePlatformError(res?.status ?? 502, res?.json ?? res?.text));
    return render((res.json ?? {}) as Record<string, unknown>);
  }
  if (outcome.payment.status !== 'settled') throw unsettledFailure(outcome.payment, res);
  return render((res?.json ?? {}) as Record<string, unknown>, paymentSummary(outcome.payment));
}
