import type { Handler, Router } from "../http.js";
import { signedBalance } from "./credits.js";
import { createAgentAddress } from "./identity.js";
import { completeJob, jobStatus, listJobs, reserveJob } from "./jobs.js";
import { createSession } from "./nonces.js";
import { purchaseCredits } from "./purchase.js";
import { invokeTool, listTools } from "./tools.js";
import { activeWorkflows, endWorkflow, fetchWorkflow, listWorkflows, startWorkflow } from "./workflows.js";

export { ExternalState, type ExternalConfig, type InvokePathForm } from "./state.js";
export { JOB_IDS } from "./jobs.js";
export { PUBLIC_WORKFLOW_ID } from "./workflows.js";
export { walletBalance, creditWallet, assertAddress } from "./credits.js";
export { X402State, type X402FaultConfig, type X402SettledPayment } from "./x402-state.js";
export { loadX402Facilitator, SANDBOX_PAYEE } from "./x402.js";

/**
 * The wallet-authenticated `/api/external/*` API (seed 002). Auth is checked in the handlers
 * (signature, nonce, x402), so every route is "none" at the dispatcher; errors that happen
 * before a handler runs (404, 405, 413) use the FastAPI envelope like the rest of this origin.
 */
export function registerExternalRoutes(router: Router): void {
  const route = (method: string, pattern: string, handler: Handler) => router.add({ method, pattern, auth: "none", style: "fastapi", handler });
  route("POST", "/api/external/agentaddress", createAgentAddress);
  route("POST", "/api/external/auth/session", createSession);
  route("POST", "/api/external/credits/balance", signedBalance);
  route("POST", "/api/external/credits/purchase", purchaseCredits);
  route("POST", "/api/external/jobs/list", listJobs);
  route("POST", "/api/external/jobs/:jobId/reserve", reserveJob);
  route("POST", "/api/external/jobs/:jobId/status", jobStatus);
  route("POST", "/api/external/jobs/:jobId/complete", completeJob);
  route("GET", "/api/external/tools", listTools);
  route("POST", "/api/external/tools/:productSlug/actions/:actionSlug/invoke", invokeTool);
  route("GET", "/api/external/workflows", listWorkflows);
  route("POST", "/api/external/workflows/active", activeWorkflows);
  route("POST", "/api/external/workflows/:workflowId/start", startWorkflow);
  route("POST", "/api/external/workflows/:workflowId/fetch", fetchWorkflow);
  route("POST", "/api/external/workflows/:workflowId/end", endWorkflow);
}
