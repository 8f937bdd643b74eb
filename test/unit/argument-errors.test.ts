import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createMcpServer, createSharedRuntime, type Runtime } from '../../src/server.js';

/**
 * What the model gets back for arguments that do not fit, an unknown tool, or a tool
 * that exists but is switched off: the house error format (code, message naming the
 * field, next step, structured problems), never the SDK's bare -32602 text.
 */
let client: Client;
let shared: Runtime;

beforeAll(async () => {
  // Default toolsets: jobs and schedules are off. No platform URL is reachable: nothing here may send a request.
  shared = await createSharedRuntime(loadConfig({}, { AGENTPMT_HOME: path.join(os.tmpdir(), 'agentpmt-argerrors'), AGENTPMT_API_URL: 'http://127.0.0.1:9', AGENTPMT_WEB_URL: 'http://127.0.0.1:9' }));
  const server = createMcpServer(shared);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'argerrors', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
});
afterAll(async () => {
  await client.close();
  await shared.close();
});

async function callRaw(name: string, args: unknown) {
  const res = (await client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult;
  const text = res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  const error = (res.structuredContent as { error?: { code: string; message: string; next_step: string; details?: { problems?: { field: string; problem: string }[] } } } | undefined)?.error;
  return { res, text, error };
}

describe('argument errors in the house format', () => {
  it('a value that breaks a rule names the field, the rule and the next step', async () => {
    const { res, text, error } = await callRaw('workflow_run_status', { run_id: '../admin' });
    expect(res.isError).toBe(true);
    expect(error?.code).toBe('invalid_argument');
    expect(error?.details?.problems?.[0]?.field).toBe('run_id');
    expect(text).toMatch(/^Error invalid_argument: Invalid arguments for workflow_run_status: run_id .*single id/m);
    expect(text).toMatch(/^Next step: Fix run_id and call workflow_run_status again; nothing was sent/m);
    expect(text).not.toContain('MCP error');
  });

  it('a wrong JSON type says what was expected and what came', async () => {
    const { error } = await callRaw('marketplace_invoke', { product: 'p', action: 'a', parameters: 'lots' });
    expect(error?.message).toContain('parameters must be an object, got a string');
  });

  it('a missing argument next to a misspelled one says which was meant; an enum lists what is allowed', async () => {
    const missing = await callRaw('workflow_run_status', { runId: 'abc' });
    expect(missing.error?.message).toContain('run_id is required (you passed runId: did you mean run_id?)');
    const badEnum = await callRaw('payments_list', { status: 'paid' });
    expect(badEnum.error?.message).toMatch(/status must be one of "reserved", "pending", "settled", "failed", "unknown"/);
  });

  it('an unknown tool gets "did you mean"; a tool whose toolset is off says how to turn it on', async () => {
    const typo = await callRaw('wallet_stats', {});
    expect(typo.error?.code).toBe('unknown_tool');
    expect(typo.error?.next_step).toContain('wallet_status');
    const off = await callRaw('jobs_list', {});
    expect(off.error?.code).toBe('tool_not_enabled');
    expect(off.error?.next_step).toMatch(/toolset "jobs" is off: the user must add it to AGENTPMT_TOOLSETS/);
  });

  it('the server keeps serving after bad input', async () => {
    const { res } = await callRaw('payments_list', {});
    expect(res.isError).toBeFalsy();
  });
});
