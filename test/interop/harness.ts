import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, ROOT } from '../helpers.js';

/**
 * Shared plumbing of the interoperability tests: the Node 22 binary the third-party
 * tools need (from the `node` devDependency: nothing is downloaded at run time),
 * child processes that are always killed, and our HTTP server on a free port.
 */

const children = new Set<ChildProcess>();

/** Kills every child process a test started and has not stopped yet. */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}
process.once('exit', killAll);

/** node_modules/node/bin/node: Node 22 from the `node` package (its preinstall links the platform binary there). */
export function node22(): string {
  const bin = path.join(ROOT, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bin)) {
    throw new Error(`No Node 22 binary at ${bin}. It comes from the "node" devDependency, whose install script links it there: run \`npm ci\` (or \`npm rebuild node\` if install scripts were skipped).`);
  }
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
  const [major, minor] = v.replace(/^v/, '').split('.').map(Number);
  if (!(major! > 22 || (major === 22 && minor! >= 19))) throw new Error(`${bin} is ${v}; the interop tools need Node >= 22.19`);
  return bin;
}

/** The JS entry of a devDependency's bin, run with an explicit node (no PATH lookup, works on every OS). */
export function binOf(pkg: string, name: string): string {
  const dir = path.join(ROOT, 'node_modules', ...pkg.split('/'));
  const bin = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  const rel = typeof bin === 'string' ? bin : bin[name];
  if (!rel) throw new Error(`${pkg} has no bin named ${name}`);
  return path.join(dir, rel);
}

const temps = new Set<string>();

/** A fresh temporary directory, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `agentpmt-${prefix}-`));
  temps.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  temps.clear();
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion (killed after timeoutMs), without blocking the event loop: the in-process sandbox must keep answering. */
export function run(command: string, args: string[], opts: { env: Record<string, string>; cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export interface RunningServer {
  url: string;
  pid: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

/**
 * `node dist/cli.js --transport http --port 0`: the OS picks a free port (no race between
 * finding one and binding it) and the server prints the URL it bound, which we read.
 */
export function startHttpServer(env: Record<string, string>, timeoutMs = 15_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let err = '';
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    };
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the HTTP server did not report its URL within ${timeoutMs} ms. stderr:\n${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+\/mcp)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, pid: child.pid!, stderr: () => err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`the HTTP server exited (code ${code}) before listening. stderr:\n${err}`));
    });
  });
}
