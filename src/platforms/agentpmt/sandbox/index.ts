import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
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
import { errorResponse, HttpError, Router, type RequestContext, type SandboxResponse } from "./http.js";
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

export interface SandboxFault {
  method?: string;
  /** Exact path, or a prefix ending in '*'. Query strings are not part of the match. */
  path: string;
  delayMs?: number;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** How many requests the fault applies to. Default: unlimited. */
  times?: number;
}

export interface SandboxRequestRecord {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: string;
  status: number;
  at: number;
}

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

const MAX_BODY_BYTES = 1024 * 1024;
/** Past this we stop draining an oversized upload and drop the connection. */
const HARD_BODY_CAP_BYTES = 32 * 1024 * 1024;
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

function lowercaseHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

type BodyResult = { kind: "ok"; body: Buffer } | { kind: "too_large" } | { kind: "aborted" };

/**
 * Reads the body but keeps at most MAX_BODY_BYTES. An oversized body is drained rather than
 * cut off, so the client sees a clean 413 instead of a reset connection.
 */
function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > HARD_BODY_CAP_BYTES) {
        req.destroy();
        finish({ kind: "aborted" });
      }
    });
    req.on("end", () => finish(size > MAX_BODY_BYTES ? { kind: "too_large" } : { kind: "ok", body: Buffer.concat(chunks) }));
    req.on("error", () => finish({ kind: "aborted" }));
    req.on("close", () => finish({ kind: "aborted" }));
  });
}

function splitUrl(rawUrl: string): { path: string; query: string } {
  // Split by hand: `new URL("//x", base)` would read "//x" as a host.
  const withoutFragment = rawUrl.split("#")[0]!;
  const q = withoutFragment.indexOf("?");
  return q === -1
    ? { path: withoutFragment, query: "" }
    : { path: withoutFragment.slice(0, q), query: withoutFragment.slice(q + 1) };
}

function faultMatches(f: SandboxFault, method: string, path: string): boolean {
  if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) return false;
  return f.path.endsWith("*") ? path.startsWith(f.path.slice(0, -1)) : path === f.path;
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
  const requests: SandboxRequestRecord[] = [];
  let faults: SandboxFault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let closed = false;
  let baseUrl = "";
  let apiBaseUrl = "";
  const split = opts.splitHosts === true;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      timers.add(entry);
    });

  const send = (res: ServerResponse, record: SandboxRequestRecord, r: SandboxResponse, extraHeaders?: Record<string, string>) => {
    if (res.headersSent || res.destroyed) return;
    if (r.destroySocket) {
      // x402 fault dropAfterSettle: the connection dies without an answer (record.status stays 0).
      res.destroy();
      return;
    }
    const payload = r.raw ?? JSON.stringify(r.json ?? null);
    const headers: Record<string, string> = {
      "content-type": r.contentType ?? (r.raw !== undefined ? "text/plain; charset=utf-8" : "application/json"),
      ...r.headers,
      ...extraHeaders,
      "content-length": String(Buffer.byteLength(payload)),
    };
    // Set before writing: tests read the record as soon as their fetch resolves.
    record.status = r.status;
    res.writeHead(r.status, headers);
    res.end(payload);
  };

  const takeFault = (method: string, path: string): SandboxFault | undefined => {
    const f = faults.find((x) => faultMatches(x, method, path));
    if (!f) return undefined;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) faults = faults.filter((x) => x !== f);
    }
    return f;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, host: SandboxHost | "both") => {
    const method = (req.method ?? "GET").toUpperCase();
    const { path, query } = splitUrl(req.url ?? "/");
    const headers = lowercaseHeaders(req);
    const record: SandboxRequestRecord = { method, path, query, headers, body: "", status: 0, at: config.now() };
    requests.push(record);
    res.on("finish", () => {
      if (record.status === 0) record.status = res.statusCode;
    });

    const body = await readBody(req);
    if (body.kind === "aborted" || closed) return;
    if (body.kind === "too_large") {
      send(res, record, errorResponse(router.styleFor(path), 413, "payload_too_large", `Request body exceeds ${MAX_BODY_BYTES} bytes.`));
      return;
    }
    record.body = body.body.toString("utf8");

    let faultHeaders: Record<string, string> | undefined;
    const fault = takeFault(method, path);
    if (fault) {
      if (fault.delayMs !== undefined && fault.delayMs > 0) await sleep(fault.delayMs);
      if (closed) return;
      if (fault.status !== undefined || fault.body !== undefined) {
        send(res, record, {
          status: fault.status ?? 200,
          raw: fault.body ?? JSON.stringify({ detail: "Sandbox injected fault" }),
          contentType: fault.contentType ?? "application/json",
          ...(fault.headers ? { headers: fault.headers } : {}),
        });
        return;
      }
      faultHeaders = fault.headers;
    }

    if (host !== "both" && hostForPath(path) !== host) {
      const other = host === "api" ? "www. (AGENTPMT_WEB_URL)" : "api. (AGENTPMT_API_URL)";
      send(res, record, errorResponse("fastapi", 404, "not_found", `Not Found: ${path} is served by the ${other} host, not this one.`), faultHeaders);
      return;
    }
    const match = router.resolve(method, path);
    if (match.kind === "not_found") {
      send(res, record, errorResponse("fastapi", 404, "not_found", "Not Found"), faultHeaders);
      return;
    }
    if (match.kind === "method_not_allowed") {
      send(res, record, errorResponse(match.style, 405, "method_not_allowed", "Method Not Allowed", { allow: match.allow.join(", ") }), faultHeaders);
      return;
    }
    const { route, params } = match;
    if (route.auth === "bearer" && !isValidBearer(headers.authorization, config.credentials)) {
      const message = route.style === "webhook" ? "Missing or invalid bearer token" : "Invalid or missing bearer token";
      send(res, record, errorResponse(route.style, 401, "unauthorized", message, { "www-authenticate": "Bearer" }), faultHeaders);
      return;
    }
    const ctx: RequestContext = {
      method,
      path,
      query: new URLSearchParams(query),
      headers,
      body: body.body,
      params,
      baseUrl: host === "api" ? apiBaseUrl : baseUrl,
      remoteAddress: req.socket.remoteAddress ?? "unknown",
      state,
      now: config.now,
      sleep,
    };
    let response: SandboxResponse;
    try {
      response = await route.handler(ctx);
    } catch (err) {
      if (err instanceof HttpError) response = err.response;
      else {
        process.stderr.write(`[agentpmt sandbox] ${method} ${path} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
        response = errorResponse(route.style, 500, "internal_error", route.style === "fastapi" ? "Internal Server Error" : "Unexpected sandbox error.");
      }
    }
    send(res, record, response, faultHeaders);
  };

  const sockets2 = sockets;
  const makeServer = (host: SandboxHost | "both") => {
    const srv = createServer((req, res) => {
      handle(req, res, host).catch((err: unknown) => {
        process.stderr.write(`[agentpmt sandbox] unhandled: ${String(err)}\n`);
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ detail: "Internal Server Error" }));
        }
      });
    });
    srv.on("connection", (socket: Socket) => {
      sockets2.add(socket);
      socket.on("close", () => sockets2.delete(socket));
    });
    return srv;
  };
  const listen = (srv: ReturnType<typeof createServer>, port: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, host, () => {
        srv.off("error", reject);
        const address = srv.address();
        if (address === null || typeof address === "string") reject(new Error("sandbox: unexpected server address"));
        else resolve(address.port);
      });
    });
  const server = makeServer(split ? "web" : "both");
  const apiServer = split ? makeServer("api") : undefined;
  const port = await listen(server, opts.port ?? 0);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  baseUrl = `http://${hostPart}:${port}`;
  apiBaseUrl = apiServer ? `http://${hostPart}:${await listen(apiServer, 0)}` : baseUrl;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      closed = true;
      for (const t of timers) {
        clearTimeout(t.timer);
        t.wake();
      }
      timers.clear();
      let open = apiServer ? 2 : 1;
      const done = () => {
        open -= 1;
        if (open === 0) resolve();
      };
      server.close(done);
      apiServer?.close(done);
      // Keep-alive and in-flight connections would otherwise hold close() open.
      server.closeAllConnections();
      apiServer?.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

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
    addFault(f: SandboxFault) {
      if (typeof f.path !== "string" || f.path === "") throw new TypeError("addFault: path is required");
      if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) throw new RangeError("addFault: times must be a positive integer");
      faults.push({ ...f, ...(f.headers ? { headers: { ...f.headers } } : {}) });
    },
    clearFaults() {
      faults = [];
    },
    reset() {
      state.reset();
      faults = [];
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
