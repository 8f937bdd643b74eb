import { z } from 'zod';
import type { HttpResponse } from '../../../core/http-client.js';
import { fail } from '../../../core/errors.js';
import { requirementSchema } from './policy.js';

const challengeSchema = z
  .object({
    x402Version: z.literal(2),
    error: z.string().optional(),
    resource: z.object({ url: z.string(), description: z.string().optional(), mimeType: z.string().optional() }).passthrough(),
    accepts: z.array(requirementSchema).min(1),
  })
  .passthrough();
export type PaymentChallenge = z.infer<typeof challengeSchema>;

function decodeBase64Json(value: string): unknown {
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads a 402 challenge: the PAYMENT-REQUIRED header first, the body second (contracts §4). */
export function readChallenge(res: HttpResponse): PaymentChallenge {
  const candidates = [res.headers['payment-required'] ? decodeBase64Json(res.headers['payment-required']) : undefined, res.json];
  for (const c of candidates) {
    const parsed = challengeSchema.safeParse(c);
    if (parsed.success) return parsed.data;
  }
  return fail({
    status: 402,
    code: 'unreadable_payment_challenge',
    message: 'The platform asked for payment but its challenge is not a valid x402 v2 challenge (no usable accepts list).',
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
