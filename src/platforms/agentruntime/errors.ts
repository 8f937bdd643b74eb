import { createErrorNormalizer } from '../../core/errors.js';

/** Codes the sandbox and the docs name, and the next step each calls for (the settings and tools to use). */
const BY_CODE: Record<string, string> = {
  missing_tenant: 'AgentRuntime needs the tenant: ask the user to set AGENTRUNTIME_TENANT_ID (the tenant slug from the Console) and restart the server.',
  missing_project: 'AgentRuntime needs the project: ask the user to set AGENTRUNTIME_PROJECT_ID (Console → project settings) and restart the server.',
  insufficient_scope:
    'The PAT in AGENTRUNTIME_TOKEN lacks the scope this call needs (see details.required_scope: workflow:read for reads, workflow:run to change or run, mcp:execute for MCP servers). Ask the user for a PAT with that scope; the model cannot fix this itself.',
  insufficient_role:
    'The PAT owner\'s project role is too low for this call (see details.required_role: viewer reads, contributor changes and runs, tenant admin manages billing). Ask a tenant admin to raise the role or use another PAT.',
  tenant_forbidden: 'The PAT does not belong to the tenant in AGENTRUNTIME_TENANT_ID. Check the setting against the Console, or use a PAT of that tenant.',
  project_not_found: 'No project with the id in AGENTRUNTIME_PROJECT_ID in this tenant. Check the setting against the Console.',
  workflow_not_found: 'No workflow with this id in the project. List them with agentruntime_workflows_list and use an id from there.',
  run_not_found: 'No run with this id for this workflow. List runs with agentruntime_runs_list.',
  task_not_found: 'No pending task with this id. List pending tasks with agentruntime_tasks_list_pending.',
  task_already_completed: 'This task was already completed; read the run with agentruntime_runs_summary.',
  no_published_version: 'The workflow has no published version, and runs execute published snapshots. Publish one with agentruntime_workflows_publish_version, then start again.',
  invalid_run_state: 'The run is not in a state that allows this command (see details). Read it with agentruntime_runs_summary first.',
  invalid_signature:
    'The ingress rejected the X-Agentruntime-Signature. agentruntime_inbound_webhooks_send signs with the signing secret stored when the subscription was created; if the subscription was created elsewhere, recreate it with agentruntime_inbound_webhooks_create.',
  analytics_unavailable: 'Analytics is not configured on this AgentRuntime deployment (HTTP 503). Use agentruntime_runs_list_tenant and agentruntime_runs_events instead.',
  vault_unavailable: 'AgentRuntime could not reach its secret vault (HTTP 503). Nothing was stored; retry in a little while.',
};

export const { normalize: normalizeArError, nextStepFor } = createErrorNormalizer({
  byCode: BY_CODE,
  byStatus: {
    401: 'AgentRuntime did not accept the PAT. Check AGENTRUNTIME_TOKEN (a pat_… or ar_pat_… token from Console → Settings → API keys, not revoked) in the server settings; the model cannot fix this itself.',
    403: 'The PAT lacks the scope, or its owner the project role, for this call. Ask the user for a PAT with the needed scope (workflow:read, workflow:run, mcp:execute) or a higher role.',
    404: 'The id (or the feature) was not found in this tenant and project. List what exists first (agentruntime_workflows_list, agentruntime_runs_list, …) and check AGENTRUNTIME_TENANT_ID / AGENTRUNTIME_PROJECT_ID.',
    409: 'The request conflicts with the current state; read the message and details, then act on them.',
  },
  serverError: 'An AgentRuntime dependency (Vault, inbound PAT resolution, analytics) is unavailable; retry in a little while. agentpmt-mcp doctor checks the connection.',
});
