import { randomUUID } from 'node:crypto';
import type { PricedRequirement } from './policy.js';

export interface Quote {
  id: string;
  call_key: string;
  network: string;
  asset: string;
  amount: string;
  pay_to: string;
  expires_at: number;
}

export const QUOTE_TTL_MS = 5 * 60_000;

/** Where quotes live: in this process (one client per stdio process), or in the shared ledger database so any instance can redeem them. */
export interface QuoteStore {
  issue(callKey: string, c: PricedRequirement): Promise<Quote>;
  /** Why the quote does not cover this payment, or undefined when it does (the quote is then used up, atomically). */
  redeem(id: string, callKey: string, c: PricedRequirement): Promise<string | undefined>;
}

export function newQuote(callKey: string, c: PricedRequirement, now: number): Quote {
  return { id: `q_${randomUUID()}`, call_key: callKey, network: c.requirement.network, asset: c.requirement.asset.toLowerCase(), amount: c.requirement.amount, pay_to: c.payTo.toLowerCase(), expires_at: now + QUOTE_TTL_MS };
}

/** Why a stored quote does not cover this payment, or undefined when it does. */
export function quoteMismatch(q: Quote | undefined, callKey: string, c: PricedRequirement, now: number): string | undefined {
  if (!q || q.expires_at <= now) return 'the quote_id is unknown or expired (quotes last 5 minutes and are used once)';
  if (q.call_key !== callKey) return 'the quote_id was issued for a different call (other tool, product, action or parameters)';
  const diffs: string[] = [];
  if (q.amount !== c.requirement.amount) diffs.push(`amount ${c.requirement.amount} ≠ quoted ${q.amount}`);
  if (q.pay_to !== c.payTo.toLowerCase()) diffs.push('payee changed');
  if (q.asset !== c.requirement.asset.toLowerCase()) diffs.push('asset changed');
  if (q.network !== c.requirement.network) diffs.push('network changed');
  return diffs.length ? `the price asked now differs from the quote (${diffs.join(', ')})` : undefined;
}

/**
 * Short-lived price quotes for clients that cannot ask the user (no MCP
 * elicitation), kept in this process. A quote binds one call to one exact
 * payment: the call repeated with the quote_id may pay exactly that, nothing else.
 */
export class QuoteBook implements QuoteStore {
  private readonly quotes = new Map<string, Quote>();

  constructor(private readonly now: () => number = Date.now) {}

  async issue(callKey: string, c: PricedRequirement): Promise<Quote> {
    this.sweep();
    const q = newQuote(callKey, c, this.now());
    this.quotes.set(q.id, q);
    return q;
  }

  async redeem(id: string, callKey: string, c: PricedRequirement): Promise<string | undefined> {
    this.sweep();
    const why = quoteMismatch(this.quotes.get(id), callKey, c, this.now());
    if (!why) this.quotes.delete(id);
    return why;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, q] of this.quotes) if (q.expires_at <= now) this.quotes.delete(id);
  }
}
