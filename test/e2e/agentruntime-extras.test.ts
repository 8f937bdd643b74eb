import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentruntimeSandbox, type ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { call, connect, expectNoSecretsCaptured, knownSecrets, type Connected, type TransportKind } from '../helpers.js';
import { arEnv, errorOf } from '../support/agentruntime.js';

const EMBED_SECRET = 'embed-webhook-secret-Q7w3Ze9Rk1';
const WA_TOKEN = 'EAAG-whatsapp-token-Lp4Vn8Tb2';
const GOOGLE_CRED = 'google-refresh-cred-Xy6Hd2';
for (const s of [EMBED_SECRET, WA_TOKEN, GOOGLE_CRED]) knownSecrets.add(s);

/** The endpoints beyond the seed's, end to end over both transports. */
describe.each<TransportKind>(['stdio', 'http'])('AgentRuntime opt-in tools over %s', (kind) => {
  let sb: ArSandbox;
  let conn: Connected;
  const id: Record<string, string> = {};
  beforeAll(async () => {
    sb = await startAgentruntimeSandbox({ stepMs: 50 });
    conn = await connect(kind, arEnv(sb));
  });
  afterAll(async () => {
    for (const s of sb?.issuedSecrets() ?? []) knownSecrets.add(s);
    await conn?.close();
    await sb?.close();
  });

  it('MCP: catalogs, a published server version, connection check, instances resolved and validated, config profiles', async () => {
    expect((await call(conn.client, 'agentruntime_mcp_platform_catalog')).data.adapters).toBeInstanceOf(Array);
    const server = (await call(conn.client, 'agentruntime_mcp_servers_create', { name: 'Billing', canonical_url: 'https://billing.example.com/mcp' })).data.id as string;
    const v = await call(conn.client, 'agentruntime_mcp_servers_publish_version', { server_id: server, tools: [{ name: 'invoice' }], config_schema: { type: 'object' }, activate: true });
    expect(v.data).toMatchObject({ tool_count: 1, active: true });
    expect(((await call(conn.client, 'agentruntime_mcp_tools_list')).data.tools as { name: string }[]).map((t) => t.name)).toContain('invoice');
    const c = (await call(conn.client, 'agentruntime_connections_create', { display_name: 'g', provider: 'google', service: 'gmail', credentials: { refresh_token: GOOGLE_CRED } })).data.id as string;
    id.google = c;
    expect((await call(conn.client, 'agentruntime_mcp_servers_validate_connection', { server_id: server, connection_id: c })).data.valid).toBe(true);
    const inst = (await call(conn.client, 'agentruntime_mcp_instances_create', { server_id: server })).data.id as string;
    await call(conn.client, 'agentruntime_workflows_set_connection_overrides', { workflow_id: sb.ids.echoWorkflow, overrides: [{ instance_id: inst, connection_id: c }] });
    const resolved = await call(conn.client, 'agentruntime_mcp_instances_resolve', { workflow_id: sb.ids.echoWorkflow });
    expect(resolved.data.resolved).toEqual([{ instance_id: inst, server_id: server, connection_id: c }]);
    expect((await call(conn.client, 'agentruntime_mcp_instances_validate', { instance_id: inst })).data.valid).toBe(true);
    const p1 = (await call(conn.client, 'agentruntime_mcp_config_profiles_create', { instance_id: inst, name: 'prod', source_spec: { region: { literal: 'eu' } } })).data;
    const p2 = (await call(conn.client, 'agentruntime_mcp_config_profiles_create', { instance_id: inst, name: 'staging' })).data;
    expect([p1.active, p2.active]).toEqual([true, false]);
    await call(conn.client, 'agentruntime_mcp_config_profiles_update', { instance_id: inst, profile_id: p2.id as string, source_spec: { region: { literal: 'us' } } });
    await call(conn.client, 'agentruntime_mcp_config_profiles_set_active', { instance_id: inst, profile_id: p2.id as string });
    const profiles = (await call(conn.client, 'agentruntime_mcp_config_profiles_list', { instance_id: inst })).data.profiles as { id: string; active: boolean; source_spec: unknown }[];
    expect(profiles.find((p) => p.active)).toMatchObject({ id: p2.id, source_spec: { region: { literal: 'us' } } });
  });

  it('memory: the project goes into the body from AGENTRUNTIME_PROJECT_ID; search, index, job status, episode', async () => {
    const found = await call(conn.client, 'agentruntime_memory_search', { query: 'refund policy', limit: 3 });
    expect(found.isError, found.text).toBeFalsy();
    expect(JSON.parse(sb.requests.at(-1)!.body)).toEqual({ query: 'refund policy', limit: 3, project_id: sb.project });
    const job = (await call(conn.client, 'agentruntime_memory_index_conversation', { conversation_id: 'conv_9' })).data.job_id as string;
    await call(conn.client, 'agentruntime_memory_index_file', { file_id: 'file_9' });
    expect((await call(conn.client, 'agentruntime_memory_extract_status', { job_id: job })).data.status).toBe('completed');
    expect((await call(conn.client, 'agentruntime_memory_episode_get', { episode_id: 'ep_sandbox_1' })).data.items).toHaveLength(1);
  });

  it('agents: create, get, update, list, delete; 404 with the feature off', async () => {
    const a = (await call(conn.client, 'agentruntime_agents_create', { name: 'Triage', config: { model: 'x' } })).data.id as string;
    expect((await call(conn.client, 'agentruntime_agents_get', { agent_id: a })).data.name).toBe('Triage');
    expect((await call(conn.client, 'agentruntime_agents_update', { agent_id: a, description: 'sorts tickets' })).data.description).toBe('sorts tickets');
    expect((await call(conn.client, 'agentruntime_agents_list')).data.agents).toHaveLength(1);
    expect((await call(conn.client, 'agentruntime_agents_delete', { agent_id: a })).isError).toBeFalsy();
    sb.setAgents(false);
    const off = await call(conn.client, 'agentruntime_agents_list');
    sb.setAgents(true);
    expect(errorOf(off)).toMatchObject({ status: 404, code: 'feature_not_enabled' });
  });

  it('embedded connect and principals: link, session, settings (secret never echoed), upsert, sync, suspend, link, segments, usage, delete', async () => {
    const link = await call(conn.client, 'agentruntime_connect_link', { external_user_id: 'cust_1', provider: 'google', services: ['gmail', 'calendar'] });
    expect(link.data.connect_url).toMatch(/\/connect\/cs_/);
    expect((await call(conn.client, 'agentruntime_connect_session_get', { session_id: link.data.connect_session_id as string })).data.status).toBe('pending');
    const settings = await call(conn.client, 'agentruntime_embedded_connect_settings', { webhook_url: 'https://partner.example.com/hooks', webhook_secret: EMBED_SECRET });
    expect(settings.isError, settings.text).toBeFalsy();
    expect(sb.embeddedConnectSecret()).toBe(EMBED_SECRET);
    expect(JSON.stringify(settings)).not.toContain(EMBED_SECRET);
    await call(conn.client, 'agentruntime_principals_upsert', { external_id: 'cust_1', email: 'c1@example.com', team: 'ops', tags: ['vip'] });
    await call(conn.client, 'agentruntime_principals_sync', { principals: [{ external_user_id: 'cust_2', team: 'ops' }, { external_user_id: 'cust_3', team: 'sales' }] });
    expect((await call(conn.client, 'agentruntime_principals_list', { team: 'ops' })).data.principals).toHaveLength(2);
    expect((await call(conn.client, 'agentruntime_principals_suspend', { external_id: 'cust_2' })).data.status).toBe('suspended');
    expect((await call(conn.client, 'agentruntime_principals_link', { external_id: 'cust_1', user_id: 'usr_42' })).data.linked_user_id).toBe('usr_42');
    expect((await call(conn.client, 'agentruntime_principals_unlink', { external_id: 'cust_1' })).isError).toBeFalsy();
    expect((await call(conn.client, 'agentruntime_principals_get', { external_id: 'cust_1' })).data.linked_user_id).toBeUndefined();
    const seg = (await call(conn.client, 'agentruntime_segments_create', { name: 'VIPs', filter: { include_tags: ['vip'] } })).data.id as string;
    expect((await call(conn.client, 'agentruntime_segments_get', { segment_id: seg })).data.name).toBe('VIPs');
    expect((await call(conn.client, 'agentruntime_segments_list')).data.segments).toHaveLength(1);
    expect((await call(conn.client, 'agentruntime_usage_history')).data.items).toHaveLength(3);
    await call(conn.client, 'agentruntime_principals_delete', { external_id: 'cust_3' });
    expect(errorOf(await call(conn.client, 'agentruntime_principals_get', { external_id: 'cust_3' })).status).toBe(404);
  });

  it('billing extras: dimensions, discount check, trial → convert and a code, each money move behind a confirm token', async () => {
    expect((await call(conn.client, 'agentruntime_billing_usage_dimensions')).data.dimensions).toContain('workflow');
    expect((await call(conn.client, 'agentruntime_billing_validate_discount', { code: 'PRO20' })).data).toMatchObject({ valid: true, percent_off: 20 });
    const confirmAndCall = async (tool: string, args: Record<string, unknown>) => {
      const q = await call(conn.client, tool, args);
      expect(q.data.needs_confirmation, q.text).toBe(true);
      return call(conn.client, tool, { ...args, confirm_token: q.data.confirm_token as string });
    };
    expect((await confirmAndCall('agentruntime_billing_start_trial', { stripe_price_id: sb.ids.priceStarter })).data.status).toBe('trialing');
    expect((await confirmAndCall('agentruntime_billing_convert_trial', {})).data.status).toBe('active');
    expect((await confirmAndCall('agentruntime_billing_apply_code', { code: 'WELCOME50' })).data).toMatchObject({ applied: true, microcredits: 50_000_000 });
    const noTrial = await confirmAndCall('agentruntime_billing_start_trial', { stripe_price_id: sb.ids.pricePro });
    expect(errorOf(noTrial)).toMatchObject({ status: 409, code: 'trial_not_available' });
  });

  it('PAT reveal keeps the token in the local store, never in the result; a second reveal is refused', async () => {
    const pat = (await call(conn.client, 'agentruntime_pats_create', { display_name: 'to reveal', scopes: ['workflow:read'] })).data.id as string;
    const r = await call(conn.client, 'agentruntime_pats_reveal', { pat_id: pat });
    expect(r.isError, r.text).toBeFalsy();
    const token = sb.issuedSecrets().filter((s) => s.startsWith('pat_')).at(-1)!;
    knownSecrets.add(token);
    expect(JSON.stringify(r)).not.toContain(token);
    const kept = (r.data.stored as { token: { kept_at: string } }).token.kept_at;
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(readFileSync(kept, 'utf8')).toContain(token);
    expect(errorOf(await call(conn.client, 'agentruntime_pats_reveal', { pat_id: pat })).status).toBe(409);
  });

  it('connections: credential metadata without secrets, Google and WhatsApp config, Google account and services, WhatsApp manual (token never echoed)', async () => {
    const meta = await call(conn.client, 'agentruntime_connections_credentials_metadata', { connection_id: id.google! });
    expect(meta.data.fields).toEqual([{ key: 'refresh_token', set: true, last4: '••••' }]);
    expect((await call(conn.client, 'agentruntime_connections_google_config')).data.enabled).toBe(true);
    expect((await call(conn.client, 'agentruntime_connections_whatsapp_config')).data.manual).toBe(true);
    expect((await call(conn.client, 'agentruntime_connections_google_account', { connection_id: id.google! })).data.email).toBe('ops@acme.example');
    expect((await call(conn.client, 'agentruntime_connections_google_services', { connection_id: id.google!, services: { drive: true, gmail: false } })).data.services).toEqual({ gmail: false, drive: true });
    const wa = await call(conn.client, 'agentruntime_connections_whatsapp_manual', { waba_id: 'waba_7', phone_number_id: 'ph_7', access_token: WA_TOKEN });
    expect(wa.isError, wa.text).toBeFalsy();
    expect(sb.vaultCredentials(wa.data.id as string)).toEqual({ access_token: WA_TOKEN });
    sb.setVault(false);
    const down = await call(conn.client, 'agentruntime_connections_whatsapp_manual', { waba_id: 'waba_8', phone_number_id: 'ph_8', access_token: WA_TOKEN });
    sb.setVault(true);
    expect(errorOf(down)).toMatchObject({ status: 503, code: 'vault_unavailable' });
  });

  it('lists that ever carried a secret lose it before the model sees them', async () => {
    const leak = 'whsec_leaked_by_a_list_5f4e3d2c1b0a';
    const token = 'pat_leaked_by_a_list_0a1b2c3d4e5f';
    knownSecrets.add(leak);
    knownSecrets.add(token);
    sb.addFault({ method: 'GET', path: '/v1/inbound-webhooks', status: 200, contentType: 'application/json', body: JSON.stringify({ subscriptions: [{ id: 'iwh_x', signing_secret: leak }] }), times: 1 });
    sb.addFault({ method: 'GET', path: '/v1/pats', status: 200, contentType: 'application/json', body: JSON.stringify({ pats: [{ id: 'pat_x', token }] }), times: 1 });
    const subs = await call(conn.client, 'agentruntime_inbound_webhooks_list');
    const pats = await call(conn.client, 'agentruntime_pats_list');
    expect(subs.data.subscriptions).toEqual([{ id: 'iwh_x' }]);
    expect(pats.data.pats).toEqual([{ id: 'pat_x' }]);
  });

  it('no secret reached any result, error or log', () => {
    for (const s of sb.issuedSecrets()) knownSecrets.add(s);
    expectNoSecretsCaptured(knownSecrets);
  });
});
