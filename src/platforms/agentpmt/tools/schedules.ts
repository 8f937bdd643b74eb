import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { okResult } from '../../../core/results.js';
import { NEEDS_ACCOUNT_TOKEN, pathSegment } from './fields.js';
import { defineEndpoint } from './types.js';

const PROTOCOL =
  'Protocol: schedules_claim → do the work yourself → schedules_advance with the same schedule_id, due_at and claim_token (outcome success|failed|skipped); schedules_release instead if you give up, so another worker can take it. The platform never runs these itself.';

const dueAt = z.string().min(1).max(64).describe('The occurrence due_at exactly as schedules_claim returned it.');
const claimToken = z.string().min(1).max(500).describe('The claim_token schedules_claim returned for this occurrence.');
const note = z.string().max(2000).optional().describe('Optional note stored with the occurrence.');

export const scheduleEndpoints = [
  defineEndpoint({
    name: 'schedules_due',
    title: 'Due schedule occurrences',
    description: `BYO-agent workflow schedules of this budget that are due (at or before as_of). Read-only: to work on one, claim it with schedules_claim. ${PROTOCOL} ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'GET',
    origin: 'web',
    path: '/api/external/workflow-schedules/due',
    auth: 'account',
    input: {
      limit: z.number().int().min(1).max(100).optional().describe('Maximum occurrences to return.'),
      as_of: z.string().datetime({ offset: true }).optional().describe('ISO-8601 time to evaluate "due" at (default: now).'),
    },
    query: ['limit', 'as_of'],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'schedules_claim',
    title: 'Claim due schedule occurrences',
    description: `Lease due occurrences for this worker, exactly once across workers: each item comes with a claim_token and claim_expires_at. Finish (schedules_advance) or give up (schedules_release) before the lease expires. ${PROTOCOL} ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflow-schedules/claim',
    auth: 'account',
    input: {
      limit: z.number().int().min(1).max(100).optional().describe('Maximum occurrences to claim (default: the platform decides).'),
      as_of: z.string().datetime({ offset: true }).optional().describe('ISO-8601 time to evaluate "due" at (default: now).'),
      lease_seconds: z.number().int().min(1).max(86_400).optional().describe('How long the claim lasts before others may take it.'),
      request_id: z.string().min(1).max(200).optional().describe('Idempotency key; generated when absent, so a retried claim returns the same items.'),
    },
    idempotencyKey: 'request_id',
    prepare: (args) => ({ ...args, request_id: args.request_id ?? randomUUID() }),
    present: (res, args) => {
      const json = (res.json ?? {}) as { data?: { items?: unknown[] } };
      const n = json.data?.items?.length ?? 0;
      return okResult(
        { ...(json as Record<string, unknown>), request_id: args.request_id },
        n === 0 ? 'Nothing due to claim.' : `Claimed ${n} occurrence(s). Do the work, then schedules_advance each with its schedule_id, due_at and claim_token.`,
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'schedules_advance',
    title: 'Advance a schedule occurrence',
    description: `Report a claimed occurrence as done (outcome success, failed or skipped) so the schedule moves to its next due time. Repeating it is harmless: the answer says already_advanced. ${PROTOCOL} ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflow-schedules/{schedule_id}/advance',
    auth: 'account',
    input: {
      schedule_id: pathSegment('The schedule_id of the claimed occurrence.'),
      due_at: dueAt,
      claim_token: claimToken,
      outcome: z.enum(['success', 'failed', 'skipped']).optional().describe('How the work went (default success).'),
      external_run_id: z.string().max(200).optional().describe('Optional id of the run in your own system, for tracing.'),
      note,
    },
    present: (res) => {
      const json = (res.json ?? {}) as { data?: { already_advanced?: boolean } };
      return okResult(json as Record<string, unknown>, json.data?.already_advanced ? 'This occurrence was already advanced; nothing changed.' : 'Occurrence advanced; the schedule moved to its next due time.');
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'schedules_release',
    title: 'Release a schedule claim',
    description: `Give a claimed occurrence back to the queue without doing it, so another worker can claim it. ${PROTOCOL} ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'schedules',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflow-schedules/{schedule_id}/release',
    auth: 'account',
    input: { schedule_id: pathSegment('The schedule_id of the claimed occurrence.'), due_at: dueAt, claim_token: claimToken, note },
    // Not idempotent: a release repeated after a lost answer meets claim_mismatch, so it is never retried blindly.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
];
