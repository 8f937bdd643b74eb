import { z } from 'zod';
import type { Config } from '../../../config.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallScope, ExtraTool, PlatformRuntime } from '../../../core/platform.js';
import { VERSION } from '../../../version.js';
import { hostedEnabled } from './enabled.js';
import type { HostedBridge, HostedTool } from './bridge.js';

/** Federation as the AgentPMT platform runs it: one bridge per process, its tools in every session. */
export interface HostedRuntime {
  /** The bridge, once start() has loaded it. */
  bridge(): HostedBridge | undefined;
  /** Allows connecting: the connection starts after the first tools/list, so start-up never pays for it. */
  start(): void;
  /** The hosted tools as they are now (the same objects until the catalog changes: the server compiles each once). */
  extraTools(): readonly ExtraTool[];
  /** Calls `changed` whenever the hosted catalog changes; returns the unsubscribe function. */
  onToolsChanged(changed: () => void): () => void;
  close(): Promise<void>;
}


/** The hosted endpoint beside the account API unless set: production's is https://api.agentpmt.com/mcp, a sandbox's is its own. */
export function hostedUrl(config: Pick<Config, 'hostedMcpUrl' | 'apiUrl'>): string {
  return config.hostedMcpUrl ?? `${config.apiUrl}/mcp`;
}

/** Upstream validates its own arguments: ours lets every argument through, and hosts see upstream's schema. */
const PASS_THROUGH = z.looseObject({});

function asExtraTool(tool: HostedTool, call: (name: string, args: Record<string, unknown>, scope: CallScope) => Promise<CallToolResult>): ExtraTool {
  const { title: annotatedTitle, ...annotations } = tool.tool.annotations ?? {};
  return {
    name: tool.name,
    title: tool.tool.title ?? annotatedTitle ?? tool.upstream,
    description: `${tool.tool.description ?? ''} (AgentPMT hosted tool ${tool.upstream}, called through AgentPMT's hosted MCP endpoint.)`.trim(),
    annotations,
    input: PASS_THROUGH,
    jsonSchema: tool.tool.inputSchema as Record<string, unknown>,
    // Upstream's results are relayed as they come: its own output schema, if it declared one.
    outputSchema: (tool.tool.outputSchema as Record<string, unknown> | undefined) ?? null,
    run: (args, scope) => call(tool.name, args, scope),
  };
}

export function createHostedRuntime(config: Config, localTools: readonly { name: string }[]): HostedRuntime | undefined {
  if (!hostedEnabled(config) || config.bearerToken === undefined) return undefined;
  const bearerToken = config.bearerToken;
  // The SDK client and its transport load in start(), off the start-up path; until the
  // bridge has a catalog there are no hosted tools.
  let bridge: HostedBridge | undefined;
  let loading: Promise<HostedBridge> | undefined;
  let closed = false;
  let tools: readonly ExtraTool[] = [];
  const listeners = new Set<() => void>();
  const load = (): Promise<HostedBridge> =>
    (loading ??= import('./bridge.js').then(({ HostedBridge }) => {
      const b = new HostedBridge({
        url: hostedUrl(config),
        bearerToken,
        // Bounded like a platform request; the first tools/list never waits for it.
        connectTimeoutMs: Math.min(config.timeoutMs, 10_000),
        callTimeoutMs: config.timeoutMs,
        localTools: new Set(localTools.map((t) => t.name)),
        clientName: 'agentpmt-mcp',
        clientVersion: VERSION,
      });
      b.onToolsChanged((next) => {
        tools = next.filter((t) => !config.readOnly || t.tool.annotations?.readOnlyHint === true).map((t) => asExtraTool(t, call));
        for (const fn of listeners) fn();
      });
      bridge = b;
      if (closed) void b.close();
      return b;
    }));
  const call = async (name: string, args: Record<string, unknown>, scope: CallScope) =>
    (await load()).call(name, args, {
      signal: scope.signal,
      onProgress: (p) => scope.progress(p.progress, p.message ?? `${p.progress}${p.total !== undefined ? ` of ${p.total}` : ''}`, p.total),
    });
  // Loading the SDK client and opening the connection cost CPU while the host is still starting
  // the server; they wait until the first listing has been answered (setImmediate runs after it is written).
  let started = false;
  let allowed = false;
  const connectSoon = () => {
    if (started || !allowed || closed) return;
    started = true;
    setImmediate(() => void load().then((b) => b.start()));
  };
  return {
    bridge: () => bridge,
    start: () => {
      allowed = true;
    },
    extraTools: () => {
      connectSoon();
      return tools;
    },
    onToolsChanged: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close: async () => {
      closed = true;
      await bridge?.close();
    },
  };
}

/**
 * A platform runtime that also serves the hosted tools: they start with it, join every
 * session's extra tools, tell each session when they change, and close with it.
 */
export function withHosted(hosted: HostedRuntime | undefined, runtime: PlatformRuntime): PlatformRuntime {
  if (!hosted) return runtime;
  return {
    ...runtime,
    start: async () => {
      hosted.start();
      await runtime.start?.();
    },
    session: () => {
      const session = runtime.session();
      return {
        ...session,
        extraTools: () => [...(session.extraTools?.() ?? []), ...hosted.extraTools()],
        // The unsubscribe is returned for a server that ends sessions (the PlatformSession type does not ask for it yet).
        onToolsChanged: (changed: () => void) => {
          session.onToolsChanged?.(changed);
          return hosted.onToolsChanged(changed);
        },
      };
    },
    close: async () => {
      await Promise.all([runtime.close(), hosted.close()]);
    },
  };
}
