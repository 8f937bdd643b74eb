import { constants as fsc, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpClient } from './core/http-client.js';
import { ConfigError, loadConfig, SETTINGS, type Config, type SettingName } from './config.js';
import { accountBearerToken } from './platforms/agentpmt/auth.js';
import { ToolFailureError } from './core/errors.js';
import { servedPlatforms } from './assembly.js';
// Doctor looks at every platform anyway: it loads them all (it is not a start-up path).
import { PLATFORMS } from './platforms/index.js';
import { VERSION } from './version.js';

/**
 * `agentpmt-mcp doctor`: checks the configuration, credentials, wallet, state directory
 * and both platform origins, one line per check (✓ fine, ! warning, ✗ problem) with
 * what is wrong and how to fix it. Exit code 1 when any check is ✗, else 0.
 * No secret value is ever printed: every line is scrubbed of the raw secret settings.
 */

type Mark = '✓' | '!' | '✗';

export interface DoctorOutput {
  write(chunk: string): unknown;
}

export interface DoctorOptions {
  /** Timeout of each reachability request. Default 5000 ms (or AGENTPMT_TIMEOUT_MS if smaller). */
  probeTimeoutMs?: number;
  /** Repair a damaged file ledger (keep every readable record, move the damaged file aside) before checking it. */
  repairLedger?: boolean;
}

const PRODUCTION = { apiUrl: 'https://api.agentpmt.com', webUrl: 'https://www.agentpmt.com' } as const;


class Report {
  failures = 0;
  warnings = 0;
  constructor(
    private readonly out: DoctorOutput,
    private readonly secrets: readonly string[],
  ) {}

  line(mark: Mark, text: string): void {
    if (mark === '✗') this.failures++;
    if (mark === '!') this.warnings++;
    this.out.write(`${mark} ${this.scrub(text)}\n`);
  }

  plain(text: string): void {
    this.out.write(`${this.scrub(text)}\n`);
  }

  private scrub(text: string): string {
    let s = text;
    for (const secret of this.secrets) s = s.split(secret).join('[redacted]');
    return s;
  }
}

function isSecret(name: SettingName): boolean {
  const s = SETTINGS[name] as { secret?: boolean };
  return s.secret === true;
}

/** Every raw value of a secret setting, from flags and env, so no line can ever carry one. */
function rawSecrets(flags: Partial<Record<SettingName, string>>, env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    if (!isSecret(name)) continue;
    for (const v of [flags[name], env[SETTINGS[name].env]]) {
      if (typeof v !== 'string') continue;
      for (const candidate of [v, v.trim()]) if (candidate.length >= 4) values.add(candidate);
    }
  }
  const apiKey = (flags.apiKey ?? env[SETTINGS.apiKey.env])?.trim();
  const budgetKey = (flags.budgetKey ?? env[SETTINGS.budgetKey.env])?.trim();
  if (apiKey && budgetKey) values.add(Buffer.from(`${apiKey}:${budgetKey}`, 'utf8').toString('base64'));
  // Longest first, so a secret containing another is redacted whole.
  return [...values].sort((a, b) => b.length - a.length);
}

function settingOfLine(line: string): SettingName | undefined {
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, { env: string }][]) {
    if (line.startsWith(`${s.env} `) || line.startsWith(`${s.env}:`)) return name;
  }
  return undefined;
}

/** A URL for display: no user info, no trailing slash. */
function shownUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return u;
  }
}

function isLoopback(u: string): boolean {
  try {
    const h = new URL(u).hostname.toLowerCase();
    return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
  } catch {
    return false;
  }
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function modeString(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  if (typeof e?.code === 'string') {
    if (e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
    return e.code;
  }
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}

interface ProbeResult {
  status?: number;
  body?: string;
  error?: string;
  ms: number;
}

/** A GET through the core's one HTTP client (no retries: doctor reports what it sees). */
async function probe(client: HttpClient, base: string, path: string, headers: Record<string, string> = {}): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const res = await client.request({ origin: base, method: 'GET', path, headers: { accept: '*/*', ...headers }, idempotent: true });
    return { status: res.status, body: res.text.slice(0, 64 * 1024), ms: Date.now() - started };
  } catch (err) {
    if (err instanceof ToolFailureError && err.failure.code === 'timeout') return { error: 'timed out', ms: Date.now() - started };
    return { error: errorCode(err instanceof Error && err.cause !== undefined ? err.cause : err), ms: Date.now() - started };
  }
}

/** The wallet-signed tools, named in the warning when no wallet is set up. */
async function walletTools(): Promise<string> {
  const { catalog } = await import('./platforms/agentpmt/tools/index.js');
  const { usesWallet } = await import('./platforms/agentpmt/tools/types.js');
  const names = catalog.filter(usesWallet).map((d) => d.name);
  return names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
}

/** Node version against package.json's engines (">=X.Y.Z"). */
function checkNode(report: Report): void {
  const engines = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } }).engines?.node ?? '';
  const wanted = /(\d+\.\d+\.\d+)/.exec(engines)?.[1] ?? '20.0.0';
  const have = process.versions.node.split('.').map(Number);
  const need = wanted.split('.').map(Number);
  let older = false;
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (need[i] ?? 0)) {
      older = (have[i] ?? 0) < (need[i] ?? 0);
      break;
    }
  }
  if (older) report.line('✗', `Node.js ${process.version} is too old: agentpmt-mcp needs Node.js ${wanted} or newer. Fix: install a current Node.js LTS.`);
  else report.line('✓', `Node.js ${process.version} (agentpmt-mcp ${VERSION}, ${process.platform}/${process.arch})`);
}

/**
 * Loads the configuration; each invalid setting becomes one ✗ line and is then dropped,
 * so the remaining checks run with that setting's default.
 */
function checkConfig(report: Report, flags: Partial<Record<SettingName, string>>, env: NodeJS.ProcessEnv): { config: Config; invalid: Set<SettingName> } {
  const invalid = new Set<SettingName>();
  const f: Partial<Record<SettingName, string>> = { ...flags };
  const e: NodeJS.ProcessEnv = { ...env };
  const drop = (name: SettingName) => {
    invalid.add(name);
    delete f[name];
    delete e[SETTINGS[name].env];
  };
  const seen = new Set<string>();
  for (let round = 0; round < 40; round++) {
    try {
      const config = loadConfig(f, e);
      const served = servedPlatforms(config, PLATFORMS);
      const tools = served.reduce((n, s) => n + s.tools.length, 0);
      if (invalid.size === 0) {
        const platforms = served.length > 1 ? ` across ${served.map((s) => s.platform.title).join(', ')}` : '';
        report.line('✓', `configuration: every setting is valid (${tools} tools enabled${platforms}${config.readOnly ? ', read-only' : ''})`);
      }
      return { config, invalid };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const lines = err.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter(Boolean);
      let progressed = false;
      for (const line of lines.length > 0 ? lines : [err.message]) {
        const name = settingOfLine(line);
        if (!seen.has(line)) {
          seen.add(line);
          const fix =
            name === 'apiKey' || name === 'budgetKey'
              ? 'Fix: set both AGENTPMT_API_KEY and AGENTPMT_BUDGET_KEY, or neither and AGENTPMT_BEARER_TOKEN instead (the checks below ignore both).'
              : name
                ? `Fix: correct ${SETTINGS[name].env}, or unset it to use the default (the checks below use the default).`
                : 'Fix: correct the setting.';
          report.line('✗', `${sentence(line)} ${fix}`);
        }
        if (!name) continue;
        // The legacy key pair is one setting in two halves: drop both.
        const names: SettingName[] = name === 'apiKey' || name === 'budgetKey' ? ['apiKey', 'budgetKey'] : [name];
        for (const n of names) {
          if (f[n] !== undefined || e[SETTINGS[n].env] !== undefined) {
            drop(n);
            progressed = true;
          } else invalid.add(n);
        }
      }
      if (!progressed) break;
    }
  }
  // Could not recover (should not happen): fall back to every default, keeping only the home directory.
  const fallbackEnv: NodeJS.ProcessEnv = {};
  for (const name of ['home', 'keystore'] as const) if (!invalid.has(name) && env[SETTINGS[name].env]) fallbackEnv[SETTINGS[name].env] = env[SETTINGS[name].env];
  for (const name of Object.keys(SETTINGS) as SettingName[]) if (!['home', 'keystore'].includes(name)) invalid.add(name);
  return { config: loadConfig({}, fallbackEnv), invalid };
}

async function checkTransport(report: Report, config: Config, invalid: Set<SettingName>): Promise<void> {
  if (config.transport !== 'http' || invalid.has('host')) return;
  const { isLoopbackHost } = await import('./core/shared/loopback.js');
  const where = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}/mcp`;
  if (!isLoopbackHost(config.host) && !config.httpToken) {
    report.line('✗', `HTTP transport: binding ${config.host} (not loopback) needs AGENTPMT_HTTP_TOKEN, and it is not set; the server will refuse to start. Fix: set AGENTPMT_HTTP_TOKEN (at least 16 characters) or bind 127.0.0.1.`);
  } else if (config.httpInsecureNoAuth) {
    report.line('!', `HTTP transport: ${where} with NO authentication (AGENTPMT_HTTP_INSECURE_NO_AUTH): every local user and process can call it and spend from the wallet. Fix: unset AGENTPMT_HTTP_INSECURE_NO_AUTH.`);
  } else if (config.httpToken) {
    report.line('✓', `HTTP transport: ${where} with bearer authentication (AGENTPMT_HTTP_TOKEN)`);
  } else {
    report.line('✓', `HTTP transport: ${where} with a bearer token generated at each start into ${path.join(config.home, 'http-token')}`);
  }
}

/** Nearest existing ancestor of a path that does not exist. */
async function nearestExisting(p: string): Promise<string | undefined> {
  let dir = path.dirname(p);
  for (;;) {
    try {
      await fs.stat(dir);
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

async function checkStateDir(report: Report, config: Config): Promise<void> {
  const dir = config.home;
  let st;
  try {
    st = await fs.stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      report.line('✗', `state directory ${dir} cannot be read (${errorCode(err)}). Fix: check its owner and permissions, or set AGENTPMT_HOME to a directory you own.`);
      return;
    }
    const parent = await nearestExisting(dir);
    let writable = false;
    if (parent) {
      try {
        await fs.access(parent, fsc.W_OK | fsc.X_OK);
        writable = (await fs.stat(parent)).isDirectory();
      } catch {
        writable = false;
      }
    }
    if (writable) report.line('✓', `state directory ${dir} does not exist yet; it will be created (private to you) on first use`);
    else report.line('✗', `state directory ${dir} does not exist and cannot be created (${parent ?? 'no parent'} is not a writable directory). Fix: set AGENTPMT_HOME to a directory you can write.`);
    return;
  }
  if (!st.isDirectory()) {
    report.line('✗', `state directory ${dir} is not a directory. Fix: set AGENTPMT_HOME to a directory.`);
    return;
  }
  try {
    await fs.access(dir, fsc.W_OK | fsc.X_OK);
  } catch {
    report.line('✗', `state directory ${dir} is not writable. Fix: make it yours (chown) and writable (chmod 700 ${dir}), or set AGENTPMT_HOME to another directory.`);
    return;
  }
  if (process.platform !== 'win32' && (st.mode & 0o002) !== 0) {
    report.line('✗', `state directory ${dir} is writable by every user (mode ${modeString(st.mode)}): anyone could alter the payment ledger, so x402 payments are refused. Fix: chmod 700 ${dir}`);
    return;
  }
  if (process.platform !== 'win32' && (st.mode & 0o007) !== 0) {
    report.line('!', `state directory ${dir} is open to other users (mode ${modeString(st.mode)}). Fix: chmod 700 ${dir}`);
    return;
  }
  report.line('✓', `state directory ${dir} exists and is writable${process.platform !== 'win32' ? ` (mode ${modeString(st.mode)})` : ''}`);
}

async function checkLedger(report: Report, config: Config): Promise<void> {
  const { openLedger, ledgerLocation } = await import('./platforms/agentpmt/payments/ledger-open.js');
  const { committedOn, LedgerProblemError, UNRESOLVED } = await import('./platforms/agentpmt/payments/ledger.js');
  const { formatAmount } = await import('./platforms/agentpmt/payments/assets.js');
  const where = ledgerLocation(config);
  let store;
  try {
    store = await openLedger(config);
  } catch (err) {
    const p = err instanceof LedgerProblemError ? err.problem : { what: (err as Error).message, next_step: 'Check AGENTPMT_LEDGER_URL and the state directory.' };
    report.line('✗', `payment ledger ${where} ${p.what}: x402 payments are refused. Fix: ${p.next_step}`);
    return;
  }
  try {
    const problem = await store.problem();
    if (problem) {
      report.line('✗', `payment ledger ${where} ${problem.what}: x402 payments are refused until it is fixed. Fix: ${problem.next_step}`);
      return;
    }
    const entries = await store.list();
    const today = committedOn(entries, new Date());
    const open = entries.filter((e) => UNRESOLVED.has(e.status)).length;
    report.line(open ? '!' : '✓', `payment ledger ${where}: ${entries.length} payment(s), today ${formatAmount(today.USD)} USD${today.EUR ? ` and ${formatAmount(today.EUR)} EUR` : ''} committed${open ? `; ${open} awaiting an outcome (the server resends their own signed payments at start-up)` : ''}`);
  } finally {
    await store.close();
  }
}

async function repairLedger(report: Report, config: Config): Promise<void> {
  if (config.ledgerUrl) {
    report.line('!', 'ledger repair: the ledger is in PostgreSQL (AGENTPMT_LEDGER_URL); repair it with the database\'s own tools. Nothing was changed.');
    return;
  }
  const { FileLedger } = await import('./platforms/agentpmt/payments/ledger-file.js');
  const { ledgerLocation } = await import('./platforms/agentpmt/payments/ledger-open.js');
  const r = await FileLedger.repair(ledgerLocation(config));
  const dropped = r.dropped.map((d) => `line ${d.line}: ${d.why}`).join('; ');
  report.line(r.dropped.length || r.lost ? '!' : '✓', `ledger repair: ${r.note} Kept ${r.kept} payment(s)${r.aside ? `; the damaged file is at ${r.aside}` : ''}${dropped ? `; could not keep ${dropped}` : ''}.`);
  if (r.lost > 0) {
    report.line('!', `ledger repair: ${r.lost} record(s) that were written are gone and could not be recovered, so today's budget may count less than was really spent. Fix: compare with the wallet's on-chain transfers before paying again, and lower AGENTPMT_DAILY_BUDGET_USD for today if needed.`);
  }
}

function walletFix(code: string, fallback: string): string {
  switch (code) {
    case 'invalid_private_key':
      return 'Fix: set AGENTPMT_PRIVATE_KEY to 64 hex characters (optionally 0x-prefixed), or unset it and use a keystore.';
    case 'keystore_password_missing':
      return 'Fix: set AGENTPMT_KEYSTORE_PASSWORD to the passphrase of this keystore.';
    case 'keystore_wrong_password':
      return 'Fix: set AGENTPMT_KEYSTORE_PASSWORD to the passphrase this keystore was created with.';
    case 'keystore_corrupt':
      return 'Fix: restore the keystore from a backup, or point AGENTPMT_KEYSTORE at a good Web3 Secret Storage (v3) file.';
    case 'keystore_unreadable':
      return 'Fix: check the keystore file\'s owner and permissions (it should be yours, mode 0600).';
    default:
      return `Fix: ${fallback}`;
  }
}

async function addressOf(key: `0x${string}`): Promise<string> {
  const { privateKeyToAccount } = await import('viem/accounts');
  return privateKeyToAccount(key).address;
}

async function checkWallet(report: Report, config: Config): Promise<void> {
  const { decryptKeystoreFile, parsePrivateKey } = await import('./platforms/agentpmt/wallet/keystore.js');
  if (config.privateKey) {
    try {
      const key = parsePrivateKey(config.privateKey, 'AGENTPMT_PRIVATE_KEY');
      report.line('✓', `wallet: AGENTPMT_PRIVATE_KEY is a valid key (address ${await addressOf(key)}); it is used instead of any keystore`);
    } catch (err) {
      if (!(err instanceof ToolFailureError)) throw err;
      report.line('✗', `wallet: ${err.failure.message} ${walletFix(err.failure.code, err.failure.next_step)}`);
    }
    return;
  }
  const file = config.keystore;
  let st;
  try {
    st = await fs.stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      report.line('✗', `wallet: the keystore ${file} cannot be read (${errorCode(err)}). Fix: check AGENTPMT_KEYSTORE and the file's permissions.`);
      return;
    }
    if (config.keystorePassword) {
      report.line('!', `wallet: no keystore at ${file} yet, so the wallet-signed tools (${await walletTools()}) will not work until the agent calls wallet_create (which writes it there, encrypted with AGENTPMT_KEYSTORE_PASSWORD). Fix: let the agent call wallet_create, or point AGENTPMT_KEYSTORE at an existing keystore.`);
    } else {
      report.line('!', `wallet: none configured (no AGENTPMT_PRIVATE_KEY, no keystore at ${file}), so the wallet-signed tools (${await walletTools()}) will not work. Fix: set AGENTPMT_KEYSTORE_PASSWORD and let the agent call wallet_create, or point AGENTPMT_KEYSTORE at an existing keystore.`);
    }
    return;
  }
  if (!st.isFile()) {
    report.line('✗', `wallet: the keystore path ${file} is not a file. Fix: point AGENTPMT_KEYSTORE at a keystore file.`);
    return;
  }
  if (process.platform !== 'win32') {
    const mode = st.mode & 0o777;
    if ((mode & 0o044) !== 0) {
      report.line('✗', `wallet: the keystore ${file} is readable by other users (mode ${modeString(mode)}); anyone who can read it can try to guess the passphrase. Fix: chmod 600 ${file}`);
    } else if ((mode & 0o077) !== 0) {
      report.line('!', `wallet: the keystore ${file} has permissions for other users (mode ${modeString(mode)}). Fix: chmod 600 ${file}`);
    } else {
      report.line('✓', `wallet: the keystore ${file} is private to you (mode ${modeString(mode)})`);
    }
  }
  try {
    const { address } = await decryptKeystoreFile(file, config.keystorePassword);
    report.line('✓', `wallet: AGENTPMT_KEYSTORE_PASSWORD unlocks the keystore (address ${address})`);
  } catch (err) {
    if (!(err instanceof ToolFailureError)) throw err;
    report.line('✗', `wallet: ${err.failure.message} ${walletFix(err.failure.code, err.failure.next_step)}`);
  }
}

interface OriginResult {
  reachable: boolean;
  sandboxMarker: boolean;
}

async function checkOrigin(
  report: Report,
  client: HttpClient,
  which: 'apiUrl' | 'webUrl',
  base: string,
): Promise<OriginResult> {
  const setting = SETTINGS[which].env;
  const label = which === 'apiUrl' ? 'account API' : 'web origin';
  const probePath = which === 'apiUrl' ? '/health' : '/embed.js';
  const r = await probe(client, base, probePath);
  const shown = shownUrl(base);
  const sandboxHint = isLoopback(base) ? ' For the local sandbox: is `agentpmt-mcp sandbox` running on that port?' : '';
  if (r.error !== undefined) {
    report.line('✗', `${label} ${shown} is unreachable (GET ${probePath}: ${r.error}). Fix: check ${setting}, your network and proxy.${sandboxHint}`);
    return { reachable: false, sandboxMarker: false };
  }
  if (r.status! < 200 || r.status! >= 300) {
    report.line('✗', `${label} ${shown} answered GET ${probePath} with HTTP ${r.status}. Fix: check that ${setting} is the AgentPMT ${label} (default ${PRODUCTION[which]}); if it is, the platform may be down, try again later.`);
    return { reachable: true, sandboxMarker: false };
  }
  report.line('✓', `${label} ${shown} is reachable (GET ${probePath}: HTTP ${r.status}, ${r.ms} ms)`);
  return { reachable: true, sandboxMarker: which === 'webUrl' && /sandbox/i.test(r.body ?? '') };
}

function checkSandbox(report: Report, config: Config, invalid: Set<SettingName>, web: OriginResult | undefined): void {
  if (invalid.has('apiUrl') || invalid.has('webUrl')) return;
  const api = config.apiUrl;
  const webUrl = config.webUrl;
  const apiLocal = isLoopback(api);
  const webLocal = isLoopback(webUrl);
  if (apiLocal && webLocal) {
    const what = web?.sandboxMarker ? 'the local AgentPMT sandbox' : 'a server on this machine (presumably the AgentPMT sandbox)';
    const where = api === webUrl ? shownUrl(api) : `${shownUrl(api)} and ${shownUrl(webUrl)}`;
    report.line('✓', `sandbox: AGENTPMT_API_URL and AGENTPMT_WEB_URL point at ${what} at ${where}: nothing here touches a real account or real money`);
    return;
  }
  if (apiLocal !== webLocal) {
    const [local, remote] = apiLocal ? ['AGENTPMT_API_URL', 'AGENTPMT_WEB_URL'] : ['AGENTPMT_WEB_URL', 'AGENTPMT_API_URL'];
    report.line('!', `sandbox: ${local} points at a local server (the sandbox?) but ${remote} does not, so the account tools and the web tools talk to different platforms. Fix: set both to the sandbox URL, or both to the real platform.`);
    return;
  }
  if (api === PRODUCTION.apiUrl && webUrl === PRODUCTION.webUrl) {
    report.line('✓', 'origins: the production AgentPMT platform (real account, real credits), not a sandbox');
    return;
  }
  report.line('✓', `origins: ${shownUrl(api)} and ${shownUrl(webUrl)} (not the production defaults, not a local sandbox)`);
}

async function checkCredentials(report: Report, config: Config, client: HttpClient, apiReachable: boolean, apiValid: boolean): Promise<void> {
  const token = accountBearerToken(config);
  if (!token) {
    report.line('!', 'account: no credentials (AGENTPMT_BEARER_TOKEN, or AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY), so the account tools (account_*, workflow_run*) will not work; public and wallet tools still do. Fix: set AGENTPMT_BEARER_TOKEN to the "Agent Group Bearer Token" from the AgentPMT dashboard.');
    return;
  }
  const source = config.bearerToken ? 'AGENTPMT_BEARER_TOKEN' : 'AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY';
  if (!apiValid || !apiReachable) {
    report.line('!', `account: credentials are set (${source}) but could not be verified because the account API is not reachable.`);
    return;
  }
  const r = await probe(client, config.apiUrl, '/credits/balance', { authorization: `Bearer ${token}` });
  if (r.error !== undefined) {
    report.line('!', `account: credentials are set (${source}) but could not be verified (GET /credits/balance: ${r.error}).`);
  } else if (r.status === 401 || r.status === 403) {
    report.line('✗', `account: the account API rejected ${source} (GET /credits/balance: HTTP ${r.status}). Fix: copy the "Agent Group Bearer Token" again from the AgentPMT dashboard into ${config.bearerToken ? 'AGENTPMT_BEARER_TOKEN' : 'AGENTPMT_BEARER_TOKEN (or fix AGENTPMT_API_KEY / AGENTPMT_BUDGET_KEY)'}.`);
  } else if (r.status! >= 200 && r.status! < 300) {
    report.line('✓', `account: the account API accepts ${source}`);
  } else {
    report.line('!', `account: credentials are set (${source}) but could not be verified (GET /credits/balance: HTTP ${r.status}).`);
  }
}

export async function runDoctor(
  flags: Partial<Record<SettingName, string>>,
  env: NodeJS.ProcessEnv = process.env,
  out: DoctorOutput = process.stdout,
  opts: DoctorOptions = {},
): Promise<number> {
  if (out === process.stdout) {
    // `agentpmt-mcp doctor | head`: a closed pipe is not a crash.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  const report = new Report(out, rawSecrets(flags, env));
  report.plain(`agentpmt-mcp doctor ${VERSION}`);
  const guard = async (what: string, fn: () => Promise<void> | void) => {
    try {
      await fn();
    } catch (err) {
      report.line('✗', `${what}: the check itself failed (${err instanceof Error ? err.message : String(err)})`);
    }
  };

  checkNode(report);
  const { config, invalid } = checkConfig(report, flags, env);
  await guard('transport', () => checkTransport(report, config, invalid));
  await guard('state directory', () => checkStateDir(report, config));
  if (opts.repairLedger) await guard('ledger repair', () => repairLedger(report, config));
  await guard('payment ledger', () => checkLedger(report, config));
  await guard('wallet', () => checkWallet(report, config));

  const timeoutMs = opts.probeTimeoutMs ?? Math.min(5000, config.timeoutMs);
  const client = new HttpClient({ timeoutMs, maxRetries: 0, userAgent: `agentpmt-mcp-doctor/${VERSION}` });
  try {
    let api: OriginResult | undefined;
    let web: OriginResult | undefined;
    for (const which of ['apiUrl', 'webUrl'] as const) {
      if (invalid.has(which)) {
        report.line('!', `${which === 'apiUrl' ? 'account API' : 'web origin'}: not checked, ${SETTINGS[which].env} is invalid (see above).`);
        continue;
      }
      await guard(SETTINGS[which].env, async () => {
        const r = await checkOrigin(report, client, which, config[which]);
        if (which === 'apiUrl') api = r;
        else web = r;
      });
    }
    checkSandbox(report, config, invalid, web);
    await guard('account', () => checkCredentials(report, config, client, api?.reachable ?? false, !invalid.has('apiUrl')));
  } finally {
    await client.destroy();
  }
  // The other platforms' own checks (AgentPMT's are the ones above).
  const served = (() => {
    try {
      return servedPlatforms(config, PLATFORMS);
    } catch {
      return [];
    }
  })();
  for (const { platform } of served) {
    if (!platform.doctor) continue;
    await guard(platform.title, async () => (await platform.doctor!()).run(config, report));
  }

  report.plain('');
  if (report.failures === 0 && report.warnings === 0) report.plain('All good: agentpmt-mcp is ready to serve.');
  else if (report.failures === 0) report.plain(`No problems that stop the server; ${report.warnings} warning${report.warnings === 1 ? '' : 's'} (!) above.`);
  else report.plain(`${report.failures} problem${report.failures === 1 ? '' : 's'} to fix (✗ above)${report.warnings ? `, and ${report.warnings} warning${report.warnings === 1 ? '' : 's'} (!)` : ''}.`);
  return report.failures === 0 ? 0 : 1;
}
