import type { Config } from '../../config.js';
import type { HttpClient } from '../../core/http-client.js';
import type { WalletManager } from './wallet/manager.js';
import type { SessionNonces } from './wallet/session.js';
import type { LedgerStore } from './payments/ledger.js';
import type { SpendPolicy } from './payments/policy.js';
import type { MarketplaceCache } from './marketplace/catalog-cache.js';

export interface ElicitAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

export interface PaymentServices {
  policy: SpendPolicy;
  /** Opened on first use (start-up stays fast), then shared; quotes live in it too. */
  ledger: () => Promise<LedgerStore>;
  /** The ledger's file or database, safe to show. */
  ledgerLocation: string;
  /** Aborted when the server begins to stop: payments in flight are then recorded as unknown and answered. */
  shutdown: AbortSignal;
}

/** What a tool call can reach: settings, the one HTTP client, and per-process connection state. */
export interface RuntimeContext {
  config: Config;
  http: HttpClient;
  /** The platform's connection instance id, kept from the last response that named one. */
  instance: { id?: string };
  wallet: WalletManager;
  sessions: SessionNonces;
  payments: PaymentServices;
  market: MarketplaceCache<RuntimeContext>;
  /** Asks the user through MCP elicitation; absent when the client cannot. */
  elicit?: (message: string, requestedSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] }) => Promise<ElicitAnswer>;
  signal?: AbortSignal;
  /** Reports progress to the client when it asked for it (sent a progress token); otherwise a no-op. */
  progress: (progress: number, message: string, total?: number) => Promise<void>;
}
