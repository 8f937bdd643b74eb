import { createHmac, timingSafeEqual } from "node:crypto";
import { arError, HttpError, invalid, json, notFound, objectBody, str, type Access, type ArRequest, type Router } from "./http.js";
import { ALL_SCOPES, SANDBOX, type Connection, type Run, type Scope, type Step, type Workflow } from "./state.js";

const P_VIEW: Access = { scope: "project", role: "viewer", patScope: "workflow:read" };
const P_READ: Access = { scope: "project", role: "contributor", patScope: "workflow:read" };
const P_WRITE: Access = { scope: "project", role: "contributor", patScope: "workflow:run" };
const P_MCP: Access = { scope: "project", role: "contributor", patScope: "mcp:execute" };
const T_VIEW: Access = { scope: "tenant", role: "viewer", patScope: "workflow:read" };
const T_READ: Access = { scope: "tenant", role: "contributor", patScope: "workflow:read" };
const T_WRITE: Access = { scope: "tenant", role: "contributor", patScope: "workflow:run" };
const T_ADMIN: Access = { scope: "tenant", role: "tenant_admin", patScope: "workflow:run" };
const INGRESS: Access = { scope: "ingress", role: "viewer", patScope: "workflow:run" };

const KNOWN_STEP_TYPES = new Set(["action", "llm", "http", "human_task", "mcp_tool", "fail"]);
const RESERVED = new Set(["run_id", "trigger_type", "trigger_payload", "trigger_steps", "excluded_step_ids", "use_run_setup_defaults", "mode", "external_user_id", "segment_id"]);

function workflowOf(req: ArRequest): Workflow {
  const w = req.state.workflows.get(req.params.id ?? "");
  if (!w || w.project_id !== req.headers["x-project-id"] || w.status === "archived") notFound("workflow_not_found", `workflow ${req.params.id} not found`);
  return w;
}

function runOf(req: ArRequest, w: Workflow): Run {
  const r = req.state.runs.get(req.params.runID ?? "");
  if (!r || r.workflow_id !== w.id) notFound("run_not_found", `run ${req.params.runID} not found for workflow ${w.id}`);
  return r;
}

function parseSteps(graph: unknown, field = "graph"): Step[] {
  if (typeof graph !== "object" || graph === null || !Array.isArray((graph as { steps?: unknown }).steps)) invalid(`${field}.steps`, "required: an array of steps");
  const steps = (graph as { steps: unknown[] }).steps;
  if (steps.length === 0) invalid(`${field}.steps`, "must hold at least one step");
  const ids = new Set<string>();
  steps.forEach((s, i) => {
    const step = s as Partial<Step>;
    if (typeof s !== "object" || s === null || !str(step.id)) invalid(`${field}.steps[${i}].id`, "required string");
    if (!str(step.type)) invalid(`${field}.steps[${i}].type`, "required string");
    if (ids.has(step.id!)) invalid(`${field}.steps[${i}].id`, `duplicate step id ${step.id}`);
    ids.add(step.id!);
  });
  return steps as Step[];
}

const stringArray = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every(str)) invalid(field, "must be an array of strings");
  return v as string[];
};

function workflowView(w: Workflow): Record<string, unknown> {
  const { versions, overrides: _o, ...rest } = w;
  return { ...rest, latest_version: versions.length ? versions[versions.length - 1]!.version : null };
}

/** HMAC-SHA256 of the raw body, compared in constant time; the sandbox's own check, not the client's. */
function signatureMatches(secret: string, raw: Buffer, header: string | undefined): boolean {
  if (!header || !header.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice(7), "hex");
  const expected = createHmac("sha256", secret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function registerRoutes(r: Router): void {
  // ── workflows ────────────────────────────────────────────────────────
  r.on("GET", "/v1/workflows", P_VIEW, ({ state, headers }) =>
    json(200, { workflows: [...state.workflows.values()].filter((w) => w.project_id === headers["x-project-id"] && w.status !== "archived").map(workflowView) }),
  );
  r.on("POST", "/v1/workflows", P_WRITE, (req) => {
    const b = objectBody(req);
    if (!str(b.name)) invalid("name", "required");
    const steps = parseSteps(b.graph);
    const at = req.state.nowIso();
    const w: Workflow = { id: req.state.id("wf"), name: b.name, description: typeof b.description === "string" ? b.description : "", tenant_id: SANDBOX.tenant, project_id: req.headers["x-project-id"]!, status: "draft", graph: { steps }, run_setup: {}, created_at: at, updated_at: at, versions: [], overrides: [] };
    req.state.workflows.set(w.id, w);
    return json(201, workflowView(w));
  });
  r.on("GET", "/v1/workflows/:id", P_VIEW, (req) => json(200, workflowView(workflowOf(req))));
  r.on("PATCH", "/v1/workflows/:id", P_WRITE, (req) => {
    const w = workflowOf(req);
    const b = objectBody(req);
    if (b.graph === undefined && b.run_setup === undefined) invalid("graph", "pass graph or run_setup");
    if (b.graph !== undefined) w.graph = { steps: parseSteps(b.graph) };
    if (b.run_setup !== undefined) {
      if (typeof b.run_setup !== "object" || b.run_setup === null || Array.isArray(b.run_setup)) invalid("run_setup", "must be an object");
      w.run_setup = b.run_setup as Record<string, unknown>;
    }
    w.updated_at = req.state.nowIso();
    return json(200, workflowView(w));
  });
  r.on("DELETE", "/v1/workflows/:id", P_WRITE, (req) => {
    workflowOf(req).status = "archived";
    return { status: 204 };
  });
  r.on("POST", "/v1/workflows/:id/versions", P_WRITE, (req) => {
    const w = workflowOf(req);
    const b = objectBody(req);
    const v = { version: w.versions.length + 1, workflow_id: w.id, published_at: req.state.nowIso(), ...(typeof b.changelog === "string" ? { changelog: b.changelog } : {}), graph_snapshot: structuredClone(w.graph) };
    w.versions.push(v);
    w.status = "published";
    return json(201, v);
  });
  r.on("GET", "/v1/workflows/:id/versions", P_VIEW, (req) => json(200, { versions: workflowOf(req).versions.map(({ graph_snapshot: _g, ...v }) => v) }));
  // A dry run changes nothing: the read scope is enough (the reference asks for the contributor role).
  r.on("POST", "/v1/workflows/:id/validate", P_READ, (req) => {
    const w = workflowOf(req);
    const issues = w.graph.steps.filter((s) => !KNOWN_STEP_TYPES.has(s.type)).map((s) => ({ step_id: s.id, severity: "error", message: `unknown step type "${s.type}"` }));
    return json(200, { valid: issues.length === 0, checks_performed: ["graph_shape", "step_types", "unique_step_ids"], issues });
  });
  r.on("POST", "/v1/workflows/:id/command", P_WRITE, (req) => {
    const w = workflowOf(req);
    const b = objectBody(req);
    const params = (b.params ?? {}) as Record<string, unknown>;
    if (typeof params !== "object" || params === null || Array.isArray(params)) invalid("params", "must be an object");
    const { state } = req;
    if (b.command === "start") {
      if (w.versions.length === 0) throw new HttpError(arError(409, "no_published_version", `workflow ${w.id} has no published version; publish one first`));
      // Both documented forms: nested params.trigger_payload (reference) or flat params (examples).
      const nested = params.trigger_payload;
      if (nested !== undefined && (typeof nested !== "object" || nested === null || Array.isArray(nested))) invalid("params.trigger_payload", "must be an object");
      const input = nested !== undefined ? (nested as Record<string, unknown>) : Object.fromEntries(Object.entries(params).filter(([k]) => !RESERVED.has(k)));
      const base = params.use_run_setup_defaults === true && typeof w.run_setup.input === "object" ? (w.run_setup.input as Record<string, unknown>) : {};
      const trigger_steps = stringArray(params.trigger_steps, "params.trigger_steps");
      const excluded_step_ids = stringArray(params.excluded_step_ids, "params.excluded_step_ids");
      const run = state.startRun(w, { ...base, ...input }, typeof params.trigger_type === "string" ? params.trigger_type : "manual", { ...(trigger_steps ? { trigger_steps } : {}), ...(excluded_step_ids ? { excluded_step_ids } : {}) });
      return json(200, { run_id: run.id, status: run.status, workflow_id: w.id, started_at: run.started_at });
    }
    if (b.command === "pause" || b.command === "resume" || b.command === "stop") {
      if (!str(params.run_id)) invalid("params.run_id", `required for ${b.command}`);
      const run = state.runs.get(params.run_id);
      if (!run || run.workflow_id !== w.id) notFound("run_not_found", `run ${params.run_id} not found for workflow ${w.id}`);
      state.advance(run);
      const ok = b.command === "pause" ? run.status === "running" || run.status === "waiting" : b.command === "resume" ? run.status === "paused" : !["completed", "failed", "stopped"].includes(run.status);
      if (!ok) throw new HttpError(arError(409, "invalid_run_state", `cannot ${b.command} a run that is ${run.status}`, { status: run.status }));
      if (b.command === "pause") state.pause(run);
      else if (b.command === "resume") state.resume(run);
      else {
        if (params.mode !== undefined && params.mode !== "immediate" && params.mode !== "graceful") invalid("params.mode", "immediate or graceful");
        state.stop(run, params.mode === "graceful" ? "graceful" : "immediate");
      }
      return json(200, { run_id: run.id, status: run.status, workflow_id: w.id });
    }
    if (b.command === "execute") throw new HttpError(arError(404, "feature_not_found", "execute needs embedded connect (principals), which this project has not enabled"));
    return invalid("command", "must be start, pause, resume, stop or execute");
  });
  r.on("GET", "/v1/workflows/:id/connection-overrides", P_VIEW, (req) => json(200, { overrides: workflowOf(req).overrides }));
  r.on("PUT", "/v1/workflows/:id/connection-overrides", P_WRITE, (req) => {
    const w = workflowOf(req);
    const b = objectBody(req);
    if (!Array.isArray(b.overrides)) invalid("overrides", "required: an array of {instance_id, connection_id}");
    const list = (b.overrides as unknown[]).map((o, i) => {
      const x = o as { instance_id?: unknown; connection_id?: unknown };
      if (!str(x.instance_id)) invalid(`overrides[${i}].instance_id`, "required");
      if (!str(x.connection_id)) invalid(`overrides[${i}].connection_id`, "required");
      if (!req.state.connections.has(x.connection_id)) notFound("connection_not_found", `connection ${x.connection_id} not found`);
      return { instance_id: x.instance_id, connection_id: x.connection_id };
    });
    w.overrides = list;
    return json(200, { status: "ok", overrides: list });
  });

  // ── runs and human tasks ─────────────────────────────────────────────
  r.on("GET", "/v1/workflows/:id/runs", P_VIEW, (req) => {
    const w = workflowOf(req);
    const limit = Number(req.query.get("limit") ?? 50);
    const runs = [...req.state.runs.values()].filter((x) => x.workflow_id === w.id).reverse().slice(0, limit);
    return json(200, { runs: runs.map((x) => req.state.runView(x)) });
  });
  r.on("GET", "/v1/runs", T_VIEW, (req) => {
    const limit = Number(req.query.get("limit") ?? 50);
    const status = req.query.get("status");
    const runs = [...req.state.runs.values()].filter((x) => x.tenant_id === req.headers["x-tenant-id"]).reverse().map((x) => req.state.runView(x)).filter((x) => !status || x.status === status);
    return json(200, { runs: runs.slice(0, limit) });
  });
  r.on("GET", "/v1/workflows/:id/runs/:runID/summary", P_VIEW, (req) => json(200, req.state.summary(runOf(req, workflowOf(req)))));
  r.on("GET", "/v1/workflows/:id/runs/:runID/events", P_VIEW, (req) => {
    const run = runOf(req, workflowOf(req));
    req.state.advance(run);
    return json(200, { run_id: run.id, events: run.events });
  });
  r.on("GET", "/v1/workflows/:id/runs/:runID/context", P_VIEW, (req) => {
    const run = runOf(req, workflowOf(req));
    req.state.advance(run);
    return json(200, { run_id: run.id, input: run.input, variables: { input: run.input }, steps: run.results });
  });
  r.on("GET", "/v1/tasks/pending", T_VIEW, (req) => {
    const tasks = [...req.state.runs.values()].filter((x) => x.tenant_id === req.headers["x-tenant-id"]).flatMap((x) => (req.state.advance(x), x.tasks.filter((t) => t.status === "pending")));
    return json(200, { tasks });
  });
  r.on("GET", "/v1/workflows/:id/runs/:runID/tasks/pending", P_READ, (req) => {
    const run = runOf(req, workflowOf(req));
    req.state.advance(run);
    return json(200, { tasks: run.tasks.filter((t) => t.status === "pending") });
  });
  r.on("POST", "/v1/workflows/:id/runs/:runID/tasks/:taskId/complete", P_WRITE, (req) => {
    const run = runOf(req, workflowOf(req));
    const b = objectBody(req);
    if (typeof b.approved !== "boolean") invalid("approved", "required boolean");
    if (b.result !== undefined && (typeof b.result !== "object" || b.result === null || Array.isArray(b.result))) invalid("result", "must be an object");
    req.state.advance(run);
    const task = run.tasks.find((t) => t.id === req.params.taskId);
    if (!task) notFound("task_not_found", `task ${req.params.taskId} not found in run ${run.id}`);
    if (task.status !== "pending") throw new HttpError(arError(409, "task_already_completed", `task ${task.id} is already ${task.status}`));
    req.state.completeTask(run, task, b.approved, b.result as Record<string, unknown> | undefined);
    return json(200, { status: "completed", task_id: task.id, approved: b.approved });
  });

  // ── inbound webhooks ─────────────────────────────────────────────────
  r.on("POST", "/v1/inbound-webhooks", P_WRITE, (req) => {
    const b = objectBody(req);
    if (!str(b.workflow_id)) invalid("workflow_id", "required");
    if (!str(b.name)) invalid("name", "required");
    const w = req.state.workflows.get(b.workflow_id);
    if (!w || w.project_id !== req.headers["x-project-id"]) notFound("workflow_not_found", `workflow ${b.workflow_id} not found`);
    if (b.automation_pat_id !== undefined) {
      if (!str(b.automation_pat_id)) invalid("automation_pat_id", "must be a PAT id");
      const pat = [...req.state.pats.values()].find((p) => p.id === b.automation_pat_id && !p.revoked && p.tenant_id === SANDBOX.tenant);
      if (!pat) notFound("pat_not_found", `PAT ${b.automation_pat_id} not found (or revoked)`);
    }
    if (!req.state.vaultUp) throw new HttpError(arError(503, "vault_unavailable", "secret vault unavailable; subscription not created"));
    const at = req.state.nowIso();
    const sub = { id: req.state.id("iwh"), tenant_id: SANDBOX.tenant, project_id: w.project_id, workflow_id: w.id, name: b.name, enabled: true, ...(str(b.automation_pat_id) ? { automation_pat_id: b.automation_pat_id } : {}), extras: (b.extras ?? {}) as Record<string, unknown>, signing_secret: req.state.secret("whsec_"), created_at: at, updated_at: at };
    req.state.subscriptions.set(sub.id, sub);
    const { signing_secret, extras: _e, automation_pat_id: _a, ...view } = sub;
    const ingress_path = `/v1/inbound-webhooks/${sub.id}`;
    return json(201, { subscription: view, signing_secret, ingress_url: `${req.baseUrl}${ingress_path}`, ingress_path });
  });
  r.on("GET", "/v1/inbound-webhooks", P_READ, (req) =>
    json(200, { subscriptions: [...req.state.subscriptions.values()].filter((s) => s.project_id === req.headers["x-project-id"]).map(({ signing_secret: _s, ...v }) => v) }),
  );
  r.on("PATCH", "/v1/inbound-webhooks/:id", P_WRITE, (req) => {
    const sub = req.state.subscriptions.get(req.params.id ?? "");
    if (!sub || sub.project_id !== req.headers["x-project-id"]) notFound("subscription_not_found", `subscription ${req.params.id} not found`);
    const b = objectBody(req);
    if (typeof b.extras !== "object" || b.extras === null || Array.isArray(b.extras)) invalid("extras", "required object");
    sub.extras = b.extras as Record<string, unknown>;
    sub.updated_at = req.state.nowIso();
    const { signing_secret: _s, ...v } = sub;
    return json(200, v);
  });
  r.on("DELETE", "/v1/inbound-webhooks/:id", P_WRITE, (req) => {
    const sub = req.state.subscriptions.get(req.params.id ?? "");
    if (!sub || sub.project_id !== req.headers["x-project-id"]) notFound("subscription_not_found", `subscription ${req.params.id} not found`);
    req.state.subscriptions.delete(sub.id);
    return { status: 204 };
  });
  // Public ingress: the automation PAT and the HMAC, no tenant headers (the subscription names them).
  r.on("POST", "/v1/inbound-webhooks/:id", INGRESS, (req) => {
    const { state } = req;
    const sub = state.subscriptions.get(req.params.id ?? "");
    if (!sub || !sub.enabled) notFound("subscription_not_found", `subscription ${req.params.id} not found`);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const pat = token ? state.pats.get(token) : undefined;
    if (!pat || pat.revoked || pat.tenant_id !== sub.tenant_id) throw new HttpError(arError(401, "unauthorized", "missing or invalid bearer PAT for this subscription", undefined, { "www-authenticate": "Bearer" }));
    if (sub.automation_pat_id && pat.id !== sub.automation_pat_id) throw new HttpError(arError(401, "unauthorized", "the bearer is not this subscription's automation PAT"));
    if (!pat.scopes.includes("workflow:run")) throw new HttpError(arError(403, "insufficient_scope", "the PAT lacks workflow:run", { required_scope: "workflow:run" }));
    if (!signatureMatches(sub.signing_secret, req.body, req.headers["x-agentruntime-signature"])) {
      throw new HttpError(arError(401, "invalid_signature", "X-Agentruntime-Signature does not match the body (sha256=<hex HMAC-SHA256(signing_secret, raw body)>)"));
    }
    const payload = objectBody(req);
    const w = state.workflows.get(sub.workflow_id);
    if (!w || w.versions.length === 0) throw new HttpError(arError(409, "no_published_version", `workflow ${sub.workflow_id} has no published version`));
    const fixed = (sub.extras.trigger_payload ?? {}) as Record<string, unknown>;
    const run = state.startRun(w, { ...fixed, ...payload }, "inbound_webhook");
    return json(202, { accepted: true, run_id: run.id, workflow_id: w.id, subscription_id: sub.id, status: run.status });
  });

  // ── connections ──────────────────────────────────────────────────────
  const connectionView = ({ credentials: _c, ...v }: Connection) => v;
  const credentialsOf = (v: unknown, field: string): Record<string, string> => {
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.keys(v).length === 0 || !Object.values(v).every((x) => typeof x === "string")) invalid(field, "required object of string fields");
    return v as Record<string, string>;
  };
  r.on("GET", "/v1/connections", P_READ, (req) => json(200, { connections: [...req.state.connections.values()].filter((c) => c.project_id === req.headers["x-project-id"]).map(connectionView) }));
  r.on("POST", "/v1/connections", P_WRITE, (req) => {
    const b = objectBody(req);
    for (const f of ["display_name", "provider", "service"]) if (!str(b[f])) invalid(f, "required");
    const credentials = credentialsOf(b.credentials, "credentials");
    if (!req.state.vaultUp) throw new HttpError(arError(503, "vault_unavailable", "secret vault unavailable; connection not created"));
    const c = { id: req.state.id("conn"), name: String(b.display_name), provider: String(b.provider), service: String(b.service), status: "active", project_id: req.headers["x-project-id"]!, credential_keys: Object.keys(credentials), credentials, created_at: req.state.nowIso() };
    req.state.connections.set(c.id, c);
    return json(201, connectionView(c));
  });
  r.on("PATCH", "/v1/connections/:id", P_WRITE, (req) => {
    const c = req.state.connections.get(req.params.id ?? "");
    if (!c || c.project_id !== req.headers["x-project-id"]) notFound("connection_not_found", `connection ${req.params.id} not found`);
    const b = objectBody(req);
    if (b.display_name !== undefined) {
      if (!str(b.display_name)) invalid("display_name", "must be a non-empty string");
      c.name = b.display_name;
    }
    if (b.credentials !== undefined) {
      if (!req.state.vaultUp) throw new HttpError(arError(503, "vault_unavailable", "secret vault unavailable; credentials not changed"));
      c.credentials = credentialsOf(b.credentials, "credentials");
      c.credential_keys = Object.keys(c.credentials);
    }
    return json(200, connectionView(c));
  });
  r.on("DELETE", "/v1/connections/:id", P_WRITE, (req) => {
    const c = req.state.connections.get(req.params.id ?? "");
    if (!c || c.project_id !== req.headers["x-project-id"]) notFound("connection_not_found", `connection ${req.params.id} not found`);
    req.state.connections.delete(c.id);
    return { status: 204 };
  });

  // ── MCP servers and instances ────────────────────────────────────────
  const serverOf = (req: ArRequest) => {
    const s = req.state.servers.get(req.params.id ?? "");
    if (!s) notFound("server_not_found", `MCP server ${req.params.id} not found`);
    return s;
  };
  r.on("GET", "/v1/mcp/servers", P_READ, (req) => json(200, { servers: [...req.state.servers.values()] }));
  r.on("GET", "/v1/mcp/servers/:id", P_READ, (req) => json(200, serverOf(req)));
  r.on("POST", "/v1/mcp/servers", P_MCP, (req) => {
    const b = objectBody(req);
    if (!str(b.name)) invalid("name", "required");
    if (!str(b.canonical_url) || !/^https:\/\/[^\s/]+/.test(b.canonical_url)) invalid("canonical_url", "required https:// URL");
    if (b.mode !== undefined && b.mode !== "third_party") invalid("mode", "only third_party servers can be registered");
    if (b.auth_mode !== undefined && b.auth_mode !== "token") invalid("auth_mode", "only token auth is supported for custom servers");
    const s = { id: req.state.id("mcp_srv"), name: b.name, service: b.name.toLowerCase().replace(/[^a-z0-9]+/g, "_"), canonical_url: b.canonical_url, description: typeof b.description === "string" ? b.description : "", status: "draft" as const, auth_mode: "token", mode: "third_party", tool_count: 0, tools: [] as { name: string; description: string }[] };
    req.state.servers.set(s.id, s);
    const { tools: _t, ...view } = s;
    return json(201, view);
  });
  r.on("POST", "/v1/mcp/servers/:id/discover", P_MCP, (req) => {
    const s = serverOf(req);
    s.tools = [{ name: "ping", description: "Answers pong" }, { name: "search", description: "Searches the server's index" }];
    s.tool_count = s.tools.length;
    return json(200, { server_id: s.id, tools: s.tools, tool_count: s.tool_count });
  });
  r.on("POST", "/v1/mcp/servers/:id/validate", P_MCP, (req) => {
    const s = serverOf(req);
    const checks = [
      { check: "reachability", ok: true },
      { check: "schema", ok: s.tool_count > 0, message: s.tool_count > 0 ? undefined : "no tools discovered yet: discover first" },
      { check: "smoke_call", ok: s.tool_count > 0 },
    ];
    const valid = checks.every((c) => c.ok);
    if (valid) s.status = "active";
    return json(200, { server_id: s.id, valid, checks, status: s.status });
  });
  r.on("GET", "/v1/mcp/instances", P_READ, (req) => json(200, { instances: [...req.state.instances.values()].filter((i) => i.project_id === req.headers["x-project-id"]) }));
  r.on("POST", "/v1/mcp/instances", P_MCP, (req) => {
    const b = objectBody(req);
    if (!str(b.server_id)) invalid("server_id", "required");
    const s = req.state.servers.get(b.server_id);
    if (!s) notFound("server_not_found", `MCP server ${b.server_id} not found`);
    if (b.connection_id !== undefined && (!str(b.connection_id) || !req.state.connections.has(b.connection_id))) notFound("connection_not_found", `connection ${String(b.connection_id)} not found`);
    const i = { id: req.state.id("mcp_inst"), server_id: s.id, name: str(b.name) ? b.name : s.name, project_id: req.headers["x-project-id"]!, ...(str(b.connection_id) ? { connection_id: b.connection_id } : {}), status: "active", created_at: req.state.nowIso() };
    req.state.instances.set(i.id, i);
    return json(201, i);
  });

  // ── PATs ─────────────────────────────────────────────────────────────
  const patView = (p: { id: string; display_name: string; scopes: Scope[]; created_at: string }) => ({ id: p.id, display_name: p.display_name, scopes: p.scopes, created_at: p.created_at });
  r.on("GET", "/v1/pats", T_READ, (req) => json(200, { pats: [...req.state.pats.values()].filter((p) => p.tenant_id === req.headers["x-tenant-id"] && !p.revoked).map(patView) }));
  r.on("POST", "/v1/pats", T_WRITE, (req) => {
    const b = objectBody(req);
    if (!str(b.display_name)) invalid("display_name", "required");
    if (!Array.isArray(b.scopes) || b.scopes.length === 0 || !b.scopes.every((s) => (ALL_SCOPES as readonly unknown[]).includes(s))) invalid("scopes", `required: a non-empty subset of ${ALL_SCOPES.join(", ")}`);
    const token = req.state.secret("pat_");
    const p = { id: req.state.id("pat"), token, display_name: b.display_name, tenant_id: req.pat!.tenant_id, role: req.pat!.role, scopes: b.scopes as Scope[], created_at: req.state.nowIso(), revoked: false };
    req.state.pats.set(token, p);
    return json(201, { ...patView(p), token });
  });
  r.on("DELETE", "/v1/pats/:id", T_WRITE, (req) => {
    const p = [...req.state.pats.values()].find((x) => x.id === req.params.id && x.tenant_id === req.headers["x-tenant-id"] && !x.revoked);
    if (!p) notFound("pat_not_found", `PAT ${req.params.id} not found`);
    p.revoked = true;
    return { status: 204 };
  });

  // ── billing ──────────────────────────────────────────────────────────
  r.on("GET", "/v1/billing/usage", T_READ, () => json(200, { trial_remaining: 1_250_000, included_remaining: 0, payg_remaining: 500_000, total_remaining_microcredits: 1_750_000 }));
  r.on("GET", "/v1/billing/plans", T_READ, (req) => json(200, { plans: req.state.plans }));
  r.on("GET", "/v1/billing/summary", T_READ, (req) => json(200, { tenant_id: req.headers["x-tenant-id"], project_id: req.headers["x-project-id"] ?? null, runs_this_period: req.state.runs.size, credits_used_microcredits: req.state.runs.size * 1000, subscription_status: req.state.subscription.status }));
  r.on("GET", "/v1/billing/status", T_READ, (req) => json(200, { ...req.state.subscription, trial: { active: req.state.subscription.status === "none", days_left: 9 } }));
  r.on("GET", "/v1/billing/usage-history", T_READ, (req) => json(200, { items: [...req.state.runs.values()].map((x) => ({ run_id: x.id, delta_microcredits: -1000, at: x.started_at })) }));
  r.on("GET", "/v1/billing/payment-history", T_READ, () => json(200, { payments: [] }));
  r.on("GET", "/v1/billing/action-pricing", T_READ, () => json(200, { prices: [{ action: "workflow_step", microcredits: 1000 }, { action: "llm_call", microcredits: 5000 }] }));
  const priceOf = (req: ArRequest) => {
    const b = objectBody(req);
    if (!str(b.stripe_price_id)) invalid("stripe_price_id", "required");
    const plan = req.state.plans.find((p) => p.stripe_price_id === b.stripe_price_id);
    if (!plan) invalid("stripe_price_id", `unknown price ${b.stripe_price_id}`);
    return plan;
  };
  r.on("POST", "/v1/billing/subscription", T_ADMIN, (req) => {
    const plan = priceOf(req);
    if (req.state.subscription.status === "active") throw new HttpError(arError(409, "already_subscribed", "the tenant already has an active subscription; change plan instead"));
    req.state.subscription = { status: "active", stripe_price_id: plan.stripe_price_id, plan_code: plan.plan_code, cancel_at_period_end: false, current_period_end: new Date(req.now() + 30 * 86_400_000).toISOString() };
    return json(200, req.state.subscription);
  });
  r.on("POST", "/v1/billing/subscription/change-plan", T_ADMIN, (req) => {
    const plan = priceOf(req);
    if (req.state.subscription.status !== "active") throw new HttpError(arError(409, "no_subscription", "no active subscription to change"));
    req.state.subscription = { ...req.state.subscription, stripe_price_id: plan.stripe_price_id, plan_code: plan.plan_code };
    return json(200, req.state.subscription);
  });
  r.on("POST", "/v1/billing/subscription/cancel", T_ADMIN, (req) => {
    if (req.state.subscription.status !== "active") throw new HttpError(arError(409, "no_subscription", "no active subscription to cancel"));
    req.state.subscription.cancel_at_period_end = true;
    return json(200, req.state.subscription);
  });

  // ── analytics ────────────────────────────────────────────────────────
  for (const metric of ["live-runs", "success-rate", "execution-duration", "runs-count", "steps-executed", "credits-consumed", "steps-summary", "runs-timeseries", "usage-timeseries"]) {
    r.on("GET", `/v1/analytics/${metric}`, P_READ, (req) => {
      if (!req.state.analyticsEnabled) throw new HttpError(arError(503, "analytics_unavailable", "analytics service not configured"));
      const runs = [...req.state.runs.values()].filter((x) => x.project_id === req.headers["x-project-id"]);
      runs.forEach((x) => req.state.advance(x));
      const done = runs.filter((x) => x.status === "completed").length;
      const value = metric === "live-runs" ? runs.filter((x) => x.status === "running").length : metric === "success-rate" ? (runs.length ? Math.round((done / runs.length) * 100) : null) : metric === "runs-count" ? runs.length : runs.length * 3;
      return json(200, { metric, window: "24h", value });
    });
  }
}
