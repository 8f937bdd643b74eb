import { createErrorNormalizer } from '../../core/errors.js';

/** AgentPMT's own error codes (contracts §5) and the next step each one calls for. */
const BY_CODE: Record<string, string> = {
  workflow_not_on_budget:
    'The workflow is not enabled on this budget. An approval request was opened (see details.workflow_request_id): ask the account owner to approve it in the AgentPMT dashboard, then trigger again.',
  missing_credentials:
    'The workflow needs credentials that are not configured (see details.missing_credentials). Ask the account owner to add them in the dashboard, then trigger again.',
  setup_required: 'The workflow needs setup in the AgentPMT dashboard before it can run. Ask the account owner to finish it, then trigger again.',
  run_not_cancellable: 'The run has already finished, so there is nothing to cancel. Read its result with workflow_run_status.',
  run_not_found: 'No run with this id exists for this account. Use the run_id that workflow_run_trigger or workflow_run returned.',
  workflow_not_found: 'No workflow with this id exists. Check the workflow id in the AgentPMT dashboard.',
  invalid_workflow_id: 'Workflow ids are 24-character hex strings (MongoDB ObjectIds). Check the id and try again.',
  invalid_run_id: 'Run ids are 24-character hex strings returned by workflow_run_trigger. Check the id and try again.',
  invalid_callback_url: 'callback_url must be an absolute https:// URL. Fix it or leave it out.',
  due_at_mismatch: 'The due_at does not match the claimed occurrence. Pass due_at exactly as schedules_claim returned it.',
  claim_required: 'This occurrence is not claimed. Claim it first with schedules_claim, then advance it with the claim_token you get.',
  claim_expired: 'Your claim lease expired, so another worker may take this occurrence. Claim it again with schedules_claim before advancing, and finish within the lease.',
  claim_mismatch: 'Another worker holds the claim on this occurrence (your claim_token is stale). Do not advance it; move on to other work.',
};

/** Where the ids a tool takes come from: the next step after a 404 names that listing. */
const ID_SOURCES: ReadonlyArray<[RegExp, string]> = [
  [/^jobs_/, 'No such job or reservation. List jobs with jobs_list and use a job_id from there (a reservation id comes from jobs_reserve).'],
  [/^workflow_run_(status|cancel|wait)$/, 'No run with this id. Use the run_id that workflow_run_trigger or workflow_run returned.'],
  [/^(workflow_run_trigger|workflow_run|workflow_session_start|embed_workflow)$/, 'No workflow with this id. Find the workflow and its id with workflows_list.'],
  [/^workflow_session/, 'No such workflow session. List the open ones with workflow_sessions_active.'],
  [/^account_products_purchase$/, 'Unknown product or action. Take product_id and the action name from account_products_list.'],
  [/^marketplace_/, 'Unknown product or action. Search with marketplace_search and use the product and action slugs from its result.'],
  [/^schedules_/, 'No such schedule occurrence. List what is due with schedules_due.'],
];

/** Tools that spend the account's credits, and tools that spend the agent wallet's own. */
const ACCOUNT_POOL = /^(account_|workflow_run)/;
const WALLET_POOL = /^(marketplace_invoke|credits_balance|wallet_|jobs_|workflow_session)/;

/** Documented routes and the tools that call them, so a platform message naming a route names the tool instead. */
const ROUTE_TOOLS: { method: string; pattern: RegExp; tool: string }[] = [];

/** Registers the catalog's routes (platform.ts, which knows the catalog: this module must not import it). */
export function nameRoutes(endpoints: readonly { name: string; method: string; path: string }[]): void {
  for (const e of endpoints) {
    const pattern = new RegExp(`^${e.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[a-z_]+\\?\}/gi, '[^/\\s]+')}$`);
    ROUTE_TOOLS.push({ method: e.method, pattern, tool: e.name });
  }
}

/** "List jobs with POST /api/external/jobs/list" → "List jobs with jobs_list": the model calls tools, not routes. */
export function routesAsTools(text: string): string {
  return text.replace(/\b(GET|POST|PUT|PATCH|DELETE) (\/[^\s,;)]*[^\s,;.)])/g, (whole, method: string, route: string) => {
    const path = route.split('?')[0]!;
    const hit = ROUTE_TOOLS.find((r) => r.method === method && r.pattern.test(path)) ?? ROUTE_TOOLS.find((r) => r.pattern.test(path));
    return hit ? hit.tool : whole;
  });
}

const normalizer = createErrorNormalizer({
  byCode: BY_CODE,
  contextual(f, { tool }) {
    if (BY_CODE[f.code]) return undefined;
    if (f.status === 402 || f.code === 'insufficient_credits') {
      if (WALLET_POOL.test(tool)) {
        return "The agent wallet's own credits are short (its pool, not the account's). Check credits_balance; then pay this call with payment \"x402\" (within the spend policy) or buy wallet credits with credits_purchase.";
      }
      if (ACCOUNT_POOL.test(tool)) return "The account's credits are short (the account pool, not the agent wallet's). Check account_credits_balance and ask the user to add credits in the AgentPMT dashboard.";
    }
    if (f.status === 404) return ID_SOURCES.find(([re]) => re.test(tool))?.[1];
    if (f.status === 409 && tool === 'jobs_reserve') return 'The job is already reserved or done. Pick another job from jobs_list.';
    return undefined;
  },
  byStatus: {
    401: 'The platform did not accept the credentials. Check AGENTPMT_BEARER_TOKEN (or AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY) in the server settings; the model cannot fix this itself.',
    402: 'Not enough credits. Check the balance of the pool this tool uses (account_credits_balance for account tools, credits_balance for wallet tools), or pick a cheaper action.',
    403: 'This account is not allowed to do this. Ask the account owner to grant access in the dashboard.',
    404: 'The id was not found. List what exists first (account_products_list, workflow_run_trigger output) and use an id from there.',
  },
  serverError: 'The platform is having trouble; retry in a little while. If it persists, check platform_health.',
});

export const nextStepFor = normalizer.nextStepFor;
export const normalizePlatformError: typeof normalizer.normalize = (...args) => {
  const f = normalizer.normalize(...args);
  return { ...f, message: routesAsTools(f.message) };
};
