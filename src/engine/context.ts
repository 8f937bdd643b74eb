import type { Config } from '../config.js';
import type { HttpClient } from './http-client.js';
import type { WalletManager } from '../wallet/manager.js';
import type { SessionNonces } from '../wallet/session.js';
import type { QuoteBook } from '../payments/approval.js';
import type { PaymentLedger } from '../payments/ledger.js';
import type { SpendPolicy } from '../payments/policy.js';
import type { MarketplaceCache } from '../marketplace/catalog-cache.js';

export interface ElicitAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

export interface PaymentServices {
  policy: SpendPolicy;
  quotes: QuoteBook;
  /** Opened on first use (start-up stays fast), then shared. */
  ledger: () => Promise<PaymentLedger>;
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
  market: MarketplaceCache;
  /** Asks the user through MCP elicitation; absent when the client cannot. */
  elicit?: (message: string, requestedSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] }) => Promise<ElicitAnswer>;
  signal?: AbortSignal;
  /** Reports progress to the client when it asked for it (sent a progress token); otherwise a no-op. */
  progress: (progress: number, message: string, total?: number) => Promise<void>;
}
