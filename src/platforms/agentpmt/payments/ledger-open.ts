import path from 'node:path';
import type { Config } from '../../../config.js';
import type { LedgerStore } from './ledger.js';

/** Where the ledger lives, safe to show: the file, or the database without its credentials. */
export function ledgerLocation(config: Pick<Config, 'home' | 'ledgerUrl'>): string {
  if (!config.ledgerUrl) return path.join(config.home, 'payments.jsonl');
  try {
    const u = new URL(config.ledgerUrl);
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL (AGENTPMT_LEDGER_URL)';
  }
}

/** The configured ledger: PostgreSQL when AGENTPMT_LEDGER_URL is set, else the state directory's file. */
export async function openLedger(config: Pick<Config, 'home' | 'ledgerUrl'>): Promise<LedgerStore> {
  if (config.ledgerUrl) {
    const { PgLedger } = await import('./ledger-pg.js');
    return PgLedger.open(config.ledgerUrl, ledgerLocation(config));
  }
  const { FileLedger } = await import('./ledger-file.js');
  return FileLedger.open(ledgerLocation(config));
}
