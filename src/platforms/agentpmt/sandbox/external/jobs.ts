import type { Issues, Loc, ValidationIssue } from "../fastapi.js";
import { MSG, missing, validationError } from "../fastapi.js";
import { isPlainObject, json, type RequestContext, type SandboxResponse } from "../http.js";
import { stableHexId } from "../ids.js";
import { creditsToUsd, externalError, iso } from "./common.js";
import { creditWallet } from "./credits.js";
import type { ExternalState, ReservationRecord, SocialPostRecord } from "./state.js";
import { carriedFields, omittedConvention, readSignedBody, verifySignedRequest } from "./verify.js";

const RESERVATION_MS = 60 * 60 * 1000;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

export interface JobDef {
  job_id: string;
  title: string;
  description: string;
  job_type: "task" | "social_share" | "feedback";
  reward_credits: number;
  instructions: string;
  /** social_share jobs: the page the post must link to. */
  target_url: string | null;
}

function job(key: string, def: Omit<JobDef, "job_id">): JobDef {
  return { job_id: stableHexId(`job:${key}`), ...def };
}

export const SEEDED_JOBS: readonly JobDef[] = [
  job("review-echo", {
    title: "Review the Sandbox Echo tool",
    description: "Call the Sandbox Echo tool once and write a short review of the experience.",
    job_type: "task",
    reward_credits: 50,
    instructions: "Invoke sandbox-echo/echo, then submit a two-sentence review as proof_text.",
    target_url: null,
  }),
  job("share-marketplace", {
    title: "Share the AgentPMT marketplace",
    description: "Publish one social post linking to the AgentPMT marketplace with the tracked link from your reservation.",
    job_type: "social_share",
    reward_credits: 25,
    instructions: "Post on any public social platform, include the tracked target URL, then submit the post as social_posts.",
    target_url: "https://www.agentpmt.com/marketplace",
  }),
  job("docs-gap", {
    title: "Report a documentation gap",
    description: "Find one unclear passage in the external API documentation and describe how to improve it.",
    job_type: "feedback",
    reward_credits: 10,
    instructions: "Quote the passage and propose a rewrite in proof_text.",
    target_url: null,
  }),
];

export const JOB_IDS = { job: SEEDED_JOBS[0]!.job_id, socialJob: SEEDED_JOBS[1]!.job_id };

const JOBS_BY_ID = new Map(SEEDED_JOBS.map((j) => [j.job_id, j]));

type WalletJobStatus = "available" | "reserved" | "submitted" | "approved";

function reservationKey(jobId: string, wallet: string): string {
  return `${jobId}\n${wallet}`;
}

function reservationOf(ext: ExternalState, jobId: string, wallet: string): ReservationRecord | undefined {
  return ext.reservations.get(reservationKey(jobId, wallet));
}

/** A reservation past its deadline that was never completed no longer holds the job. */
function isActive(rec: ReservationRecord | undefined, now: number): rec is ReservationRecord {
  return rec !== undefined && rec.status === "reserved" && now < rec.reservedUntil;
}

function statusForWallet(rec: ReservationRecord | undefined, now: number): WalletJobStatus {
  if (rec === undefined) return "available";
  if (rec.status === "reserved") return isActive(rec, now) ? "reserved" : "available";
  return rec.status;
}

function findJob(jobId: string): JobDef {
  const found = JOBS_BY_ID.get(jobId.toLowerCase());
  if (!found) throw externalError(404, "JOB_NOT_FOUND", `Job '${jobId}' was not found. List jobs with POST /api/external/jobs/list.`);
  return found;
}

function optionalInt(body: Record<string, unknown>, key: string, issues: Issues, bounds: { ge: number; le?: number }): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  const loc: Loc = ["body", key];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    issues.add({ type: "int_type", loc, msg: "Input should be a valid integer", input: value });
    return undefined;
  }
  if (value < bounds.ge) {
    issues.add({ type: "greater_than_equal", loc, msg: `Input should be greater than or equal to ${bounds.ge}`, input: value, ctx: { ge: bounds.ge } });
    return undefined;
  }
  if (bounds.le !== undefined && value > bounds.le) {
    issues.add({ type: "less_than_equal", loc, msg: `Input should be less than or equal to ${bounds.le}`, input: value, ctx: { le: bounds.le } });
    return undefined;
  }
  return value;
}

function optionalString(body: Record<string, unknown>, key: string, loc: Loc, issues: Issues): string | null | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== "string") {
    issues.add({ type: "string_type", loc: [...loc, key], msg: MSG.stringType, input: value });
    return undefined;
  }
  return value;
}

function jobListItem(def: JobDef, rec: ReservationRecord | undefined, now: number): Record<string, unknown> {
  return {
    job_id: def.job_id,
    title: def.title,
    description: def.description,
    job_type: def.job_type,
    reward_credits: def.reward_credits,
    reward_usd: creditsToUsd(def.reward_credits),
    instructions: def.instructions,
    requires_social_posts: def.job_type === "social_share",
    target_url: def.target_url,
    status_for_wallet: statusForWallet(rec, now),
  };
}

/** POST /api/external/jobs/list (signed: job_list, -, hash of {limit, skip} as carried). */
export async function listJobs(ctx: RequestContext): Promise<SandboxResponse> {
  const { body, signed, fields } = readSignedBody(ctx, (b, issues) => ({
    limit: optionalInt(b, "limit", issues, { ge: 1, le: MAX_LIMIT }),
    skip: optionalInt(b, "skip", issues, { ge: 0 }),
  }));
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "job_list", product: "-", payload: carriedFields(body, ["limit", "skip"], omittedConvention(ctx)) });
  const limit = fields.limit ?? DEFAULT_LIMIT;
  const skip = fields.skip ?? 0;
  const now = ctx.now();
  const ext = ctx.state.external;
  const jobs = SEEDED_JOBS.slice(skip, skip + limit).map((j) => jobListItem(j, reservationOf(ext, j.job_id, wallet), now));
  return json(200, { success: true, data: { jobs, total: SEEDED_JOBS.length, limit, skip } });
}

function reservationJson(rec: ReservationRecord): Record<string, unknown> {
  return { job_id: rec.jobId, reservation_id: rec.reservationId, reserved_at: iso(rec.reservedAt), reserved_until: iso(rec.reservedUntil), status: rec.status };
}

/** POST /api/external/jobs/{jobId}/reserve (signed: job_reserve, jobId, hash of {}). */
export async function reserveJob(ctx: RequestContext): Promise<SandboxResponse> {
  const jobId = ctx.params.jobId ?? "";
  const { signed } = readSignedBody(ctx, () => undefined);
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "job_reserve", product: jobId, payload: {} });
  const def = findJob(jobId);
  const ext = ctx.state.external;
  const now = ctx.now();
  const existing = reservationOf(ext, def.job_id, wallet);
  if (existing && (existing.status === "submitted" || existing.status === "approved")) {
    throw externalError(409, "JOB_ALREADY_COMPLETED", `This wallet already completed job ${def.job_id} (status ${existing.status}).`, { status: existing.status });
  }
  if (isActive(existing, now)) return json(200, { success: true, data: reservationJson(existing) });
  const rec: ReservationRecord = {
    reservationId: `res_${ctx.state.ids.next()}`,
    jobId: def.job_id,
    wallet,
    status: "reserved",
    reservedAt: now,
    reservedUntil: now + RESERVATION_MS,
    submittedAt: null,
    approvedAt: null,
    proofText: null,
    socialPosts: [],
    creditsAwarded: 0,
  };
  ext.reservations.set(reservationKey(def.job_id, wallet), rec);
  return json(200, { success: true, data: reservationJson(rec) });
}

function statusJson(def: JobDef, rec: ReservationRecord | undefined, now: number): Record<string, unknown> {
  const current = rec !== undefined && (rec.status !== "reserved" || isActive(rec, now)) ? rec : undefined;
  return {
    job_id: def.job_id,
    title: def.title,
    job_type: def.job_type,
    reward_credits: def.reward_credits,
    status: statusForWallet(rec, now),
    reservation_id: current?.reservationId ?? null,
    reserved_until: current ? iso(current.reservedUntil) : null,
    submitted_at: current?.submittedAt != null ? iso(current.submittedAt) : null,
    approved_at: current?.approvedAt != null ? iso(current.approvedAt) : null,
    credits_awarded: current?.creditsAwarded ?? 0,
  };
}

/** POST /api/external/jobs/{jobId}/status (signed: job_status, jobId, hash of {}). */
export async function jobStatus(ctx: RequestContext): Promise<SandboxResponse> {
  const jobId = ctx.params.jobId ?? "";
  const { signed } = readSignedBody(ctx, () => undefined);
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "job_status", product: jobId, payload: {} });
  const def = findJob(jobId);
  return json(200, { success: true, data: statusJson(def, reservationOf(ctx.state.external, def.job_id, wallet), ctx.now()) });
}

interface CompleteFields {
  proofText: string | undefined;
  reservationId: string | null | undefined;
  socialPosts: SocialPostRecord[] | null | undefined;
}

const POST_STRING_FIELDS = ["platform", "post_url", "target_url_used", "message_text"] as const;

/** The pydantic model level: types and required fields. */
function completeFields(body: Record<string, unknown>, issues: Issues): CompleteFields {
  let proofText: string | undefined;
  const rawProof = body.proof_text;
  if (rawProof === undefined) issues.add(missing(["body", "proof_text"], body));
  else if (typeof rawProof !== "string") issues.add({ type: "string_type", loc: ["body", "proof_text"], msg: MSG.stringType, input: rawProof });
  else if (rawProof.trim() === "") issues.add({ type: "string_too_short", loc: ["body", "proof_text"], msg: "String should have at least 1 character", input: rawProof, ctx: { min_length: 1 } });
  else proofText = rawProof;

  const reservationId = optionalString(body, "reservation_id", ["body"], issues);

  let socialPosts: SocialPostRecord[] | null | undefined;
  const rawPosts = body.social_posts;
  if (rawPosts === null) socialPosts = null;
  else if (rawPosts !== undefined) {
    if (!Array.isArray(rawPosts)) {
      issues.add({ type: "list_type", loc: ["body", "social_posts"], msg: "Input should be a valid list", input: rawPosts });
    } else {
      const posts: SocialPostRecord[] = [];
      rawPosts.forEach((raw: unknown, i) => {
        const loc: Loc = ["body", "social_posts", i];
        if (!isPlainObject(raw)) {
          issues.add({ type: "model_attributes_type", loc, msg: MSG.modelAttributes, input: raw });
          return;
        }
        const values: Partial<Record<(typeof POST_STRING_FIELDS)[number], string>> = {};
        for (const key of POST_STRING_FIELDS) {
          const v = raw[key];
          if (v === undefined) issues.add(missing([...loc, key], raw));
          else if (typeof v !== "string") issues.add({ type: "string_type", loc: [...loc, key], msg: MSG.stringType, input: v });
          else values[key] = v;
        }
        const postedAt = optionalString(raw, "posted_at", loc, issues);
        posts.push({
          platform: values.platform ?? "",
          post_url: values.post_url ?? "",
          target_url_used: values.target_url_used ?? "",
          message_text: values.message_text ?? "",
          posted_at: postedAt ?? null,
        });
      });
      socialPosts = posts;
    }
  }
  return { proofText, reservationId, socialPosts };
}

function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const ISO_DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function isIsoDateTime(value: string): boolean {
  return ISO_DATE_TIME_RE.test(value) && !Number.isNaN(Date.parse(value.replace(" ", "T")));
}

/** The handler level: what a proof must contain for this job. */
function proofProblems(def: JobDef, posts: SocialPostRecord[] | null | undefined): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const list = posts ?? [];
  if (def.job_type === "social_share" && list.length === 0) {
    out.push({
      type: "too_short",
      loc: ["body", "social_posts"],
      msg: "social_share jobs require at least one social_posts entry",
      input: posts ?? null,
      ctx: { field_type: "List", min_length: 1, actual_length: list.length },
    });
  }
  list.forEach((p, i) => {
    const loc: Loc = ["body", "social_posts", i];
    if (p.platform.trim() === "") out.push({ type: "string_too_short", loc: [...loc, "platform"], msg: "String should have at least 1 character", input: p.platform, ctx: { min_length: 1 } });
    if (!isHttpUrl(p.post_url)) out.push({ type: "url_parsing", loc: [...loc, "post_url"], msg: "Input should be a valid http or https URL", input: p.post_url });
    if (!isHttpUrl(p.target_url_used)) out.push({ type: "url_parsing", loc: [...loc, "target_url_used"], msg: "Input should be a valid http or https URL", input: p.target_url_used });
    if (p.message_text.trim() === "") out.push({ type: "string_too_short", loc: [...loc, "message_text"], msg: "String should have at least 1 character", input: p.message_text, ctx: { min_length: 1 } });
    if (p.posted_at !== null && !isIsoDateTime(p.posted_at)) {
      out.push({ type: "datetime_parsing", loc: [...loc, "posted_at"], msg: "Input should be a valid datetime in ISO 8601 format", input: p.posted_at });
    }
  });
  return out;
}

/** POST /api/external/jobs/{jobId}/complete (signed: job_complete, jobId, hash of {proof_text, reservation_id, social_posts} as carried). */
export async function completeJob(ctx: RequestContext): Promise<SandboxResponse> {
  const jobId = ctx.params.jobId ?? "";
  const { body, signed, fields } = readSignedBody(ctx, completeFields);
  const wallet = await verifySignedRequest(ctx, signed, {
    shape: "scoped",
    action: "job_complete",
    product: jobId,
    payload: carriedFields(body, ["proof_text", "reservation_id", "social_posts"], omittedConvention(ctx)),
  });
  const def = findJob(jobId);
  const problems = proofProblems(def, fields.socialPosts);
  if (problems.length > 0) throw validationError(problems);

  const ext = ctx.state.external;
  const now = ctx.now();
  const rec = reservationOf(ext, def.job_id, wallet);
  if (rec && (rec.status === "submitted" || rec.status === "approved")) {
    throw externalError(409, "JOB_ALREADY_COMPLETED", `This wallet already completed job ${def.job_id} (status ${rec.status}).`, { status: rec.status });
  }
  const expiredAt = rec?.reservedUntil;
  if (!isActive(rec, now)) {
    throw externalError(
      409,
      "JOB_NOT_RESERVED",
      expiredAt !== undefined
        ? `The reservation of job ${def.job_id} expired at ${iso(expiredAt)}; reserve it again first.`
        : `Job ${def.job_id} is not reserved by this wallet; reserve it first.`,
    );
  }
  if (typeof fields.reservationId === "string" && fields.reservationId !== rec.reservationId) {
    throw externalError(409, "RESERVATION_MISMATCH", `reservation_id '${fields.reservationId}' does not match this wallet's active reservation of job ${def.job_id}.`, {
      active_reservation_id: rec.reservationId,
    });
  }
  rec.status = "submitted";
  rec.submittedAt = now;
  rec.proofText = fields.proofText!;
  rec.socialPosts = fields.socialPosts ?? [];
  // The sandbox's automated verification approves at once and pays the reward.
  rec.status = "approved";
  rec.approvedAt = now;
  rec.creditsAwarded = def.reward_credits;
  const balanceAfter = creditWallet(ext, wallet, def.reward_credits);
  return json(200, {
    success: true,
    data: {
      job_id: def.job_id,
      reservation_id: rec.reservationId,
      status: rec.status,
      submitted_at: iso(now),
      approved_at: iso(now),
      reward_credits: def.reward_credits,
      credits_awarded: def.reward_credits,
      balance_after: balanceAfter,
    },
  });
}
