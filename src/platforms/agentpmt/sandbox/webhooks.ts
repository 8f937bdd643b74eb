import { HttpError, isPlainObject, json, parseJsonBody, type RequestContext, type Router, type SandboxResponse } from "./http.js";
import { isObjectId, stableHexId } from "./ids.js";
import { isTerminal, runJson, runStatus, runSummaryJson, type RunOutcome, type RunRecord } from "./runs.js";
import type { CatalogWorkflow } from "./catalog.js";
import type { SandboxState } from "./state.js";

/** Caller strings are bounded so a runaway client cannot grow sandbox memory without limit. */
const MAX_REQUEST_ID_LENGTH = 255;
const MAX_CANCEL_REASON_LENGTH = 500;

/**
 * Sandbox-only test knobs, read from `request_metadata` of a trigger (and echoed back like any
 * other metadata, as the platform would):
 * - `sandbox_duration_ms` (number, 0..600000): this run takes that long from trigger to its
 *   terminal state, instead of runDurationMs (or the slow workflow's fixed duration). Time
 *   queued is min(queuedMs, duration); 0 makes the run terminal at once.
 * - `sandbox_outcome` ("completed" | "failed" | "setup_required"): the terminal status of this
 *   run, whatever the workflow's own behaviour.
 * Together they let tests create runs of any duration and outcome on any triggerable workflow.
 * A knob with a wrong type or range is refused with 400 invalid_payload so a typo fails loudly.
 */
const MAX_SANDBOX_DURATION_MS = 600_000;
const RUN_OUTCOMES: readonly RunOutcome[] = ["completed", "failed", "setup_required"];

function fail(status: number, error: string, message: string, data?: Record<string, unknown>): HttpError {
  return new HttpError(json(status, { success: false, error, message, ...(data ? { data } : {}) }));
}

export function registerWebhookRoutes(router: Router): void {
  const route = (method: string, pattern: string, handler: (ctx: RequestContext) => SandboxResponse) =>
    router.add({ method, pattern, auth: "bearer", style: "webhook", handler });
  route("POST", "/api/agent-webhooks/:workflowId/trigger", triggerRun);
  route("GET", "/api/agent-webhooks/runs/:runId", getRun);
  route("POST", "/api/agent-webhooks/runs/:runId/cancel", cancelRun);
}

/** The web origin parses bodies itself: anything but a JSON object is an invalid payload. */
function readWebhookBody(ctx: RequestContext, required: boolean): Record<string, unknown> {
  const parsed = parseJsonBody(ctx.body, undefined);
  switch (parsed.kind) {
    case "empty":
      if (required) throw fail(400, "invalid_payload", "Request body is required: send a JSON object with a non-empty 'prompt' string.");
      return {};
    case "invalid":
    case "not_json":
      throw fail(400, "invalid_payload", `Request body must be valid JSON (${parsed.kind === "invalid" ? parsed.reason : "not JSON"}).`);
    case "json":
      if (!isPlainObject(parsed.value)) throw fail(400, "invalid_payload", "Request body must be a JSON object.");
      return parsed.value;
  }
}

/** Optional string: absent or null means not given; anything else must be a string. */
function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw fail(400, "invalid_payload", `'${key}' must be a string.`);
  return value;
}

interface TriggerPayload {
  prompt: string;
  requestId: string | null;
  callbackUrl: string | null;
  requestMetadata: Record<string, unknown>;
  /** sandbox_duration_ms knob, if given. */
  durationMs: number | null;
  /** sandbox_outcome knob, if given. */
  outcome: RunOutcome | null;
}

function sandboxKnobs(metadata: Record<string, unknown>): Pick<TriggerPayload, "durationMs" | "outcome"> {
  const duration = metadata.sandbox_duration_ms;
  if (duration !== undefined && (typeof duration !== "number" || !Number.isFinite(duration) || duration < 0 || duration > MAX_SANDBOX_DURATION_MS)) {
    throw fail(400, "invalid_payload", `'request_metadata.sandbox_duration_ms' (sandbox knob) must be a number from 0 to ${MAX_SANDBOX_DURATION_MS}.`);
  }
  const outcome = metadata.sandbox_outcome;
  if (outcome !== undefined && !(typeof outcome === "string" && (RUN_OUTCOMES as readonly string[]).includes(outcome))) {
    throw fail(400, "invalid_payload", `'request_metadata.sandbox_outcome' (sandbox knob) must be one of ${RUN_OUTCOMES.join(", ")}.`);
  }
  return { durationMs: duration === undefined ? null : duration, outcome: outcome === undefined ? null : (outcome as RunOutcome) };
}

function parseTrigger(body: Record<string, unknown>): TriggerPayload {
  const prompt = body.prompt;
  if (prompt === undefined || prompt === null) throw fail(400, "invalid_payload", "'prompt' is required.");
  if (typeof prompt !== "string") throw fail(400, "invalid_payload", "'prompt' must be a string.");
  if (prompt.trim() === "") throw fail(400, "invalid_payload", "'prompt' must be a non-empty string.");

  const requestId = optionalString(body, "request_id");
  if (requestId !== undefined && (requestId.trim() === "" || requestId.length > MAX_REQUEST_ID_LENGTH)) {
    throw fail(400, "invalid_payload", `'request_id' must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters.`);
  }

  const callback = optionalString(body, "callback_url");
  if (callback !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(callback);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== "https:" || url.hostname === "") {
      throw fail(400, "invalid_callback_url", "'callback_url' must be an absolute https:// URL.");
    }
  }

  const metadata = body.request_metadata;
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) {
    throw fail(400, "invalid_payload", "'request_metadata' must be a JSON object.");
  }

  const requestMetadata = isPlainObject(metadata) ? metadata : {};
  return {
    prompt,
    requestId: requestId ?? null,
    callbackUrl: callback ?? null,
    requestMetadata,
    ...sandboxKnobs(requestMetadata),
  };
}

function statusUrl(ctx: RequestContext, runId: string): string {
  return `${ctx.baseUrl}/api/agent-webhooks/runs/${runId}`;
}

function triggerResponse(ctx: RequestContext, status: 200 | 202, run: RunRecord): SandboxResponse {
  return json(status, {
    success: true,
    data: { run: runSummaryJson(run, ctx.now()), status_url: statusUrl(ctx, run.runId) },
    message: "Workflow trigger accepted",
  });
}

/** The approval requests the platform opens when a workflow is not on the caller's budget. */
function notOnBudget(workflow: CatalogWorkflow): HttpError {
  return fail(409, "workflow_not_on_budget", `Workflow "${workflow.name}" is not enabled on your budget. An approval request was opened for the budget owner.`, {
    workflow_request_id: stableHexId(`approval:workflow:${workflow.workflow_id}`),
    credential_request_ids: [stableHexId(`approval:credential:${workflow.workflow_id}:hubspot`)],
    add_workflow: {
      workflow_id: workflow.workflow_id,
      name: workflow.name,
      description: workflow.description,
      action: "add_workflow_to_budget",
    },
    missing_credentials: [
      {
        credential_key: "hubspot_api_key",
        provider: "hubspot",
        display_name: "HubSpot private app token",
        request_id: stableHexId(`approval:credential:${workflow.workflow_id}:hubspot`),
      },
    ],
  });
}

function outcomeOf(workflow: CatalogWorkflow): RunOutcome {
  switch (workflow.behavior) {
    case "fails":
      return "failed";
    case "setup_required":
      return "setup_required";
    default:
      return "completed";
  }
}

function triggerRun(ctx: RequestContext): SandboxResponse {
  const workflowId = ctx.params.workflowId ?? "";
  if (!isObjectId(workflowId)) throw fail(400, "invalid_workflow_id", "workflowId must be a 24-character hex ObjectId.");
  const payload = parseTrigger(readWebhookBody(ctx, true));
  const state = ctx.state;
  const workflow = state.catalog.workflowsById.get(workflowId.toLowerCase());
  if (!workflow) throw fail(404, "workflow_not_found", `Workflow ${workflowId} was not found.`);
  if (workflow.behavior === "not_on_budget") throw notOnBudget(workflow);

  const requestKey = payload.requestId === null ? undefined : `${workflow.workflow_id}\n${payload.requestId}`;
  const existingId = requestKey === undefined ? undefined : state.runsByRequestKey.get(requestKey);
  const existing = existingId === undefined ? undefined : state.runs.get(existingId);
  if (existing) return triggerResponse(ctx, 202, existing);

  const run = createRun(state, workflow, payload);
  if (requestKey !== undefined) state.runsByRequestKey.set(requestKey, run.runId);
  return triggerResponse(ctx, 200, run);
}

function createRun(state: SandboxState, workflow: CatalogWorkflow, payload: TriggerPayload): RunRecord {
  const { runDurationMs, queuedMs, slowRunDurationMs } = state.config;
  const duration = payload.durationMs ?? (workflow.behavior === "slow" ? slowRunDurationMs : runDurationMs);
  const createdAt = state.now();
  const run: RunRecord = {
    runId: state.ids.next(),
    workflowId: workflow.workflow_id,
    workflowName: workflow.name,
    prompt: payload.prompt,
    requestId: payload.requestId,
    callbackUrl: payload.callbackUrl,
    requestMetadata: payload.requestMetadata,
    createdAt,
    startsAt: createdAt + Math.min(queuedMs, duration),
    endsAt: createdAt + duration,
    outcome: payload.outcome ?? outcomeOf(workflow),
    cancel: null,
  };
  state.runs.set(run.runId, run);
  return run;
}

function findRun(ctx: RequestContext): RunRecord {
  const runId = ctx.params.runId ?? "";
  if (!isObjectId(runId)) throw fail(400, "invalid_run_id", "runId must be a 24-character hex ObjectId.");
  const run = ctx.state.runs.get(runId.toLowerCase());
  if (!run) throw fail(404, "run_not_found", `Run ${runId} was not found for this account.`);
  return run;
}

function getRun(ctx: RequestContext): SandboxResponse {
  const run = findRun(ctx);
  return json(200, { success: true, data: { run: runJson(run, ctx.now()) } });
}

function cancelRun(ctx: RequestContext): SandboxResponse {
  const run = findRun(ctx);
  const body = readWebhookBody(ctx, false);
  const reason = optionalString(body, "reason");
  const requestId = optionalString(body, "request_id");
  const now = ctx.now();
  const status = runStatus(run, now);
  if (status !== "cancelled") {
    if (isTerminal(status)) {
      throw fail(409, "run_not_cancellable", `Run ${run.runId} is already ${status} and cannot be cancelled.`);
    }
    run.cancel = {
      at: now,
      requestId: requestId ?? null,
      // "Bounded reason": the platform keeps a prefix rather than refusing a long reason.
      reason: reason === undefined ? null : reason.slice(0, MAX_CANCEL_REASON_LENGTH),
      userId: ctx.state.userId,
    };
  }
  return json(200, { success: true, data: { run: runJson(run, now) } });
}
