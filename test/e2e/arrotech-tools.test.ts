import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrotech } from '../../src/platforms/arrotech/platform.js';
import { startArrotechSandbox, type ArrotechSandbox } from '../../src/platforms/arrotech/sandbox/index.js';
import { call, connect, knownSecrets, type Connected, type TransportKind } from '../helpers.js';
import { arrotechEnv } from '../support/arrotech.js';

type Result = Awaited<ReturnType<typeof call>>;
const ok = (r: Result) => {
  expect(r.isError, r.text).toBeFalsy();
  return r;
};
const err = (r: Result) => {
  expect(r.isError, r.text).toBe(true);
  return (r.data as { error: { code: string; status?: number; message: string; next_step: string; retry_after_seconds?: number } }).error;
};

describe.each<TransportKind>(['stdio', 'http'])('Arrotech Hub, every tool end to end over %s', (kind) => {
  let sandbox: ArrotechSandbox;
  let conn: Connected;
  const called = new Set<string>();
  const run = async (name: string, args: Record<string, unknown> = {}) => {
    called.add(name);
    return call(conn.client, name, args);
  };

  beforeAll(async () => {
    sandbox = await startArrotechSandbox({ stepMs: 80, streamIntervalMs: 30 });
    conn = await connect(kind, arrotechEnv(sandbox));
  });
  afterAll(async () => {
    await conn?.close();
    for (const t of sandbox?.issuedTokens ?? []) knownSecrets.add(t);
    await sandbox?.close();
  });

  it('lists every catalog tool, destructive ones annotated', async () => {
    const tools = (await conn.client.listTools()).tools;
    const names = tools.map((t) => t.name);
    expect(names.sort()).toEqual(arrotech.catalog.map((t) => t.name).sort());
    for (const n of ['arrotech_connections_delete', 'arrotech_conversations_delete', 'arrotech_workflows_delete', 'arrotech_agents_delete', 'arrotech_workflows_execution_cancel']) {
      // destructiveHint true is MCP's default, so the listing leaves it out; what matters is that nothing says false.
      const listed = tools.find((t) => t.name === n);
      expect(listed, n).toBeDefined();
      expect(listed?.annotations?.destructiveHint ?? true, n).toBe(true);
    }
  });

  it('connections: platforms, test a new config, create, list, test, update, delete', async () => {
    const platforms = ok(await run('arrotech_connections_platforms'));
    expect(JSON.stringify(platforms.data)).toContain('slack');
    const bad = err(await run('arrotech_connections_test_new', { platform: 'slack', config: { bot_token: 'invalid' } }));
    expect(bad.code).toBe('platform_reported_failure');
    expect(bad.message).toMatch(/invalid credentials/);
    ok(await run('arrotech_connections_test_new', { platform: 'slack', config: { bot_token: 'xoxb-good' } }));
    const created = ok(await run('arrotech_connections_create', { platform: 'slack', name: 'Team Slack', config: { bot_token: 'xoxb-good' } }));
    const id = (created.data.data as { id: number }).id;
    expect(JSON.stringify(ok(await run('arrotech_connections_list')).data)).toContain('Team Slack');
    expect(JSON.stringify(ok(await run('arrotech_connections_list')).data)).not.toContain('xoxb-good');
    ok(await run('arrotech_connections_test', { connection_id: id }));
    ok(await run('arrotech_connections_update', { connection_id: String(id), name: 'Renamed', status: 'active', config: { bot_token: 'xoxb-good' } }));
    const tier = err(await run('arrotech_connections_create', { platform: 'salesforce', name: 'SF', config: {} }));
    expect(tier.status).toBe(403);
    expect(tier.next_step).toMatch(/tier/i);
    const temp = ok(await run('arrotech_connections_create', { platform: 'whatsapp', name: 'tmp', config: { token: 'x' } }));
    ok(await run('arrotech_connections_delete', { connection_id: (temp.data.data as { id: number }).id }));
  });

  it('conversations: create, list, get, rename, send, history, providers, tools, files, delete', async () => {
    const created = ok(await run('arrotech_conversations_create', { title: 'Planning' }));
    const id = (created.data.data as { id: number }).id;
    expect(JSON.stringify(ok(await run('arrotech_conversations_list')).data)).toContain('Planning');
    ok(await run('arrotech_conversations_update', { conversation_id: id, title: 'Planning v2' }));
    const reply = ok(await run('arrotech_conversations_send_message', { conversation_id: id, content: 'Show my last HubSpot deals', provider: 'openai' }));
    expect(reply.data.role).toBe('assistant');
    expect(String(reply.data.content)).toContain('Acme');
    const got = ok(await run('arrotech_conversations_get', { conversation_id: id }));
    expect(got.data.title).toBe('Planning v2');
    const history = ok(await run('arrotech_conversations_messages_list', { conversation_id: id }));
    const messages = history.data.data as { id: number; role: string }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    ok(await run('arrotech_conversations_providers'));
    ok(await run('arrotech_conversations_tools_list', { include_all: true }));
    const assistant = messages.find((m) => m.role === 'assistant')!;
    const files = ok(await run('arrotech_conversations_file_info', { conversation_id: id, message_id: assistant.id }));
    expect(JSON.stringify(files.data)).toContain('reply.txt');
    const file = ok(await run('arrotech_conversations_file_download', { conversation_id: id, message_id: assistant.id, filename: 'reply.txt' }));
    expect(file.text).toContain('Acme');
    const chart = ok(await run('arrotech_conversations_file_download', { conversation_id: id, message_id: assistant.id, filename: 'chart.png' }));
    // A binary file is described, never shown: no content field at all.
    expect(chart.data).toMatchObject({ content_type: 'image/png' });
    expect(chart.data).not.toHaveProperty('content');
    const provider = err(await run('arrotech_conversations_send_message', { conversation_id: id, content: 'hi', provider: 'nope' }));
    expect(provider.status).toBe(400);
    // Workflow extraction from this conversation's tool calls.
    const calls = ok(await run('arrotech_workflows_conversation_tool_calls', { conversation_id: id }));
    expect((calls.data.data as { total_tool_calls: number }).total_tool_calls).toBe(1);
    const extracted = ok(await run('arrotech_workflows_extract_from_conversation', { conversation_id: String(id), workflow_name: 'Deals digest', parameterize_fields: ['limit'] }));
    expect(JSON.stringify(extracted.data)).toContain('hubspot_deals_list');
    ok(await run('arrotech_conversations_delete', { conversation_id: id }));
    expect(err(await run('arrotech_conversations_get', { conversation_id: id })).status).toBe(404);
  });

  it('workflows: create from a description, list, get, update, run with progress, executions, steps, cancel, from steps, chat agent, delete', async () => {
    const created = ok(await run('arrotech_workflows_create', { description: 'Fetch my HubSpot deals and post a summary to Slack #wins', name: 'Wins' }));
    const id = created.data.id as number;
    expect(JSON.stringify(created.data.steps)).toContain('slack_send_message');
    expect(JSON.stringify(ok(await run('arrotech_workflows_list')).data)).toContain('Wins');
    ok(await run('arrotech_workflows_get', { workflow_id: id }));
    const updated = ok(await run('arrotech_workflows_update', { workflow_id: id, status: 'active', variables: { limit: 5 } }));
    expect((updated.data.data as { status: string }).status).toBe('active');

    const progress: string[] = [];
    called.add('arrotech_workflows_run');
    const done = await conn.client.callTool({ name: 'arrotech_workflows_run', arguments: { workflow_id: id, input_data: { week: 12 } } }, undefined, { onprogress: (p) => void progress.push(String(p.message)) });
    expect(done.isError, JSON.stringify(done.content)).toBeFalsy();
    expect((done.structuredContent as { status: string }).status).toBe('completed');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.join('\n')).toMatch(/running|step/);

    const failed = err(await run('arrotech_workflows_run', { workflow_id: sandbox.ids.failingWorkflow }));
    expect(failed.code).toBe('execution_failed');
    expect(failed.next_step).toContain('arrotech_workflows_execution_steps');

    const started = ok(await run('arrotech_workflows_execute', { workflow_id: id }));
    const exId = (started.data.data as { execution_id: number }).execution_id;
    expect((ok(await run('arrotech_workflows_execution_get', { execution_id: exId })).data.data as { status: string }).status).toMatch(/pending|running/);
    ok(await run('arrotech_workflows_execution_cancel', { execution_id: exId }));
    const steps = ok(await run('arrotech_workflows_execution_steps', { execution_id: exId }));
    expect(Array.isArray(steps.data.data)).toBe(true);
    expect(err(await run('arrotech_workflows_execution_cancel', { execution_id: exId })).message).toMatch(/already cancelled/);
    const waited = ok(await run('arrotech_workflows_run_wait', { execution_id: exId, wait_seconds: 2 }));
    expect(waited.data.status).toBe('cancelled');

    expect((ok(await run('arrotech_workflows_executions_list')).data.data as unknown[]).length).toBeGreaterThanOrEqual(3);
    expect((ok(await run('arrotech_workflows_executions_list', { workflow_id: id })).data.data as unknown[]).length).toBe(2);

    const fromSteps = ok(await run('arrotech_workflows_create_from_steps', { workflow_name: 'Echo', description: 'echo', steps: [{ tool: 'echo', parameters: { text: 'hi' } }] }));
    expect((fromSteps.data.data as { name: string }).name).toBe('Echo');
    const agent = ok(await run('arrotech_workflows_chat_agent', { description: 'Answer questions about HubSpot deals' }));
    expect(agent.data.agent_prompt).toBeTruthy();
    ok(await run('arrotech_workflows_delete', { workflow_id: id }));
    expect(err(await run('arrotech_workflows_get', { workflow_id: id })).status).toBe(404);
  });

  it('agents: templates, create, schedule, list, status, pause, resume, execute, analytics, delete', async () => {
    ok(await run('arrotech_agents_templates'));
    const created = ok(await run('arrotech_agents_create', { workflow_id: String(sandbox.ids.workflow), agent_config: { tone: 'brief' } }));
    const agentId = created.data.agent_id as string;
    const badSchedule = err(await run('arrotech_agents_schedule', { agent_id: agentId, schedule_config: { type: 'interval', interval: 5 } }));
    expect(badSchedule.status).toBe(400);
    ok(await run('arrotech_agents_schedule', { agent_id: agentId, schedule_config: { type: 'cron', cron: '0 9 * * 1' } }));
    expect(JSON.stringify(ok(await run('arrotech_agents_list')).data)).toContain(agentId);
    expect(ok(await run('arrotech_agents_status', { agent_id: agentId })).data.trigger_type).toBe('schedule');
    ok(await run('arrotech_agents_pause', { agent_id: agentId }));
    ok(await run('arrotech_agents_resume', { agent_id: agentId }));
    ok(await run('arrotech_agents_execute', { agent_id: agentId, input_data: { source: 'test' } }));
    expect(ok(await run('arrotech_agents_analytics', { agent_id: agentId })).data.total_executions).toBe(1);
    ok(await run('arrotech_agents_delete', { agent_id: agentId }));
    expect(err(await run('arrotech_agents_status', { agent_id: agentId })).status).toBe(404);
  });

  it('templates: list with filters, categories, get, featured, popular, use', async () => {
    const list = ok(await run('arrotech_templates_list', { category: 'sales' }));
    expect((list.data.data as { id: string }[]).map((t) => t.id)).toEqual(['hubspot-deal-alerts']);
    ok(await run('arrotech_templates_categories'));
    ok(await run('arrotech_templates_get', { template_id: 'slack-daily-digest' }));
    ok(await run('arrotech_templates_featured'));
    ok(await run('arrotech_templates_popular'));
    const used = ok(await run('arrotech_templates_use', { template_id: 'slack-daily-digest', config: { channel: '#general' } }));
    expect((used.data.data as { workflow_id: number }).workflow_id).toBeGreaterThan(0);
    expect(err(await run('arrotech_templates_get', { template_id: 'nope' })).status).toBe(404);
  });

  it('MCP bridge: tools list, a call, and success:false as an error', async () => {
    const tools = ok(await run('arrotech_mcp_tools_list', { include_all: true }));
    expect(JSON.stringify(tools.data)).toContain('slack_send_message');
    const echo = ok(await run('arrotech_mcp_tool_call', { name: 'echo', arguments: { text: 'hello' } }));
    expect(echo.data.result).toEqual({ text: 'hello' });
    const unknown = err(await run('arrotech_mcp_tool_call', { name: 'no_such_tool', arguments: {} }));
    expect(unknown.code).toBe('platform_reported_failure');
    expect(unknown.status).toBe(200);
    expect(unknown.next_step).toContain('arrotech_mcp_tools_list');
  });

  it('diagnostics: every one answers, credential previews and environment values redacted', async () => {
    ok(await run('arrotech_diagnostics_ollama_status'));
    const diag = ok(await run('arrotech_diagnostics_ollama_diagnostic'));
    expect(JSON.stringify(diag.data)).not.toContain('ollama-sandbox-key');
    const wa = ok(await run('arrotech_diagnostics_whatsapp_token_test'));
    const settings = ok(await run('arrotech_diagnostics_debug_settings'));
    for (const r of [wa, settings]) {
      const all = r.text + JSON.stringify(r.data);
      expect(all).not.toContain(sandbox.credentials.whatsappToken.slice(0, 8));
      expect(all).toContain('[redacted by agentpmt-mcp]');
    }
    expect((settings.data.data as { whatsapp_token_set: boolean }).whatsapp_token_set).toBe(true);
    ok(await run('arrotech_diagnostics_direct_response', { content: 'Say hi' }));
    const conv = sandbox.ids.conversation;
    expect(ok(await run('arrotech_conversations_explain_intent', { conversation_id: conv, content: 'Send a Slack message' })).data.intent).toBe('action');
    ok(await run('arrotech_conversations_explain_tools', { conversation_id: conv, content: 'post to slack' }));
    expect(ok(await run('arrotech_conversations_validate_tool', { conversation_id: conv, tool_call: { name: 'slack_send_message', arguments: { channel: '#a' } } })).data.valid).toBe(false);
    expect(ok(await run('arrotech_workflows_test_condition', { condition: { field: 'amount', operator: 'greater_than', value: 1000 }, context: { amount: 5000 } })).data.result).toBe(true);
    expect(ok(await run('arrotech_workflows_test_variables', { parameters: { text: 'Hi {{name}}' }, context: { name: 'Ada' } })).data.substituted_parameters).toEqual({ text: 'Hi Ada' });
  });

  it('failure paths: 404, 422 naming the field, 429 naming the limit with Retry-After', async () => {
    const missing = err(await run('arrotech_workflows_get', { workflow_id: 999999 }));
    expect(missing.status).toBe(404);
    expect(missing.next_step).toMatch(/list/i);
    const pathField = err(await run('arrotech_workflows_get', { workflow_id: 'not-a-number' }));
    expect(pathField.status).toBe(422);
    expect(pathField.message).toContain('path.workflow_id');
    const bodyField = err(await run('arrotech_agents_create', { workflow_id: 'abc' }));
    expect(bodyField.message).toContain('body.workflow_id');
    expect(bodyField.next_step).toMatch(/field/);
    sandbox.addFault({ method: 'GET', path: '/agents/', status: 503, body: JSON.stringify({ detail: 'Service temporarily unavailable' }), times: 5 });
    const down = err(await run('arrotech_agents_list'));
    expect(down.status).toBe(503);
    expect(down.next_step).toMatch(/retry/i);
    expect(sandbox.requests.filter((q) => q.path === '/agents/' && q.status === 503).length).toBeGreaterThan(1); // a read is retried
    sandbox.clearFaults();
    sandbox.setDailyLimit(100, true);
    try {
      const limited = err(await run('arrotech_workflows_list'));
      expect(limited.code).toBe('rate_limited');
      expect(limited.message).toMatch(/100 requests per day/);
      expect(limited.message).toMatch(/free tier/);
      expect(limited.retry_after_seconds).toBeGreaterThan(0);
      expect(limited.next_step).toMatch(/Retry-After/);
    } finally {
      sandbox.setDailyLimit(10_000);
    }
  });

  it('called every tool', () => {
    const names = arrotech.catalog.map((t) => t.name).filter((n) => !called.has(n) && n !== 'arrotech_workflows_run');
    expect(names).toEqual([]);
  });
});
