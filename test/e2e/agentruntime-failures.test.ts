import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentruntimeSandbox, type ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { call, connect, knownSecrets, type Connected, type TransportKind } from '../helpers.js';
import { arEnv, errorOf } from '../support/agentruntime.js';

/** What a route needs: view (viewer role, workflow:read), read (contributor, workflow:read), write (contributor, workflow:run), mcp (contributor, mcp:execute), admin (tenant admin). */
type Access = 'view' | 'read' | 'write' | 'mcp' | 'admin';

interface Case {
  tool: string;
  access: Access;
  args: () => Record<string, unknown>;
  /** The first request the tool makes, for the 503 fault. */
  fault: { method: string; path: () => string };
  /** Arguments naming something that does not exist (404), when the tool takes an id. */
  missing?: () => Record<string, unknown>;
  /** Arguments the server must refuse before any request, and the field the refusal names. */
  bad?: { args: () => Record<string, unknown>; field: string };
  /** Money tools: the first call only quotes; the call with its confirm token acts. */
  consent?: boolean;
}

let sb: ArSandbox;
const id: Record<string, string> = {};
const W = () => sb.ids.approvalWorkflow;

const CASES: Case[] = [
  { tool: 'agentruntime_workflows_list', access: 'view', args: () => ({}), fault: { method: 'GET', path: () => '/v1/workflows' } },
  { tool: 'agentruntime_workflows_get', access: 'view', args: () => ({ workflow_id: W() }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: '../admin' }), field: 'workflow_id' } },
  { tool: 'agentruntime_workflows_create', access: 'write', args: () => ({ name: 'x', graph: { steps: [{ id: 'a', type: 'action' }] } }), fault: { method: 'POST', path: () => '/v1/workflows' }, bad: { args: () => ({ name: 'x', graph: { steps: [] } }), field: 'graph' } },
  { tool: 'agentruntime_workflows_patch', access: 'write', args: () => ({ workflow_id: W(), run_setup: { a: 1 } }), fault: { method: 'PATCH', path: () => `/v1/workflows/${W()}` }, missing: () => ({ workflow_id: 'wf_missing', run_setup: {} }), bad: { args: () => ({ workflow_id: W() }), field: 'graph' } },
  { tool: 'agentruntime_workflows_archive', access: 'write', args: () => ({ workflow_id: id.scratchWorkflow! }), fault: { method: 'DELETE', path: () => `/v1/workflows/${id.scratchWorkflow}` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: '' }), field: 'workflow_id' } },
  { tool: 'agentruntime_workflows_publish_version', access: 'write', args: () => ({ workflow_id: sb.ids.draftWorkflow }), fault: { method: 'POST', path: () => `/v1/workflows/${sb.ids.draftWorkflow}/versions` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: 'a/b' }), field: 'workflow_id' } },
  { tool: 'agentruntime_workflows_list_versions', access: 'view', args: () => ({ workflow_id: W() }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/versions` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({}), field: 'workflow_id' } },
  { tool: 'agentruntime_workflows_validate', access: 'read', args: () => ({ workflow_id: W() }), fault: { method: 'POST', path: () => `/v1/workflows/${W()}/validate` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: 5 }), field: 'workflow_id' } },
  { tool: 'agentruntime_workflows_command', access: 'write', args: () => ({ workflow_id: sb.ids.echoWorkflow, command: 'start' }), fault: { method: 'POST', path: () => `/v1/workflows/${sb.ids.echoWorkflow}/command` }, missing: () => ({ workflow_id: 'wf_missing', command: 'start' }), bad: { args: () => ({ workflow_id: W(), command: 'pause' }), field: 'run_id' } },
  { tool: 'agentruntime_workflows_run', access: 'write', args: () => ({ workflow_id: sb.ids.echoWorkflow }), fault: { method: 'POST', path: () => `/v1/workflows/${sb.ids.echoWorkflow}/command` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: W(), input: { run_id: 'x' } }), field: 'input.run_id' } },
  { tool: 'agentruntime_workflows_run_wait', access: 'view', args: () => ({ workflow_id: W(), run_id: id.run!, wait_seconds: 1 }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/runs/${id.run}/summary` }, missing: () => ({ workflow_id: W(), run_id: 'run_missing' }), bad: { args: () => ({ workflow_id: W(), run_id: id.run!, wait_seconds: 999 }), field: 'wait_seconds' } },
  { tool: 'agentruntime_workflows_get_connection_overrides', access: 'view', args: () => ({ workflow_id: W() }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/connection-overrides` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: null }), field: 'workflow_id' } },
  { tool: 'agentruntime_workflows_set_connection_overrides', access: 'write', args: () => ({ workflow_id: W(), overrides: [] }), fault: { method: 'PUT', path: () => `/v1/workflows/${W()}/connection-overrides` }, missing: () => ({ workflow_id: 'wf_missing', overrides: [] }), bad: { args: () => ({ workflow_id: W(), overrides: [{ instance_id: 'i' }] }), field: 'connection_id' } },
  { tool: 'agentruntime_runs_list', access: 'view', args: () => ({ workflow_id: W() }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/runs` }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: W(), limit: 0 }), field: 'limit' } },
  { tool: 'agentruntime_runs_list_tenant', access: 'view', args: () => ({}), fault: { method: 'GET', path: () => '/v1/runs' }, bad: { args: () => ({ status: 'sleeping' }), field: 'status' } },
  { tool: 'agentruntime_runs_summary', access: 'view', args: () => ({ workflow_id: W(), run_id: id.run! }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/runs/${id.run}/summary` }, missing: () => ({ workflow_id: W(), run_id: 'run_missing' }), bad: { args: () => ({ workflow_id: W() }), field: 'run_id' } },
  { tool: 'agentruntime_runs_events', access: 'view', args: () => ({ workflow_id: W(), run_id: id.run! }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/runs/${id.run}/events` }, missing: () => ({ workflow_id: W(), run_id: 'run_missing' }), bad: { args: () => ({ workflow_id: W(), run_id: '..' }), field: 'run_id' } },
  { tool: 'agentruntime_runs_context', access: 'view', args: () => ({ workflow_id: W(), run_id: id.run! }), fault: { method: 'GET', path: () => `/v1/workflows/${W()}/runs/${id.run}/context` }, missing: () => ({ workflow_id: W(), run_id: 'run_missing' }), bad: { args: () => ({ workflow_id: W(), run_id: 'a\nb' }), field: 'run_id' } },
  { tool: 'agentruntime_tasks_list_pending', access: 'view', args: () => ({}), fault: { method: 'GET', path: () => '/v1/tasks/pending' }, bad: { args: () => ({ workflow_id: W() }), field: 'run_id' } },
  { tool: 'agentruntime_tasks_complete', access: 'write', args: () => ({ workflow_id: W(), run_id: id.run!, task_id: id.task!, approved: false }), fault: { method: 'POST', path: () => `/v1/workflows/${W()}/runs/${id.run}/tasks/${id.task}/complete` }, missing: () => ({ workflow_id: W(), run_id: id.run!, task_id: 'task_missing', approved: true }), bad: { args: () => ({ workflow_id: W(), run_id: id.run!, task_id: id.task! }), field: 'approved' } },
  { tool: 'agentruntime_inbound_webhooks_create', access: 'write', args: () => ({ workflow_id: sb.ids.echoWorkflow, name: 'h' }), fault: { method: 'POST', path: () => '/v1/inbound-webhooks' }, missing: () => ({ workflow_id: 'wf_missing', name: 'h' }), bad: { args: () => ({ workflow_id: sb.ids.echoWorkflow, name: '' }), field: 'name' } },
  { tool: 'agentruntime_inbound_webhooks_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/inbound-webhooks' } },
  { tool: 'agentruntime_inbound_webhooks_update', access: 'write', args: () => ({ subscription_id: id.subscription!, extras: {} }), fault: { method: 'PATCH', path: () => `/v1/inbound-webhooks/${id.subscription}` }, missing: () => ({ subscription_id: 'iwh_missing', extras: {} }), bad: { args: () => ({ subscription_id: id.subscription! }), field: 'extras' } },
  { tool: 'agentruntime_inbound_webhooks_delete', access: 'write', args: () => ({ subscription_id: 'iwh_missing' }), fault: { method: 'DELETE', path: () => '/v1/inbound-webhooks/iwh_missing' }, missing: () => ({ subscription_id: 'iwh_missing' }), bad: { args: () => ({ subscription_id: '/' }), field: 'subscription_id' } },
  { tool: 'agentruntime_inbound_webhooks_send', access: 'write', args: () => ({ subscription_id: id.subscription!, payload: { a: 1 } }), fault: { method: 'POST', path: () => `/v1/inbound-webhooks/${id.subscription}` }, bad: { args: () => ({ subscription_id: id.subscription!, payload: [1] }), field: 'payload' } },
  { tool: 'agentruntime_connections_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/connections' } },
  { tool: 'agentruntime_connections_create', access: 'write', args: () => ({ display_name: 'c', provider: 'custom', service: 's', credentials: { k: 'failure-path-cred-1' } }), fault: { method: 'POST', path: () => '/v1/connections' }, bad: { args: () => ({ display_name: 'c', provider: 'custom', service: 's', credentials: {} }), field: 'credentials' } },
  { tool: 'agentruntime_connections_update', access: 'write', args: () => ({ connection_id: id.connection!, display_name: 'd' }), fault: { method: 'PATCH', path: () => `/v1/connections/${id.connection}` }, missing: () => ({ connection_id: 'conn_missing', display_name: 'd' }), bad: { args: () => ({ connection_id: id.connection!, credentials: { k: 5 } }), field: 'credentials' } },
  { tool: 'agentruntime_connections_delete', access: 'write', args: () => ({ connection_id: 'conn_missing' }), fault: { method: 'DELETE', path: () => '/v1/connections/conn_missing' }, missing: () => ({ connection_id: 'conn_missing' }), bad: { args: () => ({}), field: 'connection_id' } },
  { tool: 'agentruntime_mcp_servers_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/mcp/servers' } },
  { tool: 'agentruntime_mcp_servers_get', access: 'read', args: () => ({ server_id: sb.ids.mcpServer }), fault: { method: 'GET', path: () => `/v1/mcp/servers/${sb.ids.mcpServer}` }, missing: () => ({ server_id: 'srv_missing' }), bad: { args: () => ({ server_id: '' }), field: 'server_id' } },
  { tool: 'agentruntime_mcp_servers_create', access: 'mcp', args: () => ({ name: 'n', canonical_url: 'https://x.example.com/mcp' }), fault: { method: 'POST', path: () => '/v1/mcp/servers' }, bad: { args: () => ({ name: 'n', canonical_url: 'http://x.example.com/mcp' }), field: 'canonical_url' } },
  { tool: 'agentruntime_mcp_servers_discover', access: 'mcp', args: () => ({ server_id: sb.ids.mcpServer }), fault: { method: 'POST', path: () => `/v1/mcp/servers/${sb.ids.mcpServer}/discover` }, missing: () => ({ server_id: 'srv_missing' }), bad: { args: () => ({}), field: 'server_id' } },
  { tool: 'agentruntime_mcp_servers_validate', access: 'mcp', args: () => ({ server_id: sb.ids.mcpServer }), fault: { method: 'POST', path: () => `/v1/mcp/servers/${sb.ids.mcpServer}/validate` }, missing: () => ({ server_id: 'srv_missing' }), bad: { args: () => ({ server_id: '..' }), field: 'server_id' } },
  { tool: 'agentruntime_mcp_instances_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/mcp/instances' } },
  { tool: 'agentruntime_mcp_instances_create', access: 'mcp', args: () => ({ server_id: sb.ids.mcpServer }), fault: { method: 'POST', path: () => '/v1/mcp/instances' }, missing: () => ({ server_id: 'srv_missing' }), bad: { args: () => ({ server_id: '' }), field: 'server_id' } },
  { tool: 'agentruntime_pats_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/pats' } },
  { tool: 'agentruntime_pats_create', access: 'write', args: () => ({ display_name: 'p', scopes: ['workflow:read'] }), fault: { method: 'POST', path: () => '/v1/pats' }, bad: { args: () => ({ display_name: 'p', scopes: ['admin:all'] }), field: 'scopes' } },
  { tool: 'agentruntime_pats_revoke', access: 'write', args: () => ({ pat_id: 'pat_missing' }), fault: { method: 'DELETE', path: () => '/v1/pats/pat_missing' }, missing: () => ({ pat_id: 'pat_missing' }), bad: { args: () => ({ pat_id: 'a/b' }), field: 'pat_id' } },
  { tool: 'agentruntime_billing_usage', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/usage' } },
  { tool: 'agentruntime_billing_plans', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/plans' } },
  { tool: 'agentruntime_billing_summary', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/summary' } },
  { tool: 'agentruntime_billing_status', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/status' } },
  { tool: 'agentruntime_billing_usage_history', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/usage-history' } },
  { tool: 'agentruntime_billing_payment_history', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/payment-history' } },
  { tool: 'agentruntime_billing_action_pricing', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/action-pricing' } },
  { tool: 'agentruntime_billing_subscribe', access: 'admin', consent: true, args: () => ({ stripe_price_id: sb.ids.priceStarter }), fault: { method: 'GET', path: () => '/v1/billing/plans' }, bad: { args: () => ({ stripe_price_id: '' }), field: 'stripe_price_id' } },
  { tool: 'agentruntime_billing_change_plan', access: 'admin', consent: true, args: () => ({ stripe_price_id: sb.ids.pricePro }), fault: { method: 'GET', path: () => '/v1/billing/plans' }, bad: { args: () => ({}), field: 'stripe_price_id' } },
  { tool: 'agentruntime_billing_cancel', access: 'admin', consent: true, args: () => ({}), fault: { method: 'POST', path: () => '/v1/billing/subscription/cancel' }, bad: { args: () => ({ confirm_token: 7 }), field: 'confirm_token' } },
  ...['live-runs', 'success-rate', 'execution-duration', 'runs-count', 'steps-executed', 'credits-consumed', 'steps-summary', 'runs-timeseries', 'usage-timeseries'].map(
    (m): Case => ({ tool: `agentruntime_analytics_${m.replace(/-/g, '_')}`, access: 'read', args: () => ({}), fault: { method: 'GET', path: () => `/v1/analytics/${m}` } }),
  ),
  // ── beyond the seed's endpoints ──
  { tool: 'agentruntime_mcp_platform_catalog', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/mcp/platform-catalog' } },
  { tool: 'agentruntime_mcp_tools_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/mcp/tools' } },
  { tool: 'agentruntime_mcp_servers_publish_version', access: 'mcp', args: () => ({ server_id: sb.ids.mcpServer, activate: true }), fault: { method: 'POST', path: () => `/v1/mcp/servers/${sb.ids.mcpServer}/versions` }, missing: () => ({ server_id: 'srv_missing' }), bad: { args: () => ({ server_id: sb.ids.mcpServer, tools: [{ description: 'no name' }] }), field: 'name' } },
  { tool: 'agentruntime_mcp_servers_validate_connection', access: 'mcp', args: () => ({ server_id: sb.ids.mcpServer, connection_id: id.connection! }), fault: { method: 'POST', path: () => `/v1/mcp/servers/${sb.ids.mcpServer}/connections/${id.connection}/validate` }, missing: () => ({ server_id: sb.ids.mcpServer, connection_id: 'conn_missing' }), bad: { args: () => ({ server_id: sb.ids.mcpServer }), field: 'connection_id' } },
  { tool: 'agentruntime_mcp_instances_resolve', access: 'read', args: () => ({ workflow_id: W() }), fault: { method: 'POST', path: () => '/v1/mcp/instances/resolve' }, missing: () => ({ workflow_id: 'wf_missing' }), bad: { args: () => ({ workflow_id: '' }), field: 'workflow_id' } },
  { tool: 'agentruntime_mcp_instances_validate', access: 'mcp', args: () => ({ instance_id: id.instance! }), fault: { method: 'POST', path: () => `/v1/mcp/instances/${id.instance}/validate` }, missing: () => ({ instance_id: 'inst_missing' }), bad: { args: () => ({ instance_id: '..' }), field: 'instance_id' } },
  { tool: 'agentruntime_mcp_config_profiles_list', access: 'read', args: () => ({ instance_id: id.instance! }), fault: { method: 'GET', path: () => `/v1/mcp/instances/${id.instance}/config-profiles` }, missing: () => ({ instance_id: 'inst_missing' }), bad: { args: () => ({}), field: 'instance_id' } },
  { tool: 'agentruntime_mcp_config_profiles_create', access: 'mcp', args: () => ({ instance_id: id.instance!, name: 'p' }), fault: { method: 'POST', path: () => `/v1/mcp/instances/${id.instance}/config-profiles` }, missing: () => ({ instance_id: 'inst_missing', name: 'p' }), bad: { args: () => ({ instance_id: id.instance!, name: '' }), field: 'name' } },
  { tool: 'agentruntime_mcp_config_profiles_update', access: 'mcp', args: () => ({ instance_id: id.instance!, profile_id: id.profile!, source_spec: { a: 1 } }), fault: { method: 'PATCH', path: () => `/v1/mcp/instances/${id.instance}/config-profiles/${id.profile}` }, missing: () => ({ instance_id: id.instance!, profile_id: 'prof_missing', source_spec: {} }), bad: { args: () => ({ instance_id: id.instance!, profile_id: id.profile! }), field: 'source_spec' } },
  { tool: 'agentruntime_mcp_config_profiles_set_active', access: 'mcp', args: () => ({ instance_id: id.instance!, profile_id: id.profile! }), fault: { method: 'POST', path: () => `/v1/mcp/instances/${id.instance}/config-profiles/${id.profile}/set-active` }, missing: () => ({ instance_id: id.instance!, profile_id: 'prof_missing' }), bad: { args: () => ({ instance_id: id.instance!, profile_id: 'a/b' }), field: 'profile_id' } },
  { tool: 'agentruntime_memory_search', access: 'read', args: () => ({ query: 'refunds' }), fault: { method: 'POST', path: () => '/v1/memory/search' }, bad: { args: () => ({ query: '' }), field: 'query' } },
  { tool: 'agentruntime_memory_index_conversation', access: 'write', args: () => ({ conversation_id: 'conv_1' }), fault: { method: 'POST', path: () => '/v1/memory/index-conversation' }, bad: { args: () => ({}), field: 'conversation_id' } },
  { tool: 'agentruntime_memory_index_file', access: 'write', args: () => ({ file_id: 'file_1' }), fault: { method: 'POST', path: () => '/v1/memory/index-file' }, bad: { args: () => ({ file_id: 3 }), field: 'file_id' } },
  { tool: 'agentruntime_memory_extract_status', access: 'read', args: () => ({ job_id: id.job! }), fault: { method: 'GET', path: () => `/v1/memory/extract/${id.job}` }, missing: () => ({ job_id: 'job_missing' }), bad: { args: () => ({ job_id: '' }), field: 'job_id' } },
  { tool: 'agentruntime_memory_episode_get', access: 'read', args: () => ({ episode_id: 'ep_sandbox_1' }), fault: { method: 'GET', path: () => '/v1/memory/episodes/ep_sandbox_1' }, missing: () => ({ episode_id: 'ep_missing' }), bad: { args: () => ({ episode_id: '/' }), field: 'episode_id' } },
  { tool: 'agentruntime_agents_list', access: 'view', args: () => ({}), fault: { method: 'GET', path: () => '/v1/agents' } },
  { tool: 'agentruntime_agents_get', access: 'view', args: () => ({ agent_id: id.agent! }), fault: { method: 'GET', path: () => `/v1/agents/${id.agent}` }, missing: () => ({ agent_id: 'agt_missing' }), bad: { args: () => ({}), field: 'agent_id' } },
  { tool: 'agentruntime_agents_create', access: 'write', args: () => ({ name: 'helper' }), fault: { method: 'POST', path: () => '/v1/agents' }, bad: { args: () => ({ name: 'x', config: 'nope' }), field: 'config' } },
  { tool: 'agentruntime_agents_update', access: 'write', args: () => ({ agent_id: id.agent!, description: 'd' }), fault: { method: 'PATCH', path: () => `/v1/agents/${id.agent}` }, missing: () => ({ agent_id: 'agt_missing', description: 'd' }), bad: { args: () => ({ agent_id: id.agent!, name: '' }), field: 'name' } },
  { tool: 'agentruntime_agents_delete', access: 'write', args: () => ({ agent_id: 'agt_missing' }), fault: { method: 'DELETE', path: () => '/v1/agents/agt_missing' }, missing: () => ({ agent_id: 'agt_missing' }), bad: { args: () => ({ agent_id: '..' }), field: 'agent_id' } },
  { tool: 'agentruntime_connect_link', access: 'write', args: () => ({ external_user_id: 'u1', provider: 'google', services: ['gmail'] }), fault: { method: 'POST', path: () => '/v1/connect/link' }, bad: { args: () => ({ external_user_id: 'u1', provider: 'google', services: [] }), field: 'services' } },
  { tool: 'agentruntime_connect_session_get', access: 'read', args: () => ({ session_id: id.session! }), fault: { method: 'GET', path: () => `/v1/connect/sessions/${id.session}` }, missing: () => ({ session_id: 'cs_missing' }), bad: { args: () => ({ session_id: '' }), field: 'session_id' } },
  { tool: 'agentruntime_embedded_connect_settings', access: 'admin', args: () => ({ webhook_url: 'https://partner.example.com/hook', webhook_secret: EMBED_SECRET }), fault: { method: 'PUT', path: () => '/v1/embedded-connect/settings' }, bad: { args: () => ({ webhook_url: 'http://partner.example.com/hook', webhook_secret: EMBED_SECRET }), field: 'webhook_url' } },
  { tool: 'agentruntime_principals_list', access: 'read', args: () => ({ team: 'ops' }), fault: { method: 'GET', path: () => '/v1/principals' }, bad: { args: () => ({ team: 5 }), field: 'team' } },
  { tool: 'agentruntime_principals_get', access: 'read', args: () => ({ external_id: 'u1' }), fault: { method: 'GET', path: () => '/v1/principals/u1' }, missing: () => ({ external_id: 'nobody' }), bad: { args: () => ({ external_id: 'a/b' }), field: 'external_id' } },
  { tool: 'agentruntime_principals_upsert', access: 'write', args: () => ({ external_id: 'u2', team: 'ops' }), fault: { method: 'PUT', path: () => '/v1/principals/u2' }, bad: { args: () => ({ external_id: 'u2', email: 'not-an-email' }), field: 'email' } },
  { tool: 'agentruntime_principals_sync', access: 'write', args: () => ({ principals: [{ external_user_id: 'u3', tags: ['vip'] }] }), fault: { method: 'POST', path: () => '/v1/principals/sync' }, bad: { args: () => ({ principals: [] }), field: 'principals' } },
  { tool: 'agentruntime_principals_suspend', access: 'write', args: () => ({ external_id: 'u1' }), fault: { method: 'POST', path: () => '/v1/principals/u1/suspend' }, missing: () => ({ external_id: 'nobody' }), bad: { args: () => ({}), field: 'external_id' } },
  { tool: 'agentruntime_principals_delete', access: 'write', args: () => ({ external_id: 'nobody' }), fault: { method: 'DELETE', path: () => '/v1/principals/nobody' }, missing: () => ({ external_id: 'nobody' }), bad: { args: () => ({ external_id: '' }), field: 'external_id' } },
  { tool: 'agentruntime_principals_link', access: 'admin', args: () => ({ external_id: 'u1', user_id: 'usr_1' }), fault: { method: 'POST', path: () => '/v1/principals/u1/link' }, missing: () => ({ external_id: 'nobody', user_id: 'usr_1' }), bad: { args: () => ({ external_id: 'u1' }), field: 'user_id' } },
  { tool: 'agentruntime_principals_unlink', access: 'admin', args: () => ({ external_id: 'nobody' }), fault: { method: 'DELETE', path: () => '/v1/principals/nobody/link' }, missing: () => ({ external_id: 'nobody' }), bad: { args: () => ({ external_id: '..' }), field: 'external_id' } },
  { tool: 'agentruntime_segments_list', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/principal-segments' } },
  { tool: 'agentruntime_segments_get', access: 'read', args: () => ({ segment_id: id.segment! }), fault: { method: 'GET', path: () => `/v1/principal-segments/${id.segment}` }, missing: () => ({ segment_id: 'seg_missing' }), bad: { args: () => ({ segment_id: '' }), field: 'segment_id' } },
  { tool: 'agentruntime_segments_create', access: 'write', args: () => ({ name: 'vips', filter: { include_tags: ['vip'] } }), fault: { method: 'POST', path: () => '/v1/principal-segments' }, bad: { args: () => ({ name: 'vips' }), field: 'filter' } },
  { tool: 'agentruntime_usage_history', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/usage-history' } },
  { tool: 'agentruntime_billing_usage_dimensions', access: 'view', args: () => ({}), fault: { method: 'GET', path: () => '/v1/billing/usage-dimensions' } },
  { tool: 'agentruntime_billing_start_trial', access: 'admin', consent: true, args: () => ({ stripe_price_id: sb.ids.priceStarter }), fault: { method: 'GET', path: () => '/v1/billing/plans' }, bad: { args: () => ({}), field: 'stripe_price_id' } },
  { tool: 'agentruntime_billing_convert_trial', access: 'admin', consent: true, args: () => ({}), fault: { method: 'POST', path: () => '/v1/billing/subscription/convert-trial-now' }, bad: { args: () => ({ confirm_token: '' }), field: 'confirm_token' } },
  { tool: 'agentruntime_billing_apply_code', access: 'admin', consent: true, args: () => ({ code: 'WELCOME50' }), fault: { method: 'POST', path: () => '/v1/billing/codes/apply' }, missing: () => ({ code: 'NOPE' }), bad: { args: () => ({ code: '' }), field: 'code' } },
  { tool: 'agentruntime_billing_validate_discount', access: 'admin', args: () => ({ code: 'PRO20' }), fault: { method: 'POST', path: () => '/v1/billing/discounts/validate' }, bad: { args: () => ({}), field: 'code' } },
  { tool: 'agentruntime_pats_reveal', access: 'view', args: () => ({ pat_id: revealable.shift() ?? 'pat_exhausted' }), fault: { method: 'GET', path: () => `/v1/pats/${revealable[0]}/reveal` }, missing: () => ({ pat_id: 'pat_missing' }), bad: { args: () => ({ pat_id: 'a/b' }), field: 'pat_id' } },
  { tool: 'agentruntime_connections_credentials_metadata', access: 'read', args: () => ({ connection_id: id.connection! }), fault: { method: 'GET', path: () => `/v1/connections/${id.connection}/credentials` }, missing: () => ({ connection_id: 'conn_missing' }), bad: { args: () => ({}), field: 'connection_id' } },
  { tool: 'agentruntime_connections_google_config', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/connections/google/config' } },
  { tool: 'agentruntime_connections_whatsapp_config', access: 'read', args: () => ({}), fault: { method: 'GET', path: () => '/v1/connections/whatsapp/config' } },
  { tool: 'agentruntime_connections_google_account', access: 'read', args: () => ({ connection_id: id.google! }), fault: { method: 'GET', path: () => `/v1/connections/google/accounts/${id.google}` }, missing: () => ({ connection_id: 'conn_missing' }), bad: { args: () => ({ connection_id: '..' }), field: 'connection_id' } },
  { tool: 'agentruntime_connections_google_services', access: 'write', args: () => ({ connection_id: id.google!, services: { drive: true } }), fault: { method: 'PATCH', path: () => `/v1/connections/google/accounts/${id.google}/services` }, missing: () => ({ connection_id: 'conn_missing', services: {} }), bad: { args: () => ({ connection_id: id.google!, services: { drive: 'yes' } }), field: 'services' } },
  { tool: 'agentruntime_connections_whatsapp_manual', access: 'write', args: () => ({ waba_id: 'waba_1', phone_number_id: 'ph_1', access_token: WA_TOKEN }), fault: { method: 'POST', path: () => '/v1/connections/whatsapp/manual' }, bad: { args: () => ({ waba_id: 'waba_1', phone_number_id: 'ph_1' }), field: 'access_token' } },
];

const EMBED_SECRET = 'embed-webhook-secret-9Xq2Lm7Pz4';
const WA_TOKEN = 'EAAG-whatsapp-token-5Hk8Jd3Ns1';
/** PATs whose token agentruntime_pats_reveal may fetch: a reveal works once per PAT. */
const revealable: string[] = [];
const CREDENTIALS = ['failure-path-cred-1', 'google-refresh-cred-2', EMBED_SECRET, WA_TOKEN];
CREDENTIALS.forEach((c) => knownSecrets.add(c));

describe.each<TransportKind>(['stdio', 'http'])('AgentRuntime failure paths over %s', (kind) => {
  let main: Connected;
  let badToken: Connected;
  let readScope: Connected;
  let viewer: Connected;
  let noProject: Connected;
  let noToken: Connected;

  beforeAll(async () => {
    sb = await startAgentruntimeSandbox({ stepMs: 50 });
    const env = arEnv(sb);
    // One state directory for every client: the stored signing secrets are shared, the token differs.
    const same = (token: string) => ({ ...env, AGENTRUNTIME_TOKEN: token });
    [main, badToken, readScope, viewer, noProject, noToken] = await Promise.all([
      connect(kind, env),
      connect(kind, same('pat_not_a_real_token_123456')),
      connect(kind, same(sb.tokens.readScope)),
      connect(kind, same(sb.tokens.viewer)),
      connect(kind, { ...env, AGENTRUNTIME_PROJECT_ID: undefined } as unknown as Record<string, string>),
      connect(kind, { ...env, AGENTRUNTIME_TOKEN: undefined } as unknown as Record<string, string>),
    ]);
    const run = await call(main.client, 'agentruntime_workflows_run', { workflow_id: W(), input: { customer_email: 'f@example.com' } });
    id.run = run.data.run_id as string;
    id.task = (run.data.pending_tasks as { task_id: string }[])[0]!.task_id;
    id.subscription = ((await call(main.client, 'agentruntime_inbound_webhooks_create', { workflow_id: sb.ids.echoWorkflow, name: 'failures' })).data.subscription as { id: string }).id;
    id.connection = (await call(main.client, 'agentruntime_connections_create', { display_name: 'c', provider: 'custom', service: 's', credentials: { k: CREDENTIALS[0]! } })).data.id as string;
    id.scratchWorkflow = (await call(main.client, 'agentruntime_workflows_create', { name: 'scratch', graph: { steps: [{ id: 'a', type: 'action' }] } })).data.id as string;
    id.google = (await call(main.client, 'agentruntime_connections_create', { display_name: 'g', provider: 'google', service: 'gmail', credentials: { refresh_token: CREDENTIALS[1]! } })).data.id as string;
    id.instance = (await call(main.client, 'agentruntime_mcp_instances_create', { server_id: sb.ids.mcpServer })).data.id as string;
    id.profile = (await call(main.client, 'agentruntime_mcp_config_profiles_create', { instance_id: id.instance, name: 'default' })).data.id as string;
    id.job = (await call(main.client, 'agentruntime_memory_index_conversation', { conversation_id: 'conv_0' })).data.job_id as string;
    id.agent = (await call(main.client, 'agentruntime_agents_create', { name: 'seeded agent' })).data.id as string;
    id.session = (await call(main.client, 'agentruntime_connect_link', { external_user_id: 'u1', provider: 'google', services: ['gmail'] })).data.connect_session_id as string;
    id.segment = (await call(main.client, 'agentruntime_segments_create', { name: 'all', filter: {} })).data.id as string;
    revealable.length = 0;
    for (let i = 0; i < 6; i++) revealable.push((await call(main.client, 'agentruntime_pats_create', { display_name: `reveal-${i}`, scopes: ['workflow:read'] })).data.id as string);
  }, 60_000);
  afterAll(async () => {
    for (const s of sb?.issuedSecrets() ?? []) knownSecrets.add(s);
    await Promise.all([main, badToken, readScope, viewer, noProject, noToken].map((c) => c?.close()));
    await sb?.close();
  });

  /** Calls a tool; money tools are called twice (quote, then with its confirm token) so the request that acts is the one judged. */
  async function act(c: Connected, k: Case, args: Record<string, unknown>) {
    const first = await call(c.client, k.tool, args);
    if (!k.consent || first.isError || first.data.needs_confirmation !== true) return first;
    return call(c.client, k.tool, { ...args, confirm_token: first.data.confirm_token as string });
  }

  it('covers every AgentRuntime tool', async () => {
    const { tools } = await main.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(CASES.map((k) => k.tool).sort());
  });

  it.each(CASES.map((k) => [k.tool, k] as const))('%s: 401 with a PAT AgentRuntime does not know', async (_n, k) => {
    const r = await act(badToken, k, k.args());
    expect(r.isError, r.text).toBe(true);
    expect(errorOf(r).status).toBe(401);
    expect(errorOf(r).next_step).toContain('AGENTRUNTIME_TOKEN');
  });

  it.each(CASES.map((k) => [k.tool, k] as const))('%s: 403 when the PAT lacks the scope or its owner the role', async (_n, k) => {
    const scoped = await act(readScope, k, k.args());
    if (k.access === 'view' || k.access === 'read') expect(scoped.isError, scoped.text).toBeFalsy();
    else {
      expect(errorOf(scoped).status, scoped.text).toBe(403);
      expect(errorOf(scoped).code).toBe(k.access === 'admin' ? 'insufficient_role' : 'insufficient_scope');
      expect(errorOf(scoped).next_step).toMatch(k.access === 'admin' ? /role/ : /scope/);
    }
    const low = await act(viewer, k, k.args());
    if (k.access === 'view') expect(low.isError, low.text).toBeFalsy();
    else {
      expect(errorOf(low).status, low.text).toBe(403);
      // The ingress checks only the PAT's scope (there is no project role without the tenant headers).
      expect(errorOf(low).code).toBe(k.fault.path().startsWith('/v1/inbound-webhooks/') && k.fault.method === 'POST' ? 'insufficient_scope' : 'insufficient_role');
    }
  });

  it.each(CASES.filter((k) => k.missing).map((k) => [k.tool, k] as const))('%s: 404 for an id that does not exist', async (_n, k) => {
    const r = await act(main, k, k.missing!());
    expect(errorOf(r).status, r.text).toBe(404);
    expect(errorOf(r).next_step).toMatch(/agentruntime_|List/);
  });

  it.each(CASES.map((k) => [k.tool, k] as const))('%s: 503 when a dependency is down', async (_n, k) => {
    sb.addFault({ method: k.fault.method, path: k.fault.path(), status: 503, body: JSON.stringify({ error: 'dependency_unavailable', message: 'Vault unavailable' }), contentType: 'application/json', times: 1 });
    try {
      const r = await act(main, k, k.args());
      expect(errorOf(r).status, r.text).toBe(503);
      expect(errorOf(r).next_step).toMatch(/retry/i);
    } finally {
      sb.clearFaults();
    }
  });

  // Tools that take no argument have no input to get wrong.
  it.each(CASES.filter((k) => k.bad).map((k) => [k.tool, k] as const))('%s: invalid input is refused naming the field, before any request', async (_n, k) => {
    const before = sb.requests.length;
    const r = await call(main.client, k.tool, k.bad!.args());
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toContain(k.bad!.field);
    expect(sb.requests.length).toBe(before);
  });

  it('no token: missing_credential naming AGENTRUNTIME_TOKEN, no request; no project: the setting is named, no request', async () => {
    const before = sb.requests.length;
    const r = await call(noToken.client, 'agentruntime_workflows_list');
    expect(errorOf(r).code).toBe('missing_credential');
    expect(errorOf(r).next_step).toContain('AGENTRUNTIME_TOKEN');
    const p = await call(noProject.client, 'agentruntime_workflows_list');
    expect(errorOf(p).code).toBe('missing_setting');
    expect(errorOf(p).message).toContain('AGENTRUNTIME_PROJECT_ID');
    // Tenant-scoped calls work without a project.
    expect((await call(noProject.client, 'agentruntime_billing_usage')).isError).toBeFalsy();
    expect(sb.requests.length).toBe(before + 1);
  });

  it('the sandbox refuses missing tenant/project headers, another tenant, an unknown project', async () => {
    const get = (headers: Record<string, string>) => fetch(`${sb.url}/v1/workflows`, { headers }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string } }));
    const auth = { authorization: `Bearer ${sb.tokens.admin}` };
    expect(await get({ ...auth, 'x-project-id': sb.project })).toMatchObject({ status: 400, body: { error: 'missing_tenant' } });
    expect(await get({ ...auth, 'x-tenant-id': sb.tenant })).toMatchObject({ status: 400, body: { error: 'missing_project' } });
    expect(await get({ ...auth, 'x-tenant-id': 'globex', 'x-project-id': sb.project })).toMatchObject({ status: 403, body: { error: 'tenant_forbidden' } });
    expect(await get({ ...auth, 'x-tenant-id': sb.tenant, 'x-project-id': 'prj_nope' })).toMatchObject({ status: 404, body: { error: 'project_not_found' } });
    expect(await get({ authorization: `Bearer ${sb.tokens.contributor}`, 'x-tenant-id': sb.tenant, 'x-project-id': sb.project })).toMatchObject({ status: 200 });
    expect(await get({ 'x-tenant-id': sb.tenant, 'x-project-id': sb.project })).toMatchObject({ status: 401 });
  });

  it('read-only mode: no write, no delete, no revoke', async () => {
    const ro = await connect(kind, { ...arEnv(sb), AGENTPMT_READ_ONLY: 'true' });
    try {
      const names = (await ro.client.listTools()).tools.map((t) => t.name);
      for (const n of ['agentruntime_pats_revoke', 'agentruntime_connections_delete', 'agentruntime_inbound_webhooks_delete', 'agentruntime_workflows_archive', 'agentruntime_billing_subscribe', 'agentruntime_workflows_run']) expect(names).not.toContain(n);
      expect(names).toContain('agentruntime_workflows_list');
      expect(names).toContain('agentruntime_workflows_run_wait');
    } finally {
      await ro.close();
    }
  });
});
