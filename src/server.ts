import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { selectTools } from './toolsets.js';
import { catalog } from './catalog/index.js';
import { forwardLogs, registerHostExtras } from './host-extras.js';
import type { AnyDeclaration } from './catalog/types.js';
import type { Config } from './config.js';
import type { RuntimeContext } from './engine/context.js';
import { execute } from './engine/executor.js';
import { HttpClient } from './engine/http-client.js';
import { WalletManager } from './wallet/manager.js';
import { SessionNonces } from './wallet/session.js';
import path from 'node:path';
import { QuoteBook } from './payments/approval.js';
import { PaymentLedger } from './payments/ledger.js';
import { policyFromConfig } from './payments/policy.js';
import { MarketplaceCache } from './marketplace/catalog-cache.js';
import type { PaymentServices, ElicitAnswer } from './engine/context.js';
import { VERSION } from './version.js';

export interface SharedRuntime {
  config: Config;
  http: HttpClient;
  wallet: WalletManager;
  sessions: SessionNonces;
  payments: PaymentServices;
  market: MarketplaceCache;
}

/** What every session of this process shares: settings, connection pools, the wallet and its nonces. */
export function createSharedRuntime(config: Config): SharedRuntime & { close(): Promise<void> } {
  const http = new HttpClient({ timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, userAgent: `agentpmt-mcp/${VERSION}` });
  return {
    config,
    http,
    wallet: new WalletManager(config),
    sessions: new SessionNonces(http, config.webUrl),
    payments: paymentServices(config),
    market: new MarketplaceCache(
      () => catalog.find((d) => d.name === 'marketplace_list')!,
      () => catalog.find((d) => d.name === 'account_products_list')!,
    ),
    close: () => http.close(),
  };
}

function paymentServices(config: Config): PaymentServices {
  let opened: Promise<PaymentLedger> | undefined;
  return {
    policy: policyFromConfig(config),
    quotes: new QuoteBook(),
    ledger: () => (opened ??= PaymentLedger.open(path.join(config.home, 'payments.jsonl'))),
  };
}

const INSTRUCTIONS = [
  'agentpmt-mcp connects you to the AgentPMT platform: the account (credits, tool purchases), workflow runs, embeds and platform status.',
  'Tools that need the account token say so; if one returns missing_credential, tell the user which setting to add instead of retrying.',
  'Workflow runs are asynchronous: workflow_run_trigger returns a run_id, then poll workflow_run_status.',
  'Every error result has a "Next step" line: follow it.',
].join(' ');

/**
 * One McpServer per client session. State that belongs to a connection (the
 * platform's instance id) lives here; the config and HTTP pools are shared.
 */
export function createMcpServer(shared: SharedRuntime, declarations: readonly AnyDeclaration[] = selectTools(shared.config)): McpServer {
  const server = new McpServer(
    { name: 'agentpmt-mcp', title: 'AgentPMT', version: VERSION },
    { capabilities: { logging: {}, resources: {}, prompts: {} }, instructions: INSTRUCTIONS },
  );
  const instance: RuntimeContext['instance'] = {};
  registerHostExtras(server, { ...shared, instance }, declarations, catalog);
  const stopForwarding = forwardLogs(server);
  server.server.onclose = () => stopForwarding();
  for (const decl of declarations) {
    server.registerTool(
      decl.name,
      { title: decl.title, description: decl.description, inputSchema: decl.input, annotations: { title: decl.title, ...decl.annotations } },
      (args, extra) => {
        const token = extra._meta?.progressToken;
        const progress = async (value: number, message: string, total?: number) => {
          if (token === undefined) return;
          await extra
            .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: value, message, ...(total !== undefined ? { total } : {}) } })
            .catch(() => undefined); // a client that went away must not fail the call
        };
        // Elicitation only where the client declared it (Claude Desktop does not): otherwise payments use quotes.
        const elicit = server.server.getClientCapabilities()?.elicitation
          ? async (message: string, requestedSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] }): Promise<ElicitAnswer> => {
              const r = await server.server.elicitInput({ message, requestedSchema: requestedSchema as never }, { signal: extra.signal });
              return { action: r.action, ...(r.content ? { content: r.content as Record<string, unknown> } : {}) };
            }
          : undefined;
        return execute(decl, args as Record<string, unknown>, { ...shared, instance, signal: extra.signal, progress, ...(elicit ? { elicit } : {}) });
      },
    );
  }
  return server;
}
