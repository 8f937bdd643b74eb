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
  constructor(
    readonly failure: ToolFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
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

function parseEnvelope(status: number, body: unknown, retryAfterHeader: number | undefined, knownCode: (code: string) => boolean): Omit<ToolFailure, 'next_step'> {
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
      code = str(body.error) && knownCode(String(body.error)) ? String(body.error) : String(body.error_code);
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
  };
}

/** What a platform adds to the generic next steps: its own error codes, and statuses where it knows better (which setting, which tool). */
export interface NextSteps {
  byCode?: Readonly<Record<string, string>>;
  byStatus?: Readonly<Partial<Record<number, string>>>;
  /** For 5xx without a Retry-After (e.g. "check platform_health"). */
  serverError?: string;
}

function genericNextStep(status: number | undefined, retryAfter: number | undefined, steps: NextSteps): string {
  const byStatus = status !== undefined ? steps.byStatus?.[status] : undefined;
  if (byStatus) return byStatus;
  switch (status) {
    case 400:
    case 422:
      return 'Fix the fields named in the message and call the tool again.';
    case 401:
      return "The platform did not accept the credentials. Check the platform's token setting in the server settings; the model cannot fix this itself.";
    case 403:
      return 'This account is not allowed to do this. Ask the account owner to grant access.';
    case 404:
      return 'The id was not found. List what exists first and use an id from there.';
    case 409:
      return 'The request conflicts with the current state; read the message and details, then act on them.';
    case 413:
      return 'The request is too large; send less data.';
    case 429:
      return retryAfter !== undefined ? `Rate limited: wait ${retryAfter} s, then retry.` : 'Rate limited: wait a minute, then retry.';
    default:
      if (status !== undefined && status >= 500) {
        return retryAfter !== undefined ? `The platform is having trouble; retry after ${retryAfter} s.` : (steps.serverError ?? 'The platform is having trouble; retry in a little while.');
      }
      return 'Read the message, fix the cause and try again.';
  }
}

/**
 * A platform's error normalizer: the common envelopes (FastAPI 422 and
 * HTTPException `{detail}`, webhooks `{success:false,error,message,data}`, tool
 * invokes `{success:false,error:<message>,code,details}`, gateways
 * `{error,message,error_code,help_url,rate_limit}`) read here once, with the
 * platform's own next steps.
 */
export function createErrorNormalizer(steps: NextSteps) {
  const nextStepFor = (status: number | undefined, code: string, retryAfter?: number): string => steps.byCode?.[code] ?? genericNextStep(status, retryAfter, steps);
  const normalize = (status: number, body: unknown, retryAfterHeader?: number): ToolFailure => {
    const f = parseEnvelope(status, body, retryAfterHeader, (c) => steps.byCode?.[c] !== undefined);
    return { ...f, next_step: nextStepFor(status, f.code, f.retry_after_seconds) };
  };
  return { normalize, nextStepFor };
}
