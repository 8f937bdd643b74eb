import { HttpError, json, type RequestContext } from "../http.js";

/** A wallet address as the platform accepts it: 0x + 40 hex digits (any case). */
export const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** C0/DEL/C1 controls and the Unicode line separators: none may appear in a signed message field. */
// eslint-disable-next-line no-control-regex
export const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Caller-chosen strings are bounded so a runaway client cannot grow sandbox memory. */
export const MAX_ID_LENGTH = 255;

/** 100 credits = 1 USD. */
export function creditsToUsd(credits: number): number {
  return Math.round(credits) / 100;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The `/api/external/*` handler envelope: `{success:false, error:<message>, code, details?}` (+ extra top-level fields). */
export function externalError(
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
  extra?: Record<string, unknown>,
  headers?: Record<string, string>,
): HttpError {
  return new HttpError(
    json(status, { success: false, error: message, code, ...(details ? { details } : {}), ...extra }, headers),
  );
}

/** The gateway envelope (agentaddress, schedules): `{error, message, error_code, request_id, help_url, help_doc, ...}`. */
export function gatewayBody(ctx: RequestContext, error: string, message: string, errorCode: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    error,
    message,
    error_code: errorCode,
    request_id: gatewayRequestId(ctx),
    help_url: `${ctx.baseUrl}/api/external/agent-help`,
    help_doc: `${ctx.baseUrl}/contact`,
    ...extra,
  };
}

/** Echo `x-request-id` when the caller sent a sane one, else mint one. */
export function gatewayRequestId(ctx: RequestContext): string {
  const sent = ctx.headers["x-request-id"]?.trim();
  if (sent && sent.length <= MAX_ID_LENGTH && !CONTROL_RE.test(sent)) return sent;
  return `gw_${ctx.state.ids.next()}`;
}
