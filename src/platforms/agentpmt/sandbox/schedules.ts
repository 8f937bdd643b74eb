import { randomBytes } from "node:crypto";
import { isValidBearer, legacyBearerToken } from "./auth.js";
import type { Catalog, CatalogWorkflow } from "./catalog.js";
import { CONTROL_RE, gatewayBody, gatewayRequestId, iso, MAX_ID_LENGTH } from "./external/common.js";
import { HttpError, isPlainObject, json, parseJsonBody, type RequestContext, type Router, type SandboxResponse } from "./http.js";
import { isObjectId, stableHexId } from "./ids.js";

/**
 * BYO-agent workflow schedules (seed 002, `/api/external/workflow-schedules/*`): the platform
 * never runs these itself; external workers list what is due, claim occurrences under a lease,
 * do the work elsewhere and then advance (or release) each occurrence with its claim_token.
 *
 * Model: a schedule has exactly one current occurrence (its `due_at`) and at most one claim on
 * it. A claim whose lease ran out stays recorded (so its holder gets `claim_expired`) until
 * someone claims the occurrence again, the holder releases it, or it is advanced.
 * Advancing moves `due_at` forward by one recurrence step (due_at + every_seconds), so an
 * occurrence that was several steps behind stays due until it has been caught up.
 *
 * Every handler is synchronous: the check-and-set of a claim never spans an await, so two
 * concurrent claims can never take the same occurrence.
 */

export const SCHEDULE_IDS = Object.freeze({
  schedule: stableHexId("schedule:daily-digest"),
  raceSchedule: stableHexId("schedule:race"),
  unclaimedSchedule: stableHexId("schedule:unclaimed"),
  inventorySchedule: stableHexId("schedule:inventory-sync"),
  researchSchedule: stableHexId("schedule:research"),
});

const BUDGET_ID = stableHexId("budget:sandbox");
const DEFAULT_DUE_LIMIT = 50;
const DEFAULT_CLAIM_LIMIT = 10;
const MAX_LIMIT = 100;
const DEFAULT_LEASE_SECONDS = 300;
const MAX_LEASE_SECONDS = 86_400;
const MAX_NOTE_LENGTH = 2000;
const OUTCOMES = ["success", "failed", "skipped"] as const;
type AdvanceOutcome = (typeof OUTCOMES)[number];
/** ISO-8601 date-time with an explicit offset; `new Date()` alone would also take "2026" or "May 1". */
const ISO_DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

interface ClaimRecord {
  token: string;
  /** The occurrence this claim holds (always the schedule's current due_at). */
  dueAt: number;
  claimedAt: number;
  expiresAt: number;
  leaseSeconds: number;
}

interface AdvanceRecord {
  dueAt: number;
  token: string;
  outcome: AdvanceOutcome;
  externalRunId: string | null;
  note: string | null;
  at: number;
}

export interface ScheduleRecord {
  scheduleId: string;
  workflow: CatalogWorkflow;
  name: string;
  prompt: string;
  metadata: Record<string, unknown> | null;
  timeZone: string;
  everySeconds: number;
  /** The current due occurrence (ms). */
  dueAt: number;
  claim: ClaimRecord | null;
  /** `${dueAt}\n${claim_token}` of every occurrence advanced, for idempotent replays. */
  advanced: Map<string, AdvanceRecord>;
  lastAdvance: AdvanceRecord | null;
}

export interface ScheduleItemJson {
  schedule_id: string;
  budget_id: string;
  workflow_id: string;
  workflow_name: string | null;
  workflow_slug: string | null;
  name: string;
  prompt: string;
  metadata: Record<string, unknown> | null;
  execution_mode: "external_due";
  due_at: string;
  time_zone: string;
  recurrence: { every_seconds: number };
}

export interface ClaimedItemJson extends ScheduleItemJson {
  claim_token: string;
  claim_expires_at: string;
  claim_lease_seconds: number;
}

interface ClaimReplay {
  data: { items: ClaimedItemJson[]; count: number; as_of: string; claim_lease_seconds: number };
}

/** Schedules of the one sandbox budget; lives in SandboxState and goes back to the seed on reset(). */
export class ScheduleState {
  readonly schedules = new Map<string, ScheduleRecord>();
  /** Claim request_id → the answer it got, so a retried claim returns the same items. */
  readonly claimsByRequestId = new Map<string, ClaimReplay>();

  constructor(
    private readonly now: () => number,
    private readonly catalog: Catalog,
  ) {
    this.seed();
  }

  reset(): void {
    this.schedules.clear();
    this.claimsByRequestId.clear();
    this.seed();
  }

  /**
   * All seeded schedules recur hourly and are due at start (due within the last hour, so one
   * advance moves each into the future). Oldest first: schedule, raceSchedule, unclaimedSchedule,
   * then the two extra ones.
   */
  private seed(): void {
    const base = Math.floor(this.now() / 1000) * 1000;
    const a = this.catalog.anchors;
    const wf = (id: string) => this.catalog.workflowsById.get(id)!;
    const add = (scheduleId: string, workflow: CatalogWorkflow, name: string, prompt: string, minutesAgo: number, timeZone: string, metadata: Record<string, unknown> | null) => {
      this.schedules.set(scheduleId, {
        scheduleId,
        workflow,
        name,
        prompt,
        metadata,
        timeZone,
        everySeconds: 3600,
        dueAt: base - minutesAgo * 60_000,
        claim: null,
        advanced: new Map(),
        lastAdvance: null,
      });
    };
    add(SCHEDULE_IDS.schedule, wf(a.workflow), "Hourly order digest", "Summarize the orders received in the last hour.", 10, "UTC", { channel: "ops" });
    add(SCHEDULE_IDS.raceSchedule, wf(a.workflow), "Race check", "Claimed by several workers at once in tests.", 8, "UTC", null);
    add(SCHEDULE_IDS.unclaimedSchedule, wf(a.workflow), "Unclaimed digest", "Left unclaimed: advance without a claim must fail.", 6, "America/New_York", null);
    add(SCHEDULE_IDS.inventorySchedule, wf(a.failingWorkflow), "Inventory sync", "Sync inventory counts from the warehouse sheet.", 4, "Europe/Berlin", { warehouse: "berlin-1" });
    add(SCHEDULE_IDS.researchSchedule, wf(a.slowWorkflow), "Research refresh", "Refresh the quarterly research notes.", 2, "UTC", null);
  }
}

export function registerScheduleRoutes(router: Router): void {
  // Auth is checked in the handlers: the gateway answers 401 with its own envelope.
  const route = (method: string, pattern: string, handler: (ctx: RequestContext) => SandboxResponse) =>
    router.add({
      method,
      pattern,
      auth: "none",
      style: "fastapi",
      handler: (ctx) => {
        requireBearer(ctx);
        return handler(ctx);
      },
    });
  route("GET", "/api/external/workflow-schedules/due", listDue);
  route("POST", "/api/external/workflow-schedules/claim", claim);
  route("POST", "/api/external/workflow-schedules/:scheduleId/advance", advance);
  route("POST", "/api/external/workflow-schedules/:scheduleId/release", release);
}

// ---------------------------------------------------------------- envelopes

function fail(ctx: RequestContext, status: number, error: string, message: string, errorCode = error.toUpperCase(), headers?: Record<string, string>): HttpError {
  return new HttpError(json(status, gatewayBody(ctx, error, message, errorCode), headers));
}

function badRequest(ctx: RequestContext, error: string, message: string): HttpError {
  return fail(ctx, 400, error, message);
}

/** Success envelope: the gateway adds its correlation fields (same values gatewayBody uses) next to `data`. */
function ok(ctx: RequestContext, data: unknown): SandboxResponse {
  return json(200, {
    success: true,
    data,
    request_id: gatewayRequestId(ctx),
    help_url: `${ctx.baseUrl}/api/external/agent-help`,
    help_doc: `${ctx.baseUrl}/contact`,
  });
}

function requireBearer(ctx: RequestContext): void {
  const creds = ctx.state.config.credentials;
  // Variant 'legacy': only the form the seed shows for these routes, `Bearer <base64 api-key:budget-key>`.
  const accepted = ctx.state.external.config.variant.scheduleBearer === "legacy" ? { ...creds, bearerToken: legacyBearerToken(creds.apiKey, creds.budgetKey) } : creds;
  if (!isValidBearer(ctx.headers.authorization, accepted)) {
    throw fail(ctx, 401, "Unauthorized", "Missing or invalid API-key + budget-key bearer token.", "UNAUTHORIZED", { "www-authenticate": "Bearer" });
  }
}

// ---------------------------------------------------------------- parsing

function readBody(ctx: RequestContext, required: boolean): Record<string, unknown> {
  const parsed = parseJsonBody(ctx.body, undefined);
  switch (parsed.kind) {
    case "empty":
      if (required) throw badRequest(ctx, "invalid_request_body", "Request body is required: send a JSON object with due_at and claim_token.");
      return {};
    case "invalid":
    case "not_json":
      throw badRequest(ctx, "invalid_request_body", "Request body must be valid JSON.");
    case "json":
      if (!isPlainObject(parsed.value)) throw badRequest(ctx, "invalid_request_body", "Request body must be a JSON object.");
      return parsed.value;
  }
}

function optionalString(ctx: RequestContext, body: Record<string, unknown>, key: string, maxLength: number): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest(ctx, "invalid_request_body", `'${key}' must be a string.`);
  if (value.length > maxLength) throw badRequest(ctx, "invalid_request_body", `'${key}' must be at most ${maxLength} characters.`);
  return value;
}

function requiredString(ctx: RequestContext, body: Record<string, unknown>, key: string, maxLength: number): string {
  const value = optionalString(ctx, body, key, maxLength);
  if (value === undefined || value.trim() === "") throw badRequest(ctx, "invalid_request_body", `'${key}' is required and must be a non-empty string.`);
  return value;
}

function parseInstant(value: string): number | undefined {
  if (!ISO_DATE_TIME_RE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function dateField(ctx: RequestContext, value: string, key: string, code: string): number {
  const ms = parseInstant(value);
  if (ms === undefined) throw badRequest(ctx, code, `'${key}' must be an ISO-8601 date-time with a time zone (e.g. 2026-05-15T13:00:00.000Z).`);
  return ms;
}

function intField(ctx: RequestContext, value: unknown, key: string, min: number, max: number, code: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(ctx, code, `'${key}' must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function findSchedule(ctx: RequestContext): ScheduleRecord {
  const id = ctx.params.scheduleId ?? "";
  if (!isObjectId(id)) throw badRequest(ctx, "invalid_schedule_id", "scheduleId must be a 24-character hex ObjectId.");
  const schedule = ctx.state.schedules.schedules.get(id.toLowerCase());
  if (!schedule) throw fail(ctx, 404, "schedule_not_found", `Schedule ${id} was not found for the authenticated budget.`);
  return schedule;
}

// ---------------------------------------------------------------- JSON

function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function itemJson(s: ScheduleRecord): ScheduleItemJson {
  return {
    schedule_id: s.scheduleId,
    budget_id: BUDGET_ID,
    workflow_id: s.workflow.workflow_id,
    workflow_name: s.workflow.name,
    workflow_slug: slugOf(s.workflow.name),
    name: s.name,
    prompt: s.prompt,
    metadata: s.metadata === null ? null : structuredClone(s.metadata),
    execution_mode: "external_due",
    due_at: iso(s.dueAt),
    time_zone: s.timeZone,
    recurrence: { every_seconds: s.everySeconds },
  };
}

/** The schedule object of advance/release answers: the item fields plus what the last advance recorded. */
function scheduleJson(s: ScheduleRecord): Record<string, unknown> {
  const last = s.lastAdvance;
  return {
    ...itemJson(s),
    last_advanced_due_at: last ? iso(last.dueAt) : null,
    last_advanced_at: last ? iso(last.at) : null,
    last_outcome: last?.outcome ?? null,
    last_external_run_id: last?.externalRunId ?? null,
    last_note: last?.note ?? null,
  };
}

function liveClaim(s: ScheduleRecord, now: number): boolean {
  return s.claim !== null && now < s.claim.expiresAt;
}

/** Due at or before asOf and not held by a live lease, oldest first. */
function dueSchedules(ctx: RequestContext, asOf: number): ScheduleRecord[] {
  const now = ctx.now();
  return [...ctx.state.schedules.schedules.values()]
    .filter((s) => s.dueAt <= asOf && !liveClaim(s, now))
    .sort((x, y) => x.dueAt - y.dueAt || (x.scheduleId < y.scheduleId ? -1 : 1));
}

// ---------------------------------------------------------------- handlers

function listDue(ctx: RequestContext): SandboxResponse {
  const rawLimit = ctx.query.get("limit");
  let limit = DEFAULT_DUE_LIMIT;
  if (rawLimit !== null) {
    if (!/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      throw badRequest(ctx, "invalid_query", `'limit' must be an integer from 1 to ${MAX_LIMIT}.`);
    }
    limit = Number(rawLimit);
  }
  const rawAsOf = ctx.query.get("as_of");
  const asOf = rawAsOf === null ? ctx.now() : dateField(ctx, rawAsOf, "as_of", "invalid_query");
  const items = dueSchedules(ctx, asOf).slice(0, limit).map(itemJson);
  return ok(ctx, { items, count: items.length, as_of: iso(asOf) });
}

function claim(ctx: RequestContext): SandboxResponse {
  const body = readBody(ctx, false);
  const limit = body.limit === undefined || body.limit === null ? DEFAULT_CLAIM_LIMIT : intField(ctx, body.limit, "limit", 1, MAX_LIMIT, "invalid_request_body");
  const leaseSeconds =
    body.lease_seconds === undefined || body.lease_seconds === null
      ? DEFAULT_LEASE_SECONDS
      : intField(ctx, body.lease_seconds, "lease_seconds", 1, MAX_LEASE_SECONDS, "invalid_request_body");
  const rawAsOf = optionalString(ctx, body, "as_of", 64);
  const asOf = rawAsOf === undefined ? ctx.now() : dateField(ctx, rawAsOf, "as_of", "invalid_request_body");
  const requestId = optionalString(ctx, body, "request_id", MAX_ID_LENGTH);
  if (requestId !== undefined && (requestId.trim() === "" || CONTROL_RE.test(requestId))) {
    throw badRequest(ctx, "invalid_request_body", `'request_id' must be a non-empty string of at most ${MAX_ID_LENGTH} printable characters.`);
  }

  const state = ctx.state.schedules;
  if (requestId !== undefined) {
    const replay = state.claimsByRequestId.get(requestId);
    if (replay) return ok(ctx, structuredClone(replay.data));
  }

  // Check-and-set with no await in between: this is what makes claims exclusive.
  const now = ctx.now();
  const items: ClaimedItemJson[] = [];
  for (const s of dueSchedules(ctx, asOf).slice(0, limit)) {
    const record: ClaimRecord = {
      token: `sclm_${randomBytes(16).toString("hex")}`,
      dueAt: s.dueAt,
      claimedAt: now,
      expiresAt: now + leaseSeconds * 1000,
      leaseSeconds,
    };
    s.claim = record;
    items.push({ ...itemJson(s), claim_token: record.token, claim_expires_at: iso(record.expiresAt), claim_lease_seconds: leaseSeconds });
  }
  const data = { items, count: items.length, as_of: iso(asOf), claim_lease_seconds: leaseSeconds };
  if (requestId !== undefined) state.claimsByRequestId.set(requestId, { data: structuredClone(data) });
  return ok(ctx, data);
}

interface OccurrenceRef {
  dueAt: number;
  token: string;
}

function readOccurrence(ctx: RequestContext, body: Record<string, unknown>): OccurrenceRef {
  const rawDueAt = requiredString(ctx, body, "due_at", 64);
  const token = requiredString(ctx, body, "claim_token", 500);
  return { dueAt: dateField(ctx, rawDueAt, "due_at", "invalid_request_body"), token };
}

function dueAtMismatch(ctx: RequestContext, s: ScheduleRecord, dueAt: number): HttpError {
  return fail(ctx, 409, "due_at_mismatch", `due_at ${iso(dueAt)} is not the current due occurrence of schedule ${s.scheduleId} (currently ${iso(s.dueAt)}).`);
}

/** The claim checks shared by advance and release, once due_at matched the current occurrence. */
function checkClaim(ctx: RequestContext, s: ScheduleRecord, token: string, noClaim: "claim_required" | "claim_mismatch"): void {
  const current = s.claim;
  if (current === null) {
    throw noClaim === "claim_required"
      ? fail(ctx, 409, "claim_required", `The occurrence due ${iso(s.dueAt)} is not claimed. Claim it first with POST /api/external/workflow-schedules/claim.`)
      : fail(ctx, 409, "claim_mismatch", `No active claim on the occurrence due ${iso(s.dueAt)} matches this claim_token.`);
  }
  if (current.token !== token) {
    throw fail(ctx, 409, "claim_mismatch", `Another claim holds the occurrence due ${iso(s.dueAt)}; this claim_token is not the current one.`);
  }
  if (ctx.now() >= current.expiresAt) {
    throw fail(ctx, 409, "claim_expired", `The claim on the occurrence due ${iso(s.dueAt)} expired at ${iso(current.expiresAt)}. Claim it again before advancing.`);
  }
}

function advance(ctx: RequestContext): SandboxResponse {
  const s = findSchedule(ctx);
  const body = readBody(ctx, true);
  const { dueAt, token } = readOccurrence(ctx, body);
  const rawOutcome = optionalString(ctx, body, "outcome", 16);
  if (rawOutcome !== undefined && !(OUTCOMES as readonly string[]).includes(rawOutcome)) {
    throw badRequest(ctx, "invalid_request_body", `'outcome' must be one of ${OUTCOMES.join(", ")}.`);
  }
  const outcome = (rawOutcome ?? "success") as AdvanceOutcome;
  const externalRunId = optionalString(ctx, body, "external_run_id", MAX_ID_LENGTH) ?? null;
  const note = optionalString(ctx, body, "note", MAX_NOTE_LENGTH) ?? null;

  if (s.advanced.has(`${dueAt}\n${token}`)) return ok(ctx, { schedule: scheduleJson(s), already_advanced: true });
  if (dueAt !== s.dueAt) throw dueAtMismatch(ctx, s, dueAt);
  checkClaim(ctx, s, token, "claim_required");

  const record: AdvanceRecord = { dueAt, token, outcome, externalRunId, note, at: ctx.now() };
  s.advanced.set(`${dueAt}\n${token}`, record);
  s.lastAdvance = record;
  s.claim = null;
  s.dueAt += s.everySeconds * 1000;
  return ok(ctx, { schedule: scheduleJson(s), already_advanced: false });
}

function release(ctx: RequestContext): SandboxResponse {
  const s = findSchedule(ctx);
  const body = readBody(ctx, true);
  const { dueAt, token } = readOccurrence(ctx, body);
  optionalString(ctx, body, "note", MAX_NOTE_LENGTH);
  if (dueAt !== s.dueAt) throw dueAtMismatch(ctx, s, dueAt);
  // The release contract has no claim_required: a missing claim is a token that matches nothing.
  checkClaim(ctx, s, token, "claim_mismatch");
  s.claim = null;
  return ok(ctx, { released: true, schedule: scheduleJson(s) });
}
