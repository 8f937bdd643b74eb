import type { Config } from '../../config.js';
import { ToolFailureError } from '../../core/errors.js';
import { HttpClient } from '../../core/http-client.js';
import type { DoctorReport } from '../../core/platform.js';
import { VERSION } from '../../version.js';
import { ConsentBook } from './consent.js';
import { requestFor } from './executor.js';
import { SecretStore } from './secrets.js';
import { PAT_SHAPE } from './settings.js';
import { workflowsList } from './tools/workflows.js';

/** `agentpmt-mcp doctor` for AgentRuntime: the token's shape, the tenant and project, and one read through the platform's own executor. */
export const doctor = {
  async run(config: Config, report: DoctorReport): Promise<void> {
    const token = config.agentruntimeToken;
    if (!token) {
      report.line('✗', 'AGENTRUNTIME_TOKEN is not set: the AgentRuntime tools cannot call the API. Create a PAT in the Console (Settings → API keys) and set it.');
      return;
    }
    if (PAT_SHAPE.test(token)) report.line('✓', `AGENTRUNTIME_TOKEN looks like a PAT (${token.startsWith('ar_') ? 'ar_pat_' : 'pat_'}…).`);
    else report.line('!', 'AGENTRUNTIME_TOKEN does not look like a PAT (pat_… or ar_pat_…); it may be a session cookie or a signing secret pasted by mistake.');
    const tenant = config.agentruntimeTenantId;
    const project = config.agentruntimeProjectId;
    report.line(tenant ? '✓' : '✗', tenant ? `AGENTRUNTIME_TENANT_ID is ${tenant}.` : 'AGENTRUNTIME_TENANT_ID is not set: every AgentRuntime call needs X-Tenant-Id. Set it to the tenant slug from the Console.');
    report.line(project ? '✓' : '✗', project ? `AGENTRUNTIME_PROJECT_ID is ${project}.` : 'AGENTRUNTIME_PROJECT_ID is not set: project-scoped calls (workflows, runs, webhooks, connections) need X-Project-Id. Set it from the Console.');
    if (!tenant || !project) return;
    const http = new HttpClient({ timeoutMs: Math.min(config.timeoutMs, 5_000), maxRetries: 0, userAgent: `agentpmt-mcp/${VERSION}` });
    try {
      const res = await requestFor(workflowsList, {}, { config, http, secrets: new SecretStore(config.home), consent: new ConsentBook(), progress: async () => undefined });
      const list = (res.json as { workflows?: unknown[] } | undefined)?.workflows;
      report.line('✓', `AgentRuntime at ${config.agentruntimeApiUrl} accepts the PAT for tenant ${tenant}, project ${project}${Array.isArray(list) ? ` (${list.length} workflow${list.length === 1 ? '' : 's'})` : ''}.`);
    } catch (err) {
      if (!(err instanceof ToolFailureError)) throw err;
      const f = err.failure;
      report.line('✗', `AgentRuntime at ${config.agentruntimeApiUrl} refused a read of the workflows: ${f.code}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message} ${f.next_step}`);
    } finally {
      await http.destroy();
    }
  },
};
