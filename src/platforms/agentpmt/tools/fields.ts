import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { okResult, type NextCall } from '../../../core/results.js';
import { z } from 'zod';
import { pathSegmentArg } from '../../../core/shared/path-segment.js';

/** An id that goes into a URL path (the core's check, under the name these declarations use). */
export const pathSegment = pathSegmentArg;

export const httpsUrl = () =>
  z
    .string()
    .url('must be an absolute URL')
    .refine((v) => v.startsWith('https://'), 'must use https://');

/** Marks a tool that uses the account (its token, its credits); the server instructions say what that means, once. */
export const NEEDS_ACCOUNT_TOKEN = 'Account tool.';

/**
 * A credit balance in words: "5,000 credits (50.00 USD), next expiry 2027-11-27". The
 * balance sits at the top or under `data`, as the two APIs answer it. `low` says what to
 * do when the balance runs low (each pool is topped up its own way).
 */
export function creditsResult(json: unknown, pool: string, low: (balance: number | undefined) => { note?: string; next: NextCall[] } = () => ({ next: [] })): CallToolResult {
  const top = (json ?? {}) as Record<string, unknown>;
  const data = (typeof top.data === 'object' && top.data !== null ? top.data : top) as Record<string, unknown>;
  const raw = data.balance ?? data.credits ?? data.credit_balance;
  const balance = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
  const expiry = typeof data.expiration === 'string' ? data.expiration.slice(0, 10) : undefined;
  const summary =
    balance === undefined
      ? `${pool}: the platform's answer has no balance field (see the data).`
      : `${pool}: ${balance.toLocaleString('en-US')} credits (${(balance / 100).toFixed(2)} USD)${expiry ? `, next expiry ${expiry}` : ''}.`;
  const { note, next } = low(balance);
  return okResult({ ...top, ...(balance !== undefined ? { credits: balance, usd: (balance / 100).toFixed(2) } : {}) }, note ? `${summary} ${note}` : summary, next);
}
