import pg from 'pg';
import { log } from '../../../core/log.js';
import { newQuote, quoteMismatch, type Quote, type QuoteStore } from './approval.js';
import type { Currency } from './assets.js';
import { COMMITTED, entrySchema, LedgerProblemError, patchSchema, utcDay, type CommittedView, type Decision, type LedgerProblem, type LedgerStore, type PaymentEntry } from './ledger.js';
import type { PricedRequirement } from './policy.js';

// One key for every instance: the spend decision and its insert are serialized by this
// transaction-scoped advisory lock, so no two instances can both see the same "spent so far".
const LEDGER_LOCK = 0x61676e74; // "agnt"
const SCHEMA_LOCK = 0x61676e75;
const COMMITTED_STATUSES = [...COMMITTED];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agentpmt_payments (
  id text PRIMARY KEY,
  seq bigserial UNIQUE,
  call_key text NOT NULL,
  day date NOT NULL,
  currency text NOT NULL CHECK (currency IN ('USD', 'EUR')),
  amount numeric(40, 0) NOT NULL CHECK (amount > 0 AND amount <= 1000000000000),
  status text NOT NULL CHECK (status IN ('reserved', 'pending', 'settled', 'failed', 'unknown')),
  entry jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS agentpmt_payments_call_key ON agentpmt_payments (call_key);
CREATE INDEX IF NOT EXISTS agentpmt_payments_day ON agentpmt_payments (day, status);
CREATE TABLE IF NOT EXISTS agentpmt_quotes (
  id text PRIMARY KEY,
  quote jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);`;

async function inTransaction<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await work(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** A row's entry, checked like a file record: a row that fails is damage, not spend. */
function readEntry(row: { entry: unknown }): PaymentEntry {
  const parsed = entrySchema.safeParse(row.entry);
  if (!parsed.success) throw new Error(`a damaged payment row: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data as PaymentEntry;
}

/**
 * The ledger in PostgreSQL, for HTTP deployments with several server
 * instances behind a load balancer. Same guarantees as the file: the budget
 * check and the reservation are one transaction under an advisory lock, every
 * write is committed before the call goes on, and quotes live here too so any
 * instance can redeem them.
 */
export class PgLedger implements LedgerStore {
  readonly quotes: QuoteStore;

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {
    this.quotes = new PgQuotes(pool);
  }

  static async open(url: string, location: string): Promise<PgLedger> {
    const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
    // An idle client losing its connection must not crash the server; the next query reconnects.
    pool.on('error', (err) => log.warn('PostgreSQL ledger connection lost', { error: err.message }));
    const ledger = new PgLedger(pool, location);
    try {
      await ledger.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await c.query(SCHEMA);
      });
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new LedgerProblemError({ location, what: `cannot be opened: ${(err as Error).message}`, next_step: 'Check that PostgreSQL is running and that AGENTPMT_LEDGER_URL (host, port, database, user, password) is right; agentpmt-mcp doctor tests the connection.' });
    }
    return ledger;
  }

  private tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  private unusable(err: unknown): LedgerProblemError {
    if (err instanceof LedgerProblemError) return err;
    return new LedgerProblemError({ location: this.location, what: `cannot be used: ${(err as Error).message}`, next_step: 'Check that PostgreSQL is reachable and healthy (agentpmt-mcp doctor), then retry. Nothing was paid.' });
  }

  async reserve<T>(callKey: string, now: Date, decide: (view: CommittedView) => Decision<T>): Promise<T> {
    try {
      return await this.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
        const sums = await c.query<{ currency: Currency; total: string }>('SELECT currency, sum(amount)::text AS total FROM agentpmt_payments WHERE day = $1 AND status = ANY($2) GROUP BY currency', [utcDay(now), COMMITTED_STATUSES]);
        const committed: Record<Currency, bigint> = { USD: 0n, EUR: 0n };
        for (const r of sums.rows) committed[r.currency] = BigInt(r.total);
        const same = await c.query<{ entry: unknown }>('SELECT entry FROM agentpmt_payments WHERE call_key = $1 ORDER BY seq', [callKey]);
        const decision = decide({ committed, sameCall: same.rows.map(readEntry) });
        if (decision.insert) {
          const e = entrySchema.parse(decision.insert) as PaymentEntry;
          await c.query('INSERT INTO agentpmt_payments (id, call_key, day, currency, amount, status, entry, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [e.id, e.call_key, e.created_at.slice(0, 10), e.currency, e.amount, e.status, JSON.stringify(e), e.updated_at]);
        }
        return decision.result;
      });
    } catch (err) {
      throw this.unusable(err);
    }
  }

  async update(id: string, patch: Partial<PaymentEntry>): Promise<PaymentEntry> {
    const checked = patchSchema.safeParse(patch);
    if (!checked.success) throw new Error(`refusing to record an invalid payment update: ${checked.error.message}`);
    const at = new Date().toISOString();
    const full = { ...patch, updated_at: at };
    let rows;
    try {
      ({ rows } = await this.pool.query<{ entry: unknown }>('UPDATE agentpmt_payments SET entry = entry || $2::jsonb, status = COALESCE($3, status), updated_at = $4 WHERE id = $1 RETURNING entry', [id, JSON.stringify(full), patch.status ?? null, at]));
    } catch (err) {
      throw this.unusable(err);
    }
    if (!rows[0]) throw new Error(`payment ${id} is not in the ledger`);
    return readEntry(rows[0]);
  }

  async get(id: string): Promise<PaymentEntry | undefined> {
    const { rows } = await this.pool.query<{ entry: unknown }>('SELECT entry FROM agentpmt_payments WHERE id = $1', [id]);
    return rows[0] ? readEntry(rows[0]) : undefined;
  }

  async byCallKey(callKey: string): Promise<PaymentEntry[]> {
    const { rows } = await this.pool.query<{ entry: unknown }>('SELECT entry FROM agentpmt_payments WHERE call_key = $1 ORDER BY seq', [callKey]);
    return rows.map(readEntry);
  }

  async list(): Promise<PaymentEntry[]> {
    const { rows } = await this.pool.query<{ entry: unknown }>('SELECT entry FROM agentpmt_payments ORDER BY seq');
    // Free tools list what is readable; a damaged row is reported by problem(), not fatal here.
    const out: PaymentEntry[] = [];
    for (const r of rows) {
      try {
        out.push(readEntry(r));
      } catch {
        /* counted by problem() */
      }
    }
    return out;
  }

  async committedToday(now: Date = new Date()): Promise<Record<Currency, bigint>> {
    const { rows } = await this.pool.query<{ currency: Currency; total: string }>('SELECT currency, sum(amount)::text AS total FROM agentpmt_payments WHERE day = $1 AND status = ANY($2) GROUP BY currency', [utcDay(now), COMMITTED_STATUSES]);
    const out: Record<Currency, bigint> = { USD: 0n, EUR: 0n };
    for (const r of rows) out[r.currency] = BigInt(r.total);
    return out;
  }

  async problem(): Promise<LedgerProblem | undefined> {
    try {
      const { rows } = await this.pool.query<{ entry: unknown; id: string }>("SELECT id, entry FROM agentpmt_payments WHERE day >= (now() AT TIME ZONE 'UTC')::date - 1");
      for (const r of rows) {
        try {
          readEntry(r);
        } catch (err) {
          return { location: this.location, what: `has a damaged row ${r.id} (${(err as Error).message})`, next_step: 'Inspect the row in the agentpmt_payments table and correct or remove it; today\'s budget cannot be trusted until then.' };
        }
      }
      return undefined;
    } catch (err) {
      return this.unusable(err).problem;
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** Quotes in the shared database, redeemed once by whichever instance gets the confirming call. */
class PgQuotes implements QuoteStore {
  constructor(private readonly pool: pg.Pool) {}

  async issue(callKey: string, c: PricedRequirement): Promise<Quote> {
    const q = newQuote(callKey, c, Date.now());
    await this.pool.query('DELETE FROM agentpmt_quotes WHERE expires_at < now()');
    await this.pool.query('INSERT INTO agentpmt_quotes (id, quote, expires_at) VALUES ($1, $2, $3)', [q.id, JSON.stringify(q), new Date(q.expires_at)]);
    return q;
  }

  redeem(id: string, callKey: string, c: PricedRequirement): Promise<string | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ quote: Quote }>('SELECT quote FROM agentpmt_quotes WHERE id = $1 FOR UPDATE', [id]);
      const why = quoteMismatch(rows[0]?.quote, callKey, c, Date.now());
      if (!why) await client.query('DELETE FROM agentpmt_quotes WHERE id = $1', [id]);
      return why;
    });
  }
}
