import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { CLI, sandboxEnv, withSandbox } from '../helpers.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 15_000, input: '' });

describe('the CLI', () => {
  it('--version and --help', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = run(['--help']);
    expect(h.status).toBe(0);
    for (const name of ['AGENTPMT_API_URL', 'AGENTPMT_WEB_URL', 'AGENTPMT_BEARER_TOKEN', 'AGENTPMT_HTTP_TOKEN', '--transport', 'sandbox']) expect(h.stdout).toContain(name);
  });

  it.each([
    [['--transport', 'carrier-pigeon'], {}, 'AGENTPMT_TRANSPORT'],
    [['--port', 'abc'], {}, 'AGENTPMT_HTTP_PORT'],
    [[], { AGENTPMT_API_URL: 'ftp://x' }, 'AGENTPMT_API_URL'],
    [[], { AGENTPMT_LOG_LEVEL: 'loud' }, 'AGENTPMT_LOG_LEVEL'],
    [[], { AGENTPMT_API_KEY: 'k-only' }, 'AGENTPMT_BUDGET_KEY'],
    [['--bogus'], {}, '--help'],
  ] as [string[], Record<string, string>, string][])('a bad setting %j %j stops start-up naming %s', (args, env, name) => {
    const r = run(args, env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(name);
    expect(r.stdout).toBe('');
  });

  it('refuses a non-loopback HTTP bind without AGENTPMT_HTTP_TOKEN', () => {
    const r = run(['--transport', 'http', '--host', '0.0.0.0', '--port', '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('AGENTPMT_HTTP_TOKEN');
  });
});

describe('stdio mode', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('writes nothing but JSON-RPC messages to stdout, logs go to stderr', async () => {
    const child = spawn(process.execPath, [CLI], { env: { PATH: process.env.PATH ?? '', ...sandboxEnv(sandbox) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const send = (msg: object) => child.stdin.write(JSON.stringify(msg) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'platform_health', arguments: {} } });
    send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'workflow_run_status', arguments: { run_id: '../x' } } });
    send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'account_credits_balance', arguments: {} } });
    send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });
    const deadline = Date.now() + 10_000;
    const answered = () => [1, 2, 3, 4, 5, 6].every((id) => out.includes(`"id":${id}}`) || out.includes(`"id":${id},`));
    while (Date.now() < deadline && !answered()) await new Promise((r) => setTimeout(r, 50));
    child.stdin.end();
    await once(child, 'exit');
    const lines = out.split('\n').filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      const msg = JSON.parse(line) as { jsonrpc?: string };
      expect(msg.jsonrpc).toBe('2.0');
    }
    expect(err).toContain('"level":"debug"');
    expect(err).not.toContain(sandbox.credentials.bearerToken);
  });

  it('lets a running call finish when the host closes stdin', async () => {
    sandbox.addFault({ path: '/health', delayMs: 1200, times: 1 });
    const child = spawn(process.execPath, [CLI], { env: { PATH: process.env.PATH ?? '', ...sandboxEnv(sandbox) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const send = (msg: object) => child.stdin.write(JSON.stringify(msg) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'platform_health', arguments: {} } });
    await new Promise((r) => setTimeout(r, 300));
    child.stdin.end();
    await once(child, 'exit');
    const answer = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: number; result?: { isError?: boolean; structuredContent?: { status?: string } } }).find((m) => m.id === 7);
    expect(answer, 'the running call was answered before exit').toBeDefined();
    expect(answer!.result?.structuredContent?.status).toBe('ok');
    sandbox.clearFaults();
  });
});
