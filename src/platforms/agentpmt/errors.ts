import { createErrorNormalizer } from '../../core/errors.js';

/** AgentPMT's own error codes (contracts §5) and the next step each one calls for. */
const BY_CODE: Record<string, string> = {
  workflow_not_on_budget:
    'The workflow is not enabled on this budget. An approval request was opened (see details.workflow_request_id): ask the account owner to approve it in the AgentPMT dashboard, then trigger again.',
  missing_credentials:
    'The workflow needs credentials that are not configured (see details.missing_credentials). Ask the account owner to add them in the dashboard, then trigger again.',
  setup_required: 'The workflow needs setup in the AgentPMT dashboard before it can run. Ask the account owner to finish it, then trigger again.',
  run_not_cancellable: 'The run has already finished, so there is nothing to cancel. Read its result with workflow_run_status.',
  run_not_found: 'No run with this id exists for this account. Check the run_id returned by workflow_run_trigger.',
  workflow_not_found: 'No workflow with this id exists. Check the workflow id in the AgentPMT dashboard.',
  invalid_workflow_id: 'Workflow ids are 24-character hex strings (MongoDB ObjectIds). Check the id and try again.',
  invalid_run_id: 'Run ids are 24-character hex strings returned by workflow_run_trigger. Check the id and try again.',
  invalid_callback_url: 'callback_url must be an absolute https:// URL. Fix it or leave it out.',
  due_at_mismatch: 'The due_at does not match the claimed occurrence. Pass due_at exactly as schedules_claim returned it.',
  claim_required: 'This occurrence is not claimed. Claim it first with schedules_claim, then advance it with the claim_token you get.',
  claim_expired: 'Your claim lease expired, so another worker may take this occurrence. Claim it again with schedules_claim before advancing, and finish within the lease.',
  claim_mismatch: 'Another worker holds the claim on this occurrence (your claim_token is stale). Do not advance it; move on to other work.',
};

export const { normalize: normalizePlatformError, nextStepFor } = createErrorNormalizer({
  byCode: BY_CODE,
  byStatus: {
    401: 'The platform did not accept the credentials. Check AGENTPMT_BEARER_TOKEN (or AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY) in the server settings; the model cannot fix this itself.',
    402: 'Not enough credits. Check the balance with account_credits_balance and ask the user to add credits, or pick a cheaper action.',
    403: 'This account is not allowed to do this. Ask the account owner to grant access in the dashboard.',
    404: 'The id was not found. List what exists first (account_products_list, workflow_run_trigger output) and use an id from there.',
  },
  serverError: 'The platform is having trouble; retry in a little while. If it persists, check platform_health.',
});
