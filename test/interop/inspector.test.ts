import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/platforms/agentpmt/tools/index.js';
import { startSandbox, type Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { CLI, sandboxEnv } from '../helpers.js';
import { binOf, killAll, node22, removeTempDirs, run, tempDir } from './harness.js';

/**
 * The MCP Inspector's CLI mode (@modelcontextprotocol/inspector --cli) driving our stdio
 * server the way a host does: it spawns `node dist/cli.js` itself. The Inspector needs
 * Node >= 22.19, so it runs on the `node` devDependency's binary; it launches our server
 * with the Node that runs the tests.
 */

interface ListedTool {
  name: string;
  description?: string;
  inputSchema: { type: string };
  annotations?: Record<string, unknown>;
}

describe('MCP Inspector CLI against the stdio server', () => {
  let node: string;
  let inspector: string;
  let sandbox: Sandbox;
  // Its own HOME: the Inspector may keep a catalog or secrets under ~/.mcp-inspector.
  const env = { PATH: process.env.PATH ?? '', HOME: tempDir('inspector-home') };

  beforeAll(async () => {
    node = node22();
    inspector = binOf('@modelcontextprotocol/inspector', 'mcp-inspector');
    sandbox = await startSandbox({ runDurationMs: 400 });
  });

  afterAll(async () => {
    await sandbox?.close();
    killAll();
    removeTempDirs();
  });

  /** `mcp-inspector --cli --format json -e K=V ... <node> dist/cli.js <args>`. */
  const inspect = (args: string[], serverEnv: Record<string, string> = {}) => {
    const envArgs = Object.entries(sandboxEnv(sandbox, { AGENTPMT_LOG_LEVEL: 'warn', ...serverEnv })).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    return run(node, [inspector, '--cli', '--format', 'json', ...envArgs, process.execPath, CLI, ...args], { env, timeoutMs: 45_000 });
  };

  it('lists every catalog tool, with schemas the Inspector finds portable (--strict)', async () => {
    const r = await inspect(['--method', 'tools/list', '--strict']);
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(0); // --strict exits 6 on an error-severity schema portability problem
    const { result } = JSON.parse(r.stdout) as { result: { tools: ListedTool[] } };
    expect(result.tools.map((t) => t.name).sort()).toEqual(catalog.map((d) => d.name).sort());
    for (const t of result.tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.description, t.name).toBeTruthy();
      expect(t.annotations, t.name).toBeDefined();
    }
  }, 60_000);

  it('lists the resources and the prompts', async () => {
    for (const [method, key] of [
      ['resources/list', 'resources'],
      ['prompts/list', 'prompts'],
    ] as const) {
      const r = await inspect(['--method', method]);
      expect(r.code, `${method}: ${r.stderr}`).toBe(0);
      const { result } = JSON.parse(r.stdout) as { result: Record<string, { name: string }[]> };
      expect(result[key]?.length, method).toBeGreaterThan(0);
      for (const item of result[key]!) expect(item.name, method).toBeTruthy();
    }
  }, 60_000);

  it('calls platform_health through the server to the sandbox', async () => {
    const before = sandbox.requests.filter((q) => q.path === '/health').length;
    const r = await inspect(['--method', 'tools/call', '--tool-name', 'platform_health']);
    expect(r.timedOut).toBe(false);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0); // the Inspector exits 5 when the tool result has isError
    const { result } = JSON.parse(r.stdout) as { result: { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown> } };
    expect(result.isError ?? false).toBe(false);
    expect(result.content[0]?.type).toBe('text');
    expect(JSON.stringify(result.structuredContent ?? result.content)).toContain('ok');
    expect(sandbox.requests.filter((q) => q.path === '/health').length).toBe(before + 1);
  }, 60_000);

  it('reports a failing tool call as an error result (exit 5), not a crash', async () => {
    const r = await inspect(['--method', 'tools/call', '--tool-name', 'platform_health'], { AGENTPMT_API_URL: 'http://127.0.0.1:1', AGENTPMT_MAX_RETRIES: '0' });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(5);
    const { result } = JSON.parse(r.stdout.split('\n')[0]!) as { result: { isError?: boolean; structuredContent?: { error?: { code?: string; next_step?: string } } } };
    expect(result.isError).toBe(true);
    expect(result.structuredContent?.error?.code).toBe('network_error');
    expect(result.structuredContent?.error?.next_step).toContain('AGENTPMT_API_URL');
  }, 60_000);
});
