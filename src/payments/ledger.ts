import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../state/files.js';
import { log } from '../log.js';
import type { Currency } from './assets.js';

export type PaymentStatus = 'pending' | 'settled' | 'failed' | 'unknown';

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
  /** The signed X-PAYMENT value; resent as is, never re-signed. */
  envelope: string;
  network: string;
  asset: string;
  symbol: string;
  currency: Currency;
  amount: string; // base units
  pay_to: string;
  payer: string;
  auth_nonce: string;
  valid_before: string;
  attempts: number;
  tx_hash?: string;
  failure_reason?: string;
  settlement?: unknown;
}

type Line = { op: 'create'; entry: PaymentEntry } | { op: 'update'; id: string; at: string; patch: Partial<PaymentEntry> };

/**
 * The payment ledger: an append-only JSON-lines file in the state directory.
 * Every line is flushed to disk before the call that depends on it goes on, so
 * a payment is on disk before its envelope leaves, and a crash loses nothing
 * that was sent. The current state of an entry is the fold of its lines.
 */
export class PaymentLedger {
  private readonly entries = new Map<string, PaymentEntry>();
  private queue: Promise<void> = Promise.resolve();

  private constructor(readonly file: string) {}

  static async open(file: string): Promise<PaymentLedger> {
    const ledger = new PaymentLedger(file);
    await ensurePrivateDir(path.dirname(file));
    let text = '';
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    lines.forEach((line, i) => {
      try {
        ledger.apply(JSON.parse(line) as Line);
      } catch {
        // A torn last line is what a crash mid-append leaves; anything else is worth a loud warning.
        log.warn(i === lines.length - 1 ? 'ignoring a torn last line in the payment ledger' : 'ignoring an unreadable payment ledger line', { line: i + 1 });
      }
    });
    return ledger;
  }

  private apply(line: Line): void {
    if (line.op === 'create') this.entries.set(line.entry.id, { ...line.entry });
    else {
      const cur = this.entries.get(line.id);
      if (cur) this.entries.set(line.id, { ...cur, ...line.patch, updated_at: line.at });
    }
  }

  private append(line: Line): Promise<void> {
    const run = async () => {
      const handle = await fs.open(this.file, 'a', 0o600);
      try {
        await handle.appendFile(JSON.stringify(line) + '\n', 'utf8');
        await handle.datasync();
      } finally {
        await handle.close();
      }
      this.apply(line);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  record(entry: PaymentEntry): Promise<void> {
    return this.append({ op: 'create', entry });
  }

  update(id: string, patch: Partial<PaymentEntry>): Promise<void> {
    return this.append({ op: 'update', id, at: new Date().toISOString(), patch });
  }

  get(id: string): PaymentEntry | undefined {
    const e = this.entries.get(id);
    return e ? { ...e } : undefined;
  }

  all(): PaymentEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  byCallKey(callKey: string): PaymentEntry | undefined {
    return this.all().find((e) => e.call_key === callKey && e.status !== 'failed');
  }

  unresolved(): PaymentEntry[] {
    return this.all().filter((e) => e.status === 'pending' || e.status === 'unknown');
  }

  /** Today's spend per currency (calendar day, UTC). Pending and unknown count as spent: they may settle. */
  spentToday(now: Date = new Date()): Record<Currency, bigint> {
    const day = now.toISOString().slice(0, 10);
    const out: Record<Currency, bigint> = { USD: 0n, EUR: 0n };
    for (const e of this.entries.values()) {
      if (e.status !== 'failed' && e.created_at.slice(0, 10) === day) out[e.currency] += BigInt(e.amount);
    }
    return out;
  }
}
