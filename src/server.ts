import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerRequest, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from './config.js';
import { servedPlatforms } from './assembly.js';
import type { CallScope, CallWrapper, ElicitAnswer, PlatformRuntime, PlatformSession, ToolSurface } from './core/platform.js';
import { log, type LogEntry } from './core/log.js';
import { VERSION } from './version.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface SharedRuntime {
  config: Config;
  /** Each served platform, running; its services are its own. */
  platforms: readonly { id: string; title: string; instructions: string; runtime: PlatformRuntime }[];
  /** Tool calls still running, so a shutdown can let them finish (a payment mid-flight, say). */
  inflight: { count: number };
}

export type Runtime = SharedRuntime & {
  /** Background start-up work of every platform (reconciling payments, resolving pins). */
  start(): Promise<void>;
  /** Stops work in flight that cannot finish (payments are recorded as unknown and answered; reconciled at the next start). */
  stopPayments(): void;
  close(): Promise<void>;
};

/** What every session of this process shares: settings and each served platform's runtime (pools, wallet, ledger, caches). */
export function createSharedRuntime(config: Config): Runtime {
  const platforms = servedPlatforms(config).map(({ platform, tools }) => ({ id: platform.id, title: platform.title, instructions: platform.instructions, runtime: platform.createRuntime(config, tools) }));
  return {
    config,
    platforms,
    inflight: { count: 0 },
    start: async () => void (await Promise.all(platforms.map((p) => p.runtime.start?.()))),
    stopPayments: () => platforms.forEach((p) => p.runtime.stopWork?.()),
    close: async () => void (await Promise.all(platforms.map((p) => p.runtime.close()))),
  };
}

function instructionsOf(shared: SharedRuntime): string {
  return [...shared.platforms.map((p) => p.instructions), 'Every error result has a "Next step" line: follow it.'].join(' ');
}

const inputObjects = new WeakMap<ToolSurface, z.ZodObject>();

/**
 * Given a raw shape, the SDK builds a new object schema in every McpServer: with one
 * server per HTTP session that was most of a session's ~90 KB. The schema is immutable,
 * so every session shares one per declaration.
 */
function inputObject(tool: ToolSurface): z.ZodObject {
  let schema = inputObjects.get(tool);
  if (!schema) inputObjects.set(tool, (schema = z.object(tool.input)));
  return schema;
}

/** Forwards our log lines to the MCP client as notifications/message (it filters by the level it set with logging/setLevel). */
function forwardLogs(server: McpServer): () => void {
  let sending = false;
  return log.addListener((entry: LogEntry) => {
    if (sending || !server.isConnected()) return;
    sending = true; // a failure to send must not log, and so send, again
    server
      .sendLoggingMessage({ level: entry.level === 'warn' ? 'warning' : entry.level, logger: 'agentpmt', data: entry })
      .catch(() => undefined)
      .finally(() => (sending = false));
  });
}

/**
 * One McpServer per client session: each served platform registers its tools,
 * resources and prompts; state that belongs to a connection lives in the
 * platform's session, the rest is shared.
 */
export function createMcpServer(shared: SharedRuntime): McpServer {
  const server = new McpServer(
    { name: 'agentpmt-mcp', title: shared.platforms.map((p) => p.title).join(' + ') || 'agentpmt-mcp', version: VERSION },
    { capabilities: { logging: {}, resources: {}, prompts: {} }, instructions: instructionsOf(shared) },
  );
  // Over stdio the one client is the user's own host: it gets our log lines. An HTTP
  // deployment may serve several agents, and one agent must not read another's logs.
  if (shared.config.transport === 'stdio') {
    const stopForwarding = forwardLogs(server);
    server.server.onclose = () => stopForwarding();
  }
  const scopeOf = (extra: Extra): CallScope => {
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
    return { signal: extra.signal, progress, ...(elicit ? { elicit } : {}) };
  };
  const wrap: CallWrapper = (run) => (args, extra) => {
    shared.inflight.count++;
    return run(args, scopeOf(extra as Extra)).finally(() => {
      shared.inflight.count--;
    });
  };
  for (const { runtime } of shared.platforms) {
    const session: PlatformSession = runtime.session();
    for (const tool of runtime.tools) {
      const handler = wrap((args, scope): Promise<CallToolResult> => session.call(tool, args, scope));
      server.registerTool(
        tool.name,
        // The title is top-level only: repeating it in annotations costs ~220 tokens of every tools/list.
        { title: tool.title, description: tool.description, inputSchema: inputObject(tool), annotations: tool.annotations },
        (args, extra) => handler(args as Record<string, unknown>, extra),
      );
    }
    session.registerExtras?.(server, wrap);
  }
  return server;
}
