import type { Config } from '../../config.js';
import type { HttpClient } from '../../core/http-client.js';
import type { ArrotechAuth } from './auth.js';

/** What an Arrotech tool call can reach: settings, the one HTTP client, the credential holder, and the MCP call's scope. */
export interface ArrotechContext {
  config: Config;
  http: HttpClient;
  auth: ArrotechAuth;
  signal?: AbortSignal;
  /** Reports progress to the client when it asked for it; otherwise a no-op. */
  progress: (progress: number, message: string, total?: number) => Promise<void>;
  /** The client sent a progress token: streamed endpoints are worth using. */
  progressRequested?: boolean;
  /** What this process learnt of the deployment's routes (shared by every session). */
  routes?: { agentsLegacy?: boolean; executionsByList?: boolean };
}
