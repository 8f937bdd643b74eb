import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { writeKeystoreFile, type Hex } from '../../src/platforms/agentpmt/wallet/keystore.js';
import { CLI, sandboxEnv } from '../helpers.js';

interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** `node dist/cli.js doctor` with exactly this environment (plus PATH); async, so the in-process sandbox can answer. */
function doctor(env: Record<string, string>): Promise<DoctorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'doctor'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, lines: stdout.split('\n') });
    });
  });
}

const marked = (run: DoctorRun, mark: '✓' | '✗' | '!') => run.lines.filter((l) => l.startsWith(`${mark} `));

function expectNoSecret(run: DoctorRun, secrets: string[]): void {
  const all = `${run.stdout}\n${run.stderr}`.toLowerCase();
  for (const s of secrets) expect(all.includes(s.toLowerCase()), 'a secret value appeared in the doctor output').toBe(false);
}

const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318' as Hex;
const PASSPHRASE = 'correct horse battery staple 42';
const WRONG_PASSPHRASE = 'definitely-not-the-passphrase-9c1e';

const homes: string[] = [];

async function homeWithKeystore(mode = 0o600): Promise<{ home: string; keystore: string }> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-doctor-'));
  homes.push(home);
  const keystore = path.join(home, 'keystore.json');
  await writeKeystoreFile(keystore, KEY, PASSPHRASE, { n: 4096 });
  chmodSync(keystore, mode);
  return { home, keystore };
}

describe('agentpmt-mcp doctor', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ runDurationMs: 400 });
  });
  afterAll(async () => {
    await sandbox?.close();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('a good configuration against the sandbox: every check passes, says so, exit 0', async () => {
    const { home } = await homeWithKeystore();
    const run = await doctor(sandboxEnv(sandbox, { AGENTPMT_HOME: home, AGENTPMT_KEYSTORE_PASSWORD: PASSPHRASE }));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(marked(run, '✗'), run.stdout).toEqual([]);
    expect(marked(run, '!'), run.stdout).toEqual([]);
    expect(run.stdout).toContain('All good');
    expect(run.stdout).toMatch(/✓ configuration: every setting is valid/);
    expect(run.stdout).toMatch(/✓ wallet: .*unlocks the keystore \(address 0x[0-9a-fA-F]{40}\)/);
    expect(run.stdout).toMatch(/✓ wallet: the keystore .* \(mode 0600\)/);
    expect(run.stdout).toMatch(/✓ state directory .* exists and is writable/);
    expect(run.stdout).toMatch(/✓ account API http:\/\/127\.0\.0\.1:\d+ is reachable/);
    expect(run.stdout).toMatch(/✓ web origin http:\/\/127\.0\.0\.1:\d+ is reachable/);
    expect(run.stdout).toMatch(/✓ sandbox: .*the local AgentPMT sandbox/);
    expect(run.stdout).toMatch(/✓ account: the account API accepts AGENTPMT_BEARER_TOKEN/);
    expectNoSecret(run, [sandbox.credentials.bearerToken, PASSPHRASE, KEY.slice(2)]);
  });

  it('a broken configuration: names every problem and how to fix it, exit 1', async () => {
    const { home, keystore } = await homeWithKeystore(0o644);
    const bearer = 'bearer-token-that-must-stay-secret-5d2f';
    const run = await doctor({
      AGENTPMT_HOME: home,
      AGENTPMT_API_URL: 'http://127.0.0.1:1', // nothing listens on port 1
      AGENTPMT_WEB_URL: 'not a url at all',
      AGENTPMT_BEARER_TOKEN: bearer,
      AGENTPMT_KEYSTORE_PASSWORD: WRONG_PASSPHRASE,
      AGENTPMT_TIMEOUT_MS: '2000',
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failures = marked(run, '✗');
    expect(failures.find((l) => l.includes('AGENTPMT_WEB_URL')), run.stdout).toBeDefined();
    expect(failures.find((l) => l.includes(keystore) && l.includes('0644') && l.includes(`chmod 600 ${keystore}`)), run.stdout).toBeDefined();
    expect(failures.find((l) => l.includes('AGENTPMT_KEYSTORE_PASSWORD does not unlock')), run.stdout).toBeDefined();
    expect(failures.find((l) => l.includes('http://127.0.0.1:1') && l.includes('unreachable') && l.includes('AGENTPMT_API_URL')), run.stdout).toBeDefined();
    expect(failures.length).toBe(4);
    for (const l of failures) expect(l, 'every ✗ line says how to fix it').toContain('Fix:');
    expect(run.stdout).toMatch(/4 problems to fix/);
    expect(run.stdout).not.toContain('All good');
    expectNoSecret(run, [bearer, WRONG_PASSPHRASE, PASSPHRASE, KEY.slice(2)]);
  });

  it('an invalid private key and a token the platform rejects are ✗, without echoing either', async () => {
    const privateKey = 'this-is-not-a-hex-key-but-still-secret';
    const bearer = 'wrong-bearer-token-3b7e11';
    const run = await doctor(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: privateKey, AGENTPMT_BEARER_TOKEN: bearer }));
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failures = marked(run, '✗');
    expect(failures.find((l) => l.includes('AGENTPMT_PRIVATE_KEY is not a valid private key')), run.stdout).toBeDefined();
    expect(failures.find((l) => l.includes('rejected AGENTPMT_BEARER_TOKEN') && l.includes('HTTP 401')), run.stdout).toBeDefined();
    expect(failures.length).toBe(2);
    expectNoSecret(run, [privateKey, bearer]);
  });

  it('no credentials and no wallet are warnings, not failures: exit 0', async () => {
    const run = await doctor(sandboxEnv(sandbox, { AGENTPMT_BEARER_TOKEN: undefined }));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(marked(run, '✗'), run.stdout).toEqual([]);
    const warnings = marked(run, '!');
    expect(warnings.find((l) => l.includes('no credentials') && l.includes('account tools') && l.includes('will not work') && l.includes('AGENTPMT_BEARER_TOKEN'))).toBeDefined();
    expect(warnings.find((l) => l.includes('wallet: none configured') && l.includes('wallet_create'))).toBeDefined();
    expect(run.stdout).toContain('No problems that stop the server; 2 warnings');
  });
});
