import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../../../config.js';
import type { CallWrapper } from '../../../core/platform.js';
import { VERSION } from '../../../version.js';
import type { HostedBridge, HostedTool } from './bridge.js';
import { registerHostedTools, type HostedSource } from './register.js';

/** Federation as the AgentPMT platform runs it: one bridge per process, its tools on every session. */
export interface HostedRuntime {
  /** The bridge, once start() has loaded it. */
  bridge(): HostedBridge | undefined;
  /** Starts connecting in the background: start-up does not wait for the hosted endpoint. */
  start(): void;
  register(server: McpServer, wrap: CallWrapper): void;
  close(): Promise<void>;
}

/** Whether this run federates: the setting, else on exactly when there is a bearer token; and the "hosted" toolset selected. */
export function hostedEnabled(config: Pick<Config, 'hostedMcp' | 'bearerToken' | 'toolsets'>): boolean {
  const on = config.hostedMcp ?? config.bearerToken !== undefined;
  return on && config.bearerToken !== undefined && config.toolsets.some((t) => t === 'hosted' || t === 'default' || t === 'all');
}

/** The hosted endpoint beside the account API unless set: production's is https://api.agentpmt.com/mcp, a sandbox's is its own. */
export function hostedUrl(config: Pick<Config, 'hostedMcpUrl' | 'apiUrl'>): string {
  return config.hostedMcpUrl ?? `${config.apiUrl}/mcp`;
}

export function createHostedRuntime(config: Config, localTools: readonly { name: string }[]): HostedRuntime | undefined {
  if (!hostedEnabled(config) || config.bearerToken === undefined) return undefined;
  // The SDK client and its transport load in start(), off the start-up path; until then the
  // catalog is empty and listeners wait for the bridge's first list.
  let bridge: HostedBridge | undefined;
  let loading: Promise<HostedBridge> | undefined;
  let closed = false;
  const listeners = new Set<(tools: readonly HostedTool[]) => void>();
  const load = (): Promise<HostedBridge> =>
    (loading ??= import('./bridge.js').then(({ HostedBridge }) => {
      const b = new HostedBridge({
        url: hostedUrl(config),
        bearerToken: config.bearerToken as string,
        // Bounded like a platform request; the first tools/list never waits for it.
        connectTimeoutMs: Math.min(config.timeoutMs, 10_000),
        callTimeoutMs: config.timeoutMs,
        localTools: new Set(localTools.map((t) => t.name)),
        clientName: 'agentpmt-mcp',
        clientVersion: VERSION,
      });
      b.onToolsChanged((tools) => {
        for (const fn of listeners) fn(tools);
      });
      bridge = b;
      if (closed) void b.close();
      return b;
    }));
  const source: HostedSource = {
    list: () => bridge?.list() ?? [],
    onToolsChanged: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    call: async (name, args, options) => (await load()).call(name, args, options),
  };
  return {
    bridge: () => bridge,
    start: () => {
      void load().then((b) => b.start());
    },
    register: (server, wrap) => {
      registerHostedTools(server, source, { readOnly: config.readOnly, wrap });
    },
    close: async () => {
      closed = true;
      await bridge?.close();
    },
  };
}
