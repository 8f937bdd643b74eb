/**
 * The one error model every failure is turned into before it reaches the model:
 * HTTP status, platform code, message, help URL and a next step it can act on.
 */
export interface ToolFailure {
  status?: number;
  code: string;
  message: string;
  help_url?: string;
  next_step: string;
  retry_after_seconds?: number;
  details?: unknown;
}

export class ToolFailureError extends Error {
  constructor(readonly failure: ToolFailure) {
    super(failure.message);
    this.name = 'ToolFailureError';
  }
}

export function fail(failure: ToolFailure): never {
  throw new ToolFailureError(failure);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  402: 'payment_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_error',
  429: 'rate_limited',
  500: 'server_error',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'gateway_timeout',
};

/** FastAPI's 422 detail list, rendered as "body.product_id: Field required; ...". */
function fastApiDetail(detail: unknown[]): string {
  return detail
    .map((d) => {
      if (!isObject(d)) return String(d);
      const loc = Array.isArray(d.loc) ? d.loc.map(String).join('.') : '';
      return loc ? `${loc}: ${String(d.msg ?? 'invalid')}` : String(d.msg ?? 'invalid');
    })
    .join('; ');
}

/**
 * Normalizes the platform's error envelopes (contracts §5): FastAPI 422 and
 * HTTPException `{detail}`, webhooks `{success:false,error,message,data}`,
 * tool invokes `{success:false,error:<message>,code,details}`, and the gateway
 * `{error,message,error_code,help_url,rate_limit}`.
 */
export function normalizePlatformError(status: number, body: unknown, retryAfterHeader?: number): ToolFailure {
  let code = STATUS_CODES[status] ?? (status >= 500 ? 'server_error' : `http_${status}`);
  let message = `The platform answered HTTP ${status}.`;
  let help_url: string | undefined;
  let details: unknown;
  let retryAfter = retryAfterHeader;

  if (isObject(body)) {
    if (Array.isArray(body.detail)) {
      code = 'validation_error';
      message = `The platform rejected the request: ${fastApiDetail(body.detail)}`;
      details = body.detail;
    } else if (str(body.detail)) {
      message = String(body.detail);
    } else if (str(body.error_code)) {
      // gateway envelope: `error` carries the documented snake_case code where there is one (schedule 409s)
      code = str(body.error) && NEXT_BY_CODE[String(body.error)] ? String(body.error) : String(body.error_code);
      message = str(body.message) ?? str(body.error) ?? message;
      help_url = str(body.help_url) ?? str(body.help_doc);
      if (isObject(body.rate_limit) && typeof body.rate_limit.retry_after_seconds === 'number') {
        retryAfter = body.rate_limit.retry_after_seconds;
      }
    } else if (str(body.code) && str(body.error)) {
      // tool-invoke envelope: `error` is the message, `code` the machine code
      code = String(body.code);
      message = String(body.error);
      details = body.details;
    } else if (str(body.error)) {
      // webhook envelope: `error` is the machine code
      code = String(body.error);
      message = str(body.message) ?? message;
      details = body.data;
    } else if (str(body.message)) {
      message = String(body.message);
    }
    help_url ??= str(body.help_url);
  } else if (typeof body === 'string' && body.trim() !== '') {
    message = `The platform answered HTTP ${status}: ${body.trim().slice(0, 300)}`;
  }

  return {
    status,
    code,
    message,
    ...(help_url ? { help_url } : {}),
    ...(retryAfter !== undefined ? { retry_after_seconds: retryAfter } : {}),
    ...(details !== undefined ? { details } : {}),
    next_step: nextStepFor(status, code, retryAfter),
  };
}

const NEXT_BY_CODE: Record<string, string> = {
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

export function nextStepFor(status: number | undefined, code: string, retryAfter?: number): string {
  const byCode = NEXT_BY_CODE[code];
  if (byCode) return byCode;
  switch (status) {
    case 400:
    case 422:
      return 'Fix the fields named in the message and call the tool again.';
    case 401:
      return 'The platform did not accept the credentials. Check AGENTPMT_BEARER_TOKEN (or AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY) in the server settings; the model cannot fix this itself.';
    case 402:
      return 'Not enough credits. Check the balance with account_credits_balance and ask the user to add credits, or pick a cheaper action.';
    case 403:
      return 'This account is not allowed to do this. Ask the account owner to grant access in the dashboard.';
    case 404:
      return 'The id was not found. List what exists first (account_products_list, workflow_run_trigger output) and use an id from there.';
    case 409:
      return 'The request conflicts with the current state; read the message and details, then act on them.';
    case 413:
      return 'The request is too large; send less data.';
    case 429:
      return retryAfter !== undefined ? `Rate limited: wait ${retryAfter} s, then retry.` : 'Rate limited: wait a minute, then retry.';
    default:
      if (status !== undefined && status >= 500) {
        return retryAfter !== undefined
          ? `The platform is having trouble; retry after ${retryAfter} s.`
          : 'The platform is having trouble; retry in a little while. If it persists, check platform_health.';
      }
      return 'Read the message, fix the cause and try again.';
  }
}
