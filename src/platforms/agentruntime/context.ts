import type { Config } from '../../config.js';
import type { HttpClient } from '../../core/http-client.js';
import type { ElicitAnswer, ElicitSchema } from '../../core/platform.js';
import type { ConsentBook } from './consent.js';
import type { SecretStore } from './secrets.js';

/** What an AgentRuntime tool call can reach: settings, its own HTTP client, the local secret store and consent book. */
export interface ArContext {
  config: Config;
  http: HttpClient;
  secrets: SecretStore;
  consent: ConsentBook;
  signal?: AbortSignal;
  progress: (progress: number, message: string, total?: number) => Promise<void>;
  /** Asks the user through MCP elicitation; absent when the client cannot. */
  elicit?: (message: string, requestedSchema: ElicitSchema) => Promise<ElicitAnswer>;
}
