import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PLATFORMS } from './platforms/index.js';
import { configSchema, SETTINGS, type SettingName } from './config.js';
import { VERSION } from './version.js';

/**
 * The MCP Bundle (.mcpb) manifest for Claude Desktop, derived from SETTINGS and the
 * catalog so it cannot drift from them: `npm run manifest` writes it to manifest.json
 * and test/e2e/manifest.test.ts fails when the committed file differs from this.
 */

/** Settings that make no sense inside Claude Desktop (it always runs the server over stdio). */
export const MANIFEST_EXCLUDED_SETTINGS: Readonly<Partial<Record<SettingName, string>>> = {
  transport: 'Claude Desktop runs the server over stdio',
  platforms: 'platforms are served when their credentials are set',
  host: 'HTTP transport only',
  port: 'HTTP transport only',
  httpToken: 'HTTP transport only',
  httpAllowedHosts: 'HTTP transport only',
  httpInsecureNoAuth: 'HTTP transport only',
  httpMaxBodyBytes: 'HTTP transport only',
  httpMaxSessions: 'HTTP transport only',
  httpSessionIdleSeconds: 'HTTP transport only',
  httpMaxConnections: 'HTTP transport only',
  httpHeadersTimeoutMs: 'HTTP transport only',
  httpBodyTimeoutMs: 'HTTP transport only',
};

/** Titles shown in Claude Desktop's settings form; a setting missing here gets one made from its name. */
const TITLES: Partial<Record<SettingName, string>> = {
  apiUrl: 'Account API URL',
  webUrl: 'Web URL',
  bearerToken: 'Agent Group Bearer Token',
  apiKey: 'API key (legacy)',
  budgetKey: 'Budget key (legacy)',
  privateKey: 'Agent wallet private key',
  keystore: 'Agent wallet keystore file',
  keystorePassword: 'Keystore passphrase',
  home: 'State directory',
  timeoutMs: 'Request timeout (ms)',
  maxRetries: 'Retries',
  maxPaymentUsd: 'Largest payment (USD)',
  dailyBudgetUsd: 'Daily budget (USD)',
  approvalThresholdUsd: 'Approval above (USD)',
  maxPaymentEur: 'Largest payment (EUR)',
  dailyBudgetEur: 'Daily budget (EUR)',
  approvalThresholdEur: 'Approval above (EUR)',
  allowedNetworks: 'Allowed networks',
  allowedAssets: 'Allowed stablecoins',
  allowedPayees: 'Allowed payees',
  workflowWaitSeconds: 'Workflow wait (seconds)',
  agentruntimeApiUrl: 'AgentRuntime API URL',
  agentruntimeToken: 'AgentRuntime token (PAT)',
  agentruntimeTenantId: 'AgentRuntime tenant',
  agentruntimeProjectId: 'AgentRuntime project',
  agentruntimeRunWaitSeconds: 'AgentRuntime run wait (seconds)',
  logLevel: 'Log level',
  toolsets: 'Toolsets',
  tools: 'Extra tools',
  readOnly: 'Read-only mode',
};

/** Settings holding a path, shown with a file or directory picker. */
const PATH_TYPES: Partial<Record<SettingName, 'file' | 'directory'>> = {
  keystore: 'file',
  home: 'directory',
};

export interface ManifestUserConfig {
  type: 'string' | 'number' | 'boolean' | 'directory' | 'file';
  title: string;
  description: string;
  required: boolean;
  sensitive?: boolean;
  default: string | number | boolean;
  min?: number;
  max?: number;
}

/** bearerToken -> bearer_token: the key under user_config and in ${user_config.*}. */
export function userConfigKey(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function humanize(name: string): string {
  const words = userConfigKey(name).split('_');
  return words
    .map((w, i) => (['usd', 'eur', 'url', 'http', 'api'].includes(w) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(' ');
}

/** Peels defaults, optionals and pipes off a zod type to find the number check underneath, if any. */
function numberBounds(schema: z.ZodType): { min?: number; max?: number } | undefined {
  let t: z.ZodType = schema;
  for (let i = 0; i < 8; i++) {
    if (t instanceof z.ZodNumber) {
      const min = t.minValue;
      const max = t.maxValue;
      return {
        ...(min !== null && Number.isFinite(min) ? { min } : {}),
        ...(max !== null && Number.isFinite(max) ? { max } : {}),
      };
    }
    if (t instanceof z.ZodDefault || t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodType;
    else if (t instanceof z.ZodPipe) t = t.in as z.ZodType;
    else return undefined;
  }
  return undefined;
}

/** The default as the user would type it (before any transform), from the schema's .default()/.prefault(). */
function rawDefault(schema: z.ZodType): unknown {
  let t: z.ZodType = schema;
  for (let i = 0; i < 8; i++) {
    if (t instanceof z.ZodDefault || t instanceof z.ZodPrefault) return (t._zod.def as { defaultValue: unknown }).defaultValue;
    if (t instanceof z.ZodPipe) t = t.in as z.ZodType;
    else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodType;
    else return undefined;
  }
  return undefined;
}

function defaultFor(value: unknown, type: ManifestUserConfig['type']): string | number | boolean {
  if (type === 'boolean') return value === true || value === 'true';
  if (type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(',');
  // Every field gets a default: Claude Desktop leaves a ${user_config.x} with neither a value
  // nor a default unsubstituted, and the server would read the literal placeholder.
  return '';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function packageJson(): { engines?: { node?: string }; license?: string } {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string }; license?: string };
}

/** The user_config entries and the env block that maps each of them to its environment variable. */
export function manifestUserConfig(): { userConfig: Record<string, ManifestUserConfig>; env: Record<string, string> } {
  const shape = configSchema.shape as Record<string, z.ZodType>;
  const userConfig: Record<string, ManifestUserConfig> = {};
  const env: Record<string, string> = {};
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    if (MANIFEST_EXCLUDED_SETTINGS[name] !== undefined) continue;
    const key = userConfigKey(name);
    const bounds = shape[name] ? numberBounds(shape[name]) : undefined;
    const secret = 'secret' in s && s.secret === true;
    const type: ManifestUserConfig['type'] = 'boolean' in s && s.boolean ? 'boolean' : bounds ? 'number' : (PATH_TYPES[name] ?? 'string');
    userConfig[key] = {
      type,
      title: TITLES[name] ?? humanize(name),
      description: `${capitalize(s.doc)}. Environment variable ${s.env}.`,
      required: false,
      ...(secret ? { sensitive: true } : {}),
      default: defaultFor(shape[name] ? rawDefault(shape[name]) : undefined, type),
      ...(bounds ?? {}),
    };
    env[s.env] = `\${user_config.${key}}`;
  }
  return { userConfig, env };
}

export function buildManifest(): Record<string, unknown> {
  const { userConfig, env } = manifestUserConfig();
  const pkg = packageJson();
  return {
    manifest_version: '0.3',
    name: 'agentpmt-mcp',
    display_name: 'AgentPMT',
    version: VERSION,
    description: 'The AgentPMT platform for your agent: account credits and tool purchases, the tool marketplace, workflow runs, an agent wallet that signs its own requests, embeds and platform status.',
    long_description:
      'Every documented AgentPMT endpoint as a typed MCP tool. Account tools need the Agent Group Bearer Token from the AgentPMT dashboard; the wallet tools use an agent wallet whose key stays in an encrypted keystore on this computer and is never shown to the model. With an AgentRuntime personal access token (and its tenant and project), it also drives AgentRuntime: workflows, runs with human tasks, signed inbound webhooks, connections, MCP servers, tokens and billing; the secrets AgentRuntime shows once are kept on this computer, never shown to the model. Point the URLs at the local sandbox (`npm run sandbox` in a clone of the repository) to try everything offline without spending money.',
    author: { name: 'AgentPMT', url: 'https://www.agentpmt.com' },
    homepage: 'https://www.agentpmt.com',
    server: {
      type: 'node',
      entry_point: 'dist/cli.js',
      mcp_config: {
        command: 'node',
        args: ['${__dirname}/dist/cli.js'],
        env,
      },
    },
    tools: PLATFORMS.flatMap((p) => p.catalog).map((d) => ({ name: d.name, description: d.description })),
    keywords: ['agentpmt', 'agentruntime', 'mcp', 'agents', 'marketplace', 'workflows', 'payments', 'credits', 'wallet', 'webhooks'],
    license: pkg.license ?? 'MIT',
    compatibility: {
      platforms: ['darwin', 'win32', 'linux'],
      runtimes: { node: pkg.engines?.node ?? '>=20.0.0' },
    },
    user_config: userConfig,
  };
}
