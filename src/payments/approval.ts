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

const QUOTE_TTL_MS = 5 * 60_000;

/**
 * Short-lived price quotes for clients that cannot ask the user (no MCP
 * elicitation). A quote binds one call to one exact payment: the call repeated
 * with the quote_id may pay exactly that, nothing else.
 */
export class QuoteBook {
  private readonly quotes = new Map<string, Quote>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(callKey: string, c: PricedRequirement): Quote {
    this.sweep();
    const q: Quote = { id: `q_${randomUUID()}`, call_key: callKey, network: c.requirement.network, asset: c.requirement.asset.toLowerCase(), amount: c.requirement.amount, pay_to: c.payTo.toLowerCase(), expires_at: this.now() + QUOTE_TTL_MS };
    this.quotes.set(q.id, q);
    return q;
  }

  /** Why the quote does not cover this payment, or undefined when it does (the quote is then used up). */
  redeem(id: string, callKey: string, c: PricedRequirement): string | undefined {
    this.sweep();
    const q = this.quotes.get(id);
    if (!q) return 'the quote_id is unknown or expired (quotes last 5 minutes and are used once)';
    if (q.call_key !== callKey) return 'the quote_id was issued for a different call (other tool, product, action or parameters)';
    const diffs: string[] = [];
    if (q.amount !== c.requirement.amount) diffs.push(`amount ${c.requirement.amount} ≠ quoted ${q.amount}`);
    if (q.pay_to !== c.payTo.toLowerCase()) diffs.push('payee changed');
    if (q.asset !== c.requirement.asset.toLowerCase()) diffs.push('asset changed');
    if (q.network !== c.requirement.network) diffs.push('network changed');
    if (diffs.length) return `the price asked now differs from the quote (${diffs.join(', ')})`;
    this.quotes.delete(id);
    return undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, q] of this.quotes) if (q.expires_at <= now) this.quotes.delete(id);
  }
}
