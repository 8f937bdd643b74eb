import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { sandboxEnv } from '../helpers.js';
import { binOf, killAll, node22, removeTempDirs, run, startHttpServer, tempDir, type RunningServer } from './harness.js';

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against our
 * Streamable HTTP server, `node dist/cli.js --transport http`. The suite needs Node >= 22,
 * so it runs on the Node 22 binary of the `node` devDependency; our server runs on the
 * Node that runs the tests.
 */

/** Server scenarios that apply to any server with tools, resources, prompts and logging (no completions, no resource subscriptions). */
const APPLICABLE = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
] as const;

/**
 * Every other server scenario of the pinned suite, and why it does not apply. The fixture
 * scenarios call tools, resources and prompts of the suite's own reference server
 * (test_simple_text, test://static-text, test_simple_prompt, test_reconnection, ...),
 * which an AgentPMT server does not have.
 */
const NOT_APPLICABLE: Record<string, string> = {
  'completion-complete': 'no completions capability (the server declares none; completion/complete is -32601)',
  'tools-call-simple-text': 'calls the fixture tool test_simple_text',
  'tools-call-image': 'calls the fixture tool test_image_content',
  'tools-call-audio': 'calls the fixture tool test_audio_content',
  'tools-call-embedded-resource': 'calls the fixture tool test_embedded_resource',
  'tools-call-mixed-content': 'calls the fixture tool test_multiple_content_types',
  'tools-call-with-logging': 'calls the fixture tool test_tool_with_logging',
  'tools-call-error': 'calls the fixture tool test_error_handling',
  'tools-call-with-progress': 'calls the fixture tool test_tool_with_progress',
  'tools-call-sampling': 'calls the fixture tool test_sampling (the server never requests sampling)',
  'tools-call-elicitation': 'calls the fixture tool test_elicitation (the server never elicits)',
  'elicitation-sep1034-defaults': 'calls a fixture elicitation tool (the server never elicits)',
  'elicitation-sep1330-enums': 'calls a fixture elicitation tool (the server never elicits)',
  'json-schema-2020-12': 'lists the fixture tool json_schema_2020_12_tool',
  'server-sse-polling': 'calls the fixture tool test_reconnection (needs resumable streams: an event store)',
  'resources-read-text': 'reads the fixture resource test://static-text',
  'resources-read-binary': 'reads the fixture resource test://static-binary',
  'resources-templates-read': 'reads the fixture template test://template/{id}/data',
  'resources-subscribe': 'needs resources.subscribe, which the server does not declare (and a fixture resource)',
  'resources-unsubscribe': 'needs resources.subscribe, which the server does not declare (and a fixture resource)',
  'prompts-get-simple': 'gets the fixture prompt test_simple_prompt',
  'prompts-get-with-args': 'gets the fixture prompt test_prompt_with_arguments',
  'prompts-get-embedded-resource': 'gets the fixture prompt test_prompt_with_embedded_resource',
  'prompts-get-with-image': 'gets the fixture prompt test_prompt_with_image',
};

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  description?: string;
  errorMessage?: string;
}

describe('MCP conformance suite against the Streamable HTTP server', () => {
  let node: string;
  let suite: string;
  let sandbox: Sandbox;
  let server: RunningServer;
  const env = { PATH: process.env.PATH ?? '', HOME: tempDir('conformance-home') };

  beforeAll(async () => {
    node = node22();
    suite = binOf('@modelcontextprotocol/conformance', 'conformance');
    sandbox = await startSandbox({ runDurationMs: 400 });
    // The suite cannot send an Authorization header: loopback, with authentication explicitly off.
    server = await startHttpServer(sandboxEnv(sandbox, { AGENTPMT_LOG_LEVEL: 'warn', AGENTPMT_HTTP_INSECURE_NO_AUTH: 'true' }));
  });

  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
    killAll();
    removeTempDirs();
  });

  it('every server scenario of the pinned suite is classified as applicable or not', async () => {
    const r = await run(node, [suite, 'list', '--server'], { env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const listed = [...r.stdout.matchAll(/^\s*-\s+([a-z0-9-]+)/gm)].map((m) => m[1]!);
    expect(listed.length).toBeGreaterThan(0);
    const known = new Set<string>([...APPLICABLE, ...Object.keys(NOT_APPLICABLE)]);
    expect(listed.filter((s) => !known.has(s)), 'new scenarios in the suite: add each to APPLICABLE or NOT_APPLICABLE').toEqual([]);
    for (const s of APPLICABLE) expect(listed).toContain(s);
  });

  it.each(APPLICABLE)('%s passes', async (scenario) => {
    const out = tempDir(`conformance-${scenario}`);
    const r = await run(node, [suite, 'server', '--url', server.url, '--scenario', scenario, '--output-dir', out], { env, cwd: out, timeoutMs: 45_000 });
    const dirs = readdirSync(out).filter((d) => d.startsWith(`server-${scenario}`));
    expect(dirs.length, `no results for ${scenario}:\n${r.stdout}\n${r.stderr}`).toBe(1);
    const checks = JSON.parse(readFileSync(path.join(out, dirs[0]!, 'checks.json'), 'utf8')) as Check[];
    const failed = checks.filter((c) => c.status === 'FAILURE');
    expect(failed.map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? ''}`), `server stderr:\n${server.stderr()}`).toEqual([]);
    expect(checks.filter((c) => c.status === 'SUCCESS').length).toBeGreaterThan(0);
    expect(r.timedOut).toBe(false);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 60_000);
});
