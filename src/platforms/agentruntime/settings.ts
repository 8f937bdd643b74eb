import { z } from 'zod';
import { httpUrl, intInRange, optionalSecret, type SettingSpec } from '../../core/settings.js';

/** AgentRuntime's settings (prefix AGENTRUNTIME_): the API origin, the PAT, and the tenant and project its calls are scoped to. */
export const AGENTRUNTIME_SETTINGS = {
  agentruntimeApiUrl: { env: 'AGENTRUNTIME_API_URL', flag: 'agentruntime-api-url', doc: 'AgentRuntime API origin (default https://api.agentruntime.io)' },
  agentruntimeToken: { env: 'AGENTRUNTIME_TOKEN', flag: 'agentruntime-token', doc: 'AgentRuntime personal access token (pat_… or ar_pat_…, Console → Settings → API keys); serves the AgentRuntime tools when set', secret: true },
  agentruntimeTenantId: { env: 'AGENTRUNTIME_TENANT_ID', flag: 'agentruntime-tenant-id', doc: 'AgentRuntime tenant (slug or id), sent as X-Tenant-Id' },
  agentruntimeProjectId: { env: 'AGENTRUNTIME_PROJECT_ID', flag: 'agentruntime-project-id', doc: 'AgentRuntime project id, sent as X-Project-Id on project-scoped calls' },
  agentruntimeRunWaitSeconds: { env: 'AGENTRUNTIME_RUN_WAIT_SECONDS', flag: 'agentruntime-run-wait-seconds', doc: 'how long agentruntime_workflows_run / _run_wait follow a run before handing back its id (default 45, max 55: hosts cancel calls after ~60 s)' },
} as const satisfies Record<string, SettingSpec>;

/** The documented token forms: `pat_…` (reference) and `ar_pat_…` (one page of the docs). */
export const PAT_SHAPE = /^(ar_)?pat_[A-Za-z0-9_-]{8,}$/;

const headerValue = (name: string) =>
  z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .optional()
    .refine((v) => v === undefined || /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(v), `${name} must be a tenant/project slug or id (letters, digits, . _ : -), as shown in the AgentRuntime Console`);

export const agentruntimeShape = {
  agentruntimeApiUrl: httpUrl('AGENTRUNTIME_API_URL').default('https://api.agentruntime.io'),
  // The shape is checked by the doctor and named in errors, not here: a token in a new
  // format must not stop the server (and with it AgentPMT's tools).
  agentruntimeToken: optionalSecret,
  agentruntimeTenantId: headerValue('AGENTRUNTIME_TENANT_ID'),
  agentruntimeProjectId: headerValue('AGENTRUNTIME_PROJECT_ID'),
  agentruntimeRunWaitSeconds: intInRange(1, 55).default(45),
};

export type AgentruntimeConfig = z.output<z.ZodObject<typeof agentruntimeShape>> & { home: string };
