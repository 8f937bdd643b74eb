import type { Catalog, CatalogWorkflow, WorkflowBehavior } from "../catalog.js";
import { Issues, intParam, lastQueryValue, MSG, type Loc } from "../fastapi.js";
import { json, type RequestContext, type SandboxResponse } from "../http.js";
import { stableHexId } from "../ids.js";
import { externalError, iso, MAX_ID_LENGTH } from "./common.js";
import type { WorkflowSessionRecord } from "./state.js";
import { carriedFields, omittedConvention, readSignedBody, verifySignedRequest } from "./verify.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 200;

export interface ExternalWorkflow {
  workflow_id: string;
  name: string;
  description: string;
  categories: string[];
  industry_tags: string[];
  publisher: string;
  updated_at: string;
  instructions: string;
  steps: Array<{ step: number; title: string; instructions: string }>;
}

interface Meta {
  categories: string[];
  industry_tags: string[];
  publisher: string;
  updated_at: string;
  steps: string[];
}

/** Listing metadata for the workflows the webhook API already seeds. */
const SEEDED_META: Record<WorkflowBehavior, Meta> = {
  completes: {
    categories: ["E-commerce", "Productivity"],
    industry_tags: ["retail"],
    publisher: "AgentPMT Sandbox",
    updated_at: "2025-03-04T09:00:00.000Z",
    steps: ["List open orders with order-manager", "Flag orders older than 48 hours", "Write a digest grouped by status"],
  },
  slow: {
    categories: ["Research"],
    industry_tags: ["consulting", "finance"],
    publisher: "AgentPMT Sandbox",
    updated_at: "2025-02-11T15:30:00.000Z",
    steps: ["Collect the quarter's news and filings", "Compare against the previous quarter", "Draft a findings memo"],
  },
  fails: {
    categories: ["E-commerce"],
    industry_tags: ["retail", "logistics"],
    publisher: "AgentPMT Sandbox",
    updated_at: "2025-01-20T08:15:00.000Z",
    steps: ["Read stock levels from the warehouse", "Push them to the storefront"],
  },
  setup_required: {
    categories: ["Productivity", "Sales"],
    industry_tags: ["saas"],
    publisher: "AgentPMT Sandbox",
    updated_at: "2025-04-02T12:00:00.000Z",
    steps: ["Open the CRM sheet", "Update changed contacts", "Log the edits"],
  },
  not_on_budget: {
    categories: ["Sales", "Marketing"],
    industry_tags: ["b2b", "saas"],
    publisher: "AgentPMT Sandbox",
    updated_at: "2025-04-18T17:45:00.000Z",
    steps: ["Score the inbound lead", "Pick the owning sales team", "Assign the lead in HubSpot"],
  },
};

/** Public workflows that exist only in the external listing (not triggerable by webhook). */
const PUBLIC_WORKFLOWS: Array<{ key: string; name: string; description: string } & Meta> = [
  {
    key: "competitor-pricing-watch",
    name: "Competitor Pricing Watch",
    description: "Checks competitor product pages and reports price changes since the last run.",
    categories: ["Research", "E-commerce"],
    industry_tags: ["retail"],
    publisher: "Northwind Labs",
    updated_at: "2025-05-06T10:00:00.000Z",
    steps: ["Fetch each competitor page", "Extract listed prices", "Compare with the previous snapshot", "Report changes over 5%"],
  },
  {
    key: "weekly-seo-audit",
    name: "Weekly SEO Audit",
    description: "Audits a site's top pages for broken links, missing titles and slow responses.",
    categories: ["Marketing"],
    industry_tags: ["agencies", "saas"],
    publisher: "Acme Growth",
    updated_at: "2025-05-20T14:20:00.000Z",
    steps: ["Crawl the top 50 pages", "Check titles, meta descriptions and links", "Summarize issues by severity"],
  },
  {
    key: "invoice-follow-up",
    name: "Invoice Follow-up",
    description: "Finds overdue invoices and drafts polite reminder emails for each customer.",
    categories: ["Finance", "Communication"],
    industry_tags: ["accounting", "smb"],
    publisher: "AgentPMT",
    updated_at: "2025-06-01T07:05:00.000Z",
    steps: ["List invoices past their due date", "Draft one reminder per customer", "Queue the emails for review"],
  },
];

export const PUBLIC_WORKFLOW_ID = stableHexId(`workflow:public:${PUBLIC_WORKFLOWS[0]!.key}`);

function build(id: string, name: string, description: string, meta: Meta): ExternalWorkflow {
  const steps = meta.steps.map((title, i) => ({ step: i + 1, title, instructions: `Step ${i + 1}: ${title}.` }));
  return {
    workflow_id: id,
    name,
    description,
    categories: meta.categories,
    industry_tags: meta.industry_tags,
    publisher: meta.publisher,
    updated_at: meta.updated_at,
    instructions: `${name}: ${description} Run the steps in order and report the result.\n${steps.map((s) => s.instructions).join("\n")}`,
    steps,
  };
}

const byCatalog = new WeakMap<Catalog, { list: ExternalWorkflow[]; byId: Map<string, ExternalWorkflow> }>();

export function externalWorkflows(catalog: Catalog): { list: ExternalWorkflow[]; byId: Map<string, ExternalWorkflow> } {
  let cached = byCatalog.get(catalog);
  if (!cached) {
    const list = [
      ...catalog.workflows.map((w: CatalogWorkflow) => build(w.workflow_id, w.name, w.description, SEEDED_META[w.behavior])),
      ...PUBLIC_WORKFLOWS.map((p) => build(stableHexId(`workflow:public:${p.key}`), p.name, p.description, p)),
    ];
    cached = { list, byId: new Map(list.map((w) => [w.workflow_id, w])) };
    byCatalog.set(catalog, cached);
  }
  return cached;
}

function listItem(w: ExternalWorkflow): Record<string, unknown> {
  return {
    workflow_id: w.workflow_id,
    name: w.name,
    description: w.description,
    categories: w.categories,
    industry_tags: w.industry_tags,
    publisher: w.publisher,
    updated_at: w.updated_at,
  };
}

function csv(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
}

/** GET /api/external/workflows?query&categories&industry_tags&publisher&since&limit&skip (public). */
export function listWorkflows(ctx: RequestContext): SandboxResponse {
  const issues = new Issues();
  const limit = intParam(lastQueryValue(ctx.query, "limit"), ["query", "limit"], issues, { ge: 1, le: MAX_LIMIT }) ?? DEFAULT_LIMIT;
  const skip = intParam(lastQueryValue(ctx.query, "skip"), ["query", "skip"], issues, { ge: 0 }) ?? 0;
  const sinceRaw = lastQueryValue(ctx.query, "since");
  let since: number | undefined;
  if (sinceRaw !== undefined && sinceRaw.trim() !== "") {
    const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(sinceRaw.trim());
    since = ok ? Date.parse(sinceRaw.trim().replace(" ", "T")) : Number.NaN;
    if (Number.isNaN(since)) {
      issues.add({ type: "datetime_parsing", loc: ["query", "since"], msg: "Input should be a valid datetime or date in ISO 8601 format", input: sinceRaw });
    }
  }
  issues.throwIfAny();

  const tokens = (lastQueryValue(ctx.query, "query") ?? "").toLowerCase().split(/\s+/).filter((t) => t !== "");
  const categories = csv(lastQueryValue(ctx.query, "categories"));
  const tags = csv(lastQueryValue(ctx.query, "industry_tags"));
  const publisher = lastQueryValue(ctx.query, "publisher")?.trim().toLowerCase();

  const scored: Array<{ w: ExternalWorkflow; score: number; order: number }> = [];
  externalWorkflows(ctx.state.catalog).list.forEach((w, order) => {
    if (categories.length > 0 && !w.categories.some((c) => categories.includes(c.toLowerCase()))) return;
    if (tags.length > 0 && !w.industry_tags.some((t) => tags.includes(t.toLowerCase()))) return;
    if (publisher && w.publisher.toLowerCase() !== publisher) return;
    if (since !== undefined && Date.parse(w.updated_at) < since) return;
    let score = 0;
    for (const token of tokens) {
      const inName = w.name.toLowerCase().includes(token);
      const inRest = [w.description, ...w.categories, ...w.industry_tags, w.publisher].some((s) => s.toLowerCase().includes(token));
      if (!inName && !inRest) return;
      score += (inName ? 3 : 0) + (inRest ? 1 : 0);
    }
    scored.push({ w, score, order });
  });
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const workflows = scored.slice(skip, skip + limit).map((s) => listItem(s.w));
  return json(200, { success: true, data: { workflows, total: scored.length, limit, skip } });
}

function findWorkflow(ctx: RequestContext, workflowId: string): ExternalWorkflow {
  const found = externalWorkflows(ctx.state.catalog).byId.get(workflowId.toLowerCase());
  if (!found) throw externalError(404, "WORKFLOW_NOT_FOUND", `Workflow '${workflowId}' was not found. List workflows with GET /api/external/workflows.`);
  return found;
}

function instanceField(body: Record<string, unknown>, issues: Issues): string | null | undefined {
  const value = body.instance_id;
  const loc: Loc = ["body", "instance_id"];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== "string") {
    issues.add({ type: "string_type", loc, msg: MSG.stringType, input: value });
    return undefined;
  }
  if (value.length > MAX_ID_LENGTH) {
    issues.add({ type: "string_too_long", loc, msg: `String should have at most ${MAX_ID_LENGTH} characters`, input: value, ctx: { max_length: MAX_ID_LENGTH } });
  }
  return value;
}

function sessionJson(s: WorkflowSessionRecord, workflow?: ExternalWorkflow): Record<string, unknown> {
  return {
    workflow_session_id: s.sessionId,
    workflow_id: s.workflowId,
    ...(workflow ? { workflow_name: workflow.name } : {}),
    instance_id: s.instanceId,
    status: s.status,
    started_at: iso(s.startedAt),
    ended_at: s.endedAt === null ? null : iso(s.endedAt),
  };
}

function activeSessions(ctx: RequestContext, wallet: string, filter: (s: WorkflowSessionRecord) => boolean): WorkflowSessionRecord[] {
  return [...ctx.state.external.workflowSessions.values()]
    .filter((s) => s.status === "active" && s.wallet === wallet && filter(s))
    .sort((a, b) => b.startedAt - a.startedAt || (a.sessionId < b.sessionId ? 1 : -1));
}

/** POST /api/external/workflows/{workflowId}/start (signed: workflow_start, workflowId, hash of {instance_id} as carried). */
export async function startWorkflow(ctx: RequestContext): Promise<SandboxResponse> {
  const workflowId = ctx.params.workflowId ?? "";
  const { body, signed, fields } = readSignedBody(ctx, (b, issues) => instanceField(b, issues));
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "workflow_start", product: workflowId, payload: carriedFields(body, ["instance_id"], omittedConvention(ctx)) });
  const workflow = findWorkflow(ctx, workflowId);
  const instanceId = fields ?? null;
  const existing = activeSessions(ctx, wallet, (s) => s.workflowId === workflow.workflow_id && s.instanceId === instanceId)[0];
  if (existing) return json(200, { success: true, data: { ...sessionJson(existing), resumed: true } });
  const session: WorkflowSessionRecord = {
    sessionId: `wfs_${ctx.state.ids.next()}`,
    workflowId: workflow.workflow_id,
    wallet,
    instanceId,
    status: "active",
    startedAt: ctx.now(),
    endedAt: null,
  };
  ctx.state.external.workflowSessions.set(session.sessionId, session);
  return json(200, { success: true, data: { ...sessionJson(session), resumed: false } });
}

/** POST /api/external/workflows/{workflowId}/fetch (signed: workflow_fetch, workflowId, empty payload). */
export async function fetchWorkflow(ctx: RequestContext): Promise<SandboxResponse> {
  const workflowId = ctx.params.workflowId ?? "";
  const { signed } = readSignedBody(ctx, () => undefined);
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "workflow_fetch", product: workflowId, payload: null });
  const workflow = findWorkflow(ctx, workflowId);
  const sessions = activeSessions(ctx, wallet, (s) => s.workflowId === workflow.workflow_id);
  if (sessions.length === 0) {
    throw externalError(404, "WORKFLOW_SESSION_NOT_FOUND", `No active session of workflow ${workflow.workflow_id} for this wallet. Start one with POST /api/external/workflows/${workflow.workflow_id}/start.`);
  }
  return json(200, {
    success: true,
    data: {
      workflow_id: workflow.workflow_id,
      name: workflow.name,
      description: workflow.description,
      instructions: workflow.instructions,
      steps: workflow.steps,
      session: sessionJson(sessions[0]!),
      sessions: sessions.map((s) => sessionJson(s)),
    },
  });
}

/** POST /api/external/workflows/{workflowId}/end (signed: workflow_end, workflowId, hash of {workflow_session_id} as carried). */
export async function endWorkflow(ctx: RequestContext): Promise<SandboxResponse> {
  const workflowId = ctx.params.workflowId ?? "";
  const { body, signed, fields } = readSignedBody(ctx, (b, issues) => {
    const v = b.workflow_session_id;
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") {
      issues.add({ type: "string_type", loc: ["body", "workflow_session_id"], msg: MSG.stringType, input: v });
      return undefined;
    }
    return v;
  });
  const wallet = await verifySignedRequest(ctx, signed, {
    shape: "scoped",
    action: "workflow_end",
    product: workflowId,
    payload: carriedFields(body, ["workflow_session_id"], omittedConvention(ctx)),
  });
  const workflow = findWorkflow(ctx, workflowId);
  let session: WorkflowSessionRecord | undefined;
  if (fields !== undefined) {
    const s = ctx.state.external.workflowSessions.get(fields);
    if (s && s.wallet === wallet && s.workflowId === workflow.workflow_id && s.status === "active") session = s;
    if (!session) {
      throw externalError(404, "WORKFLOW_SESSION_NOT_FOUND", `No active session '${fields}' of workflow ${workflow.workflow_id} for this wallet.`);
    }
  } else {
    const active = activeSessions(ctx, wallet, (s) => s.workflowId === workflow.workflow_id);
    if (active.length === 0) throw externalError(404, "WORKFLOW_SESSION_NOT_FOUND", `No active session of workflow ${workflow.workflow_id} for this wallet.`);
    if (active.length > 1) {
      throw externalError(409, "WORKFLOW_SESSION_AMBIGUOUS", "Several sessions of this workflow are active for this wallet; send workflow_session_id to choose one.", {
        workflow_session_ids: active.map((s) => s.sessionId),
      });
    }
    session = active[0]!;
  }
  session.status = "ended";
  session.endedAt = ctx.now();
  return json(200, { success: true, data: sessionJson(session) });
}

/** POST /api/external/workflows/active (signed: workflow_active, -, hash of {instance_id} as carried). */
export async function activeWorkflows(ctx: RequestContext): Promise<SandboxResponse> {
  const { body, signed, fields } = readSignedBody(ctx, (b, issues) => instanceField(b, issues));
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "workflow_active", product: "-", payload: carriedFields(body, ["instance_id"]) }); // the seed confirms "left out" here, whatever the variant
  const byId = externalWorkflows(ctx.state.catalog).byId;
  const sessions = activeSessions(ctx, wallet, (s) => typeof fields !== "string" || s.instanceId === fields);
  return json(200, { success: true, data: { sessions: sessions.map((s) => sessionJson(s, byId.get(s.workflowId))) } });
}
