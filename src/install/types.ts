/** What our server entry runs: a command line and its environment (values may be secrets). */
export interface ServerSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** An `@agentpmt/mcp-router` entry found in a host's file. */
export interface RouterEntry {
  /** The object (or TOML table) that holds it: mcpServers, servers, mcp_servers. */
  container: string;
  name: string;
  env: Record<string, string>;
}

export interface Inspection {
  /** Our entry as a spec, when the file has one. */
  ours: ServerSpec | undefined;
  routers: RouterEntry[];
}

/**
 * One host file format. Every function is pure text in, text out; the engine does the I/O,
 * backups and checks. Edits touch only our entry (and, when migrating, the router's).
 */
export interface HostFormat {
  /** Validates the text (throws InvalidConfigError saying where) and finds our entry and the router's. */
  inspect(file: string, text: string): Inspection;
  /** The text with our entry set to `spec` and the `drop` entries removed; `text` undefined: a new file. */
  install(file: string, text: string | undefined, spec: ServerSpec, drop: readonly RouterEntry[]): string;
  /** The text without our entry. */
  uninstall(file: string, text: string): string;
  /** Everything in the document except our entry and `drop`, as plain data: what an edit must leave equal. */
  rest(file: string, text: string, drop: readonly RouterEntry[]): unknown;
  /** Our entry exactly as `install` writes it for `spec`, as plain data. */
  expected(spec: ServerSpec): unknown;
  /** Our entry as the file holds it, as plain data. */
  actual(file: string, text: string): unknown;
  /** Whether the host keeps our secrets out of this file (VS Code's inputs). */
  readonly secretStore: boolean;
}

export const ENTRY_NAME = 'agentpmt';

/** Settings of ours that are secrets (a host with a secret store gets these as prompts). */
export const SECRET_ENV = ['AGENTPMT_BEARER_TOKEN', 'AGENTPMT_API_KEY', 'AGENTPMT_BUDGET_KEY', 'AGENTPMT_PRIVATE_KEY', 'AGENTPMT_KEYSTORE_PASSWORD'] as const;

/** Plain objects, arrays and scalars only: TOML parsers hand out null-prototype objects and date classes. */
export function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/** A string-valued env object from whatever the file holds (non-strings are left out). */
export function stringEnv(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The command and args of an entry, if it is a stdio entry. */
export function specOf(entry: unknown): ServerSpec | undefined {
  if (!isRecord(entry) || typeof entry.command !== 'string') return undefined;
  const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
  return { command: entry.command, args, env: stringEnv(entry.env) };
}
