import os from 'node:os';
import { realpathSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { installEntry, uninstallEntry } from './engine.js';
import { InstallError, InvalidConfigError } from './errors.js';
import { HOST_IDS, HOSTS, isHostId } from './hosts.js';
import { INSTALL_USAGE } from './usage.js';
import { log } from '../core/log.js';

export { INSTALL_USAGE };


export interface InstallIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** The running CLI script, for --launch local. */
  script?: string;
  platform?: NodeJS.Platform;
  now?: Date;
}

function usage(io: InstallIo, message: string): number {
  io.err(`agentpmt-mcp: ${message}\nUsage:\n${INSTALL_USAGE.join('\n')}`);
  return 2;
}

/** `agentpmt-mcp install|uninstall <host> …`; returns the exit code (2: usage, 1: refused or failed). */
export async function runInstallCommand(command: 'install' | 'uninstall', argv: string[], io: InstallIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'dry-run': { type: 'boolean' },
        'from-router': { type: 'boolean' },
        'bearer-token': { type: 'string' },
        launch: { type: 'string' },
        config: { type: 'string' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const [hostName, ...extra] = parsed.positionals;
  if (!hostName || extra.length) return usage(io, hostName ? `unexpected argument "${extra[0]}"` : `${command} needs a host`);
  if (!isHostId(hostName)) return usage(io, `unknown host "${hostName}"; one of: ${HOST_IDS.join(', ')}`);
  const v = parsed.values;
  if (command === 'uninstall' && (v['from-router'] || v['bearer-token'] !== undefined || v.launch !== undefined)) return usage(io, 'uninstall takes only --dry-run and --config');
  const launch = v.launch ?? 'npx';
  if (launch !== 'npx' && launch !== 'local') return usage(io, `--launch is npx or local, not "${launch}"`);
  const common = {
    host: hostName,
    ...(v.config ? { file: v.config } : {}),
    ctx: { env: io.env, platform: io.platform ?? process.platform, fallbackHome: os.homedir() },
    dryRun: v['dry-run'] === true,
    ...(io.now ? { now: io.now } : {}),
    print: io.out,
  };
  try {
    if (command === 'uninstall') {
      await uninstallEntry(common);
      return 0;
    }
    const token = v['bearer-token'] ?? io.env.AGENTPMT_BEARER_TOKEN;
    if (token) log.addSecrets([token]);
    let script = io.script ?? process.argv[1] ?? '';
    try {
      script = realpathSync(script);
    } catch {
      // Keep the path as given.
    }
    await installEntry({
      ...common,
      fromRouter: v['from-router'] === true,
      settings: token ? { AGENTPMT_BEARER_TOKEN: token } : {},
      // npx: the published package, always current. local: this very build (a clone, or before publication).
      launch: launch === 'npx' ? { command: 'npx', args: ['-y', 'agentpmt-mcp'] } : { command: process.execPath, args: [script] },
    });
    return 0;
  } catch (err) {
    if (err instanceof InvalidConfigError || err instanceof InstallError) {
      io.err(`agentpmt-mcp ${command} ${HOSTS[hostName].id}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
