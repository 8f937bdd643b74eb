import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { z } from 'zod';
import type { SettingSpec } from './settings.js';

/** What the server assembly knows of a tool: what the model sees, and the toolset it belongs to. */
export interface ToolSurface {
  name: string;
  title: string;
  /** LLM-facing: when to use it, what it costs, what to call next. */
  description: string;
  toolset: string;
  input: z.ZodRawShape;
  annotations: Omit<ToolAnnotations, 'title'>;
}

export interface ElicitAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

export type ElicitSchema = { type: 'object'; properties: Record<string, unknown>; required?: string[] };

/** What one tool call gets from the MCP session that carries it. */
export interface CallScope {
  signal: AbortSignal;
  /** Reports progress when the client sent a progress token; otherwise a no-op. */
  progress(progress: number, message: string, total?: number): Promise<void>;
  /** Whether the client sent a progress token: a platform may then stream instead of answering in one piece. */
  progressRequested?: boolean;
  /** Asks the user through MCP elicitation; absent when the client cannot. */
  elicit?: (message: string, requestedSchema: ElicitSchema) => Promise<ElicitAnswer>;
}

/** A tool outside the catalog (AgentPMT's pinned marketplace actions, a federated server's tools): its schema is data, not a declaration. */
export interface ExtraTool {
  name: string;
  title: string;
  description: string;
  annotations: Omit<ToolAnnotations, 'title'>;
  /** Validates the arguments (the server renders a failure in the house format). */
  input: z.ZodType;
  /** What hosts see; derived from `input` when absent. */
  jsonSchema?: Record<string, unknown>;
  /** Results in another shape than ours (a federated server's): its own output schema, or null for none. Default: ours. */
  outputSchema?: Record<string, unknown> | null;
  run(args: Record<string, unknown>, scope: CallScope): Promise<CallToolResult>;
}

/** A platform's part of one MCP session (one per stdio process, one per HTTP session). */
export interface PlatformSession {
  call(tool: ToolSurface, args: Record<string, unknown>, scope: CallScope): Promise<CallToolResult>;
  /** Tools outside the catalog, asked at every listing (they may change: call `changed`). */
  extraTools?(): readonly ExtraTool[];
  /** Called once with a function that tells the client the tool list changed; returns how to stop (the session closed). */
  onToolsChanged?(changed: () => void): (() => void) | void;
  /** Resources and prompts. */
  registerExtras?(server: McpServer): void;
}

/** A platform running in this process: its services (clients, wallet, ledger, caches) are its own and opaque to the core. */
export interface PlatformRuntime {
  /** The tools this run serves (after toolsets, single tools and read-only). */
  readonly tools: readonly ToolSurface[];
  session(): PlatformSession;
  /** Background work after start-up (reconciling payments); must not delay the first tools/list. */
  start?(): Promise<void>;
  /** The server is stopping: work that cannot finish in time is recorded as unknown and answered. */
  stopWork?(): void;
  close(): Promise<void>;
}

export type DoctorMark = '✓' | '!' | '✗';
export interface DoctorReport {
  line(mark: DoctorMark, text: string): void;
}

/** A platform's sandbox, started for `agentpmt-mcp sandbox` and the demo. */
export interface RunningSandbox {
  title: string;
  url: string;
  /** The settings that point the server at this sandbox. */
  env: Record<string, string>;
  /** Lines printed under the settings (sample ids, what to try). */
  notes: string[];
  /** The demo's chapter for this platform, in registry order. */
  demo?(script: DemoScript): Promise<void>;
  /** Toolsets the demo chapter needs beyond the defaults. */
  demoToolsets?: readonly string[];
  close(): Promise<void>;
}

export interface SandboxLauncher {
  start(opts: { port?: number; host?: string; /** Quick runs for the demo. */ fast?: boolean }): Promise<RunningSandbox>;
}

/** What a demo chapter can do: headings and calls that print themselves. */
export interface DemoScript {
  client: Client;
  heading(title: string, note?: string): void;
  show(title: string, tool: string, args?: Record<string, unknown>, opts?: { progress?: boolean }): Promise<CallToolResult>;
}

/** What the server assembly needs of a tool to select it: its name, toolset and whether it only reads. */
export type ToolIndexEntry = Pick<ToolSurface, 'name' | 'toolset'> & { annotations: { readOnlyHint?: boolean } };

/**
 * What the registry knows of a platform before loading it: enough to decide whether this
 * run serves it and to answer initialize (src/platforms/<id>/identity.ts, light modules only).
 */
export interface PlatformIdentity<C> {
  id: string;
  title: string;
  /** Served without being named in AGENTPMT_PLATFORMS: its credentials are set (AgentPMT: always). */
  configured(config: C): boolean;
  /** What to set to serve it, for error messages ("set AGENTRUNTIME_TOKEN"). */
  howToEnable: string;
  toolsets: { known: readonly string[]; defaults: readonly string[] };
  /**
   * The platform's part of the server instructions, for the tools this run serves: what
   * it is, the simplest path for each job, facts every tool shares (said once here, not
   * in each description), and which toolsets are off and how to turn them on.
   */
  instructions(served: readonly Pick<ToolSurface, 'name' | 'toolset'>[], config: C): string;
  /**
   * Whether its tools/list is its catalog's selection alone, known before it runs; false
   * when tools join at run time (AgentPMT's pinned actions and hosted tools). Default: true.
   */
  listIsCatalog?(config: C): boolean;
}

/**
 * A registry entry (src/platforms/<id>/entry.ts): the identity, and the platform itself
 * behind a dynamic import, so a start-up pays only for the platforms it serves.
 */
export interface PlatformEntry<C> extends PlatformIdentity<C> {
  load(): Promise<Platform<C>>;
}

/** A platform's catalog as the assembly selects from it: loaded, or computed when the bundle was built. */
export interface PlatformIndex<C> extends PlatformIdentity<C> {
  catalog: readonly ToolIndexEntry[];
}

/**
 * A platform is a folder that exports one of these (src/platforms/<id>/platform.ts):
 * its settings, tools and toolsets, how it runs, its doctor checks and its sandbox.
 * `C` is the part of the configuration it reads.
 */
export interface Platform<C> extends PlatformIdentity<C> {
  settings: Readonly<Record<string, SettingSpec>>;
  catalog: readonly ToolSurface[];
  createRuntime(config: C, tools: readonly ToolSurface[]): PlatformRuntime;
  /** Checks of `agentpmt-mcp doctor` (loaded lazily: start-up does not pay for them). */
  doctor?(): Promise<{ run(config: C, report: DoctorReport): Promise<void> }>;
  sandbox?(): Promise<SandboxLauncher>;
}
