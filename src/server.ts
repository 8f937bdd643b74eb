import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { selectTools } from './platforms/agentpmt/toolsets.js';
import { catalog } from './platforms/agentpmt/tools/index.js';
import { forwardLogs, registerHostExtras } from './platforms/agentpmt/host-extras.js';
import type { AnyTool } from './platforms/agentpmt/tools/types.js';
import type { Config } from './config.js';
import type { RuntimeContext } from './platforms/agentpmt/context.js';
import { execute, requestFor } from './platforms/agentpmt/executor.js';
import { accountProductsList } from './platforms/agentpmt/tools/account.js';
import { marketplaceInvoke, marketplaceList } from './platforms/agentpmt/tools/external.js';
import { HttpClient } from './core/http-client.js';
import { WalletManager } from './platforms/agentpmt/wallet/manager.js';
import { SessionNonces } from './platforms/agentpmt/wallet/session.js';
import type { LedgerStore } from './platforms/agentpmt/payments/ledger.js';
import { ledgerLocation, openLedger } from './platforms/agentpmt/payments/ledger-open.js';
import { policyFromConfig } from './platforms/agentpmt/payments/policy.js';
import { MarketplaceCache } from './platforms/agentpmt/marketplace/catalog-cache.js';
import type { PinnedAction } from './platforms/agentpmt/marketplace/pins.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerRequest, ServerNotification } from '@modelcontextprotocol/sdk/types.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
import type { PaymentServices, ElicitAnswer } from './platforms/agentpmt/context.js';
import { VERSION } from './version.js';

export interface SharedRuntime {
  config: Config;
  http: HttpClient;
  wallet: WalletManager;
  sessions: SessionNonces;
  payments: PaymentServices;
  market: MarketplaceCache<RuntimeContext>;
  /** Marketplace actions pinned as their own tools (AGENTPMT_PIN), resolved at start-up. */
  pins?: readonly PinnedAction[];
  /** Tool calls still running, so a shutdown can let them finish (a payment mid-flight, say). */
  inflight?: { count: number };
}

export type Runtime = SharedRuntime & {
  /** Stops payments in flight: each is recorded as unknown and its caller answered; reconciled at the next start. */
  stopPayments(): void;
  close(): Promise<void>;
};

/** What every session of this process shares: settings, connection pools, the wallet and its nonces. */
export function createSharedRuntime(config: Config): Runtime {
  const http = new HttpClient({ timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, userAgent: `agentpmt-mcp/${VERSION}`, networkHint: 'Check the network and the AGENTPMT_API_URL / AGENTPMT_WEB_URL settings, then retry.' });
  const stopping = new AbortController();
  const payments = paymentServices(config, stopping.signal);
  return {
    config,
    http,
    wallet: new WalletManager(config),
    sessions: new SessionNonces(http, config.webUrl),
    payments: payments.services,
    inflight: { count: 0 },
    market: new MarketplaceCache<RuntimeContext>(async (listing, page, ctx) =>
      listing === 'account'
        ? (await requestFor(accountProductsList, { page, page_size: 100 }, ctx)).json
        : (await requestFor(marketplaceList, { page, page_size: 1000 }, ctx)).json,
    ),
    stopPayments: () => stopping.abort(),
    close: async () => {
      stopping.abort();
      await Promise.all([http.destroy(), payments.close()]);
    },
  };
}

function paymentServices(config: Config, shutdown: AbortSignal): { services: PaymentServices; close(): Promise<void> } {
  let opened: Promise<LedgerStore> | undefined;
  const ledger = () => {
    // A failed open (database down, say) is not cached: the next paid call tries again.
    opened ??= openLedger(config).catch((err: unknown) => {
      opened = undefined;
      throw err;
    });
    return opened;
  };
  return {
    services: { policy: policyFromConfig(config), ledger, ledgerLocation: ledgerLocation(config), shutdown },
    close: async () => {
      const store = await opened?.catch(() => undefined);
      await store?.close();
    },
  };
}

const INSTRUCTIONS = [
  'agentpmt-mcp connects you to the AgentPMT platform: the account (credits, tool purchases), workflow runs, embeds and platform status.',
  'Tools that need the account token say so; if one returns missing_credential, tell the user which setting to add instead of retrying.',
  'Workflow runs are asynchronous: workflow_run_trigger returns a run_id, then poll workflow_run_status.',
  'Every error result has a "Next step" line: follow it.',
].join(' ');

const inputObjects = new WeakMap<AnyTool, z.ZodObject>();

/**
 * Given a raw shape, the SDK builds a new object schema in every McpServer: with one
 * server per HTTP session that was most of a session's ~90 KB. The schema is immutable,
 * so every session shares one per declaration.
 */
function inputObject(decl: AnyTool): z.ZodObject {
  let schema = inputObjects.get(decl);
  if (!schema) inputObjects.set(decl, (schema = z.object(decl.input)));
  return schema;
}

/**
 * One McpServer per client session. State that belongs to a connection (the
 * platform's instance id) lives here; the config and HTTP pools are shared.
 */
export function createMcpServer(shared: SharedRuntime, declarations: readonly AnyTool[] = selectTools(shared.config)): McpServer {
  const server = new McpServer(
    { name: 'agentpmt-mcp', title: 'AgentPMT', version: VERSION },
    { capabilities: { logging: {}, resources: {}, prompts: {} }, instructions: INSTRUCTIONS },
  );
  const instance: RuntimeContext['instance'] = {};
  registerHostExtras(server, { ...shared, instance }, declarations, catalog);
  // Over stdio the one client is the user's own host: it gets our log lines. An HTTP
  // deployment may serve several agents, and one agent must not read another's logs.
  if (shared.config.transport === 'stdio') {
    const stopForwarding = forwardLogs(server);
    server.server.onclose = () => stopForwarding();
  }
  const handler = (decl: AnyTool, mapArgs: (args: Record<string, unknown>) => Record<string, unknown> = (a) => a) =>
    (args: Record<string, unknown>, extra: Extra) => {
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
      const inflight = shared.inflight;
      if (inflight) inflight.count++;
      return execute(decl, mapArgs(args), { ...shared, instance, signal: extra.signal, progress, ...(elicit ? { elicit } : {}) }).finally(() => {
        if (inflight) inflight.count--;
      });
    };
  for (const decl of declarations) {
    server.registerTool(
      decl.name,
      // The title is top-level only: repeating it in annotations costs ~220 tokens of every tools/list.
      { title: decl.title, description: decl.description, inputSchema: inputObject(decl), annotations: decl.annotations },
      (args, extra) => handler(decl)(args as Record<string, unknown>, extra),
    );
  }
  if (!shared.config.readOnly) {
    for (const pin of shared.pins ?? []) {
      server.registerTool(
        pin.name,
        { title: pin.title, description: pin.description, inputSchema: pin.input as never, annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } },
        ((args: Record<string, unknown>, extra: Extra) => handler(marketplaceInvoke, (a) => ({ product: pin.product, action: pin.action, parameters: a, payment: 'credits' }))(args, extra)) as never,
      );
    }
  }
  return server;
}
