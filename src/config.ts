import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LOG_LEVELS } from './core/log.js';
import { CHAIN_NAMES, parseAmount } from './platforms/agentpmt/payments/assets.js';
import { isLoopbackHost } from './core/shared/loopback.js';

/**
 * Every setting, its env var and its flag, in one table: the CLI, the README and
 * manifest.json are all derived from (or checked against) this list.
 */
export const SETTINGS = {
  transport: { env: 'AGENTPMT_TRANSPORT', flag: 'transport', doc: 'stdio (default) or http' },
  host: { env: 'AGENTPMT_HTTP_HOST', flag: 'host', doc: 'HTTP bind address (default 127.0.0.1)' },
  port: { env: 'AGENTPMT_HTTP_PORT', flag: 'port', doc: 'HTTP port (default 3333)' },
  apiUrl: { env: 'AGENTPMT_API_URL', flag: 'api-url', doc: 'account API origin (default https://api.agentpmt.com)' },
  webUrl: { env: 'AGENTPMT_WEB_URL', flag: 'web-url', doc: 'web origin: webhooks, embeds, external API (default https://www.agentpmt.com)' },
  bearerToken: { env: 'AGENTPMT_BEARER_TOKEN', flag: 'bearer-token', doc: 'account bearer token (dashboard "Agent Group Bearer Token")', secret: true },
  apiKey: { env: 'AGENTPMT_API_KEY', flag: 'api-key', doc: 'legacy API key (with AGENTPMT_BUDGET_KEY, instead of a bearer token)', secret: true },
  budgetKey: { env: 'AGENTPMT_BUDGET_KEY', flag: 'budget-key', doc: 'legacy budget key (with AGENTPMT_API_KEY)', secret: true },
  privateKey: { env: 'AGENTPMT_PRIVATE_KEY', flag: 'private-key', doc: 'agent wallet private key (hex); prefer a keystore', secret: true },
  keystore: { env: 'AGENTPMT_KEYSTORE', flag: 'keystore', doc: 'Web3 Secret Storage (v3) keystore file (default: <AGENTPMT_HOME>/keystore.json)' },
  keystorePassword: { env: 'AGENTPMT_KEYSTORE_PASSWORD', flag: 'keystore-password', doc: 'passphrase that unlocks (and, for wallet_create, encrypts) the keystore', secret: true },
  home: { env: 'AGENTPMT_HOME', flag: 'home', doc: 'state directory (default: the per-user config directory)' },
  httpToken: { env: 'AGENTPMT_HTTP_TOKEN', flag: 'http-token', doc: 'bearer token clients must send to the HTTP transport (at least 16 characters); required to bind a non-loopback address. Unset: a random one is generated at each start into <AGENTPMT_HOME>/http-token (mode 0600)', secret: true },
  httpInsecureNoAuth: { env: 'AGENTPMT_HTTP_INSECURE_NO_AUTH', flag: 'http-insecure-no-auth', doc: 'DANGEROUS: serve HTTP with no authentication, so every local user and process can spend the wallet (true/false; refused on a non-loopback bind; default false)', boolean: true },
  httpAllowedHosts: { env: 'AGENTPMT_HTTP_ALLOWED_HOSTS', flag: 'allowed-hosts', doc: 'extra Host header values accepted by the HTTP transport, comma separated (for a reverse proxy)' },
  httpMaxBodyBytes: { env: 'AGENTPMT_HTTP_MAX_BODY_BYTES', flag: 'max-body-bytes', doc: 'largest accepted HTTP request body (default 1048576)' },
  httpMaxSessions: { env: 'AGENTPMT_HTTP_MAX_SESSIONS', flag: 'max-sessions', doc: 'most live HTTP sessions; a new one evicts the longest-idle session, or gets 503 when all are busy (default 256)' },
  httpSessionIdleSeconds: { env: 'AGENTPMT_HTTP_SESSION_IDLE_SECONDS', flag: 'session-idle-seconds', doc: 'an HTTP session with no request and no open stream for this long is closed (default 600)' },
  httpMaxConnections: { env: 'AGENTPMT_HTTP_MAX_CONNECTIONS', flag: 'max-connections', doc: 'most simultaneous HTTP connections; further ones are dropped (default 512)' },
  httpHeadersTimeoutMs: { env: 'AGENTPMT_HTTP_HEADERS_TIMEOUT_MS', flag: 'headers-timeout-ms', doc: 'time a client has to send its request headers, in ms (default 10000)' },
  httpBodyTimeoutMs: { env: 'AGENTPMT_HTTP_BODY_TIMEOUT_MS', flag: 'body-timeout-ms', doc: 'time a client has to send its request body, in ms; response streams (SSE) are not limited (default 30000)' },
  timeoutMs: { env: 'AGENTPMT_TIMEOUT_MS', flag: 'timeout-ms', doc: 'per-request timeout towards the platform in ms (default 30000)' },
  maxRetries: { env: 'AGENTPMT_MAX_RETRIES', flag: 'max-retries', doc: 'retries for idempotent platform requests (default 2)' },
  maxPaymentUsd: { env: 'AGENTPMT_MAX_PAYMENT_USD', flag: 'max-payment-usd', doc: 'largest single payment in USD stablecoins (default 1.00)' },
  dailyBudgetUsd: { env: 'AGENTPMT_DAILY_BUDGET_USD', flag: 'daily-budget-usd', doc: 'USD stablecoin spend allowed per calendar day, UTC (default 5.00)' },
  approvalThresholdUsd: { env: 'AGENTPMT_APPROVAL_THRESHOLD_USD', flag: 'approval-threshold-usd', doc: 'USD payments above this need the user\'s approval (default 0.50)' },
  maxPaymentEur: { env: 'AGENTPMT_MAX_PAYMENT_EUR', flag: 'max-payment-eur', doc: 'largest single payment in EUR stablecoins (default 0: EURC off)' },
  dailyBudgetEur: { env: 'AGENTPMT_DAILY_BUDGET_EUR', flag: 'daily-budget-eur', doc: 'EUR stablecoin spend allowed per calendar day, UTC (default 0)' },
  approvalThresholdEur: { env: 'AGENTPMT_APPROVAL_THRESHOLD_EUR', flag: 'approval-threshold-eur', doc: 'EUR payments above this need the user\'s approval (default 0)' },
  allowedNetworks: { env: 'AGENTPMT_ALLOWED_NETWORKS', flag: 'allowed-networks', doc: 'networks payments may use: CAIP-2 ids, chain ids or names (default eip155:8453, Base)' },
  allowedAssets: { env: 'AGENTPMT_ALLOWED_ASSETS', flag: 'allowed-assets', doc: 'stablecoins payments may use: USDC, EURC (default USDC)' },
  allowedPayees: { env: 'AGENTPMT_ALLOWED_PAYEES', flag: 'allowed-payees', doc: 'if set, the only addresses payments may go to (comma separated)' },
  ledgerUrl: { env: 'AGENTPMT_LEDGER_URL', flag: 'ledger-url', doc: 'postgres://… to keep the payment ledger and quotes in PostgreSQL, shared by several server instances (default: the file in the state directory)', secret: true },
  paymentDedupeSeconds: { env: 'AGENTPMT_PAYMENT_DEDUPE_SECONDS', flag: 'payment-dedupe-seconds', doc: 'an identical paid call repeated within this many seconds returns the recorded payment instead of paying again (default 600; 0 turns it off)' },
  shutdownSeconds: { env: 'AGENTPMT_SHUTDOWN_SECONDS', flag: 'shutdown-seconds', doc: 'on SIGTERM or stdin close, how long running calls get before they are answered "outcome unknown, will be reconciled" and the process exits (default 10)' },
  workflowWaitSeconds: { env: 'AGENTPMT_WORKFLOW_WAIT_SECONDS', flag: 'workflow-wait-seconds', doc: 'how long workflow_run / workflow_run_wait wait before handing back a run id (default 45, max 55: hosts cancel calls after ~60 s)' },
  logLevel: { env: 'AGENTPMT_LOG_LEVEL', flag: 'log-level', doc: 'debug, info (default), warn, error or silent' },
  toolsets: { env: 'AGENTPMT_TOOLSETS', flag: 'toolsets', doc: 'comma-separated toolsets to enable, "default" or "all" (default: default)' },
  tools: { env: 'AGENTPMT_TOOLS', flag: 'tools', doc: 'comma-separated single tools to enable on top of the toolsets' },
  pin: { env: 'AGENTPMT_PIN', flag: 'pin', doc: 'marketplace actions to expose as their own tools: product/action, comma separated' },
  readOnly: { env: 'AGENTPMT_READ_ONLY', flag: 'read-only', doc: 'only expose read-only tools (true/false); overrides everything else', boolean: true },
} as const satisfies Record<string, { env: string; flag: string; doc: string; secret?: boolean; boolean?: boolean }>;

export type SettingName = keyof typeof SETTINGS;

export type { LogLevel } from './core/log.js';

const httpUrl = (name: string) =>
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
    }, `${name} must be an http(s) origin such as https://api.agentpmt.com (no query or fragment)`)
    .transform((v) => v.replace(/\/+$/, ''));

const optionalSecret = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A stablecoin amount like "1.50", kept exact as base units (6 decimals). */
const money = z
  .string()
  .trim()
  .refine((v) => /^\d+(\.\d{1,6})?$/.test(v), 'must be an amount like 1.50 (at most 6 decimals)')
  .transform((v) => parseAmount(v));

const NETWORK_NAMES: Record<string, number> = { base: 8453, arbitrum: 42161, optimism: 10, polygon: 137, avalanche: 43114, 'base-sepolia': 84532 };

function networkFromName(raw: string): string | undefined {
  const chainId = NETWORK_NAMES[raw] ?? (/^\d+$/.test(raw) ? Number(raw) : /^eip155:(\d+)$/.exec(raw) ? Number(raw.slice(7)) : undefined);
  return chainId !== undefined && CHAIN_NAMES[chainId] ? `eip155:${chainId}` : undefined;
}

const intInRange = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const booleanSetting = z
  .string()
  .default('false')
  .transform((v) => v.trim().toLowerCase())
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z
  .object({
    transport: z.enum(['stdio', 'http']).default('stdio'),
    host: z.string().trim().min(1).default('127.0.0.1'),
    port: intInRange(0, 65535).default(3333),
    apiUrl: httpUrl('AGENTPMT_API_URL').default('https://api.agentpmt.com'),
    webUrl: httpUrl('AGENTPMT_WEB_URL').default('https://www.agentpmt.com'),
    bearerToken: optionalSecret,
    apiKey: optionalSecret,
    budgetKey: optionalSecret,
    // The wallet settings are checked when the wallet is first used, not here: a bad key
    // must not stop the server, only the wallet tools, with an error naming the setting.
    privateKey: optionalSecret,
    keystore: z.string().trim().min(1).optional(),
    keystorePassword: z.string().optional().transform((v) => (v === '' ? undefined : v)),
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
    httpMaxConnections: intInRange(8, 1_000_000).default(512),
    httpHeadersTimeoutMs: intInRange(100, 600_000).default(10_000),
    httpBodyTimeoutMs: intInRange(100, 3_600_000).default(30_000),
    timeoutMs: intInRange(100, 600_000).default(30_000),
    maxRetries: intInRange(0, 5).default(2),
    maxPaymentUsd: money.prefault('1.00'),
    dailyBudgetUsd: money.prefault('5.00'),
    approvalThresholdUsd: money.prefault('0.50'),
    maxPaymentEur: money.prefault('0'),
    dailyBudgetEur: money.prefault('0'),
    approvalThresholdEur: money.prefault('0'),
    allowedNetworks: z
      .string()
      .default('eip155:8453')
      .transform((v, ctx) => {
        const out: string[] = [];
        for (const raw of v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
          const network = networkFromName(raw);
          if (!network) ctx.addIssue({ code: 'custom', message: `unknown network "${raw}"; use eip155:<chainId> or one of ${Object.keys(NETWORK_NAMES).join(', ')}` });
          else out.push(network);
        }
        return out;
      }),
    allowedAssets: z
      .string()
      .default('USDC')
      .transform((v) => v.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean))
      .refine((list) => list.every((a) => a === 'USDC' || a === 'EURC'), 'only USDC and EURC are supported')
      .transform((list) => list as ('USDC' | 'EURC')[]),
    allowedPayees: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))
      .refine((list) => list.every((a) => /^0x[0-9a-f]{40}$/.test(a)), 'must be 0x-prefixed 40-hex-digit addresses, comma separated'),
    ledgerUrl: optionalSecret.refine((v) => v === undefined || /^postgres(ql)?:\/\/\S+$/.test(v), 'AGENTPMT_LEDGER_URL must be a postgres:// or postgresql:// connection URL'),
    paymentDedupeSeconds: intInRange(0, 7 * 86_400).default(600),
    shutdownSeconds: intInRange(1, 120).default(10),
    workflowWaitSeconds: intInRange(1, 55).default(45),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    toolsets: z
      .string()
      .default('default')
      .transform((v) => v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)),
    tools: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean)),
    pin: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
      .refine((list) => list.every((p) => /^[^/\s]+\/[^/\s]+$/.test(p)), 'each pin must look like product/action (slugs), comma separated'),
    readOnly: booleanSetting,
  })
  .superRefine((c, ctx) => {
    if (c.transport === 'http' && c.httpInsecureNoAuth && c.httpToken !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['httpInsecureNoAuth'], message: 'contradicts AGENTPMT_HTTP_TOKEN: set one or the other' });
    }
    if (c.transport === 'http' && c.httpInsecureNoAuth && !isLoopbackHost(c.host)) {
      ctx.addIssue({ code: 'custom', path: ['httpInsecureNoAuth'], message: `refused: ${c.host} is not a loopback address, and a server that can spend money must not be reachable from the network without a token. Set AGENTPMT_HTTP_TOKEN instead` });
    }
    if ((c.apiKey === undefined) !== (c.budgetKey === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.apiKey === undefined ? 'apiKey' : 'budgetKey'],
        message: 'AGENTPMT_API_KEY and AGENTPMT_BUDGET_KEY go together: set both, or use AGENTPMT_BEARER_TOKEN instead',
      });
    }
  });

export type Config = z.output<typeof configSchema> & { home: string; keystore: string };

export class ConfigError extends Error {}

/** The per-user config directory of the OS, where state lives unless AGENTPMT_HOME says otherwise. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'agentpmt-mcp');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'agentpmt-mcp');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'agentpmt-mcp');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = String(issue.path[0] ?? '');
  const setting = (SETTINGS as Record<string, { env: string; flag: string }>)[key];
  const where = setting ? `${setting.env} (--${setting.flag})` : key || 'configuration';
  return `${where}: ${issue.message}`;
}

/** Flags win over env vars; both are validated by the same schema. */
export function loadConfig(flags: Partial<Record<SettingName, string>>, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const [name, s] of Object.entries(SETTINGS)) {
    const fromFlag = flags[name as SettingName];
    const fromEnv = env[s.env];
    // An MCP Bundle host passes an empty optional field through as the literal placeholder: treat it as unset.
    const value = [fromFlag, fromEnv].map((v) => (v !== undefined && /^\$\{user_config\.[^}]*\}$/.test(v.trim()) ? undefined : v)).find((v) => v !== undefined);
    if (value !== undefined && !(value.trim() === '' && fromFlag === undefined)) raw[name] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`Invalid setting:\n  ${parsed.error.issues.map(describeIssue).join('\n  ')}`);
  }
  const home = parsed.data.home ?? defaultHome(env);
  return { ...parsed.data, home, keystore: parsed.data.keystore ?? path.join(home, 'keystore.json') };
}

export interface CliInvocation {
  command: 'serve' | 'sandbox' | 'demo' | 'doctor' | 'help' | 'version';
  flags: Partial<Record<SettingName, string>>;
  /** doctor --repair-ledger */
  repairLedger?: boolean;
  sandboxPort?: string;
}

/** Parses argv into a command and raw flag strings; values are validated later by loadConfig. */
export function parseCli(argv: string[]): CliInvocation {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
    'repair-ledger': { type: 'boolean' },
  };
  for (const s of Object.values(SETTINGS)) options[s.flag] = { type: 'boolean' in s && s.boolean ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run agentpmt-mcp --help for the list of flags.`);
  }
  const flags: Partial<Record<SettingName, string>> = {};
  for (const [name, s] of Object.entries(SETTINGS)) {
    const v = parsed.values[s.flag];
    if (typeof v === 'string') flags[name as SettingName] = v;
    else if (v === true) flags[name as SettingName] = 'true';
  }
  if (parsed.values.help) return { command: 'help', flags };
  if (parsed.values.version) return { command: 'version', flags };
  const [sub, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new ConfigError(`Unexpected argument "${rest[0]}". Run agentpmt-mcp --help.`);
  if (sub === undefined || sub === 'serve') return { command: 'serve', flags };
  if (sub === 'sandbox') return { command: 'sandbox', flags, ...(flags.port !== undefined ? { sandboxPort: flags.port } : {}) };
  if (sub === 'demo') return { command: 'demo', flags };
  if (parsed.values['repair-ledger'] && sub !== 'doctor') throw new ConfigError('--repair-ledger goes with the doctor command: agentpmt-mcp doctor --repair-ledger');
  if (sub === 'doctor') return { command: 'doctor', flags, ...(parsed.values['repair-ledger'] ? { repairLedger: true } : {}) };
  throw new ConfigError(`Unknown command "${sub}". Commands: serve (default), sandbox, demo, doctor. Run agentpmt-mcp --help.`);
}

/** Values that must never appear in any output; the logger and error renderer scrub them. */
export function secretValues(config: Config): string[] {
  return Object.entries(SETTINGS)
    .filter(([, s]) => 'secret' in s && s.secret)
    .map(([name]) => config[name as SettingName])
    .filter((v): v is string => typeof v === 'string' && v.length >= 4)
    .concat(urlPassword(config.ledgerUrl));
}

/** The password inside a connection URL, scrubbed on its own too (a driver error may quote it without the URL). */
function urlPassword(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const p = decodeURIComponent(new URL(url).password);
    return p.length >= 4 ? [p] : [];
  } catch {
    return [];
  }
}
