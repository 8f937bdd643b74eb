import { createSandboxHttp, type SandboxFault, type SandboxRequestRecord } from "../../../sandbox-kit/server.js";
import { arError, Router, type ArRequest } from "./http.js";
import { registerExtraRoutes } from "./routes-extra.js";
import { registerRoutes } from "./routes.js";
import { ArState, SANDBOX, type Role } from "./state.js";

export { SANDBOX } from "./state.js";
export type { SandboxFault, SandboxRequestRecord } from "../../../sandbox-kit/server.js";

export interface ArSandboxOptions {
  port?: number;
  host?: string;
  /** How long each action step of a run takes. Default 300 ms. */
  stepMs?: number;
  now?: () => number;
  /** Answer the run summary route with 404, as a platform that has only the Platform MCP's poll might. */
  noSummaryRoute?: boolean;
}

export interface ArSandbox {
  url: string;
  tokens: { admin: string; contributor: string; viewer: string; readScope: string; otherTenant: string };
  tenant: string;
  project: string;
  ids: { approvalWorkflow: string; echoWorkflow: string; draftWorkflow: string; failingWorkflow: string; priceStarter: string; pricePro: string; mcpServer: string };
  requests: SandboxRequestRecord[];
  addFault(f: SandboxFault): void;
  clearFaults(): void;
  /** Answer the analytics routes with 503, as a deployment without analytics does. */
  setAnalytics(enabled: boolean): void;
  /** Answer Vault-backed writes (webhook and connection secrets) with 503. */
  setVault(up: boolean): void;
  /** The tenant's enableAgents flag (the agent routes answer 404 without it). */
  setAgents(enabled: boolean): void;
  /** Test-only: the embedded-connect webhook secret as the platform stored it. */
  embeddedConnectSecret(): string | undefined;
  /** Test-only: every signing secret and token the sandbox handed out (to prove none reached the model). */
  issuedSecrets(): string[];
  /** Test-only: the credentials the Vault holds for a connection. */
  vaultCredentials(connectionId: string): Record<string, string> | undefined;
  reset(): void;
  close(): Promise<void>;
}

const RANK: Record<Role, number> = { viewer: 0, contributor: 1, tenant_admin: 2 };

/** A strict local AgentRuntime: the PAT, tenant and project headers, role and scope are checked per route before any handler runs. */
export async function startAgentruntimeSandbox(opts: ArSandboxOptions = {}): Promise<ArSandbox> {
  const now = opts.now ?? Date.now;
  const state = new ArState({ now, stepMs: opts.stepMs ?? 300 });
  const router = new Router();
  registerRoutes(router);
  registerExtraRoutes(router);
  const kit = createSandboxHttp<"api">({
    name: "agentruntime sandbox",
    ...(opts.host ? { host: opts.host } : {}),
    now,
    errorFor: (_path, status, message) => arError(status, status === 413 ? "payload_too_large" : "internal_error", message),
    defaultFaultBody: JSON.stringify({ error: "unavailable", message: "dependency unavailable (sandbox fault)" }),
    dispatch: async (req) => {
      const match = router.resolve(req.method, req.path);
      if (match.kind === "not_found") return arError(404, "not_found", `no route ${req.method} ${req.path}`);
      if (match.kind === "method_not_allowed") return arError(405, "method_not_allowed", "method not allowed", undefined, { allow: match.allow.join(", ") });
      if (opts.noSummaryRoute && req.method === "GET" && /^\/v1\/workflows\/[^/]+\/runs\/[^/]+\/summary$/.test(req.path)) return arError(404, "not_found", `no route GET ${req.path}`);
      const access = router.access.get(match.route.auth)!;
      const ctx: ArRequest = { ...req, params: match.params, state };
      if (access.scope === "ingress") return match.route.handler(ctx);
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token) return arError(401, "unauthorized", "missing bearer token (Authorization: Bearer pat_…)", undefined, { "www-authenticate": "Bearer" });
      const pat = state.pats.get(token);
      if (!pat || pat.revoked) return arError(401, "unauthorized", "invalid or revoked personal access token", undefined, { "www-authenticate": "Bearer" });
      const tenant = req.headers["x-tenant-id"];
      if (!tenant) return arError(400, "missing_tenant", "X-Tenant-Id header is required");
      if (tenant !== pat.tenant_id) return arError(403, "tenant_forbidden", `the PAT does not belong to tenant ${tenant}`);
      const project = req.headers["x-project-id"];
      if (access.scope === "project") {
        if (!project) return arError(400, "missing_project", "X-Project-Id header is required");
        if (project !== SANDBOX.project && project !== SANDBOX.otherProject) return arError(404, "project_not_found", `project ${project} not found in tenant ${tenant}`);
      }
      if (RANK[pat.role] < RANK[access.role]) return arError(403, "insufficient_role", `this needs the ${access.role} role; the PAT's owner is ${pat.role}`, { required_role: access.role });
      if (!pat.scopes.includes(access.patScope)) return arError(403, "insufficient_scope", `this needs the ${access.patScope} scope`, { required_scope: access.patScope });
      return match.route.handler({ ...ctx, pat });
    },
  });
  const { url } = await kit.listen("api", opts.port ?? 0);
  return {
    url,
    tokens: { admin: SANDBOX.adminToken, contributor: SANDBOX.contributorToken, viewer: SANDBOX.viewerToken, readScope: SANDBOX.readScopeToken, otherTenant: SANDBOX.otherTenantToken },
    tenant: SANDBOX.tenant,
    project: SANDBOX.project,
    ids: { approvalWorkflow: SANDBOX.approvalWorkflow, echoWorkflow: SANDBOX.echoWorkflow, draftWorkflow: SANDBOX.draftWorkflow, failingWorkflow: SANDBOX.failingWorkflow, priceStarter: SANDBOX.priceStarter, pricePro: SANDBOX.pricePro, mcpServer: "mcp_srv_weather" },
    requests: kit.requests,
    addFault: (f) => kit.addFault(f),
    clearFaults: () => kit.clearFaults(),
    setAnalytics: (enabled) => void (state.analyticsEnabled = enabled),
    setVault: (up) => void (state.vaultUp = up),
    setAgents: (enabled) => void (state.agentsEnabled = enabled),
    embeddedConnectSecret: () => state.embeddedConnect?.webhook_secret,
    issuedSecrets: () => [...[...state.subscriptions.values()].map((s) => s.signing_secret), ...[...state.pats.values()].map((p) => p.token)],
    vaultCredentials: (id) => state.connections.get(id)?.credentials,
    reset() {
      state.reset();
      kit.clearFaults();
      kit.requests.length = 0;
    },
    close: () => kit.close(),
  };
}
