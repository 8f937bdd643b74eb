import { z } from 'zod';
import type { HttpResponse } from '../../../core/http-client.js';
import { fail } from '../../../core/errors.js';
import { log } from '../../../core/log.js';
import { requirementSchema, type Requirement } from './policy.js';

/*
 * Read liberally (README, "where the docs are silent"): the seed marks
 * maxTimeoutSeconds and extra optional, and one malformed accepts entry must
 * not hide the good ones. What we then pay is decided by the spend policy,
 * which stays strict (policy.ts).
 */
const challengeSchema = z
  .object({
    x402Version: z.number().int().optional(),
    error: z.string().nullish(),
    resource: z.object({ url: z.string(), description: z.string().optional(), mimeType: z.string().optional() }).passthrough(),
    accepts: z.array(z.unknown()).min(1),
  })
  .passthrough();

export type PaymentChallenge = {
  x402Version?: number;
  error?: string | null;
  resource: z.infer<typeof challengeSchema>['resource'];
  accepts: Requirement[];
  /** accepts entries that could not be read, one line each ("accepts[1]: payTo: required"). */
  skipped: string[];
};

function decodeBase64Json(value: string): unknown {
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

function readOne(c: unknown): PaymentChallenge | string {
  const parsed = challengeSchema.safeParse(c);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || 'challenge'}: ${i.message}`).join('; ');
  if (parsed.data.x402Version !== undefined && parsed.data.x402Version !== 2) return `x402Version ${parsed.data.x402Version} is not supported (only 2)`;
  const accepts: Requirement[] = [];
  const skipped: string[] = [];
  parsed.data.accepts.forEach((entry, i) => {
    const r = requirementSchema.safeParse(entry);
    if (r.success) accepts.push(r.data);
    else skipped.push(`accepts[${i}]: ${r.error.issues.map((x) => `${x.path.join('.') || 'entry'}: ${x.message}`).join(', ')}`);
  });
  if (!accepts.length) return `no readable accepts entry (${skipped.join('; ')})`;
  if (skipped.length) log.warn('x402 challenge: skipped malformed accepts entries', { skipped });
  return { ...parsed.data, accepts, skipped };
}

/** Reads a 402 challenge: the PAYMENT-REQUIRED header first, the body second (contracts §4). */
export function readChallenge(res: HttpResponse): PaymentChallenge {
  const candidates = [res.headers['payment-required'] ? decodeBase64Json(res.headers['payment-required']) : undefined, res.json].filter((c) => c !== undefined);
  const problems: string[] = [];
  for (const c of candidates) {
    const read = readOne(c);
    if (typeof read !== 'string') return read;
    problems.push(read);
  }
  return fail({
    status: 402,
    code: 'unreadable_payment_challenge',
    message: `The platform asked for payment but its challenge is not a usable x402 v2 challenge: ${problems.join(' / ') || 'no challenge in the header or the body'}.`,
    next_step: 'Nothing was paid. Retry later, or pay with credits instead (payment: "credits").',
  });
}

export interface Settlement {
  settled?: boolean;
  transaction?: string;
  network?: string;
  [k: string]: unknown;
}

/** The settlement from the body's `x402` block or the PAYMENT-RESPONSE / X-PAYMENT-RESPONSE header. */
export function readSettlement(res: HttpResponse): Settlement | undefined {
  const fromBody = (res.json as { x402?: unknown } | undefined)?.x402;
  if (fromBody && typeof fromBody === 'object') return fromBody as Settlement;
  const header = res.headers['payment-response'] ?? res.headers['x-payment-response'];
  const decoded = header ? decodeBase64Json(header) : undefined;
  return decoded && typeof decoded === 'object' ? (decoded as Settlement) : undefined;
}
