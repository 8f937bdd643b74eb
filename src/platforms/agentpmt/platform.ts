import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { HttpClient } from '../../core/http-client.js';
import { log } from '../../core/log.js';
import type { CallScope, ExtraTool, Platform, PlatformRuntime, ToolSurface } from '../../core/platform.js';
import { VERSION } from '../../version.js';
import { AGENTPMT } from './identity.js';
import type { RuntimeContext, PaymentServices } from './context.js';
import { execute, requestFor } from './executor.js';
import { registerHostExtras } from './host-extras.js';
import { MarketplaceCache } from './marketplace/catalog-cache.js';
import type { PinnedAction } from './marketplace/pins.js';
import type { LedgerStore } from './payments/ledger.js';
import { ledgerLocation, openLedger } from './payments/ledger-open.js';
import { policyFromConfig } from './payments/policy.js';
import { AGENTPMT_SETTINGS } from './settings.js';
import { accountProductsList } from './tools/account.js';
import { marketplaceInvoke, marketplaceList } from './tools/external.js';
import { catalog } from './tools/index.js';
import { isEndpoint, type AnyTool } from './tools/types.js';
import { nameRoutes } from './errors.js';
import { WalletManager } from './wallet/manager.js';
import { createHostedRuntime, withHosted } from './hosted/runtime.js';
import { SessionNonces } from './wallet/session.js';

/** What every session of this process shares: the one HTTP client, the wallet and its nonces, payments, the marketplace cache. */
export type AgentpmtShared = Omit<RuntimeContext, 'instance' | 'signal' | 'progress' | 'elicit'> & {
  /** Marketplace actions pinned as their own tools (AGENTPMT_PIN), resolved at start-up. */
  pins?: readonly PinnedAction[];
};

export function createAgentpmtShared(config: Config, shutdown: AbortSignal): { shared: AgentpmtShared; close(): Promise<void> } {
  const http = new HttpClient({ timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, userAgent: `agentpmt-mcp/${VERSION}`, networkHint: 'Check the network and the AGENTPMT_API_URL / AGENTPMT_WEB_URL settings, then retry.' });
  const payments = paymentServices(config, shutdown);
  const shared: AgentpmtShared = {
    config,
    http,
    wallet: new WalletManager(config),
    sessions: new SessionNonces(http, config.webUrl),
    payments: payments.services,
    market: new MarketplaceCache<RuntimeContext>(async (listing, page, ctx) =>
      listing === 'account'
        ? (await requestFor(accountProductsList, { page, page_size: 100 }, ctx)).json
        : (await requestFor(marketplaceList, { page, page_size: 1000 }, ctx)).json,
    ),
  };
  return { shared, close: async () => void (await Promise.all([http.destroy(), payments.close()])) };
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

/**
 * Payments a previous run left pending or unknown (crash, lost answer) are
 * resolved in the background by resending their own signed envelopes.
 */
async function reconcileAtStart(shared: AgentpmtShared): Promise<void> {
  if (!shared.config.ledgerUrl && !existsSync(path.join(shared.config.home, 'payments.jsonl'))) return;
  try {
    const { reconcilePayments } = await import('./payments/payer.js');
    const done = await reconcilePayments(shared);
    if (done.length) log.info('reconciled unresolved payments', { payments: done.map((p) => ({ id: p.id, status: p.status })) });
  } catch (err) {
    log.error('payment reconciliation failed; it will be retried on the next call for the same request', { error: err instanceof Error ? err.message : String(err) });
  }
}

function createRuntime(config: Config, tools: readonly ToolSurface[]): PlatformRuntime {
  const stopping = new AbortController();
  const { shared, close } = createAgentpmtShared(config, stopping.signal);
  const selected = tools as readonly AnyTool[]; // the assembly hands back our own catalog entries
  // AgentPMT's hosted MCP endpoint, federated (hosted/): its tools join the session's extra tools.
  return withHosted(createHostedRuntime(config, tools), {
    tools,
    async start() {
      void reconcileAtStart(shared);
      if (config.pin.length) {
        const { resolvePins } = await import('./marketplace/pins.js');
        shared.pins = await resolvePins({ ...shared, instance: {}, progress: async () => undefined }, config.pin);
      }
    },
    session() {
      // The platform's connection instance id belongs to one client session.
      const instance: RuntimeContext['instance'] = {};
      let pinned: ExtraTool[] | undefined;
      return {
        call: (tool, args, scope) => execute(tool as AnyTool, args, { ...shared, instance, ...scope }),
        registerExtras: (server) => registerHostExtras(server, { ...shared, instance }, selected, catalog),
        // Built once per session: the server compiles each tool's schema once per object.
        extraTools: () =>
          (pinned ??= config.readOnly
            ? []
            : (shared.pins ?? []).map((pin) => ({
                name: pin.name,
                title: pin.title,
                description: pin.description,
                annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
                input: pin.input,
                jsonSchema: pin.jsonSchema,
                run: (a: Record<string, unknown>, scope: CallScope) => execute(marketplaceInvoke, { product: pin.product, action: pin.action, parameters: a, payment: 'credits' }, { ...shared, instance, ...scope }),
              }))),
      };
    },
    stopWork: () => stopping.abort(),
    close: async () => {
      stopping.abort();
      await close();
    },
  });
}

nameRoutes(catalog.filter(isEndpoint));

export const agentpmt: Platform<Config> = {
  ...AGENTPMT,
  settings: AGENTPMT_SETTINGS,
  catalog,
  createRuntime,
  sandbox: async () => (await import('./sandbox/launch.js')).launcher,
};
