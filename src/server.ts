import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { Protocol, type RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerRequest, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from './config.js';
import { loadServed, type Served } from './assembly.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallScope, ElicitAnswer, ExtraTool, PlatformRuntime, ToolSurface } from './core/platform.js';
import { argumentFailure, closest, portableInputSchema, portableJsonSchema } from './core/tool-schema.js';
import { dropUnservedHints, errorResult } from './core/results.js';
import { jsonSchemaValidatorReady, lazyJsonSchemaValidator } from './core/json-schema-validator.js';
import type { ToolFailure } from './core/errors.js';
import { PLATFORM_ENTRIES } from './platforms/registry.js';
import { log, type LogEntry } from './core/log.js';
import { serverInfo, serverInstructions, SERVER_CAPABILITIES } from './core/server-identity.js';
import { PRECOMPUTED_LISTINGS } from './core/precomputed-listings.js';

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

/**
 * What every session of this process shares: settings and each served platform's runtime
 * (pools, wallet, ledger, caches). Loads the served platforms unless given them loaded.
 */
export async function createSharedRuntime(config: Config, served?: readonly Served[]): Promise<Runtime> {
  const platforms = (served ?? (await loadServed(config))).map(({ platform, tools }) => ({ id: platform.id, title: platform.title, instructions: platform.instructions(tools, config), runtime: platform.createRuntime(config, tools) }));
  return {
    config,
    platforms,
    inflight: { count: 0 },
    start: async () => void (await Promise.all(platforms.map((p) => p.runtime.start?.()))),
    stopPayments: () => platforms.forEach((p) => p.runtime.stopWork?.()),
    close: async () => void (await Promise.all(platforms.map((p) => p.runtime.close()))),
  };
}

interface Compiled {
  /** The tools/list entry, built once per declaration and shared by every session. */
  listing: Tool;
  /** Built on the first call of the tool: a start-up only lists. */
  readonly schema: z.ZodType;
  readonly known: readonly string[];
}

const compiled = new WeakMap<object, Compiled>();

/**
 * Every tool answers in one shape (core/results.ts): a one-line summary, the calls that
 * make sense next, and the data. Declared once, shared by every tool.
 */
export const RESULT_SCHEMA: NonNullable<Tool['outputSchema']> = {
  type: 'object',
  // `next` (the calls that make sense now) is described once, in the instructions: ~6 tokens a tool saved.
  properties: { summary: { type: 'string' } },
  required: ['summary'],
};

type Annotations = NonNullable<Tool['annotations']>;

/**
 * Only the hints that differ from MCP's defaults (readOnly false, destructive true,
 * idempotent false, openWorld true) travel: the defaults cost ~20 tokens a tool. A
 * read-only tool's destructive and idempotent hints mean nothing (the spec says so).
 */
function essentialHints(a: Omit<Annotations, 'title'>): Annotations | undefined {
  const out: Annotations = {};
  if (a.readOnlyHint === true) out.readOnlyHint = true;
  else {
    if (a.destructiveHint === false) out.destructiveHint = false;
    if (a.idempotentHint === true) out.idempotentHint = true;
  }
  if (a.openWorldHint === false) out.openWorldHint = false;
  return Object.keys(out).length ? out : undefined;
}

/** A catalog tool declares a shape; an extra tool (pinned, federated) its schema. */
const zodOf = (tool: ToolSurface | ExtraTool): z.ZodType => ('toolset' in tool ? z.object(tool.input) : tool.input);

/**
 * What tools/list shows of a tool. The SDK converts every zod schema to JSON Schema on each
 * tools/list and emits draft-07 with constructs several hosts reject: we convert once, to the
 * portable subset (core/tool-schema.ts). The shipped bundle carries these listings for every
 * catalog tool, computed when it is built (scripts/bundle.mjs), so a launch does not convert.
 */
export function listingOf(tool: ToolSurface | ExtraTool): Tool {
  const built = 'toolset' in tool ? PRECOMPUTED_LISTINGS?.[tool.name] : undefined;
  if (built) return built as Tool;
  const inputSchema = ('jsonSchema' in tool && tool.jsonSchema ? portableJsonSchema(tool.jsonSchema) : portableInputSchema(zodOf(tool))) as Tool['inputSchema'];
  // The title is top-level only: repeating it in annotations costs ~220 tokens of every tools/list.
  const annotations = essentialHints(tool.annotations);
  const own = 'outputSchema' in tool ? tool.outputSchema : RESULT_SCHEMA;
  const outputSchema = own ? (own as Tool['outputSchema']) : undefined;
  return { name: tool.name, title: tool.title, description: tool.description, inputSchema, ...(outputSchema ? { outputSchema } : {}), ...(annotations ? { annotations } : {}) };
}

/** The listing once per tool, and the zod schema the server validates calls with (ours, in the house format), on first use. */
function compile(tool: ToolSurface | ExtraTool): Compiled {
  let c = compiled.get(tool);
  if (!c) {
    let schema: z.ZodType | undefined;
    const schemaOf = () => (schema ??= zodOf(tool));
    c = {
      listing: listingOf(tool),
      get schema() {
        return schemaOf();
      },
      get known() {
        const s = schemaOf();
        return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
      },
    };
    compiled.set(tool, c);
  }
  return c;
}

/** A tool name that is not served: the near names, or the toolset and platform that would serve it. */
async function unknownTool(name: string, served: readonly string[], shared: SharedRuntime): Promise<ToolFailure> {
  // A mistake, so rare: only now are the platforms this run does not serve loaded, to find the owner.
  const all = await Promise.all(PLATFORM_ENTRIES.map((e) => e.load()));
  const owner = all.find((p) => p.catalog.some((t) => t.name === name));
  const tool = owner?.catalog.find((t) => t.name === name);
  if (owner && tool) {
    const servedPlatform = shared.platforms.some((p) => p.id === owner.id);
    const how = !servedPlatform
      ? `It belongs to ${owner.title}, which this server does not serve: the user must ${owner.howToEnable}.`
      : shared.config.readOnly && tool.annotations.readOnlyHint !== true
        ? 'The server runs read-only (AGENTPMT_READ_ONLY), so tools that change anything are off; the user must turn read-only off.'
        : `Its toolset "${tool.toolset}" is off: the user must add it to AGENTPMT_TOOLSETS (or the tool to AGENTPMT_TOOLS) and restart the server.`;
    return { code: 'tool_not_enabled', message: `${name} exists but is not enabled on this server.`, next_step: `${how} Tell the user; meanwhile use the tools you have.` };
  }
  const near = closest(name, served);
  return {
    code: 'unknown_tool',
    message: `There is no tool named ${name}.`,
    next_step: near.length ? `Did you mean ${near.join(' or ')}?` : 'List the tools again (tools/list) and pick one from there.',
  };
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
  const server = new McpServer(serverInfo(shared.platforms.map((p) => p.title)), {
    capabilities: structuredClone(SERVER_CAPABILITIES),
    instructions: serverInstructions(shared.platforms.map((p) => p.instructions)),
    jsonSchemaValidator: lazyJsonSchemaValidator,
  });
  // What a closed session must let go of (listeners on process-wide state): an HTTP server sees thousands of sessions.
  const cleanups: (() => void)[] = [];
  server.server.onclose = () => cleanups.splice(0).forEach((fn) => fn());
  // Over stdio the one client is the user's own host: it gets our log lines. An HTTP
  // deployment may serve several agents, and one agent must not read another's logs.
  if (shared.config.transport === 'stdio') {
    const stopForwarding = forwardLogs(server);
    cleanups.push(stopForwarding);
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
          await jsonSchemaValidatorReady(); // the SDK checks the answer against requestedSchema with it
          // Related to the call, so the question travels on the call's own stream (HTTP), not only a GET stream the client may not hold.
          const r = await server.server.elicitInput({ message, requestedSchema: requestedSchema as never }, { signal: extra.signal, relatedRequestId: extra.requestId });
          return { action: r.action, ...(r.content ? { content: r.content as Record<string, unknown> } : {}) };
        }
      : undefined;
    return { signal: extra.signal, progress, progressRequested: token !== undefined, ...(elicit ? { elicit } : {}) };
  };
  interface Entry {
    compiled: Compiled;
    run(args: Record<string, unknown>, scope: CallScope): Promise<CallToolResult>;
  }
  const sessions = shared.platforms.map(({ runtime }) => ({ runtime, session: runtime.session() }));
  const fixed = new Map<string, Entry>();
  for (const { runtime, session } of sessions) {
    for (const tool of runtime.tools) fixed.set(tool.name, { compiled: compile(tool), run: (args, scope) => session.call(tool, args, scope) });
    session.registerExtras?.(server);
    const stop = session.onToolsChanged?.(() => void server.sendToolListChanged());
    if (stop) cleanups.push(stop);
  }
  const extraEntry = (t: ExtraTool): Entry => ({ compiled: compile(t), run: (args, scope) => t.run(args, scope) });
  const extras = (): ExtraTool[] => sessions.flatMap(({ session }) => session.extraTools?.() ?? []);
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...[...fixed.values()].map((e) => e.compiled.listing), ...extras().filter((t) => !fixed.has(t.name)).map((t) => compile(t).listing)],
  }));
  // Registered as Protocol registers any handler: the Server's own tools/call wrapper parses the
  // request a second time and then re-validates (and deep-copies) every result against
  // CallToolResultSchema. Ours are built in one shape by core/results.ts (a federated server's
  // were validated by the SDK client that received them): profiled at 50 HTTP sessions, those
  // two extra parses were about a tenth of the server's CPU per call.
  Protocol.prototype.setRequestHandler.call(server.server, CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args = {} } = request.params;
    // Counted from its first moment: a shutdown right after the call arrived must still wait for it.
    shared.inflight.count++;
    try {
      // Catalog tools first (the common case: no copy of any list); extra tools, which may change, only after.
      const found = fixed.get(name) ?? extras().find((t) => t.name === name);
      if (!found) return errorResult(await unknownTool(name, [...fixed.keys(), ...extras().map((t) => t.name)], shared));
      const entry = 'compiled' in found ? found : extraEntry(found);
      const parsed = await entry.compiled.schema.safeParseAsync(args);
      if (!parsed.success) return errorResult(argumentFailure(name, parsed.error, args, entry.compiled.known));
      const result = await entry.run(parsed.data as Record<string, unknown>, scopeOf(extra));
      return dropUnservedHints(result, (tool) => fixed.has(tool) || extras().some((t) => t.name === tool));
    } finally {
      shared.inflight.count--;
    }
  });
  return server;
}
