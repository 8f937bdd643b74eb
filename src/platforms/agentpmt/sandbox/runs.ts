import { stableHexId } from "./ids.js";

export type RunStatus = "queued" | "running" | "completed" | "failed" | "setup_required" | "cancelled";
export type RunOutcome = "completed" | "failed" | "setup_required";
export type CallbackStatus = "pending" | "delivered" | "failed" | "skipped";

/**
 * What the sandbox stores about a run. Status is never stored: it is derived from the
 * timestamps at read time, so runs progress without timers and tests can drive a fake clock.
 */
export interface RunRecord {
  runId: string;
  workflowId: string;
  workflowName: string;
  prompt: string;
  requestId: string | null;
  callbackUrl: string | null;
  requestMetadata: Record<string, unknown>;
  createdAt: number;
  startsAt: number;
  endsAt: number;
  outcome: RunOutcome;
  cancel: { at: number; requestId: string | null; reason: string | null; userId: string } | null;
}

/** Full run document of seed 000 (GET run / cancel responses). */
export interface RunJson {
  run_id: string;
  workflow_id: string;
  status: RunStatus;
  prompt: string;
  response_text: string | null;
  session_id: string | null;
  model: string | null;
  error_code: string | null;
  error_message: string | null;
  callback_url: string | null;
  callback_status: CallbackStatus;
  callback_last_status: number | null;
  callback_last_error: string | null;
  callback_attempted_at: string | null;
  callback_delivered_at: string | null;
  request_metadata: Record<string, unknown>;
  run_metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  cancel_requested_at: string | null;
  cancel_requested_by_user_id: string | null;
  cancel_request_id: string | null;
  cancel_reason: string | null;
}

/** The short run object of the trigger response. */
export type RunSummaryJson = Pick<
  RunJson,
  "run_id" | "workflow_id" | "status" | "created_at" | "updated_at" | "cancel_requested_at" | "cancel_request_id" | "cancel_reason"
>;

const SANDBOX_MODEL = "agentpmt-sandbox-model";
const TERMINAL: ReadonlySet<RunStatus> = new Set(["completed", "failed", "setup_required", "cancelled"]);

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.has(status);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

interface Timeline {
  status: RunStatus;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

function timeline(run: RunRecord, now: number): Timeline {
  if (run.cancel) {
    const started = run.cancel.at >= run.startsAt ? run.startsAt : null;
    return { status: "cancelled", startedAt: started, finishedAt: run.cancel.at, updatedAt: run.cancel.at };
  }
  if (now >= run.endsAt) return { status: run.outcome, startedAt: run.startsAt, finishedAt: run.endsAt, updatedAt: run.endsAt };
  if (now >= run.startsAt) return { status: "running", startedAt: run.startsAt, finishedAt: null, updatedAt: run.startsAt };
  return { status: "queued", startedAt: null, finishedAt: null, updatedAt: run.createdAt };
}

export function runStatus(run: RunRecord, now: number): RunStatus {
  return timeline(run, now).status;
}

function outcomeDetails(run: RunRecord, status: RunStatus): Pick<RunJson, "response_text" | "error_code" | "error_message"> {
  switch (status) {
    case "completed":
      return {
        response_text: `Sandbox run of "${run.workflowName}" completed.\n\nPrompt: ${run.prompt}\n\nResult: simulated output (no real work was performed).`,
        error_code: null,
        error_message: null,
      };
    case "failed":
      return {
        response_text: null,
        error_code: "workflow_execution_failed",
        error_message: `Simulated failure: the sandbox run of "${run.workflowName}" failed after running.`,
      };
    case "setup_required":
      return {
        response_text: null,
        error_code: "setup_required",
        error_message: `Workflow "${run.workflowName}" needs setup before it can run: connect a Google Sheets credential in the AgentPMT dashboard.`,
      };
    default:
      return { response_text: null, error_code: null, error_message: null };
  }
}

export function runJson(run: RunRecord, now: number): RunJson {
  const t = timeline(run, now);
  const terminal = isTerminal(t.status);
  const delivered = run.callbackUrl !== null && terminal;
  return {
    run_id: run.runId,
    workflow_id: run.workflowId,
    status: t.status,
    prompt: run.prompt,
    ...outcomeDetails(run, t.status),
    session_id: t.startedAt === null ? null : stableHexId(`session:${run.runId}`),
    model: t.startedAt === null ? null : SANDBOX_MODEL,
    callback_url: run.callbackUrl,
    // The sandbox never calls out; it records the delivery the platform would have made.
    callback_status: run.callbackUrl === null ? "skipped" : delivered ? "delivered" : "pending",
    callback_last_status: delivered ? 200 : null,
    callback_last_error: null,
    callback_attempted_at: delivered ? iso(t.finishedAt) : null,
    callback_delivered_at: delivered ? iso(t.finishedAt) : null,
    request_metadata: run.requestMetadata,
    run_metadata: { sandbox: true, ...(run.requestId === null ? {} : { request_id: run.requestId }) },
    created_at: iso(run.createdAt)!,
    updated_at: iso(t.updatedAt)!,
    started_at: iso(t.startedAt),
    completed_at: iso(t.finishedAt),
    cancel_requested_at: iso(run.cancel?.at ?? null),
    cancel_requested_by_user_id: run.cancel?.userId ?? null,
    cancel_request_id: run.cancel?.requestId ?? null,
    cancel_reason: run.cancel?.reason ?? null,
  };
}

/** A callback the platform would have POSTed to a run's callback_url. */
export interface CallbackRecord {
  run_id: string;
  url: string;
  status: string;
  /** When the run reached its terminal state (ms), which is when the callback went out. */
  at: number;
}

/**
 * The callback deliveries so far: one per run that has a callback_url and is terminal at `now`,
 * in delivery order. Like run status this is derived, not stored: the sandbox never calls out,
 * and a run reaches its terminal state exactly once, so each run appears exactly once.
 */
export function callbackDeliveries(runs: Iterable<RunRecord>, now: number): CallbackRecord[] {
  const out: CallbackRecord[] = [];
  for (const run of runs) {
    if (run.callbackUrl === null) continue;
    const t = timeline(run, now);
    if (!isTerminal(t.status) || t.finishedAt === null) continue;
    out.push({ run_id: run.runId, url: run.callbackUrl, status: "delivered", at: t.finishedAt });
  }
  return out.sort((a, b) => a.at - b.at || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
}

export function runSummaryJson(run: RunRecord, now: number): RunSummaryJson {
  const full = runJson(run, now);
  return {
    run_id: full.run_id,
    workflow_id: full.workflow_id,
    status: full.status,
    created_at: full.created_at,
    updated_at: full.updated_at,
    cancel_requested_at: full.cancel_requested_at,
    cancel_request_id: full.cancel_request_id,
    cancel_reason: full.cancel_reason,
  };
}
