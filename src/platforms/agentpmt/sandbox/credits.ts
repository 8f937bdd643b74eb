import type { ObjectIdFactory } from "./ids.js";

const DAY_MS = 86_400_000;
/** 100 credits = 1 USD. */
const USD_PER_CREDIT = 0.01;

export interface CreditGrantJson {
  _id: string;
  user_id: string;
  amount_credits: number;
  amount_usd: number;
  remaining_credits: number;
  credit_type: string;
  source_metadata: Record<string, unknown>;
  date_created: string;
  pooled_at: string;
  expires_at: string;
}

export interface CreditTransactionJson {
  _id: string;
  user_id: string;
  transaction_type: "grant" | "expiration" | "revocation" | "purchase";
  amount_credits: number;
  amount_usd: number;
  balance_after_credits: number;
  balance_after_usd: number;
  date_created: string;
}

interface Grant {
  id: string;
  amount: number;
  remaining: number;
  creditType: string;
  metadata: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function usd(credits: number): number {
  return Math.round(credits * USD_PER_CREDIT * 100) / 100;
}

export class InsufficientCreditsError extends Error {
  constructor(readonly balance: number, readonly price: number) {
    super(`Insufficient credits: balance ${balance}, price ${price}`);
  }
}

/**
 * Credits live in grants that expire; the balance is what remains across grants, and
 * purchases drain the grant that expires first (so the reported expiration moves forward
 * as the user spends).
 */
export class CreditLedger {
  private grants: Grant[] = [];
  private transactions: CreditTransactionJson[] = [];

  constructor(
    private readonly userId: string,
    private readonly ids: ObjectIdFactory,
    private readonly now: () => number,
  ) {}

  clear(): void {
    this.grants = [];
    this.transactions = [];
  }

  grant(credits: number, creditType: string, metadata: Record<string, unknown>, validForDays = 365): void {
    if (credits <= 0) return;
    const at = this.now();
    this.grants.push({
      id: this.ids.next(),
      amount: credits,
      remaining: credits,
      creditType,
      metadata,
      createdAt: at,
      expiresAt: at + validForDays * DAY_MS,
    });
    this.record("grant", credits, at);
  }

  balance(): number {
    return this.grants.reduce((sum, g) => sum + g.remaining, 0);
  }

  nextExpiration(): { expiration: string | null; expires_in_days: number | null } {
    const live = this.grants.filter((g) => g.remaining > 0).sort((a, b) => a.expiresAt - b.expiresAt)[0];
    if (!live) return { expiration: null, expires_in_days: null };
    return {
      expiration: iso(live.expiresAt),
      expires_in_days: Math.max(0, Math.floor((live.expiresAt - this.now()) / DAY_MS)),
    };
  }

  /** Debits atomically: either the whole price is taken and recorded, or nothing changes. */
  debit(price: number): CreditTransactionJson | undefined {
    const balance = this.balance();
    if (price > balance) throw new InsufficientCreditsError(balance, price);
    if (price === 0) return undefined;
    let left = price;
    for (const g of [...this.grants].sort((a, b) => a.expiresAt - b.expiresAt)) {
      const take = Math.min(g.remaining, left);
      g.remaining -= take;
      left -= take;
      if (left === 0) break;
    }
    return this.record("purchase", -price, this.now());
  }

  history(limit: number): { grants: CreditGrantJson[]; transactions: CreditTransactionJson[] } {
    const grants = [...this.grants]
      .reverse()
      .slice(0, limit)
      .map((g) => ({
        _id: g.id,
        user_id: this.userId,
        amount_credits: g.amount,
        amount_usd: usd(g.amount),
        remaining_credits: g.remaining,
        credit_type: g.creditType,
        source_metadata: g.metadata,
        date_created: iso(g.createdAt),
        pooled_at: iso(g.createdAt),
        expires_at: iso(g.expiresAt),
      }));
    return { grants, transactions: [...this.transactions].reverse().slice(0, limit) };
  }

  private record(type: CreditTransactionJson["transaction_type"], amount: number, at: number): CreditTransactionJson {
    const after = this.balance();
    const tx: CreditTransactionJson = {
      _id: this.ids.next(),
      user_id: this.userId,
      transaction_type: type,
      amount_credits: amount,
      amount_usd: usd(amount),
      balance_after_credits: after,
      balance_after_usd: usd(after),
      date_created: iso(at),
    };
    this.transactions.push(tx);
    return tx;
  }
}
