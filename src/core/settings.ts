import { z } from 'zod';
import { LOG_LEVELS } from './log.js';
import { isLoopbackHost } from './shared/loopback.js';

/** One setting: its env var, its flag, what it means; the CLI help, the README and manifest.json derive from these tables. */
export interface SettingSpec {
  env: string;
  flag: string;
  doc: string;
  secret?: boolean;
  boolean?: boolean;
}

// Shared zod pieces for settings tables (the core's and each platform's).
export const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, `${name} must be an http(s) origin such as https://api.example.com (no query or fragment)`)
    .transform((v) => v.replace(/\/+$/, ''));

export const optionalSecret = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const intInRange = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const booleanSetting = z
  .string()
  .default('false')
  .transform((v) => v.trim().toLowerCase())
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The server's own settings, whatever platforms it serves: transport, state directory, HTTP limits, logging, tool selection. */
export const CORE_SETTINGS = {
  transport: { env: 'AGENTPMT_TRANSPORT', flag: 'transport', doc: 'stdio (default) or http' },
  host: { env: 'AGENTPMT_HTTP_HOST', flag: 'host', doc: 'HTTP bind address (default 127.0.0.1)' },
  port: { env: 'AGENTPMT_HTTP_PORT', flag: 'port', doc: 'HTTP port (default 3333)' },
  home: { env: 'AGENTPMT_HOME', flag: 'home', doc: 'state directory (default: the per-user config directory)' },
  httpToken: { env: 'AGENTPMT_HTTP_TOKEN', flag: 'http-token', doc: 'bearer token clients must send to the HTTP transport (at least 16 characters); required to bind a non-loopback address. Unset: a random one is generated at each start into <AGENTPMT_HOME>/http-token (mode 0600)', secret: true },
  httpInsecureNoAuth: { env: 'AGENTPMT_HTTP_INSECURE_NO_AUTH', flag: 'http-insecure-no-auth', doc: 'DANGEROUS: serve HTTP with no authentication, so every local user and process can spend the wallet (true/false; refused on a non-loopback bind; default false)', boolean: true },
  httpAllowedHosts: { env: 'AGENTPMT_HTTP_ALLOWED_HOSTS', flag: 'allowed-hosts', doc: 'extra Host header values accepted by the HTTP transport, comma separated (for a reverse proxy)' },
  httpMaxBodyBytes: { env: 'AGENTPMT_HTTP_MAX_BODY_BYTES', flag: 'max-body-bytes', doc: 'largest accepted HTTP request body (default 1048576)' },
  httpMaxSessions: { env: 'AGENTPMT_HTTP_MAX_SESSIONS', flag: 'max-sessions', doc: 'most live HTTP sessions; a new one evicts the longest-idle session, or gets 503 when all are busy (default 256)' },
  httpSessionIdleSeconds: { env: 'AGENTPMT_HTTP_SESSION_IDLE_SECONDS', flag: 'session-idle-seconds', doc: 'an HTTP session with no request and no open stream for this long is closed (default 600)' },
  httpMaxConnections: { env: 'AGENTPMT_HTTP_MAX_CONNECTIONS', flag: 'max-connections', doc: 'most simultaneous HTTP connections; further ones are dropped (default 2048: a session holds a stream and a few request connections, and the default session cap is 256)' },
  httpHeadersTimeoutMs: { env: 'AGENTPMT_HTTP_HEADERS_TIMEOUT_MS', flag: 'headers-timeout-ms', doc: 'time a client has to send its request headers, in ms (default 10000)' },
  httpBodyTimeoutMs: { env: 'AGENTPMT_HTTP_BODY_TIMEOUT_MS', flag: 'body-timeout-ms', doc: 'time a client has to send its request body, in ms; response streams (SSE) are not limited (default 30000)' },
  timeoutMs: { env: 'AGENTPMT_TIMEOUT_MS', flag: 'timeout-ms', doc: 'per-request timeout towards the platform in ms (default 30000)' },
  maxRetries: { env: 'AGENTPMT_MAX_RETRIES', flag: 'max-retries', doc: 'retries for idempotent platform requests (default 2)' },
  shutdownSeconds: { env: 'AGENTPMT_SHUTDOWN_SECONDS', flag: 'shutdown-seconds', doc: 'on SIGTERM or stdin close, how long running calls get before they are answered "outcome unknown, will be reconciled" and the process exits (default 10)' },
  logLevel: { env: 'AGENTPMT_LOG_LEVEL', flag: 'log-level', doc: 'debug, info (default), warn, error or silent' },
  platforms: { env: 'AGENTPMT_PLATFORMS', flag: 'platforms', doc: 'comma-separated platforms to serve (agentpmt, and the others listed under Platforms); default: AgentPMT plus every platform whose credentials are set' },
  toolsets: { env: 'AGENTPMT_TOOLSETS', flag: 'toolsets', doc: 'comma-separated toolsets to enable, "default" or "all" (default: default)' },
  tools: { env: 'AGENTPMT_TOOLS', flag: 'tools', doc: 'comma-separated single tools to enable on top of the toolsets' },
  readOnly: { env: 'AGENTPMT_READ_ONLY', flag: 'read-only', doc: 'only expose read-only tools (true/false); overrides everything else', boolean: true },
} as const satisfies Record<string, SettingSpec>;

export const coreShape = {
    transport: z.enum(['stdio', 'http']).default('stdio'),
    host: z.string().trim().min(1).default('127.0.0.1'),
    port: intInRange(0, 65535).default(3333),
    home: z.string().trim().min(1).optional(),
    httpToken: optionalSecret.refine((v) => v === undefined || v.length >= 16, 'AGENTPMT_HTTP_TOKEN must be at least 16 characters'),
    httpAllowedHosts: z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
    httpInsecureNoAuth: booleanSetting,
    httpMaxBodyBytes: intInRange(1024, 64 * 1024 * 1024).default(1024 * 1024),
    httpMaxSessions: intInRange(1, 100_000).default(256),
    httpSessionIdleSeconds: intInRange(1, 7 * 24 * 3600).default(600),
    httpMaxConnections: intInRange(8, 1_000_000).default(2048),
    httpHeadersTimeoutMs: intInRange(100, 600_000).default(10_000),
    httpBodyTimeoutMs: intInRange(100, 3_600_000).default(30_000),
    timeoutMs: intInRange(100, 600_000).default(30_000),
    maxRetries: intInRange(0, 5).default(2),
    shutdownSeconds: intInRange(1, 120).default(10),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    platforms: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))),
    toolsets: z
      .string()
      .default('default')
      .transform((v) => v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)),
    tools: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean)),
    readOnly: booleanSetting,
};

export function checkCore(c: z.output<z.ZodObject<typeof coreShape>>, ctx: z.RefinementCtx): void {
  if (c.transport === 'http' && c.httpInsecureNoAuth && c.httpToken !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['httpInsecureNoAuth'], message: 'contradicts AGENTPMT_HTTP_TOKEN: set one or the other' });
  }
  if (c.transport === 'http' && c.httpInsecureNoAuth && !isLoopbackHost(c.host)) {
    ctx.addIssue({ code: 'custom', path: ['httpInsecureNoAuth'], message: `refused: ${c.host} is not a loopback address, and a server that can spend money must not be reachable from the network without a token. Set AGENTPMT_HTTP_TOKEN instead` });
  }
}
