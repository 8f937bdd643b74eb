import { arError, HttpError, invalid, json, notFound, objectBody, str, type Access, type ArRequest, type Router } from "./http.js";

const P_VIEW: Access = { scope: "project", role: "viewer", patScope: "workflow:read" };
const P_READ: Access = { scope: "project", role: "contributor", patScope: "workflow:read" };
const P_WRITE: Access = { scope: "project", role: "contributor", patScope: "workflow:run" };
const P_MCP: Access = { scope: "project", role: "contributor", patScope: "mcp:execute" };
const P_ADMIN: Access = { scope: "project", role: "tenant_admin", patScope: "workflow:run" };
const T_VIEW: Access = { scope: "tenant", role: "viewer", patScope: "workflow:read" };
const T_READ: Access = { scope: "tenant", role: "contributor", patScope: "workflow:read" };
const T_ADMIN: Access = { scope: "tenant", role: "tenant_admin", patScope: "workflow:run" };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const stringList = (v: unknown, field: string, min = 0) => {
  if (!Array.isArray(v) || v.length < min || !v.every(str)) invalid(field, `must be an array of strings${min ? " (at least one)" : ""}`);
  return v as string[];
};

/** The endpoints beyond the seed's: MCP profiles, memory, agents, embedded connect and principals, billing extras, Google/WhatsApp. */
export function registerExtraRoutes(r: Router): void {
  // ── MCP extras ───────────────────────────────────────────────────────
  const server = (req: ArRequest) => req.state.servers.get(req.params.id ?? "") ?? notFound("server_not_found", `MCP server ${req.params.id} not found`);
  const instance = (req: ArRequest) => {
    const i = req.state.instances.get(req.params.id ?? "");
    if (!i || i.project_id !== req.headers["x-project-id"]) notFound("instance_not_found", `MCP instance ${req.params.id} not found`);
    return i;
  };
  r.on("GET", "/v1/mcp/platform-catalog", P_READ, () => json(200, { adapters: [{ service: "gmail", name: "Gmail" }, { service: "slack", name: "Slack" }] }));
  r.on("GET", "/v1/mcp/tools", P_READ, (req) => json(200, { tools: [...req.state.servers.values()].flatMap((s) => s.tools.map((t) => ({ ...t, server_id: s.id }))) }));
  r.on("POST", "/v1/mcp/servers/:id/versions", P_MCP, (req) => {
    const s = server(req);
    const b = objectBody(req);
    if (b.tools !== undefined && (!Array.isArray(b.tools) || !b.tools.every((t) => isObject(t) && str(t.name)))) invalid("tools", "must be an array of {name, …}");
    if (b.config_schema !== undefined && !isObject(b.config_schema)) invalid("config_schema", "must be an object");
    if (Array.isArray(b.tools)) {
      s.tools = (b.tools as { name: string; description?: string }[]).map((t) => ({ name: t.name, description: t.description ?? "" }));
      s.tool_count = s.tools.length;
    }
    if (b.activate === true) s.status = "active";
    return json(201, { server_id: s.id, version: 1, tool_count: s.tool_count, active: b.activate === true });
  });
  r.on("POST", "/v1/mcp/servers/:id/connections/:connectionId/validate", P_MCP, (req) => {
    const s = server(req);
    const c = req.state.connections.get(req.params.connectionId ?? "");
    if (!c || c.project_id !== req.headers["x-project-id"]) notFound("connection_not_found", `connection ${req.params.connectionId} not found`);
    return json(200, { server_id: s.id, connection_id: c.id, valid: c.credential_keys.length > 0 });
  });
  r.on("POST", "/v1/mcp/instances/resolve", P_READ, (req) => {
    const b = objectBody(req);
    if (!str(b.workflow_id)) invalid("workflow_id", "required");
    const w = req.state.workflows.get(b.workflow_id);
    if (!w || w.project_id !== req.headers["x-project-id"]) notFound("workflow_not_found", `workflow ${b.workflow_id} not found`);
    const instances = [...req.state.instances.values()].filter((i) => i.project_id === w.project_id);
    return json(200, { workflow_id: w.id, resolved: instances.map((i) => ({ instance_id: i.id, server_id: i.server_id, connection_id: w.overrides.find((o) => o.instance_id === i.id)?.connection_id ?? i.connection_id ?? null })) });
  });
  r.on("POST", "/v1/mcp/instances/:id/validate", P_MCP, (req) => json(200, { instance_id: instance(req).id, valid: true, checks: [{ check: "reachability", ok: true }] }));
  r.on("GET", "/v1/mcp/instances/:id/config-profiles", P_READ, (req) => {
    const i = instance(req);
    return json(200, { profiles: [...req.state.profiles.values()].filter((p) => p.instance_id === i.id) });
  });
  r.on("POST", "/v1/mcp/instances/:id/config-profiles", P_MCP, (req) => {
    const i = instance(req);
    const b = objectBody(req);
    if (!str(b.name)) invalid("name", "required");
    if (b.source_spec !== undefined && !isObject(b.source_spec)) invalid("source_spec", "must be an object");
    const p = { id: req.state.id("prof"), instance_id: i.id, name: b.name, source_spec: (b.source_spec ?? {}) as Record<string, unknown>, active: ![...req.state.profiles.values()].some((x) => x.instance_id === i.id) };
    req.state.profiles.set(p.id, p);
    return json(201, p);
  });
  const profile = (req: ArRequest) => {
    const i = instance(req);
    const p = req.state.profiles.get(req.params.profileId ?? "");
    if (!p || p.instance_id !== i.id) notFound("profile_not_found", `config profile ${req.params.profileId} not found`);
    return p;
  };
  r.on("PATCH", "/v1/mcp/instances/:id/config-profiles/:profileId", P_MCP, (req) => {
    const p = profile(req);
    const b = objectBody(req);
    if (!isObject(b.source_spec)) invalid("source_spec", "required object");
    p.source_spec = b.source_spec;
    return json(200, p);
  });
  r.on("POST", "/v1/mcp/instances/:id/config-profiles/:profileId/set-active", P_MCP, (req) => {
    const p = profile(req);
    for (const x of req.state.profiles.values()) if (x.instance_id === p.instance_id) x.active = x.id === p.id;
    return json(200, p);
  });

  // ── memory ───────────────────────────────────────────────────────────
  const memoryProject = (req: ArRequest, b: Record<string, unknown>) => {
    if (b.project_id !== req.headers["x-project-id"]) invalid("project_id", "must be the project of X-Project-Id");
  };
  r.on("POST", "/v1/memory/search", P_READ, (req) => {
    const b = objectBody(req);
    memoryProject(req, b);
    if (!str(b.query)) invalid("query", "required");
    return json(200, { results: [{ episode_id: "ep_sandbox_1", score: 0.82, snippet: `…about ${b.query}…` }] });
  });
  for (const [path, field] of [["/v1/memory/index-conversation", "conversation_id"], ["/v1/memory/index-file", "file_id"]] as const) {
    r.on("POST", path, P_WRITE, (req) => {
      const b = objectBody(req);
      memoryProject(req, b);
      if (!str(b[field])) invalid(field, "required");
      const job = { job_id: req.state.id("job"), status: "completed", [field]: b[field] };
      req.state.memoryJobs.set(job.job_id, job);
      return json(202, job);
    });
  }
  r.on("GET", "/v1/memory/extract/:id", P_READ, (req) => json(200, req.state.memoryJobs.get(req.params.id ?? "") ?? notFound("job_not_found", `job ${req.params.id} not found`)));
  r.on("GET", "/v1/memory/episodes/:id", P_READ, (req) => (req.params.id === "ep_sandbox_1" ? json(200, { episode_id: "ep_sandbox_1", items: [{ kind: "fact", text: "The customer prefers email." }] }) : notFound("episode_not_found", `episode ${req.params.id} not found`)));

  // ── agents (behind enableAgents) ─────────────────────────────────────
  const agentsOn = (req: ArRequest) => {
    if (!req.state.agentsEnabled) throw new HttpError(arError(404, "feature_not_enabled", "agents are not enabled for this tenant (enableAgents)"));
  };
  const agent = (req: ArRequest) => {
    agentsOn(req);
    const a = req.state.agents.get(req.params.id ?? "");
    if (!a || a.project_id !== req.headers["x-project-id"]) notFound("agent_not_found", `agent ${req.params.id} not found`);
    return a;
  };
  const agentFields = (b: Record<string, unknown>, partial: boolean) => {
    if (!partial || b.name !== undefined) if (!str(b.name)) invalid("name", "required");
    if (b.description !== undefined && typeof b.description !== "string") invalid("description", "must be a string");
    if (b.config !== undefined && !isObject(b.config)) invalid("config", "must be an object");
    return Object.fromEntries(Object.entries(b).filter(([k]) => ["name", "description", "config"].includes(k)));
  };
  r.on("GET", "/v1/agents", P_VIEW, (req) => (agentsOn(req), json(200, { agents: [...req.state.agents.values()].filter((a) => a.project_id === req.headers["x-project-id"]) })));
  r.on("POST", "/v1/agents", P_WRITE, (req) => {
    agentsOn(req);
    const a = { id: req.state.id("agt"), project_id: req.headers["x-project-id"]!, ...agentFields(objectBody(req), false), created_at: req.state.nowIso() };
    req.state.agents.set(a.id, a);
    return json(201, a);
  });
  r.on("GET", "/v1/agents/:id", P_VIEW, (req) => json(200, agent(req)));
  r.on("PATCH", "/v1/agents/:id", P_WRITE, (req) => {
    const a = agent(req);
    Object.assign(a, agentFields(objectBody(req), true));
    return json(200, a);
  });
  r.on("DELETE", "/v1/agents/:id", P_WRITE, (req) => {
    req.state.agents.delete(agent(req).id);
    return { status: 204 };
  });

  // ── embedded connect and principals ──────────────────────────────────
  const principal = (req: ArRequest) => {
    const p = req.state.principals.get(req.params.id ?? "");
    if (!p || p.deleted) notFound("principal_not_found", `principal ${req.params.id} not found`);
    return p;
  };
  const principalFields = (b: Record<string, unknown>, prefix = "") => {
    if (b.email !== undefined && (!str(b.email) || !b.email.includes("@"))) invalid(`${prefix}email`, "must be an email address");
    for (const f of ["name", "team"]) if (b[f] !== undefined && typeof b[f] !== "string") invalid(`${prefix}${f}`, "must be a string");
    if (b.tags !== undefined) stringList(b.tags, `${prefix}tags`);
    return Object.fromEntries(Object.entries(b).filter(([k]) => ["email", "name", "team", "tags"].includes(k)));
  };
  const upsert = (req: ArRequest, id: string, fields: Record<string, unknown>) => {
    const old = req.state.principals.get(id);
    const p = { ...(old && !old.deleted ? old : { external_user_id: id, status: "active", deleted: false, connections: [] as unknown[] }), ...fields, deleted: false };
    req.state.principals.set(id, p);
    return p;
  };
  const view = ({ deleted: _d, ...p }: { deleted: boolean; [k: string]: unknown }) => p;
  r.on("POST", "/v1/connect/link", P_WRITE, (req) => {
    const b = objectBody(req);
    if (!str(b.external_user_id)) invalid("external_user_id", "required");
    if (!str(b.provider)) invalid("provider", "required");
    const services = stringList(b.services, "services", 1);
    upsert(req, b.external_user_id, {});
    const s = { connect_session_id: req.state.id("cs"), external_user_id: b.external_user_id, provider: b.provider, services, status: "pending", expires_at: new Date(req.now() + 3_600_000).toISOString() };
    req.state.connectSessions.set(s.connect_session_id, s);
    return json(201, { connect_url: `${req.baseUrl}/connect/${s.connect_session_id}`, connect_session_id: s.connect_session_id, expires_at: s.expires_at });
  });
  r.on("GET", "/v1/connect/sessions/:id", P_READ, (req) => json(200, req.state.connectSessions.get(req.params.id ?? "") ?? notFound("session_not_found", `connect session ${req.params.id} not found`)));
  r.on("PUT", "/v1/embedded-connect/settings", P_ADMIN, (req) => {
    const b = objectBody(req);
    if (!str(b.webhook_url) || !b.webhook_url.startsWith("https://")) invalid("webhook_url", "required https:// URL");
    if (!str(b.webhook_secret) || b.webhook_secret.length < 16) invalid("webhook_secret", "required, at least 16 characters");
    req.state.embeddedConnect = { webhook_url: b.webhook_url, webhook_secret: b.webhook_secret };
    return json(200, { webhook_url: b.webhook_url, webhook_secret_set: true });
  });
  r.on("GET", "/v1/principals", P_READ, (req) => {
    const team = req.query.get("team");
    const tag = req.query.get("tag");
    const list = [...req.state.principals.values()].filter((p) => !p.deleted && (!team || p.team === team) && (!tag || (Array.isArray(p.tags) && p.tags.includes(tag))));
    return json(200, { principals: list.map(view) });
  });
  r.on("GET", "/v1/principals/:id", P_READ, (req) => json(200, view(principal(req))));
  r.on("PUT", "/v1/principals/:id", P_WRITE, (req) => json(200, view(upsert(req, req.params.id!, principalFields(objectBody(req))))));
  r.on("POST", "/v1/principals/sync", P_WRITE, (req) => {
    const b = objectBody(req);
    if (!Array.isArray(b.principals) || b.principals.length === 0) invalid("principals", "required non-empty array");
    const done = (b.principals as unknown[]).map((x, i) => {
      if (!isObject(x) || !str(x.external_user_id)) invalid(`principals[${i}].external_user_id`, "required");
      return upsert(req, x.external_user_id, principalFields(x, `principals[${i}].`)).external_user_id;
    });
    return json(200, { upserted: done.length });
  });
  r.on("POST", "/v1/principals/:id/suspend", P_WRITE, (req) => {
    const p = principal(req);
    p.status = "suspended";
    return json(200, view(p));
  });
  r.on("DELETE", "/v1/principals/:id", P_WRITE, (req) => {
    principal(req).deleted = true;
    return { status: 204 };
  });
  r.on("POST", "/v1/principals/:id/link", P_ADMIN, (req) => {
    const p = principal(req);
    const b = objectBody(req);
    if (!str(b.user_id)) invalid("user_id", "required");
    p.linked_user_id = b.user_id;
    return json(200, view(p));
  });
  r.on("DELETE", "/v1/principals/:id/link", P_ADMIN, (req) => {
    const p = principal(req);
    if (!p.linked_user_id) notFound("link_not_found", `principal ${p.external_user_id} has no Console user link`);
    delete p.linked_user_id;
    return { status: 204 };
  });
  r.on("GET", "/v1/principal-segments", P_READ, (req) => json(200, { segments: [...req.state.segments.values()] }));
  r.on("GET", "/v1/principal-segments/:id", P_READ, (req) => json(200, req.state.segments.get(req.params.id ?? "") ?? notFound("segment_not_found", `segment ${req.params.id} not found`)));
  r.on("POST", "/v1/principal-segments", P_WRITE, (req) => {
    const b = objectBody(req);
    if (!str(b.name)) invalid("name", "required");
    if (!isObject(b.filter)) invalid("filter", "required object");
    const s = { id: req.state.id("seg"), name: b.name, filter: b.filter };
    req.state.segments.set(s.id, s);
    return json(201, s);
  });
  r.on("GET", "/v1/usage-history", P_READ, (req) => json(200, { items: [...req.state.principals.values()].filter((p) => !p.deleted).map((p) => ({ external_user_id: p.external_user_id, run_count: 0, total_delta_microcredits: 0 })) }));

  // ── billing extras ───────────────────────────────────────────────────
  r.on("GET", "/v1/billing/usage-dimensions", T_VIEW, () => json(200, { dimensions: ["workflow", "step_type", "principal"] }));
  const priceOf = (req: ArRequest) => {
    const b = objectBody(req);
    if (!str(b.stripe_price_id)) invalid("stripe_price_id", "required");
    return req.state.plans.find((p) => p.stripe_price_id === b.stripe_price_id) ?? invalid("stripe_price_id", `unknown price ${b.stripe_price_id}`);
  };
  r.on("POST", "/v1/billing/trial", T_ADMIN, (req) => {
    const plan = priceOf(req);
    if (!plan.trial_enabled) throw new HttpError(arError(409, "trial_not_available", `plan ${plan.plan_code} has no trial`));
    if (req.state.subscription.status !== "none") throw new HttpError(arError(409, "already_subscribed", "the tenant already has a subscription or trial"));
    req.state.subscription = { status: "trialing", stripe_price_id: plan.stripe_price_id, plan_code: plan.plan_code, cancel_at_period_end: false, current_period_end: new Date(req.now() + plan.trial_days * 86_400_000).toISOString() };
    return json(200, req.state.subscription);
  });
  r.on("POST", "/v1/billing/subscription/convert-trial-now", T_ADMIN, (req) => {
    if (req.state.subscription.status !== "trialing") throw new HttpError(arError(409, "no_trial", "no trial to convert"));
    req.state.subscription.status = "active";
    return json(200, req.state.subscription);
  });
  const CODES: Record<string, Record<string, unknown>> = { WELCOME50: { kind: "credits", microcredits: 50_000_000 }, PRO20: { kind: "discount", percent_off: 20 } };
  r.on("POST", "/v1/billing/codes/apply", T_ADMIN, (req) => {
    const b = objectBody(req);
    if (!str(b.code)) invalid("code", "required");
    const c = CODES[b.code] ?? notFound("code_not_found", `billing code ${b.code} not found`);
    return json(200, { applied: true, code: b.code, ...c });
  });
  r.on("POST", "/v1/billing/discounts/validate", T_ADMIN, (req) => {
    const b = objectBody(req);
    if (!str(b.code)) invalid("code", "required");
    const c = CODES[b.code];
    return json(200, c ? { valid: true, code: b.code, ...c } : { valid: false, code: b.code });
  });

  // ── PAT reveal, connection metadata, Google and WhatsApp ─────────────
  r.on("GET", "/v1/pats/:id/reveal", T_VIEW, (req) => {
    const p = [...req.state.pats.values()].find((x) => x.id === req.params.id && x.tenant_id === req.headers["x-tenant-id"] && !x.revoked);
    if (!p) notFound("pat_not_found", `PAT ${req.params.id} not found`);
    if (req.state.revealed.has(p.id)) throw new HttpError(arError(409, "already_revealed", "this PAT's token was already revealed once"));
    req.state.revealed.add(p.id);
    return json(200, { id: p.id, token: p.token });
  });
  const connection = (req: ArRequest) => {
    const c = req.state.connections.get(req.params.id ?? "");
    if (!c || c.project_id !== req.headers["x-project-id"]) notFound("connection_not_found", `connection ${req.params.id} not found`);
    return c;
  };
  r.on("GET", "/v1/connections/:id/credentials", P_READ, (req) => {
    const c = connection(req);
    return json(200, { connection_id: c.id, fields: c.credential_keys.map((k) => ({ key: k, set: true, last4: "••••" })), updated_at: c.created_at });
  });
  r.on("GET", "/v1/connections/google/config", P_READ, () => json(200, { enabled: true, services: ["gmail", "calendar", "drive"] }));
  r.on("GET", "/v1/connections/whatsapp/config", P_READ, () => json(200, { enabled: true, embedded_signup: true, manual: true }));
  r.on("GET", "/v1/connections/google/accounts/:id", P_READ, (req) => {
    const c = connection(req);
    if (c.provider !== "google") notFound("google_account_not_found", `connection ${c.id} is not a Google connection`);
    return json(200, { connection_id: c.id, email: "ops@acme.example", services: c.services ?? { gmail: true } });
  });
  r.on("PATCH", "/v1/connections/google/accounts/:id/services", P_WRITE, (req) => {
    const c = connection(req);
    if (c.provider !== "google") notFound("google_account_not_found", `connection ${c.id} is not a Google connection`);
    const b = objectBody(req);
    if (!isObject(b.services) || !Object.values(b.services).every((v) => typeof v === "boolean")) invalid("services", "required map of service → boolean");
    const services = { ...(c.services ?? { gmail: true }), ...(b.services as Record<string, boolean>) };
    c.services = services;
    return json(200, { connection_id: c.id, services });
  });
  r.on("POST", "/v1/connections/whatsapp/manual", P_WRITE, (req) => {
    const b = objectBody(req);
    for (const f of ["waba_id", "phone_number_id", "access_token"]) if (!str(b[f])) invalid(f, "required");
    if (!req.state.vaultUp) throw new HttpError(arError(503, "vault_unavailable", "secret vault unavailable; connection not created"));
    const c = { id: req.state.id("conn"), name: str(b.display_name) ? b.display_name : "WhatsApp", provider: "whatsapp", service: "whatsapp", status: "active", project_id: req.headers["x-project-id"]!, credential_keys: ["access_token"], credentials: { access_token: String(b.access_token) }, created_at: req.state.nowIso() };
    req.state.connections.set(c.id, c);
    return json(201, { id: c.id, name: c.name, provider: c.provider, status: c.status, waba_id: b.waba_id, phone_number_id: b.phone_number_id });
  });
}
