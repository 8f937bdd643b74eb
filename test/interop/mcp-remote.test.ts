import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { captured, knownSecrets, sandboxEnv } from '../helpers.js';
import { binOf, killAll, node22, removeTempDirs, run, startHttpServer, tempDir, type RunningServer } from './harness.js';

/**
 * mcp-remote (the stdio-to-HTTP bridge many hosts use) against our HTTP server. On a
 * 401 it tries OAuth; the server must make that attempt end at once, not leave it
 * waiting for a browser sign-in that cannot happen.
 */
const TOKEN = 'mcp-remote-test-token-0123456789';
knownSecrets.add(TOKEN);

describe('mcp-remote against the HTTP server', () => {
  let node: string;
  let proxy: string;
  let sandbox: Sandbox;
  let server: RunningServer;
  // mcp-remote keeps OAuth client state under MCP_REMOTE_CONFIG_DIR (default ~/.mcp-auth): keep it in a temp dir.
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: tempDir('mcp-remote-home'), MCP_REMOTE_CONFIG_DIR: tempDir('mcp-remote-config') });

  beforeAll(async () => {
    node = node22();
    proxy = binOf('mcp-remote', 'mcp-remote');
    sandbox = await startSandbox({ runDurationMs: 400 });
    server = await startHttpServer(sandboxEnv(sandbox, { AGENTPMT_HTTP_TOKEN: TOKEN, AGENTPMT_LOG_LEVEL: 'warn' }));
  });

  afterAll(async () => {
    captured.push(server?.stderr() ?? '');
    await server?.stop();
    await sandbox?.close();
    killAll();
    removeTempDirs();
  });

  it('with a wrong token it ends with an error within 10 s, saying the token is the problem', async () => {
    const r = await run(node, [proxy, server.url, '--header', 'Authorization: Bearer wrong-token-0000000000000'], { env: env(), timeoutMs: 10_000 });
    expect(r.timedOut, `mcp-remote was still running after 10 s:\n${r.stderr.slice(-3000)}`).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('check the token');
  }, 20_000);

  it('with the right token it bridges: tools/list answers through it', async () => {
    const child = spawn(node, [proxy, server.url, '--header', `Authorization: Bearer ${TOKEN}`], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) + '\n');
      const deadline = Date.now() + 20_000;
      while (!out.includes('"id":1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) + '\n');
      while (!out.includes('"id":2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out, err.slice(-3000)).toContain('platform_health');
    } finally {
      child.kill('SIGKILL');
      // mcp-remote echoes its headers in debug output only; nothing it printed may hold the token.
      captured.push(err);
    }
  }, 30_000);
});
