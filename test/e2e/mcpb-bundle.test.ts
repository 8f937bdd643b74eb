import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { writeKeystoreFile } from '../../src/platforms/agentpmt/wallet/keystore.js';
import { call, connectStdio, ROOT, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

/**
 * `npm run pack` ships an esbuild bundle of dist/ (scripts/bundle.mjs) instead of node_modules.
 * Packs one (from the current dist/), unpacks it as Claude Desktop would, and checks that the
 * bundled server lists the same tools as dist/cli.js and signs with a keystore wallet.
 */
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: `0x${string}`; address: string };
const mcpbCli = () => {
  const dir = path.join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb');
  const bin = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  return path.join(dir, typeof bin === 'string' ? bin : bin.mcpb!);
};

describe('the .mcpb bundle', () => {
  let unpacked: string;
  let packedBytes = 0;
  let sandbox: Sandbox;
  let bundled: Connected | undefined;
  let plain: Connected | undefined;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-mcpb-test-'));
    const out = path.join(dir, 'test.mcpb');
    const packed = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'pack-mcpb.mjs')], { cwd: ROOT, env: { ...process.env, AGENTPMT_MCPB_OUT: out }, encoding: 'utf8' });
    expect(packed.status, packed.stderr + packed.stdout).toBe(0);
    packedBytes = statSync(out).size;
    unpacked = path.join(dir, 'unpacked');
    const u = spawnSync(process.execPath, [mcpbCli(), 'unpack', out, unpacked], { encoding: 'utf8' });
    expect(u.status, u.stderr).toBe(0);
    sandbox = await withSandbox();
  }, 180_000);

  afterAll(async () => {
    await bundled?.close();
    await plain?.close();
    await sandbox?.close();
  });

  it('carries the bundle and no node_modules, in at most 5 MB (issue 18)', () => {
    expect(packedBytes).toBeGreaterThan(0);
    expect(packedBytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(existsSync(path.join(unpacked, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(unpacked, 'manifest.json'))).toBe(true);
    expect(readdirSync(path.join(unpacked, 'dist')).filter((f) => f.endsWith('.js')).length).toBeGreaterThan(1); // lazy chunks
  });

  it('lists the same tools as dist/cli.js and signs with a keystore wallet', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-mcpb-home-'));
    const keystore = path.join(home, 'keystore.json');
    const passphrase = 'mcpb bundle test passphrase';
    await writeKeystoreFile(keystore, vectors.private_key, passphrase, { n: 4096 });
    const env = sandboxEnv(sandbox, { AGENTPMT_KEYSTORE: keystore, AGENTPMT_KEYSTORE_PASSWORD: passphrase });
    const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(unpacked, 'dist', 'cli.js')], env: { PATH: process.env.PATH ?? '', ...env }, cwd: os.tmpdir(), stderr: 'pipe' });
    let err = '';
    transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const client = new Client({ name: 'agentpmt-test', version: '1.0.0' });
    await client.connect(transport);
    bundled = { client, stderr: () => err, close: () => client.close() };
    plain = await connectStdio(env);
    const [a, b] = await Promise.all([bundled.client.listTools(), plain.client.listTools()]);
    expect(a.tools.length).toBeGreaterThan(10);
    expect(a.tools).toEqual(b.tools);

    const session = await call(bundled.client, 'wallet_session');
    expect(session.isError, session.text + bundled.stderr().slice(-3000)).toBeFalsy();
    expect(session.data.wallet_address).toBe(vectors.address);

    // The marketplace parameter check (ajv, a lazy chunk of CommonJS) runs in the bundle too.
    const bad = await call(bundled.client, 'marketplace_invoke', { product: 'sandbox-echo', action: 'echo', parameters: { repeat: 'not a number', unexpected: true }, payment: 'credits' });
    expect(bad.text).not.toContain('internal_error');
    expect(bundled.stderr()).not.toContain('unexpected tool failure');
  }, 60_000);
});
