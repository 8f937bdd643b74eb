import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '../core/state/files.js';
import { unifiedDiff, redactDiff } from './diff.js';
import { InstallError } from './errors.js';
import { HOSTS, type HostId, type PathContext } from './hosts.js';
import { isRouterEntry, routerSettings } from './router.js';
import { ENTRY_NAME, plain, SECRET_ENV, type HostFormat, type RouterEntry, type ServerSpec } from './types.js';

export interface CommonOptions {
  host: HostId;
  /** The host's file, instead of its documented location. */
  file?: string;
  ctx: PathContext;
  dryRun: boolean;
  now?: Date;
  /** Where the report goes (stdout for the CLI). */
  print: (line: string) => void;
}

export interface InstallOptions extends CommonOptions {
  fromRouter: boolean;
  /** Settings for our entry's env (the bearer token, …). */
  settings: Record<string, string>;
  launch: { command: string; args: string[] };
}

export interface RunResult {
  file: string;
  changed: boolean;
  backup?: string;
  deleted?: boolean;
  warnings: string[];
  diff: string;
}

const BOM = '\uFEFF';

interface Current {
  file: string;
  /** Where the bytes are really written: a symlinked config (dotfile managers) is edited in place. */
  target: string;
  raw: string | undefined;
  text: string | undefined;
  bom: boolean;
  mode: number | undefined;
}

async function readCurrent(file: string): Promise<Current> {
  let target = file;
  try {
    target = await fs.realpath(file);
  } catch {
    // Not there yet: created at its documented path.
  }
  let raw: string | undefined;
  let mode: number | undefined;
  try {
    raw = await fs.readFile(target, 'utf8');
    mode = (await fs.stat(target)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InstallError(`${file}: cannot be read (${(err as Error).message}). Nothing was changed.`);
  }
  const bom = raw?.startsWith(BOM) ?? false;
  return { file, target, raw, text: bom ? raw?.slice(1) : raw, bom, mode };
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

const backupPrefix = (target: string, tag: 'install' | 'uninstall'): string => `${path.basename(target)}.agentpmt-${tag}-`;

/** A private copy of the file as it was, beside it, never overwriting an older backup. */
async function backup(current: Current, tag: 'install' | 'uninstall', now: Date): Promise<string | undefined> {
  if (current.raw === undefined) return undefined;
  const dir = path.dirname(current.target);
  for (let i = 0; ; i++) {
    const name = path.join(dir, `${backupPrefix(current.target, tag)}${stamp(now)}${i ? `-${i}` : ''}.bak`);
    try {
      const handle = await fs.open(name, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        await handle.writeFile(current.raw, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Install backups of this file, newest first (the names sort by their timestamp). */
async function installBackups(target: string): Promise<string[]> {
  const prefix = backupPrefix(target, 'install');
  const names = await fs.readdir(path.dirname(target)).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(prefix) && n.endsWith('.bak'))
    .sort()
    .reverse()
    .map((n) => path.join(path.dirname(target), n));
}

/**
 * The host (or the user) may have written the file while we computed: then nothing is written,
 * rather than silently dropping their change.
 */
async function assertUnchanged(current: Current): Promise<void> {
  const now = await fs.readFile(current.target, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (now !== current.raw) throw new InstallError(`${current.file} changed while it was being edited (is the host running and writing it?). Nothing was written; run the command again.`);
}

function isPlainSecret(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !/^\$\{[^}]+\}$|^\$[A-Z_][A-Z0-9_]*$/.test(value);
}

function secretsIn(...envs: (Record<string, string> | undefined)[]): string[] {
  return envs.flatMap((e) => SECRET_ENV.map((k) => e?.[k]).filter((v): v is string => isPlainSecret(v)));
}

/** Refuses an edit that would change anything but our entry (and the migrated router entries). */
function verify(format: HostFormat, current: Current, next: string, drop: readonly RouterEntry[], expected: unknown): void {
  const before = current.text === undefined ? {} : plain(format.rest(current.file, current.text, drop));
  const after = plain(format.rest(current.file, next, []));
  const ours = plain(format.actual(current.file, next));
  if (!isDeepStrictEqual(before, after) || (expected !== undefined && !isDeepStrictEqual(ours, plain(expected)))) {
    throw new InstallError(`${current.file}: the edit would have changed more than the ${ENTRY_NAME} entry, so nothing was written. This is a bug in the installer; please report it (with the file's layout, not its secrets).`);
  }
}

function diffFor(current: Current, next: string | undefined, secrets: string[]): string {
  const label = current.file;
  return redactDiff(unifiedDiff(current.text ?? '', next ?? '', { from: current.text === undefined ? '/dev/null' : label, to: next === undefined ? '/dev/null' : label }), secrets);
}

async function commit(opts: CommonOptions, current: Current, next: string | undefined, tag: 'install' | 'uninstall', mode: number): Promise<{ backup?: string }> {
  const b = await backup(current, tag, opts.now ?? new Date());
  await assertUnchanged(current);
  if (next === undefined) {
    await fs.unlink(current.target);
  } else {
    await writeFileAtomic(current.target, (current.bom ? BOM : '') + next, mode);
  }
  return b ? { backup: b } : {};
}

export async function installEntry(opts: InstallOptions): Promise<RunResult> {
  const host = HOSTS[opts.host];
  const format = host.format;
  const current = await readCurrent(opts.file ?? host.file(opts.ctx));
  const inspection = current.text === undefined ? { ours: undefined, routers: [] } : format.inspect(current.file, current.text);
  const warnings: string[] = [];
  let migrated: Record<string, string> = {};
  let drop: RouterEntry[] = [];
  if (opts.fromRouter) {
    if (!inspection.routers.length) throw new InstallError(`${current.file} has no @agentpmt/mcp-router entry to migrate. Run without --from-router to add ours.`);
    const distinct = new Map(inspection.routers.map((r) => [JSON.stringify(routerSettings(r)), r]));
    if (distinct.size > 1) {
      throw new InstallError(`${current.file} has @agentpmt/mcp-router entries with different credentials (${inspection.routers.map((r) => `${r.container}.${r.name}`).join(', ')}). Keep the one you want (remove the others by hand), then run the command again.`);
    }
    migrated = routerSettings(inspection.routers[0] as RouterEntry);
    drop = inspection.routers;
  } else if (inspection.routers.length) {
    const clash = inspection.routers.find((r) => r.name === ENTRY_NAME);
    if (clash) throw new InstallError(`${current.file}: the "${ENTRY_NAME}" entry is the @agentpmt/mcp-router relay. Run with --from-router to replace it with this server (its token is kept).`);
    warnings.push(`${current.file} also has @agentpmt/mcp-router entries (${inspection.routers.map((r) => r.name).join(', ')}); --from-router replaces them with this server and keeps their token.`);
  }
  // Settings already in our entry (a token, toolsets the user added) survive a re-install.
  // (Not when "ours" is the router's entry under our name: its env holds the router's own variables.)
  const oursIsRouter = drop.some((r) => r.name === ENTRY_NAME) && inspection.routers.some((r) => r.name === ENTRY_NAME);
  const env = { ...(oursIsRouter ? {} : (inspection.ours?.env ?? {})), ...migrated, ...opts.settings };
  const spec: ServerSpec = { command: opts.launch.command, args: opts.launch.args, env };
  const next = format.install(current.file, current.text, spec, drop);
  verify(format, current, next, drop, format.expected(spec));

  const plainSecrets = SECRET_ENV.filter((k) => isPlainSecret(env[k]));
  if (format.secretStore) {
    if (plainSecrets.length) warnings.push(`${host.name} keeps ${plainSecrets.join(', ')} in its secret storage: it asks for the value when the server first starts; the value is not written to ${current.file}.`);
  } else if (plainSecrets.length) {
    warnings.push(`${plainSecrets.join(', ')} will be stored in plain text in ${current.file} (readable only by you: mode 0600)${host.secretHint ? `; ${host.secretHint}` : `: ${host.name} has no secret store for MCP server settings`}.`);
  } else if (!env.AGENTPMT_BEARER_TOKEN && !env.AGENTPMT_API_KEY) {
    warnings.push(`No AgentPMT credentials in the entry: the account tools will not work until AGENTPMT_BEARER_TOKEN is set in its env (run again with --bearer-token, or set AGENTPMT_BEARER_TOKEN).`);
  }
  const diff = diffFor(current, next, secretsIn(env, inspection.ours?.env, ...drop.map((r) => r.env)));
  const result: RunResult = { file: current.file, changed: next !== current.text, warnings, diff };
  for (const w of warnings) opts.print(`! ${w}`);
  if (!result.changed) {
    opts.print(`✓ ${host.name}: ${current.file} already has this ${ENTRY_NAME} entry; nothing to change.`);
    return result;
  }
  if (opts.dryRun) {
    opts.print(diff.trimEnd());
    opts.print(`(dry run: ${current.file} was not changed)`);
    return result;
  }
  // A file that now holds a secret in plain text is made private to the user.
  let mode = current.mode ?? 0o600;
  if (plainSecrets.length && !format.secretStore && mode & 0o077) {
    mode &= 0o700;
    opts.print(`! ${current.file} was readable by other users; it is now mode ${mode.toString(8).padStart(4, '0')} since it holds a token.`);
  }
  const done = await commit(opts, current, next, 'install', mode);
  if (done.backup) result.backup = done.backup;
  opts.print(`✓ ${host.name}: ${drop.length ? `replaced the @agentpmt/mcp-router entry (${drop.map((r) => r.name).join(', ')}) with` : inspection.ours ? 'updated' : 'added'} the ${ENTRY_NAME} server in ${current.file}${done.backup ? ` (previous version kept in ${done.backup})` : ''}.`);
  opts.print(`  ${host.restart}`);
  return result;
}

/**
 * The content before our install, when the file is still exactly what that install wrote:
 * re-running the install on an install backup reproduces the current bytes. Then uninstall puts
 * back that content byte for byte (a migrated router entry included; a file we created is removed).
 */
async function previousState(format: HostFormat, current: Current & { text: string }, ours: ServerSpec): Promise<{ text: string | undefined; from?: string } | undefined> {
  let state = current.text;
  let spec = ours;
  for (const b of await installBackups(current.target)) {
    const raw = await fs.readFile(b, 'utf8').catch(() => undefined);
    if (raw === undefined) continue;
    const text = raw.startsWith(BOM) ? raw.slice(1) : raw;
    let inspection;
    try {
      inspection = format.inspect(b, text);
    } catch {
      continue;
    }
    const reproduces = [[], inspection.routers].some((drop) => {
      try {
        return format.install(b, text, spec, drop) === state;
      } catch {
        return false;
      }
    });
    if (!reproduces) continue;
    // The router's relay under our name is not ours: that backup is the state before us.
    if (!inspection.ours || isRouterEntry(inspection.ours)) return { text, from: b };
    // A re-install: what it replaced was itself installed; keep walking back.
    state = text;
    spec = inspection.ours;
  }
  if (format.install(current.file, undefined, spec, []) === state) return { text: undefined };
  return undefined;
}

export async function uninstallEntry(opts: CommonOptions): Promise<RunResult> {
  const host = HOSTS[opts.host];
  const format = host.format;
  const current = await readCurrent(opts.file ?? host.file(opts.ctx));
  const result: RunResult = { file: current.file, changed: false, warnings: [], diff: '' };
  if (current.text === undefined) {
    opts.print(`✓ ${host.name}: ${current.file} does not exist; nothing to remove.`);
    return result;
  }
  const inspection = format.inspect(current.file, current.text);
  if (!inspection.ours) {
    opts.print(`✓ ${host.name}: ${current.file} has no ${ENTRY_NAME} entry; nothing to remove.`);
    return result;
  }
  const previous = await previousState(format, { ...current, text: current.text }, inspection.ours);
  let next: string | undefined;
  let how: string;
  if (previous) {
    next = previous.text;
    how = previous.from ? `restored the content it had before the install (${previous.from})` : 'removed the file the install had created';
  } else {
    next = format.uninstall(current.file, current.text);
    verify(format, current, next, [], undefined);
    if (format.inspect(current.file, next).ours) throw new InstallError(`${current.file}: the ${ENTRY_NAME} entry could not be removed; nothing was written.`);
    how = `removed the ${ENTRY_NAME} entry (the file changed since the install, so only our entry was taken out)`;
  }
  const secrets = secretsIn(inspection.ours.env, ...inspection.routers.map((r) => r.env));
  result.diff = diffFor(current, next, secrets);
  result.changed = true;
  if (opts.dryRun) {
    opts.print(result.diff.trimEnd());
    opts.print(`(dry run: ${current.file} was not changed)`);
    return result;
  }
  const done = await commit(opts, current, next, 'uninstall', current.mode ?? 0o600);
  if (done.backup) result.backup = done.backup;
  if (next === undefined) result.deleted = true;
  opts.print(`✓ ${host.name}: ${how} in ${current.file}${done.backup ? ` (the version with the entry is kept in ${done.backup})` : ''}.`);
  opts.print(`  ${host.restart}`);
  return result;
}
