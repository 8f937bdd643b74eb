import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkCore, coreShape, CORE_SETTINGS } from './core/settings.js';
import { AGENTPMT_SETTINGS, agentpmtShape, checkAgentpmt } from './platforms/agentpmt/settings.js';
import { AGENTRUNTIME_SETTINGS, agentruntimeShape } from './platforms/agentruntime/settings.js';
import { ARROTECH_SETTINGS, arrotechShape, checkArrotech } from './platforms/arrotech/settings.js';

/**
 * Every setting, its env var and its flag: the core's table and each platform's,
 * merged here (the CLI, the README and manifest.json derive from this list).
 */
// Platform settings first: in Claude Desktop's form the credentials come before the tuning.
export const SETTINGS = { ...AGENTPMT_SETTINGS, ...AGENTRUNTIME_SETTINGS, ...ARROTECH_SETTINGS, ...CORE_SETTINGS } as const;

export type SettingName = keyof typeof SETTINGS;

export const configSchema = z.object({ ...coreShape, ...agentpmtShape, ...agentruntimeShape, ...arrotechShape }).superRefine((c, ctx) => {
  checkCore(c, ctx);
  checkAgentpmt(c, ctx);
  checkArrotech(c, ctx);
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
