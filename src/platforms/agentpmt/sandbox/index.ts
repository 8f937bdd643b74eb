import { createSandboxHttp, type SandboxFault, type SandboxRequestRecord } from "../../../sandbox-kit/server.js";
import { registerAccountRoutes } from "./account.js";
import { isValidBearer } from "./auth.js";
import { registerEmbedRoutes } from "./embed.js";
import type { Catalog } from "./catalog.js";
import {
  assertAddress,
  creditWallet,
  JOB_IDS,
  loadX402Facilitator,
  PUBLIC_WORKFLOW_ID,
  registerExternalRoutes,
  SANDBOX_PAYEE,
  walletBalance,
  type InvokePathForm,
  type X402FaultConfig,
  type X402SettledPayment,
} from "./external/index.js";
import { errorResponse, Router } from "./http.js";
import { SandboxState, type SandboxCredentials } from "./state.js";
import { registerWebhookRoutes } from "./webhooks.js";
import { registerScheduleRoutes, SCHEDULE_IDS } from "./schedules.js";
import { callbackDeliveries, type CallbackRecord } from "./runs.js";
import { resolveVariant, type SandboxVariant } from "./variants.js";

export { ALTERNATE_VARIANT, DOCUMENTED_VARIANT, variantFromSeed, variantsForRun, type SandboxVariant } from "./variants.js";

export interface SandboxOptions {
  /** Default 0: a random free port. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** How long a webhook run takes from queued to terminal. Default 3000. */
  runDurationMs?: number;
  /** Time a run spends queued before running. Default min(250, runDurationMs / 4). */
  queuedMs?: number;
  /** Credit balance of the sandbox account. Default 5000. */
  initialCredits?: number;
  /** Clock. Default Date.now. */
  now?: () => number;
  /** Lifetime of an `/api/external/auth/session` nonce. Default 600000 (10 min). */
  nonceTtlMs?: number;
  /** One `POST /api/external/agentaddress` per caller IP per this many ms. Default 60000. */
  agentAddressIntervalMs?: number;
  /** Credits a wallet holds when the external API first sees it. Default 1000. */
  initialWalletCredits?: number;
  /**
   * The `path:` line an invoke signature must carry: 'external' (documented,
   * `/external/tools/...`, default) or 'api' (`/api/external/tools/...`). With 'api' a client
   * signing the documented form gets EXTERNAL_SIGNATURE_MALFORMED + expected_message.
   */
  invokePathForm?: InvokePathForm;
  /** How to answer what the seeds leave open (listing shape, payload convention, challenge form, schedule bearer). Default: the documented/decided reading. */
  variant?: Partial<SandboxVariant>;
  /**
   * Serve the two platform origins on two ports, as the real hosts are two: api. (account
   * API, health) and www. (`/api/...`, embeds). A request on the wrong one is a 404, so a
   * tool sent to the wrong host fails. Default false (one port serves both).
   */
  splitHosts?: boolean;
}

export type SandboxHost = "api" | "web";

/** Which origin serves `path`: www. serves `/api/...` and the embeds, api. everything else (seeds 000-002). */
export function hostForPath(path: string): SandboxHost {
  return path.startsWith("/api/") || path === "/embed.js" || path.startsWith("/embed/") ? "web" : "api";
}

export type { SandboxFault, SandboxRequestRecord } from "../../../sandbox-kit/server.js";

export interface Sandbox {
  /** The www. origin (and, unless splitHosts, the api. one too). */
  url: string;
  port: number;
  /** The api. origin: equal to url unless splitHosts. */
  apiUrl: string;
  /** The www. origin: equal to url. */
  webUrl: string;
  credentials: { bearerToken: string; apiKey: string; budgetKey: string };
  /** The catalog's anchor ids (workflow, slowWorkflow, …, product, expensiveProduct) plus the ones below. */
  ids: Catalog["anchors"] & {
    /** External API: a plain job (reward 50 credits). */
    job: string;
    /** External API: a social_share job (needs social_posts). */
    socialJob: string;
    /** External API: a workflow listed only by GET /api/external/workflows. */
    publicWorkflow: string;
    /** External API: a cheap action (1 credit) whose parameters are all optional. */
    productSlug: string;
    actionSlug: string;
    /** External API: an action priced above initialWalletCredits. */
    expensiveProductSlug: string;
    expensiveActionSlug: string;
    /** BYO-agent schedule, due at start (hourly recurrence). */
    schedule: string;
    /** BYO-agent schedule for claim races, due at start. */
    raceSchedule: string;
    /** BYO-agent schedule that tests leave unclaimed, due at start. */
    unclaimedSchedule: string;
  };
  /** Live counters of the external API; reset() zeroes them. */
  external: { readonly sessionFetches: number; readonly verifiedRequests: number; readonly replayedRequestIds: number; readonly invocations: number };
  /** Adds credits to a wallet of the external API (address in any case). */
  grantWalletCredits(address: string, credits: number): void;
  /** A wallet's external-API credit balance (initialWalletCredits for a wallet never seen). */
  walletBalance(address: string): number;
  /** Forgets every issued session nonce, as a platform restart would: the next signed call meets NONCE_INVALID. */
  forgetNonces(): void;
  /** The mnemonics agentaddress has handed out (test-only: to prove none leaks from the client). */
  issuedMnemonics(): string[];
  /** Webhook callbacks the platform would have delivered: one per terminal run with a callback_url (no outbound request is made). */
  readonly callbacks: ReadonlyArray<CallbackRecord>;
  requests: SandboxRequestRecord[];
  addFault(f: SandboxFault): void;
  clearFaults(): void;
  /** x402 (live): every settled payment (the fake chain's ledger) and how many payments were refused with a 402. reset() clears both. */
  x402: { readonly settled: ReadonlyArray<X402SettledPayment>; readonly rejected: number };
  /** Fault modes of requests carrying an x402 payment; reset() clears them. */
  x402Faults: { set(f: X402FaultConfig): void; clear(): void };
  /** The variant this sandbox plays (variants.ts). */
  variant: Readonly<SandboxVariant>;
  /** The payTo address of every sandbox x402 requirement. */
  payee: string;
  /** Back to the seeded state: credits, runs, issues, instances, external-API state and counters, recorded requests and faults. */
  reset(): void;
  balance(): number;
  close(): Promise<void>;
}

export const SANDBOX_CREDENTIALS: Readonly<SandboxCredentials> = Object.freeze({
  bearerToken: "sandbox-bearer-token",
  apiKey: "sandbox-api-key",
  budgetKey: "sandbox-budget-key",
});

const SLOW_WORKFLOW_MS = 120_000;

function buildRouter(): Router {
  const router = new Router();
  registerAccountRoutes(router);
  registerWebhookRoutes(router);
  registerEmbedRoutes(router);
  registerExternalRoutes(router);
  registerScheduleRoutes(router);
  return router;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  await loadX402Facilitator(); // fails here, saying what to install, rather than on the first x402 payment
  const host = opts.host ?? "127.0.0.1";
  const runDurationMs = opts.runDurationMs ?? 3000;
  const config = {
    runDurationMs,
    queuedMs: opts.queuedMs ?? Math.min(250, runDurationMs / 4),
    slowRunDurationMs: SLOW_WORKFLOW_MS,
    initialCredits: opts.initialCredits ?? 5000,
    now: opts.now ?? Date.now,
    credentials: { ...SANDBOX_CREDENTIALS },
    external: {
      nonceTtlMs: opts.nonceTtlMs ?? 600_000,
      agentAddressIntervalMs: opts.agentAddressIntervalMs ?? 60_000,
      initialWalletCredits: opts.initialWalletCredits ?? 1000,
      invokePathForm: opts.invokePathForm ?? "external",
      variant: resolveVariant(opts.variant),
    },
  };
  const ext = config.external;
  for (const [name, value] of Object.entries({
    runDurationMs: config.runDurationMs,
    queuedMs: config.queuedMs,
    initialCredits: config.initialCredits,
    agentAddressIntervalMs: ext.agentAddressIntervalMs,
    initialWalletCredits: ext.initialWalletCredits,
  })) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`startSandbox: ${name} must be a non-negative number`);
  }
  if (!Number.isInteger(config.initialCredits)) throw new RangeError("startSandbox: initialCredits must be an integer");
  if (!Number.isInteger(ext.initialWalletCredits)) throw new RangeError("startSandbox: initialWalletCredits must be an integer");
  if (!Number.isFinite(ext.nonceTtlMs) || ext.nonceTtlMs <= 0) throw new RangeError("startSandbox: nonceTtlMs must be a positive number");
  if (ext.invokePathForm !== "external" && ext.invokePathForm !== "api") throw new RangeError("startSandbox: invokePathForm must be 'external' or 'api'");

  const state = new SandboxState(config);
  const router = buildRouter();
  const split = opts.splitHosts === true;
  const kit = createSandboxHttp<SandboxHost | "both">({
    name: "agentpmt sandbox",
    host,
    now: config.now,
    errorFor: (path, status, message) =>
      status === 413 ? errorResponse(router.styleFor(path), 413, "payload_too_large", message) : errorResponse(router.styleFor(path), 500, "internal_error", router.styleFor(path) === "fastapi" ? "Internal Server Error" : message),
    dispatch: async (req, tag) => {
      const { method, path, headers } = req;
      if (tag !== "both" && hostForPath(path) !== tag) {
        const other = tag === "api" ? "www. (AGENTPMT_WEB_URL)" : "api. (AGENTPMT_API_URL)";
        return errorResponse("fastapi", 404, "not_found", `Not Found: ${path} is served by the ${other} host, not this one.`);
      }
      const match = router.resolve(method, path);
      if (match.kind === "not_found") return errorResponse("fastapi", 404, "not_found", "Not Found");
      if (match.kind === "method_not_allowed") return errorResponse(match.style, 405, "method_not_allowed", "Method Not Allowed", { allow: match.allow.join(", ") });
      const { route, params } = match;
      if (route.auth === "bearer" && !isValidBearer(headers.authorization, config.credentials)) {
        const message = route.style === "webhook" ? "Missing or invalid bearer token" : "Invalid or missing bearer token";
        return errorResponse(route.style, 401, "unauthorized", message, { "www-authenticate": "Bearer" });
      }
      return route.handler({ ...req, params, state });
    },
  });
  const web = await kit.listen(split ? "web" : "both", opts.port ?? 0);
  const baseUrl = web.url;
  const port = web.port;
  const apiBaseUrl = split ? (await kit.listen("api", 0)).url : baseUrl;
  const requests = kit.requests;
  const close = () => kit.close();

  const a = state.catalog.anchors;
  const echo = state.catalog.productsById.get(a.product)!;
  const premium = state.catalog.productsById.get(a.expensiveProduct)!;
  const counters = state.external.counters;
  return {
    url: baseUrl,
    port,
    apiUrl: apiBaseUrl,
    webUrl: baseUrl,
    credentials: { ...config.credentials },
    ids: {
      workflow: a.workflow,
      slowWorkflow: a.slowWorkflow,
      failingWorkflow: a.failingWorkflow,
      setupRequiredWorkflow: a.setupRequiredWorkflow,
      notOnBudgetWorkflow: a.notOnBudgetWorkflow,
      bundle: a.bundle,
      product: a.product,
      expensiveProduct: a.expensiveProduct,
      job: JOB_IDS.job,
      socialJob: JOB_IDS.socialJob,
      publicWorkflow: PUBLIC_WORKFLOW_ID,
      productSlug: echo.slug,
      actionSlug: echo.actions.find((x) => x.name === "echo")!.slug,
      expensiveProductSlug: premium.slug,
      expensiveActionSlug: premium.actions[0]!.slug,
      schedule: SCHEDULE_IDS.schedule,
      raceSchedule: SCHEDULE_IDS.raceSchedule,
      unclaimedSchedule: SCHEDULE_IDS.unclaimedSchedule,
    },
    external: {
      get sessionFetches() {
        return counters.sessionFetches;
      },
      get verifiedRequests() {
        return counters.verifiedRequests;
      },
      get replayedRequestIds() {
        return counters.replayedRequestIds;
      },
      get invocations() {
        return counters.invocations;
      },
    },
    grantWalletCredits(address: string, credits: number) {
      assertAddress(address, "grantWalletCredits");
      if (!Number.isInteger(credits) || credits < 0) throw new RangeError("grantWalletCredits: credits must be a non-negative integer");
      creditWallet(state.external, address, credits);
    },
    walletBalance(address: string) {
      assertAddress(address, "walletBalance");
      return walletBalance(state.external, address);
    },
    forgetNonces() {
      state.external.nonces.clear();
    },
    get callbacks(): ReadonlyArray<CallbackRecord> {
      return callbackDeliveries(state.runs.values(), config.now());
    },
    issuedMnemonics() {
      return [...state.external.issuedMnemonics];
    },
    requests,
    addFault: (f) => kit.addFault(f),
    clearFaults: () => kit.clearFaults(),
    reset() {
      state.reset();
      kit.clearFaults();
      requests.length = 0;
    },
    x402: {
      get settled(): ReadonlyArray<X402SettledPayment> {
        return state.external.x402.settled;
      },
      get rejected() {
        return state.external.x402.rejected;
      },
    },
    x402Faults: {
      set(f: X402FaultConfig) {
        state.external.x402.setFaults(f);
      },
      clear() {
        state.external.x402.clearFaults();
      },
    },
    variant: Object.freeze({ ...config.external.variant }),
    payee: SANDBOX_PAYEE,
    balance: () => state.credits.balance(),
    close,
  };
}
