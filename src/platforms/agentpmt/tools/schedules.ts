import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ToolFailureError } from '../../../core/errors.js';
import { requestFor } from '../executor.js';
import type { HttpResponse } from '../../../core/http-client.js';
import { okResult } from '../../../core/results.js';
import { defineEndpoint, type AnyDeclaration } from './types.js';
import { NEEDS_ACCOUNT_TOKEN, pathSegment } from './fields.js';
import { idOf, itemsOf, listLine, named, textOf } from '../../../core/hints.js';

const dueAt = z.string().min(1).max(64).describe('The occurrence due_at exactly as schedules_claim returned it.');
const claimToken = z.string().min(1).max(500).describe('The claim_token schedules_claim returned for this occurrence.');
const note = z.string().max(2000).optional().describe('Optional note stored with the occurrence.');

function presentClaim(res: HttpResponse, requestId: string | undefined) {
  const json = (res.json ?? {}) as Record<string, unknown>;
  const items = itemsOf(json, 'items');
  const first = items[0];
  // The three fields that identify the lease, exactly as claimed: the model adds only the outcome.
  const lease = first ? { schedule_id: idOf(first, 'schedule_id'), due_at: idOf(first, 'due_at'), claim_token: idOf(first, 'claim_token') } : undefined;
  return okResult(
    { ...json, request_id: requestId },
    items.length === 0 ? 'Nothing due to claim.' : `Claimed ${items.length} occurrence(s)${first ? `, first: ${named(first, ['name', 'workflow_name'], ['schedule_id']) ?? '?'} (prompt: ${textOf(first, 'prompt') ?? 'none'})` : ''}. Do the work, then schedules_advance each with its schedule_id, due_at and claim_token.`,
    lease
      ? [
          { tool: 'schedules_advance', arguments: { ...lease, outcome: 'success' }, why: 'after doing the work of the first occurrence (outcome failed or skipped if it did not go well)' },
          { tool: 'schedules_release', arguments: lease, why: 'give it back instead, if you cannot do it' },
        ]
      : [],
  );
}

/** An answer that says nothing about whether the claim happened: a 5xx, a timeout, a dropped connection. */
function outcomeUnknown(err: unknown): err is ToolFailureError {
  if (!(err instanceof ToolFailureError)) return false;
  const f = err.failure;
  return f.code === 'timeout' || f.code === 'network_error' || (f.status !== undefined && f.status >= 500);
}

/*
 * Not retried: the seed takes a request_id but does not promise that the platform
 * de-duplicates claims with it, so a blind resend could lease a second batch that
 * nobody works on. When the outcome is unknown we say so, with the request_id.
 */
const claimDeclaration: AnyDeclaration = defineEndpoint({
  name: 'schedules_claim',
  title: 'Claim due schedule occurrences',
  description: `Lease due occurrences for this worker, exactly once across workers: each item comes with a claim_token and claim_expires_at. Finish (schedules_advance) or give up (schedules_release) before the lease expires. ${NEEDS_ACCOUNT_TOKEN}`,
  toolset: 'schedules',
  method: 'POST',
  origin: 'web',
  path: '/api/external/workflow-schedules/claim',
  auth: 'account',
  bearer: 'legacy_first',
  input: () => ({
    limit: z.number().int().min(1).optional().describe('Maximum occurrences to claim (default: the platform decides).'),
    as_of: z.string().datetime({ offset: true }).optional().describe('ISO-8601 time to evaluate "due" at (default: now).'),
    lease_seconds: z.number().int().min(1).optional().describe('How long the claim lasts before others may take it.'),
    request_id: z.string().min(1).max(200).optional().describe('Your id for this claim, sent to the platform and returned with the result (generated when absent); quote it when checking an unknown outcome.'),
  }),
  prepare: (args) => ({ ...args, request_id: args.request_id ?? randomUUID() }),
  run: async (args, ctx) => {
    try {
      return presentClaim(await requestFor(claimDeclaration, args, ctx), args.request_id);
    } catch (err) {
      if (!outcomeUnknown(err)) throw err;
      const f = err.failure;
      throw new ToolFailureError({
        ...f,
        code: 'claim_outcome_unknown',
        message: `The claim (request_id ${String(args.request_id)}) got no clear answer (${f.status !== undefined ? `HTTP ${f.status}` : f.code}: ${f.message}). It may or may not have leased occurrences; it was not resent, because the platform does not promise to de-duplicate claims by request_id.`,
        next_step: `Call schedules_due: occurrences missing from it may be leased by this claim and come back when the lease expires. Only claim again if you accept that risk; reuse request_id "${String(args.request_id)}" so a platform that does de-duplicate can recognise it.`,
        details: { request_id: args.request_id, platform: f.details ?? null },
      });
    }
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
});

export const scheduleEndpoints = [
  defineEndpoint({
    name: 'schedules_due',
    title: 'Due schedule occurrences',
    description: `BYO-agent workflow schedules of this budget that are due now. Read-only: to work on one, claim it with schedules_claim. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'GET',
    origin: 'web',
    path: '/api/external/workflow-schedules/due',
    auth: 'account',
    // The seed documents only `limit` here (as_of is a claim body field), and no upper bound.
    bearer: 'legacy_first',
    input: () => ({
      limit: z.number().int().min(1).optional().describe('Maximum occurrences to return (the platform caps it).'),
    }),
    query: ['limit'],
    summary: (data) => listLine(itemsOf(data, 'items'), 'occurrence(s) due', (o) => named(o, ['name', 'workflow_name'], ['schedule_id'], textOf(o, 'due_at'))),
    next: (data) => (itemsOf(data, 'items').length ? [{ tool: 'schedules_claim', why: 'lease the due occurrences before working on them (exactly once across workers)' }] : []),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  claimDeclaration,
  defineEndpoint({
    name: 'schedules_advance',
    title: 'Advance a schedule occurrence',
    description: `Report a claimed occurrence as done (outcome success, failed or skipped) so the schedule moves to its next due time. Repeating it is harmless: the answer says already_advanced. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflow-schedules/{schedule_id}/advance',
    bearer: 'legacy_first',
    auth: 'account',
    input: () => ({
      schedule_id: pathSegment('The schedule_id of the claimed occurrence.'),
      due_at: dueAt,
      claim_token: claimToken,
      outcome: z.enum(['success', 'failed', 'skipped']).optional().describe('How the work went (default success).'),
      external_run_id: z.string().max(200).optional().describe('Optional id of the run in your own system, for tracing.'),
      note,
    }),
    present: (res) => {
      const json = (res.json ?? {}) as { data?: { already_advanced?: boolean } };
      return okResult(json as Record<string, unknown>, json.data?.already_advanced ? 'This occurrence was already advanced; nothing changed.' : 'Occurrence advanced; the schedule moved to its next due time.');
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'schedules_release',
    title: 'Release a schedule claim',
    description: `Give a claimed occurrence back to the queue without doing it, so another worker can claim it. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflow-schedules/{schedule_id}/release',
    bearer: 'legacy_first',
    auth: 'account',
    input: () => ({ schedule_id: pathSegment('The schedule_id of the claimed occurrence.'), due_at: dueAt, claim_token: claimToken, note }),
    // Not idempotent: a release repeated after a lost answer meets claim_mismatch, so it is never retried blindly.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
];
