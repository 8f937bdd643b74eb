import type { Config } from '../config.js';
import type { HttpClient } from './http-client.js';
import type { WalletManager } from '../wallet/manager.js';
import type { SessionNonces } from '../wallet/session.js';

/** What a tool call can reach: settings, the one HTTP client, and per-process connection state. */
export interface RuntimeContext {
  config: Config;
  http: HttpClient;
  /** The platform's connection instance id, kept from the last response that named one. */
  instance: { id?: string };
  wallet: WalletManager;
  sessions: SessionNonces;
  signal?: AbortSignal;
  /** Reports progress to the client when it asked for it (sent a progress token); otherwise a no-op. */
  progress: (progress: number, message: string, total?: number) => Promise<void>;
}
