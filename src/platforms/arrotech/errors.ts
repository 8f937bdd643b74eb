import { createErrorNormalizer, type ToolFailure } from '../../core/errors.js';
import type { HttpResponse } from '../../core/http-client.js';

/** The daily request limits of the Public API 1.0.0 reference, by tier. */
export const DAILY_LIMITS = { free: 100, pro: 10_000 } as const;

export const { normalize: normalizeArrotechError, nextStepFor } = createErrorNormalizer({
  byStatus: {
    403: 'This Arrotech Hub account is not allowed to do this; some platforms need the Professional or Enterprise tier. Ask the account owner to upgrade or pick another platform.',
    404: 'Nothing with this id exists for this account. List what exists first (the matching arrotech_*_list tool) and use an id from there.',
    422: 'Fix the fields named in the message (body.<field> is the argument of the same name) and call the tool again.',
  },
  serverError: 'Arrotech Hub is having trouble; retry in a little while. If it persists, check arrotech_diagnostics_ollama_status (the AI backend) or the status page.',
});

/**
 * A 429 names the limit that was hit: the platform's own words when it gave some, the
 * X-RateLimit-Limit header when present, else the documented tiers.
 */
export function rateLimitFailure(res: HttpResponse): ToolFailure {
  const base = normalizeArrotechError(res.status, res.json ?? res.text, res.retryAfterSeconds);
  const limit = Number(res.headers['x-ratelimit-limit']);
  const tier = limit === DAILY_LIMITS.free ? ' (the free tier)' : limit === DAILY_LIMITS.pro ? ' (the pro tier)' : '';
  const which = Number.isFinite(limit) && limit > 0 ? `the limit of ${limit} requests per day${tier}` : `the daily request limit (${DAILY_LIMITS.free}/day on the free tier, ${DAILY_LIMITS.pro.toLocaleString('en-US')}/day on pro)`;
  const wait = res.retryAfterSeconds !== undefined ? `wait ${res.retryAfterSeconds} s (Retry-After)` : 'wait until the limit resets';
  return {
    ...base,
    code: 'rate_limited',
    message: `Arrotech Hub rate limit: this account reached ${which}. ${base.message}`,
    next_step: `Do not retry now: ${wait}, then retry. Every call counts against the limit, so batch work and avoid polling; a higher limit needs the pro tier.`,
  };
}

/** A 200 answer whose body says `success: false` (the MCP bridge reports tool failures this way): a failure for the model too. */
export function reportedFailure(body: Record<string, unknown>, what: string, nextStep: string): ToolFailure {
  const raw = body.error ?? body.message ?? body.detail;
  const reason = typeof raw === 'string' && raw.trim() ? raw.trim() : JSON.stringify(raw ?? 'no reason given');
  return { status: 200, code: 'platform_reported_failure', message: `${what} failed on Arrotech Hub: ${reason}`, next_step: nextStep, details: body };
}
