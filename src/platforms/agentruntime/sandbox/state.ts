import { createHash, randomBytes } from "node:crypto";

export type Role = "viewer" | "contributor" | "tenant_admin";
export type Scope = "workflow:read" | "workflow:run" | "mcp:execute";
export const ALL_SCOPES: readonly Scope[] = ["workflow:read", "workflow:run", "mcp:execute"];

export interface Pat {
  id: string;
  token: string;
  display_name: string;
  tenant_id: string;
  role: Role;
  scopes: Scope[];
  created_at: string;
  revoked: boolean;
}

export interface Step {
  id: string;
  type: string;
  name?: string;
  [k: string]: unknown;
}

export interface Version {
  version: number;
  workflow_id: string;
  published_at: string;
  changelog?: string;
  graph_snapshot: { steps: Step[] };
}

export interface Workflow {
  id: string;
  name: string;
  description: string;
  tenant_id: string;
  project_id: string;
  status: "draft" | "published" | "archived";
  graph: { steps: Step[] };
  run_setup: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  versions: Version[];
  overrides: { instance_id: string; connection_id: string }[];
}

export interface RunEvent {
  id: number;
  event_type: "run_started" | "step_started" | "step_completed" | "step_failed" | "step_cancelled" | "state_changed" | "run_rejected";
  step_id?: string;
  at: string;
  data: Record<string, unknown>;
  caused_by_step_id?: string;
}

export interface HumanTask {
  id: string;
  run_id: string;
  workflow_id: string;
  step_id: string;
  title: string;
  description: string;
  status: "pending" | "approved" | "rejected";
  created_at: string;
  completed_at?: string;
  result?: Record<string, unknown>;
}

export type RunStatus = "running" | "waiting" | "paused" | "completed" | "failed" | "stopped";

export interface Run {
  id: string;
  workflow_id: string;
  tenant_id: string;
  project_id: string;
  version: number;
  trigger_type: string;
  status: RunStatus;
  steps: Step[];
  cursor: number;
  /** When the current step started (or resumed): an action step ends stepMs later. */
  step_started_ms: number;
  stop_after_step: boolean;
  input: Record<string, unknown>;
  results: Record<string, unknown>;
  events: RunEvent[];
  tasks: HumanTask[];
  started_at: string;
  ended_at?: string;
  error?: string;
}

export interface Subscription {
  id: string;
  tenant_id: string;
  project_id: string;
  workflow_id: string;
  name: string;
  enabled: boolean;
  automation_pat_id?: string;
  extras: Record<string, unknown>;
  signing_secret: string;
  created_at: string;
  updated_at: string;
}

export interface Connection {
  id: string;
  name: string;
  provider: string;
  service: string;
  status: string;
  project_id: string;
  credential_keys: string[];
  /** Kept as the Vault would: never answered. */
  credentials: Record<string, string>;
  /** Google connections: which services are on. */
  services?: Record<string, boolean>;
  created_at: string;
}

export interface McpServer {
  id: string;
  name: string;
  service: string;
  canonical_url: string;
  description: string;
  status: "draft" | "active";
  auth_mode: string;
  mode: string;
  tool_count: number;
  tools: { name: string; description: string }[];
}

export interface McpInstance {
  id: string;
  server_id: string;
  name: string;
  project_id: string;
  connection_id?: string;
  status: string;
  created_at: string;
}

export interface Plan {
  plan_code: string;
  stripe_price_id: string;
  amount: number;
  currency: string;
  interval: string;
  interval_count: number;
  product_name: string;
  trial_enabled: boolean;
  trial_requires_card: boolean;
  trial_days: number;
  trial_credits_granted: number;
  onboarding_default: boolean;
  self_serve_onboarding: boolean;
}

/** Sandbox-only tokens and ids: fixed, so docs and tests can quote them. */
export const SANDBOX = Object.freeze({
  tenant: "acme",
  otherTenant: "globex",
  project: "prj_7f3c2a91",
  otherProject: "prj_0b1d4e22",
  adminToken: "pat_sbx_admin_9c4f1e7a2b6d",
  contributorToken: "ar_pat_sbx_contrib_5e8a3c1f7d20",
  viewerToken: "pat_sbx_viewer_2d7b9e4a1c63",
  readScopeToken: "pat_sbx_readscope_8f1a6c3e9b47",
  otherTenantToken: "pat_sbx_globex_4a9e2c7f1b85",
  approvalWorkflow: "wf_0a1b2c3d-order-approval",
  echoWorkflow: "wf_4e5f6a7b-echo",
  draftWorkflow: "wf_8c9d0e1f-draft-only",
  failingWorkflow: "wf_2a3b4c5d-failing",
  priceStarter: "price_sbx_starter_monthly",
  pricePro: "price_sbx_pro_monthly",
});

const iso = (ms: number) => new Date(ms).toISOString();

export interface EngineOptions {
  now: () => number;
  /** How long an action step takes. */
  stepMs: number;
}

/** The sandbox's whole world: one tenant with one project (and a second tenant, to be refused), advanced lazily on every read. */
export class ArState {
  pats = new Map<string, Pat>();
  workflows = new Map<string, Workflow>();
  runs = new Map<string, Run>();
  subscriptions = new Map<string, Subscription>();
  connections = new Map<string, Connection>();
  servers = new Map<string, McpServer>();
  instances = new Map<string, McpInstance>();
  plans: Plan[] = [];
  subscription: { status: "none" | "active" | "trialing"; stripe_price_id?: string; plan_code?: string; cancel_at_period_end: boolean; current_period_end?: string } = { status: "none", cancel_at_period_end: false };
  analyticsEnabled = true;
  vaultUp = true;
  /** The tenant's enableAgents feature flag: the agent routes are 404 without it. */
  agentsEnabled = true;
  agents = new Map<string, Record<string, unknown> & { id: string; project_id: string }>();
  principals = new Map<string, Record<string, unknown> & { external_user_id: string; status: string; deleted: boolean; linked_user_id?: string }>();
  segments = new Map<string, Record<string, unknown> & { id: string }>();
  connectSessions = new Map<string, Record<string, unknown> & { connect_session_id: string }>();
  profiles = new Map<string, Record<string, unknown> & { id: string; instance_id: string; active: boolean }>();
  memoryJobs = new Map<string, Record<string, unknown> & { job_id: string }>();
  revealed = new Set<string>();
  embeddedConnect?: { webhook_url: string; webhook_secret: string };
  private counter = 0;

  constructor(readonly opts: EngineOptions) {
    this.seed();
  }

  id(prefix: string): string {
    this.counter++;
    return `${prefix}_${createHash("sha256").update(`${prefix}:${this.counter}:${this.opts.now()}`).digest("hex").slice(0, 12)}`;
  }

  secret(prefix: string): string {
    return `${prefix}${randomBytes(24).toString("hex")}`;
  }

  nowIso(): string {
    return iso(this.opts.now());
  }

  reset(): void {
    this.pats.clear();
    this.workflows.clear();
    this.runs.clear();
    this.subscriptions.clear();
    this.connections.clear();
    this.servers.clear();
    this.instances.clear();
    this.subscription = { status: "none", cancel_at_period_end: false };
    this.analyticsEnabled = true;
    this.vaultUp = true;
    this.agentsEnabled = true;
    for (const m of [this.agents, this.principals, this.segments, this.connectSessions, this.profiles, this.memoryJobs]) m.clear();
    this.revealed.clear();
    delete this.embeddedConnect;
    this.seed();
  }

  private seed(): void {
    const at = this.nowIso();
    const pat = (id: string, token: string, tenant: string, role: Role, scopes: readonly Scope[]) =>
      this.pats.set(token, { id, token, display_name: id, tenant_id: tenant, role, scopes: [...scopes], created_at: at, revoked: false });
    pat("pat_admin", SANDBOX.adminToken, SANDBOX.tenant, "tenant_admin", ALL_SCOPES);
    pat("pat_contrib", SANDBOX.contributorToken, SANDBOX.tenant, "contributor", ALL_SCOPES);
    pat("pat_viewer", SANDBOX.viewerToken, SANDBOX.tenant, "viewer", ["workflow:read"]);
    pat("pat_readscope", SANDBOX.readScopeToken, SANDBOX.tenant, "contributor", ["workflow:read"]);
    pat("pat_globex", SANDBOX.otherTenantToken, SANDBOX.otherTenant, "tenant_admin", ALL_SCOPES);
    const wf = (id: string, name: string, steps: Step[], published: boolean) => {
      const w: Workflow = { id, name, description: `${name} (sandbox)`, tenant_id: SANDBOX.tenant, project_id: SANDBOX.project, status: published ? "published" : "draft", graph: { steps }, run_setup: {}, created_at: at, updated_at: at, versions: [], overrides: [] };
      if (published) w.versions.push({ version: 1, workflow_id: id, published_at: at, changelog: "seeded", graph_snapshot: structuredClone(w.graph) });
      this.workflows.set(id, w);
    };
    wf(SANDBOX.approvalWorkflow, "Order approval", [
      { id: "fetch_order", type: "action", name: "Fetch the order" },
      { id: "manager_approval", type: "human_task", name: "Manager approval", prompt: "Approve the refund for {{input.customer_email}}?" },
      { id: "notify", type: "action", name: "Notify the customer" },
    ], true);
    wf(SANDBOX.echoWorkflow, "Echo", [{ id: "echo", type: "action", name: "Echo the input" }], true);
    wf(SANDBOX.draftWorkflow, "Draft only", [{ id: "a", type: "action" }], false);
    wf(SANDBOX.failingWorkflow, "Failing", [{ id: "ok", type: "action" }, { id: "boom", type: "fail", name: "Always fails" }], true);
    this.plans = [
      { plan_code: "starter", stripe_price_id: SANDBOX.priceStarter, amount: 2900, currency: "usd", interval: "month", interval_count: 1, product_name: "AgentRuntime Starter", trial_enabled: true, trial_requires_card: false, trial_days: 14, trial_credits_granted: 5_000_000, onboarding_default: true, self_serve_onboarding: true },
      { plan_code: "pro", stripe_price_id: SANDBOX.pricePro, amount: 9900, currency: "usd", interval: "month", interval_count: 1, product_name: "AgentRuntime Pro", trial_enabled: false, trial_requires_card: true, trial_days: 0, trial_credits_granted: 0, onboarding_default: false, self_serve_onboarding: true },
    ];
    const srv: McpServer = { id: "mcp_srv_weather", name: "Weather", service: "weather", canonical_url: "https://weather.example.com/mcp", description: "Seeded platform server", status: "active", auth_mode: "token", mode: "third_party", tool_count: 1, tools: [{ name: "forecast", description: "Weather forecast" }] };
    this.servers.set(srv.id, srv);
  }

  // ── runs ──────────────────────────────────────────────────────────────

  private event(run: Run, event_type: RunEvent["event_type"], data: Record<string, unknown> = {}, step_id?: string, atMs = this.opts.now()): void {
    run.events.push({ id: run.events.length + 1, event_type, ...(step_id ? { step_id } : {}), at: iso(atMs), data, ...(step_id && event_type !== "step_started" ? { caused_by_step_id: step_id } : {}) });
  }

  private setStatus(run: Run, status: RunStatus, reason: string, atMs = this.opts.now()): void {
    const from = run.status;
    run.status = status;
    this.event(run, "state_changed", { from, to: status, reason }, undefined, atMs);
    if (status === "completed" || status === "failed" || status === "stopped") run.ended_at = iso(atMs);
  }

  startRun(w: Workflow, input: Record<string, unknown>, trigger: string, opts: { trigger_steps?: string[]; excluded_step_ids?: string[] } = {}): Run {
    const version = w.versions[w.versions.length - 1]!;
    let steps = structuredClone(version.graph_snapshot.steps);
    if (opts.trigger_steps?.length) {
      const first = steps.findIndex((s) => opts.trigger_steps!.includes(s.id));
      steps = first >= 0 ? steps.slice(first) : steps;
    }
    if (opts.excluded_step_ids?.length) steps = steps.filter((s) => !opts.excluded_step_ids!.includes(s.id));
    const now = this.opts.now();
    const run: Run = {
      id: this.id("run"),
      workflow_id: w.id,
      tenant_id: w.tenant_id,
      project_id: w.project_id,
      version: version.version,
      trigger_type: trigger,
      status: "running",
      steps,
      cursor: 0,
      step_started_ms: now,
      stop_after_step: false,
      input,
      results: {},
      events: [],
      tasks: [],
      started_at: iso(now),
    };
    this.event(run, "run_started", { trigger_type: trigger, version: run.version });
    if (steps[0]) this.event(run, "step_started", {}, steps[0].id);
    this.runs.set(run.id, run);
    this.advance(run);
    return run;
  }

  /** Moves a run forward to now: action steps take stepMs each; a human task stops it until completed. */
  advance(run: Run): void {
    const now = this.opts.now();
    while (run.status === "running") {
      const step = run.steps[run.cursor];
      if (!step) {
        this.setStatus(run, "completed", "all steps done", Math.min(now, run.step_started_ms));
        return;
      }
      if (step.type === "human_task") {
        if (!run.tasks.some((t) => t.step_id === step.id)) {
          const prompt = typeof step.prompt === "string" ? step.prompt.replace(/\{\{input\.([a-zA-Z0-9_]+)\}\}/g, (_, k: string) => String(run.input[k] ?? "")) : `Approve step ${step.id}?`;
          run.tasks.push({ id: this.id("task"), run_id: run.id, workflow_id: run.workflow_id, step_id: step.id, title: step.name ?? step.id, description: prompt, status: "pending", created_at: iso(run.step_started_ms) });
          this.setStatus(run, "waiting", `human task at ${step.id}`, run.step_started_ms);
        }
        return;
      }
      const ends = run.step_started_ms + this.opts.stepMs;
      if (now < ends) return;
      if (step.type === "fail") {
        this.event(run, "step_failed", { error: "step failed (sandbox fail step)" }, step.id, ends);
        run.error = `step ${step.id} failed`;
        this.setStatus(run, "failed", `step ${step.id} failed`, ends);
        return;
      }
      run.results[step.id] = { output: `${step.name ?? step.id} done`, input_seen: run.input };
      this.event(run, "step_completed", { skipped: false }, step.id, ends);
      this.nextStep(run, ends);
    }
  }

  private nextStep(run: Run, atMs: number): void {
    run.cursor++;
    run.step_started_ms = atMs;
    if (run.stop_after_step) {
      this.setStatus(run, "stopped", "graceful stop", atMs);
      return;
    }
    const next = run.steps[run.cursor];
    if (next) this.event(run, "step_started", {}, next.id, atMs);
  }

  pause(run: Run): void {
    this.advance(run);
    this.setStatus(run, "paused", "pause command");
  }

  resume(run: Run): void {
    run.step_started_ms = this.opts.now();
    this.setStatus(run, "running", "resume command");
    this.advance(run);
  }

  stop(run: Run, mode: "immediate" | "graceful"): void {
    this.advance(run);
    if (mode === "graceful" && run.status === "running") {
      run.stop_after_step = true;
      return;
    }
    const step = run.steps[run.cursor];
    if (step) this.event(run, "step_cancelled", { reason: "stop command" }, step.id);
    for (const t of run.tasks) if (t.status === "pending") t.status = "rejected";
    this.setStatus(run, "stopped", `stop (${mode})`);
  }

  completeTask(run: Run, task: HumanTask, approved: boolean, result: Record<string, unknown> | undefined): void {
    const now = this.opts.now();
    task.status = approved ? "approved" : "rejected";
    task.completed_at = iso(now);
    if (result) task.result = result;
    run.results[task.step_id] = { approved, ...(result ?? {}) };
    if (!approved) {
      this.event(run, "step_failed", { reason: "rejected" }, task.step_id);
      run.error = `human task ${task.id} rejected`;
      this.setStatus(run, "failed", "human task rejected");
      return;
    }
    this.event(run, "step_completed", { approved: true }, task.step_id);
    this.setStatus(run, "running", "human task approved");
    this.nextStep(run, now);
    this.advance(run);
  }

  summary(run: Run): Record<string, unknown> {
    this.advance(run);
    const done = Object.keys(run.results).length;
    const phase = { running: "executing", waiting: "awaiting_human", paused: "paused", completed: "finished", failed: "finished", stopped: "finished" }[run.status];
    return {
      run_id: run.id,
      workflow_id: run.workflow_id,
      version: run.version,
      status: run.status,
      orchestration_phase: phase,
      run_complete: run.status === "completed" || run.status === "failed" || run.status === "stopped",
      current_step_id: run.steps[run.cursor]?.id ?? null,
      steps_completed: done,
      steps_total: run.steps.length,
      started_at: run.started_at,
      ...(run.ended_at ? { ended_at: run.ended_at } : {}),
      ...(run.error ? { error: run.error } : {}),
    };
  }

  runView(run: Run): Record<string, unknown> {
    this.advance(run);
    return { run_id: run.id, workflow_id: run.workflow_id, status: run.status, trigger_type: run.trigger_type, version: run.version, started_at: run.started_at, ...(run.ended_at ? { ended_at: run.ended_at } : {}) };
  }
}
