import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { CLI, captured, sandboxEnv, withSandbox } from '../helpers.js';

interface Reply {
  jsonrpc: string;
  id: string | number | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The built CLI over stdio, driven with raw lines: what a buggy or hostile host can send. */
class RawStdio {
  readonly replies: Reply[] = [];
  stderr = '';
  private out = '';
  private waiters: (() => void)[] = [];
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      let i;
      while ((i = this.out.indexOf('\n')) >= 0) {
        const msg = JSON.parse(this.out.slice(0, i)) as Reply & { method?: string };
        // Log lines are forwarded as notifications/message; only replies are of interest.
        if (msg.method === undefined) this.replies.push(msg);
        this.out = this.out.slice(i + 1);
        for (const w of this.waiters.splice(0)) w();
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }
  write(line: string | Buffer): void {
    this.child.stdin.write(line);
    this.child.stdin.write('\n');
  }
  /** The next reply (in order of arrival), waiting for it if need be. */
  async next(timeoutMs = 15_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms; stderr:\n${this.stderr.slice(-2000)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.replies.shift()!;
  }
}

describe('stdio answers every message', () => {
  let sandbox: Sandbox;
  let io: RawStdio;
  beforeAll(async () => {
    sandbox = await withSandbox();
    const child = spawn(process.execPath, [CLI], { env: { PATH: process.env.PATH ?? '', ...sandboxEnv(sandbox, { AGENTPMT_LOG_LEVEL: 'info' }) }, stdio: ['pipe', 'pipe', 'pipe'] });
    io = new RawStdio(child);
    io.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }));
    expect((await io.next()).result?.serverInfo).toBeTruthy();
    io.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  });
  afterAll(async () => {
    captured.push(io?.stderr ?? '');
    io?.child.kill('SIGKILL');
    await sandbox?.close();
  });

  it.each([
    ['invalid JSON', '{"jsonrpc":"2.0","id":2,"method":', -32700, null],
    ['a batch array', JSON.stringify([{ jsonrpc: '2.0', id: 3, method: 'ping' }]), -32600, null],
    ['an object id', JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'ping' }), -32600, null],
    ['a fractional id', JSON.stringify({ jsonrpc: '2.0', id: 1.5, method: 'ping' }), -32600, null],
    ['a bare string', JSON.stringify('ping'), -32600, null],
    ['a wrong jsonrpc version', JSON.stringify({ jsonrpc: '1.0', id: 4, method: 'ping' }), -32600, 4],
    ['a numeric method', JSON.stringify({ jsonrpc: '2.0', id: 5, method: 7 }), -32600, 5],
    ['string arguments', JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'platform_health', arguments: 'x' } }), -32602, 6],
    ['array arguments', JSON.stringify({ jsonrpc: '2.0', id: 'seven', method: 'tools/call', params: { name: 'platform_health', arguments: [1] } }), -32602, 'seven'],
    ['a tools/call without a name', JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { arguments: {} } }), -32602, 8],
  ] as [string, string, number, string | number | null][])('%s gets a JSON-RPC error reply, and the server keeps serving', async (_what, line, code, id) => {
    io.write(line);
    const r = await io.next();
    expect(r.error?.code).toBe(code);
    expect(r.id).toBe(id);
    io.write(JSON.stringify({ jsonrpc: '2.0', id: 100, method: 'ping' }));
    expect(await io.next()).toMatchObject({ id: 100, result: {} });
  });

  it('a 12 MB message is refused with an error reply and a log line; the next call works', async () => {
    const big = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'tools/call', params: { name: 'platform_health', arguments: { pad: 'x'.repeat(12 * 1024 * 1024) } } }));
    io.write(big);
    const r = await io.next(30_000);
    expect(r).toMatchObject({ id: 'big', error: { code: -32600 } });
    expect(r.error?.message).toContain('larger than');
    expect(io.stderr).toMatch(/"level":"warn","msg":"stdio message refused: larger than the limit"/);
    io.write(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'platform_health', arguments: {} } }));
    const after = await io.next();
    expect(after.id).toBe(9);
    expect(after.result?.isError).toBeFalsy();
    expect(io.child.exitCode).toBeNull();
  });
});
