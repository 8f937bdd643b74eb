import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { recoverMessageAddress } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectedMessage, payloadHashOf, type VerifyScope } from "../../src/platforms/agentpmt/sandbox/external/verify.js";
import { startSandbox, type Sandbox } from "../../src/platforms/agentpmt/sandbox/index.js";
import {
  addressFromPrivateKey,
  buildSignedMessage,
  canonicalJson,
  invokePath,
  payloadHash,
  pickPayload,
  signMessageWithKey,
  type InvokePathVariant,
  type SigningScope,
} from "../../src/platforms/agentpmt/wallet/index.js";

type Hex = `0x${string}`;

// Well-known throwaway dev keys (anvil accounts 0 and 1).
const KEY_A: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEY_B: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function request(sb: Sandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(sb.url + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").startsWith("application/json")) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One signed endpoint: where it lives and what its message binds (contracts §2 table). */
type Endpoint =
  | { kind: "scoped"; path: string; action: string; product: string; fields: readonly string[] | null }
  | { kind: "invoke"; productSlug: string; actionSlug: string; variant?: InvokePathVariant };

const EP = {
  balance: { kind: "scoped", path: "/api/external/credits/balance", action: "balance", product: "-", fields: null } as Endpoint,
  jobsList: { kind: "scoped", path: "/api/external/jobs/list", action: "job_list", product: "-", fields: ["limit", "skip"] } as Endpoint,
  reserve: (id: string): Endpoint => ({ kind: "scoped", path: `/api/external/jobs/${id}/reserve`, action: "job_reserve", product: id, fields: [] }),
  status: (id: string): Endpoint => ({ kind: "scoped", path: `/api/external/jobs/${id}/status`, action: "job_status", product: id, fields: [] }),
  complete: (id: string): Endpoint => ({
    kind: "scoped",
    path: `/api/external/jobs/${id}/complete`,
    action: "job_complete",
    product: id,
    fields: ["proof_text", "reservation_id", "social_posts"],
  }),
  wfStart: (id: string): Endpoint => ({ kind: "scoped", path: `/api/external/workflows/${id}/start`, action: "workflow_start", product: id, fields: ["instance_id"] }),
  wfFetch: (id: string): Endpoint => ({ kind: "scoped", path: `/api/external/workflows/${id}/fetch`, action: "workflow_fetch", product: id, fields: null }),
  wfEnd: (id: string): Endpoint => ({ kind: "scoped", path: `/api/external/workflows/${id}/end`, action: "workflow_end", product: id, fields: ["workflow_session_id"] }),
  wfActive: { kind: "scoped", path: "/api/external/workflows/active", action: "workflow_active", product: "-", fields: ["instance_id"] } as Endpoint,
  invoke: (productSlug: string, actionSlug: string, variant?: InvokePathVariant): Endpoint => ({ kind: "invoke", productSlug, actionSlug, ...(variant ? { variant } : {}) }),
};

function urlOf(ep: Endpoint): string {
  return ep.kind === "scoped" ? ep.path : `/api/external/tools/${ep.productSlug}/actions/${ep.actionSlug}/invoke`;
}

/** A test client built on the client's own signing helpers (src/wallet), to cross-check both sides. */
class Agent {
  nonce: string | undefined;
  constructor(readonly sb: Sandbox, readonly key: Hex) {}

  get wallet(): Hex {
    return addressFromPrivateKey(this.key);
  }

  async newNonce(): Promise<string> {
    const r = await request(this.sb, "POST", "/api/external/auth/session", { wallet_address: this.wallet });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    this.nonce = r.body.data.session_nonce as string;
    return this.nonce;
  }

  message(ep: Endpoint, fields: Record<string, unknown>, nonce: string, requestId: string): string {
    const scope: SigningScope =
      ep.kind === "scoped"
        ? { shape: "scoped", action: ep.action, product: ep.product, payload: pickPayload(fields, ep.fields) }
        : { shape: "path", method: "POST", path: invokePath(ep.productSlug, ep.actionSlug, ep.variant ?? "external"), payload: fields.parameters as Record<string, unknown> };
    return buildSignedMessage({ wallet: this.wallet, sessionNonce: nonce, requestId, scope });
  }

  /** The full signed body; `signer` signs instead of the agent's own key (to forge a mismatch). */
  async body(ep: Endpoint, fields: Record<string, unknown> = {}, opts: { requestId?: string; nonce?: string; signer?: Hex } = {}): Promise<Record<string, unknown>> {
    const nonce = opts.nonce ?? this.nonce ?? (await this.newNonce());
    const requestId = opts.requestId ?? randomUUID();
    const signature = await signMessageWithKey(opts.signer ?? this.key, this.message(ep, fields, nonce, requestId));
    return { wallet_address: this.wallet, session_nonce: nonce, request_id: requestId, signature, ...fields };
  }

  async call(ep: Endpoint, fields: Record<string, unknown> = {}, opts: { requestId?: string; nonce?: string; signer?: Hex; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
    return request(this.sb, "POST", urlOf(ep), await this.body(ep, fields, opts), opts.headers);
  }
}

interface VectorCase {
  name: string;
  request_id: string;
  shape: "scoped" | "path";
  action?: string;
  product?: string;
  method?: string;
  path?: string;
  payload_object: Record<string, unknown> | null;
  canonical_json: string | null;
  payload_hash: string;
  message: string;
  signature: Hex;
}

const vectors = JSON.parse(readFileSync(new URL("../fixtures/vectors.json", import.meta.url), "utf8")) as {
  private_key: Hex;
  address: Hex;
  session_nonce: string;
  cases: VectorCase[];
};

describe("external API: signed message builder (sandbox side)", () => {
  it("rebuilds every golden vector message independently, and each vector signature recovers to the vector address", async () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(10);
    for (const c of vectors.cases) {
      let scope: VerifyScope;
      if (c.shape === "scoped") scope = { shape: "scoped", action: c.action!, product: c.product!, payload: c.payload_object };
      else {
        const m = /^\/external\/tools\/([^/]+)\/actions\/([^/]+)\/invoke$/.exec(c.path!);
        expect(m, c.name).not.toBeNull();
        scope = { shape: "invoke", productSlug: m![1]!, actionSlug: m![2]!, payload: c.payload_object! };
      }
      expect(payloadHashOf(c.payload_object), c.name).toBe(c.payload_hash);
      const msg = expectedMessage({ wallet: vectors.address, sessionNonce: vectors.session_nonce, requestId: c.request_id, scope });
      expect(msg, c.name).toBe(c.message);
      expect((await recoverMessageAddress({ message: msg, signature: c.signature })).toLowerCase()).toBe(vectors.address.toLowerCase());
    }
  });

  it("agrees with the client's builder and hash on the job_complete vector (non-ASCII payload)", () => {
    const c = vectors.cases.find((x) => x.name === "job_complete")!;
    expect(canonicalJson(c.payload_object)).toBe(c.canonical_json);
    expect(payloadHash(c.payload_object)).toBe(payloadHashOf(c.payload_object));
    const client = buildSignedMessage({
      wallet: vectors.address,
      sessionNonce: vectors.session_nonce,
      requestId: c.request_id,
      scope: { shape: "scoped", action: c.action!, product: c.product!, payload: c.payload_object },
    });
    const server = expectedMessage({
      wallet: vectors.address,
      sessionNonce: vectors.session_nonce,
      requestId: c.request_id,
      scope: { shape: "scoped", action: c.action!, product: c.product!, payload: c.payload_object },
    });
    expect(server).toBe(client);
    expect(server.endsWith("\n")).toBe(false);
  });
});

describe("external API: identity, sessions and signature verification", () => {
  let sb: Sandbox;
  let a: Agent;
  let b: Agent;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => sb.reset());
  const fresh = () => {
    a = new Agent(sb, KEY_A);
    b = new Agent(sb, KEY_B);
  };

  it("exposes the external ids and live counters", () => {
    expect(sb.ids.job).toMatch(/^[0-9a-f]{24}$/);
    expect(sb.ids.socialJob).toMatch(/^[0-9a-f]{24}$/);
    expect(sb.ids.publicWorkflow).toMatch(/^[0-9a-f]{24}$/);
    expect(sb.ids).toMatchObject({ productSlug: "sandbox-echo", actionSlug: "echo", expensiveProductSlug: "premium-market-report", expensiveActionSlug: "generate-report" });
    expect(sb.external).toEqual({ sessionFetches: 0, verifiedRequests: 0, replayedRequestIds: 0, invocations: 0 });
  });

  it("POST /api/external/agentaddress returns a real wallet, then paces the caller (429 + Retry-After)", async () => {
    const first = await request(sb, "POST", "/api/external/agentaddress");
    expect(first.status).toBe(200);
    expect(first.body.success).toBe(true);
    const { evmAddress, evmPrivateKey, mnemonic } = first.body.data;
    expect(evmAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(evmPrivateKey).toMatch(/^0x[0-9a-f]{64}$/);
    expect(mnemonic.split(" ")).toHaveLength(12);
    expect(privateKeyToAccount(evmPrivateKey).address).toBe(evmAddress);
    expect(mnemonicToAccount(mnemonic).address).toBe(evmAddress);

    const second = await request(sb, "POST", "/api/external/agentaddress", undefined, { "x-request-id": "trace-42" });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({
      error: "Too Many Requests",
      error_code: "AGENT_ADDRESS_RATE_LIMITED",
      request_id: "trace-42",
      rate_limit: { limit: 1, window_seconds: 60 },
    });
    expect(typeof second.body.message).toBe("string");
    expect(second.body.help_url).toBe(`${sb.url}/api/external/agent-help`);
    expect(typeof second.body.help_doc).toBe("string");
    const retry = second.body.rate_limit.retry_after_seconds;
    expect(Number.isInteger(retry)).toBe(true);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(second.headers.get("retry-after")).toBe(String(retry));
  });

  it("agentaddress pacing follows agentAddressIntervalMs", async () => {
    const quick = await startSandbox({ agentAddressIntervalMs: 300 });
    try {
      const first = await request(quick, "POST", "/api/external/agentaddress");
      expect(first.status).toBe(200);
      const limited = await request(quick, "POST", "/api/external/agentaddress");
      expect(limited.status).toBe(429);
      expect(limited.body.rate_limit.retry_after_seconds).toBe(1);
      await sleep(350);
      const again = await request(quick, "POST", "/api/external/agentaddress");
      expect(again.status).toBe(200);
      expect(again.body.data.evmAddress).not.toBe(first.body.data.evmAddress);
    } finally {
      await quick.close();
    }
  });

  it("POST /api/external/auth/session issues a wallet-bound nonce and counts fetches; bad wallets → 422", async () => {
    fresh();
    const r = await request(sb, "POST", "/api/external/auth/session", { wallet_address: a.wallet });
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(Object.keys(r.body.data).sort()).toEqual(["expires_at", "expires_in", "session_nonce", "wallet_address"]);
    expect(r.body.data.wallet_address).toBe(a.wallet.toLowerCase());
    expect(typeof r.body.data.session_nonce).toBe("string");
    expect(r.body.data.expires_in).toBe(600);
    expect(Date.parse(r.body.data.expires_at) - Date.now()).toBeGreaterThan(590_000);
    expect(sb.external.sessionFetches).toBe(1);

    const other = await request(sb, "POST", "/api/external/auth/session", { wallet_address: a.wallet });
    expect(other.body.data.session_nonce).not.toBe(r.body.data.session_nonce);
    expect(sb.external.sessionFetches).toBe(2);

    for (const body of [{ wallet_address: "0x1234" }, { wallet_address: 42 }, {}, { wallet_address: `0x${"g".repeat(40)}` }]) {
      const bad = await request(sb, "POST", "/api/external/auth/session", body);
      expect(bad.status, JSON.stringify(body)).toBe(422);
      expect(bad.body.detail[0].loc).toEqual(["body", "wallet_address"]);
    }
    expect((await request(sb, "POST", "/api/external/auth/session")).status).toBe(422);
    expect(sb.external.sessionFetches).toBe(2);
  });

  it("signed credits/balance: starting balance, grants, and the verification counter", async () => {
    fresh();
    const r = await a.call(EP.balance);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ success: true, data: { wallet_address: a.wallet.toLowerCase(), balance: 1000, balance_usd: 10 } });
    expect(sb.external.verifiedRequests).toBe(1);
    sb.grantWalletCredits(a.wallet.toUpperCase().replace("0X", "0x"), 250);
    expect(sb.walletBalance(a.wallet.toLowerCase())).toBe(1250);
    const after = await a.call(EP.balance);
    expect(after.body.data).toMatchObject({ balance: 1250, balance_usd: 12.5 });
    expect(() => sb.grantWalletCredits("nope", 1)).toThrow(TypeError);
  });

  it("missing signed fields → FastAPI 422", async () => {
    fresh();
    const body = await a.body(EP.balance);
    for (const key of ["wallet_address", "session_nonce", "request_id", "signature"]) {
      const { [key]: _drop, ...rest } = body;
      const r = await request(sb, "POST", "/api/external/credits/balance", rest);
      expect(r.status).toBe(422);
      expect(r.body.detail).toEqual([expect.objectContaining({ type: "missing", loc: ["body", key] })]);
    }
    const typed = await request(sb, "POST", "/api/external/credits/balance", { ...body, signature: 7 });
    expect(typed.status).toBe(422);
    expect(sb.external.verifiedRequests).toBe(0);
  });

  it("unknown nonce and another wallet's nonce → 401 EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID", async () => {
    fresh();
    const unknown = await a.call(EP.balance, {}, { nonce: "sn_made_up" });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ success: false, code: "EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID" });
    expect(typeof unknown.body.error).toBe("string");

    const bNonce = await b.newNonce();
    const stolen = await a.call(EP.balance, {}, { nonce: bNonce });
    expect(stolen.status).toBe(401);
    expect(stolen.body.code).toBe("EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID");
    expect(sb.external.verifiedRequests).toBe(0);
  });

  it("expired nonce → 401 EXTERNAL_SIGNATURE_SESSION_NONCE_EXPIRED; a new nonce works", async () => {
    const short = await startSandbox({ nonceTtlMs: 200 });
    try {
      const agent = new Agent(short, KEY_A);
      await agent.newNonce();
      expect((await agent.call(EP.balance)).status).toBe(200);
      await sleep(300);
      const expired = await agent.call(EP.balance);
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe("EXTERNAL_SIGNATURE_SESSION_NONCE_EXPIRED");
      await agent.newNonce();
      expect((await agent.call(EP.balance)).status).toBe(200);
    } finally {
      await short.close();
    }
  });

  it("a reused (session_nonce, request_id) → 409 EXTERNAL_SIGNATURE_REQUEST_REPLAY; ids are consumed only by verified requests", async () => {
    fresh();
    const body = await a.body(EP.balance, {}, { requestId: "req-fixed-1" });
    expect((await request(sb, "POST", "/api/external/credits/balance", body)).status).toBe(200);
    const replay = await request(sb, "POST", "/api/external/credits/balance", body);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ success: false, code: "EXTERNAL_SIGNATURE_REQUEST_REPLAY" });
    expect(sb.external.replayedRequestIds).toBe(1);
    expect(sb.external.verifiedRequests).toBe(1);

    // A request id under a failed signature is not burnt.
    const forged = await a.call(EP.balance, {}, { requestId: "req-fixed-2", signer: KEY_B });
    expect(forged.status).toBe(401);
    expect((await a.call(EP.balance, {}, { requestId: "req-fixed-2" })).status).toBe(200);
    // The same request id under a new nonce is a new pair.
    await a.newNonce();
    expect((await a.call(EP.balance, {}, { requestId: "req-fixed-1" })).status).toBe(200);

    // Concurrent duplicates: exactly one wins.
    const dup = await a.body(EP.balance, {}, { requestId: "req-race" });
    const statuses = (await Promise.all([1, 2, 3].map(() => request(sb, "POST", "/api/external/credits/balance", dup)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409]);
  });

  it("malformed signatures → 401 EXTERNAL_SIGNATURE_MALFORMED with expected_message and accepted forms", async () => {
    fresh();
    const body = await a.body(EP.balance);
    const expected = a.message(EP.balance, {}, body.session_nonce as string, body.request_id as string);
    for (const signature of ["0x1234", "not-hex", `0x${"zz".repeat(65)}`, `0x${"00".repeat(65)}`, `${(body.signature as string).slice(0, -2)}05`]) {
      const r = await request(sb, "POST", "/api/external/credits/balance", { ...body, signature });
      expect(r.status, signature).toBe(401);
      expect(r.body.code, signature).toBe("EXTERNAL_SIGNATURE_MALFORMED");
      expect(r.body.expected_message).toBe(expected);
      expect(Array.isArray(r.body.details.accepted_path_forms)).toBe(true);
      expect(Array.isArray(r.body.details.accepted_hash_forms)).toBe(true);
    }
    expect((await request(sb, "POST", "/api/external/credits/balance", body)).status).toBe(200);
  });

  it("wrong key → 401 EXTERNAL_SIGNATURE_WALLET_MISMATCH carrying the expected message", async () => {
    fresh();
    const r = await a.call(EP.jobsList, { limit: 5, skip: 0 }, { requestId: "req-mismatch", signer: KEY_B });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ success: false, code: "EXTERNAL_SIGNATURE_WALLET_MISMATCH" });
    expect(r.body.expected_message).toBe(a.message(EP.jobsList, { limit: 5, skip: 0 }, a.nonce!, "req-mismatch"));
    expect(r.body.details).toEqual({ omitted_optional_fields: "left out of the hashed object", accepted_path_forms: expect.any(Array), accepted_hash_forms: expect.any(Array) });
  });

  it("payload tampering after signing → WALLET_MISMATCH (scoped payload, dropped field, invoke parameters, scope)", async () => {
    fresh();
    const listBody = await a.body(EP.jobsList, { limit: 10, skip: 0 });
    const tampered = await request(sb, "POST", "/api/external/jobs/list", { ...listBody, limit: 20 });
    expect(tampered.status).toBe(401);
    expect(tampered.body.code).toBe("EXTERNAL_SIGNATURE_WALLET_MISMATCH");
    expect(tampered.body.expected_message).toContain(`payload:${payloadHash({ limit: 20, skip: 0 })}`);

    const { skip: _skip, ...dropped } = await a.body(EP.jobsList, { limit: 10, skip: 0 });
    expect((await request(sb, "POST", "/api/external/jobs/list", dropped)).body.code).toBe("EXTERNAL_SIGNATURE_WALLET_MISMATCH");

    const inv = EP.invoke(sb.ids.productSlug, sb.ids.actionSlug);
    const invBody = await a.body(inv, { parameters: { message: "hi" } });
    const changed = await request(sb, "POST", urlOf(inv), { ...invBody, parameters: { message: "hi", repeat: 5 } });
    expect(changed.status).toBe(401);
    expect(changed.body.code).toBe("EXTERNAL_SIGNATURE_WALLET_MISMATCH");

    // A signature for one job does not reserve another.
    const reserveBody = await a.body(EP.reserve(sb.ids.job));
    const moved = await request(sb, "POST", `/api/external/jobs/${sb.ids.socialJob}/reserve`, reserveBody);
    expect(moved.body.code).toBe("EXTERNAL_SIGNATURE_WALLET_MISMATCH");
    expect(sb.walletBalance(a.wallet)).toBe(1000);
    expect(sb.external.verifiedRequests).toBe(0);
  });

  it("the default server rejects the '/api' path form as MALFORMED and accepts the documented one", async () => {
    fresh();
    const apiForm = await a.call(EP.invoke(sb.ids.productSlug, sb.ids.actionSlug, "api"), { parameters: {} });
    expect(apiForm.status).toBe(401);
    expect(apiForm.body.code).toBe("EXTERNAL_SIGNATURE_MALFORMED");
    expect(apiForm.body.expected_message).toContain(`path:/external/tools/${sb.ids.productSlug}/actions/${sb.ids.actionSlug}/invoke`);
    expect(apiForm.body.details.accepted_path_forms).toEqual([`/external/tools/${sb.ids.productSlug}/actions/${sb.ids.actionSlug}/invoke`]);
    expect((await a.call(EP.invoke(sb.ids.productSlug, sb.ids.actionSlug), { parameters: {} })).status).toBe(200);
  });

  it("invokePathForm 'api': the documented path gets MALFORMED + an '/api/external/' expected_message; the '/api' variant succeeds", async () => {
    const apiSb = await startSandbox({ invokePathForm: "api" });
    try {
      const agent = new Agent(apiSb, KEY_A);
      const documented = await agent.call(EP.invoke(apiSb.ids.productSlug, apiSb.ids.actionSlug), { parameters: { message: "x" } });
      expect(documented.status).toBe(401);
      expect(documented.body.code).toBe("EXTERNAL_SIGNATURE_MALFORMED");
      expect(documented.body.expected_message).toContain(`path:/api/external/tools/${apiSb.ids.productSlug}/actions/${apiSb.ids.actionSlug}/invoke`);
      expect(documented.body.details.accepted_path_forms[0]).toMatch(/^\/api\/external\//);
      const retried = await agent.call(EP.invoke(apiSb.ids.productSlug, apiSb.ids.actionSlug, "api"), { parameters: { message: "x" } });
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      // Scoped endpoints are unaffected.
      expect((await agent.call(EP.balance)).status).toBe(200);
    } finally {
      await apiSb.close();
    }
  });

  it("reset() clears nonces and zeroes counters", async () => {
    fresh();
    expect((await a.call(EP.balance)).status).toBe(200);
    expect(sb.external.verifiedRequests).toBe(1);
    const counters = sb.external;
    sb.reset();
    expect(counters.verifiedRequests).toBe(0);
    expect(sb.external).toEqual({ sessionFetches: 0, verifiedRequests: 0, replayedRequestIds: 0, invocations: 0 });
    expect((await a.call(EP.balance)).body.code).toBe("EXTERNAL_SIGNATURE_SESSION_NONCE_INVALID");
  });
});

describe("external API: marketplace", () => {
  let sb: Sandbox;
  let a: Agent;
  beforeAll(async () => {
    sb = await startSandbox();
    a = new Agent(sb, KEY_A);
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    sb.reset();
    a = new Agent(sb, KEY_A);
  });

  it("GET /api/external/tools paginates with the documented pagination block", async () => {
    const first = await request(sb, "GET", "/api/external/tools");
    expect(first.status).toBe(200);
    expect(first.body.tools).toHaveLength(100);
    const total = first.body.pagination.total_count;
    expect(total).toBeGreaterThan(150);
    expect(first.body.pagination).toEqual({
      page: 1,
      page_size: 100,
      total_count: total,
      total_pages: Math.ceil(total / 100),
      has_more: true,
      next_page: 2,
      default_page_size: 100,
      max_page_size: 1000,
    });
    const echo = first.body.tools.find((t: { slug: string }) => t.slug === sb.ids.productSlug);
    expect(echo).toMatchObject({ product_id: sb.ids.product, name: "sandbox_echo", category: "Developer Tools" });
    expect(echo.actions[0]).toMatchObject({ slug: "echo", name: "echo", price_credits: 1, price_usd: 0.01 });
    expect(echo.actions[0].parameters.type).toBe("object");
    expect(echo.payment_options).toContain("x402");

    const last = await request(sb, "GET", `/api/external/tools?page=${first.body.pagination.total_pages}&page_size=100`);
    expect(last.body.pagination).toMatchObject({ has_more: false, next_page: null });
    const all = await request(sb, "GET", "/api/external/tools?page_size=1000");
    expect(all.body.tools).toHaveLength(total);
    const beyond = await request(sb, "GET", "/api/external/tools?page=99");
    expect(beyond.body.tools).toEqual([]);

    const tooBig = await request(sb, "GET", "/api/external/tools?page_size=1001");
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.detail[0]).toMatchObject({ loc: ["query", "page_size"], type: "less_than_equal" });
    expect((await request(sb, "GET", "/api/external/tools?page=0")).status).toBe(422);
  });

  it("query ranks by relevance; categories filter", async () => {
    const q = await request(sb, "GET", "/api/external/tools?query=echo");
    expect(q.body.tools[0].slug).toBe("sandbox-echo");
    const fin = await request(sb, "GET", "/api/external/tools?categories=Finance,Media&page_size=1000");
    expect(fin.body.tools.length).toBeGreaterThan(10);
    expect(new Set(fin.body.tools.map((t: { category: string }) => t.category))).toEqual(new Set(["Finance", "Media"]));
    const none = await request(sb, "GET", "/api/external/tools?query=zzzzqqq");
    expect(none.body.tools).toEqual([]);
    expect(none.body.pagination).toMatchObject({ total_count: 0, has_more: false, next_page: null });
  });

  it("signed credit invoke debits the price and returns the tool response", async () => {
    const ep = EP.invoke(sb.ids.productSlug, sb.ids.actionSlug);
    const r = await a.call(ep, { parameters: { message: "hello", repeat: 2 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ success: true, response: { message: "hello hello" }, credits_charged: 1, balance_after: 999 });
    expect(sb.walletBalance(a.wallet)).toBe(999);
    expect(sb.external.invocations).toBe(1);
    const empty = await a.call(ep, { parameters: {} });
    expect(empty.status).toBe(200);
    expect(sb.walletBalance(a.wallet)).toBe(998);
  });

  it("402 INSUFFICIENT_CREDITS leaves the balance untouched", async () => {
    const r = await a.call(EP.invoke(sb.ids.expensiveProductSlug, sb.ids.expensiveActionSlug), { parameters: { ticker: "ACME" } });
    expect(r.status).toBe(402);
    expect(r.body).toMatchObject({ success: false, code: "INSUFFICIENT_CREDITS" });
    expect(r.body.details.balance).toBe(1000);
    expect(r.body.details.price_credits).toBeGreaterThan(1000);
    expect(sb.walletBalance(a.wallet)).toBe(1000);
    expect(sb.external.invocations).toBe(0);
  });

  it("unknown tool / action → 404; bad parameters → 400 INVALID_PARAMETERS naming the fields; stray top-level fields → 400", async () => {
    const noTool = await a.call(EP.invoke("no-such-tool", "echo"), { parameters: {} });
    expect(noTool.status).toBe(404);
    expect(noTool.body.code).toBe("TOOL_NOT_FOUND");
    const noAction = await a.call(EP.invoke(sb.ids.productSlug, "shout"), { parameters: {} });
    expect(noAction.status).toBe(404);
    expect(noAction.body.code).toBe("ACTION_NOT_FOUND");
    expect(noAction.body.details.available_actions).toContain("echo");

    const bad = await a.call(EP.invoke(sb.ids.productSlug, sb.ids.actionSlug), { parameters: { message: 7, loud: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("INVALID_PARAMETERS");
    expect(bad.body.error).toContain("message");
    expect(bad.body.details.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ loc: ["parameters", "message"] }), expect.objectContaining({ loc: ["parameters", "loud"] })]),
    );
    const stray = await a.call(EP.invoke(sb.ids.productSlug, sb.ids.actionSlug), { parameters: {}, message: "top-level" });
    expect(stray.status).toBe(400);
    expect(stray.body.code).toBe("BODY_MISMATCH");
    const noParams = await request(sb, "POST", urlOf(EP.invoke(sb.ids.productSlug, sb.ids.actionSlug)), {
      ...(await a.body(EP.balance)),
    });
    expect(noParams.status).toBe(422);
    expect(noParams.body.detail[0].loc).toEqual(["body", "parameters"]);
    expect(sb.walletBalance(a.wallet)).toBe(1000);
    expect(sb.external.invocations).toBe(0);
  });

  it("signed fields plus an x402 header → 400 MIXED_PAYMENT_MODES", async () => {
    const ep = EP.invoke(sb.ids.productSlug, sb.ids.actionSlug);
    for (const header of ["x-payment", "payment-signature"]) {
      const r = await a.call(ep, { parameters: {} }, { headers: { [header]: "eyJ4NDAyVmVyc2lvbiI6Mn0=" } });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ success: false, code: "MIXED_PAYMENT_MODES" });
    }
    expect(sb.walletBalance(a.wallet)).toBe(1000);
  });

  it("direct x402 mode: 402 challenge in body and PAYMENT-REQUIRED header; a garbage payment is refused", async () => {
    const path = urlOf(EP.invoke(sb.ids.productSlug, sb.ids.actionSlug));
    const r = await request(sb, "POST", path, { message: "hi" });
    expect(r.status).toBe(402);
    expect(r.body).toEqual({
      x402Version: 2,
      error: "Payment required",
      resource: { url: `${sb.url}${path}`, description: expect.any(String), mimeType: "application/json" },
      accepts: [
        {
          scheme: "exact",
          network: "eip155:8453",
          amount: "10000",
          asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
          payTo: sb.payee,
          maxTimeoutSeconds: 300,
          extra: { name: "USD Coin", version: "2" },
        },
        expect.objectContaining({ network: "eip155:84532", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", amount: "10000", extra: { name: "USDC", version: "2" } }),
        expect.objectContaining({ network: "eip155:42161", asset: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", amount: "10000", extra: { name: "USD Coin", version: "2" } }),
        expect.objectContaining({ network: "eip155:8453", asset: "0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42", amount: "9200", extra: { name: "EURC", version: "2" } }),
      ],
    });
    const header = r.headers.get("payment-required");
    expect(header).not.toBeNull();
    expect(JSON.parse(Buffer.from(header!, "base64").toString("utf8"))).toEqual(r.body);

    const paid = await request(sb, "POST", path, { message: "hi" }, { "x-payment": "eyJ4NDAyVmVyc2lvbiI6Mn0=" });
    expect(paid.status).toBe(402);
    expect(paid.body).toMatchObject({ x402Version: 2, error: "invalid_payment", accepts: r.body.accepts });
    expect(sb.x402.settled).toHaveLength(0);
    const badParams = await request(sb, "POST", path, { parameters: { message: "hi" } });
    expect(badParams.status).toBe(400);
    expect(badParams.body.code).toBe("INVALID_PARAMETERS");
    expect(sb.external.invocations).toBe(0);
  });
});

describe("external API: jobs", () => {
  let sb: Sandbox;
  let a: Agent;
  beforeAll(async () => {
    sb = await startSandbox();
    a = new Agent(sb, KEY_A);
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    sb.reset();
    a = new Agent(sb, KEY_A);
  });

  const goodPost = {
    platform: "twitter",
    post_url: "https://x.com/agent/status/123",
    target_url_used: "https://www.agentpmt.com/marketplace?utm_source=x",
    message_text: "Trying AgentPMT — café ☕",
  };

  it("list → reserve (idempotent) → complete with social posts → approved and rewarded", async () => {
    const list = await a.call(EP.jobsList, { limit: 10, skip: 0 });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.data).toMatchObject({ total: 3, limit: 10, skip: 0 });
    const social = list.body.data.jobs.find((j: { job_id: string }) => j.job_id === sb.ids.socialJob);
    expect(social).toMatchObject({ job_type: "social_share", status_for_wallet: "available" });
    expect(typeof social.title).toBe("string");
    expect(typeof social.description).toBe("string");
    const reward = social.reward_credits as number;
    expect(reward).toBeGreaterThan(0);
    expect(list.body.data.jobs.find((j: { job_id: string }) => j.job_id === sb.ids.job).reward_credits).toBe(50);

    const noFields = await a.call(EP.jobsList);
    expect(noFields.body.data).toMatchObject({ limit: 50, skip: 0 });
    const paged = await a.call(EP.jobsList, { limit: 1, skip: 1 });
    expect(paged.body.data.jobs).toHaveLength(1);

    const reserve = await a.call(EP.reserve(sb.ids.socialJob));
    expect(reserve.status).toBe(200);
    expect(reserve.body.data).toMatchObject({ job_id: sb.ids.socialJob, status: "reserved" });
    expect(Date.parse(reserve.body.data.reserved_until)).toBeGreaterThan(Date.now());
    const reservationId = reserve.body.data.reservation_id;
    const again = await a.call(EP.reserve(sb.ids.socialJob));
    expect(again.body.data.reservation_id).toBe(reservationId);

    const status = await a.call(EP.status(sb.ids.socialJob));
    expect(status.body.data).toMatchObject({ job_id: sb.ids.socialJob, status: "reserved", reservation_id: reservationId });

    const done = await a.call(EP.complete(sb.ids.socialJob), {
      proof_text: "Posted the tracked share.",
      reservation_id: reservationId,
      social_posts: [{ ...goodPost, posted_at: "2025-06-01T12:00:00Z" }],
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.data).toMatchObject({ job_id: sb.ids.socialJob, reservation_id: reservationId, status: "approved", credits_awarded: reward, balance_after: 1000 + reward });

    const final = await a.call(EP.status(sb.ids.socialJob));
    expect(final.body.data).toMatchObject({ status: "approved", credits_awarded: reward });
    expect(sb.walletBalance(a.wallet)).toBe(1000 + reward);
    const balance = await a.call(EP.balance);
    expect(balance.body.data.balance).toBe(1000 + reward);
    const listed = await a.call(EP.jobsList, { limit: 10 });
    expect(listed.body.data.jobs.find((j: { job_id: string }) => j.job_id === sb.ids.socialJob).status_for_wallet).toBe("approved");

    const twice = await a.call(EP.complete(sb.ids.socialJob), { proof_text: "again", social_posts: [goodPost] });
    expect(twice.status).toBe(409);
    expect(sb.walletBalance(a.wallet)).toBe(1000 + reward);
  });

  it("a plain job completes without social posts; reservations are per wallet", async () => {
    const b = new Agent(sb, KEY_B);
    await a.call(EP.reserve(sb.ids.job));
    const notMine = await b.call(EP.complete(sb.ids.job), { proof_text: "done" });
    expect(notMine.status).toBe(409);
    expect(notMine.body.code).toBe("JOB_NOT_RESERVED");
    const done = await a.call(EP.complete(sb.ids.job), { proof_text: "Reviewed it." });
    expect(done.status).toBe(200);
    expect(sb.walletBalance(a.wallet)).toBe(1050);
    expect(sb.walletBalance(b.wallet)).toBe(1000);
  });

  it("complete without a reservation → 409 JOB_NOT_RESERVED; wrong reservation_id → 409 RESERVATION_MISMATCH", async () => {
    const unreserved = await a.call(EP.complete(sb.ids.job), { proof_text: "done" });
    expect(unreserved.status).toBe(409);
    expect(unreserved.body).toMatchObject({ success: false, code: "JOB_NOT_RESERVED" });
    await a.call(EP.reserve(sb.ids.job));
    const wrong = await a.call(EP.complete(sb.ids.job), { proof_text: "done", reservation_id: "res_wrong" });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe("RESERVATION_MISMATCH");
    expect(sb.walletBalance(a.wallet)).toBe(1000);
  });

  it("bad proofs → 422 with precise locs; unknown job → 404", async () => {
    await a.call(EP.reserve(sb.ids.socialJob));
    const noProof = await a.call(EP.complete(sb.ids.socialJob), { social_posts: [goodPost] });
    expect(noProof.status).toBe(422);
    expect(noProof.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "proof_text"] });

    const noPosts = await a.call(EP.complete(sb.ids.socialJob), { proof_text: "done" });
    expect(noPosts.status).toBe(422);
    expect(noPosts.body.detail[0].loc).toEqual(["body", "social_posts"]);

    const badUrl = await a.call(EP.complete(sb.ids.socialJob), { proof_text: "done", social_posts: [{ ...goodPost, post_url: "ftp://x.com/1" }] });
    expect(badUrl.status).toBe(422);
    expect(badUrl.body.detail).toEqual([expect.objectContaining({ loc: ["body", "social_posts", 0, "post_url"] })]);

    const missingField = await a.call(EP.complete(sb.ids.socialJob), {
      proof_text: "done",
      social_posts: [goodPost, { platform: "x", post_url: "https://x.com/2", message_text: "m", posted_at: "yesterday" }],
    });
    expect(missingField.status).toBe(422);
    expect(missingField.body.detail).toEqual([expect.objectContaining({ type: "missing", loc: ["body", "social_posts", 1, "target_url_used"] })]);

    const badDate = await a.call(EP.complete(sb.ids.socialJob), { proof_text: "done", social_posts: [{ ...goodPost, posted_at: "yesterday" }] });
    expect(badDate.status).toBe(422);
    expect(badDate.body.detail[0].loc).toEqual(["body", "social_posts", 0, "posted_at"]);

    const status = await a.call(EP.status(sb.ids.socialJob));
    expect(status.body.data.status).toBe("reserved");

    const unknown = await a.call(EP.reserve("0123456789abcdef01234567"));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("JOB_NOT_FOUND");
  });
});

describe("external API: workflows", () => {
  let sb: Sandbox;
  let a: Agent;
  beforeAll(async () => {
    sb = await startSandbox();
    a = new Agent(sb, KEY_A);
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    sb.reset();
    a = new Agent(sb, KEY_A);
  });

  it("GET /api/external/workflows lists public workflows with filters and paging", async () => {
    const r = await request(sb, "GET", "/api/external/workflows");
    expect(r.status).toBe(200);
    const { workflows, total, limit, skip } = r.body.data;
    expect({ limit, skip }).toEqual({ limit: 20, skip: 0 });
    expect(total).toBe(workflows.length);
    const ids = workflows.map((w: { workflow_id: string }) => w.workflow_id);
    expect(ids).toContain(sb.ids.publicWorkflow);
    expect(ids).toContain(sb.ids.workflow);
    expect(Object.keys(workflows[0]).sort()).toEqual(["categories", "description", "industry_tags", "name", "publisher", "updated_at", "workflow_id"]);

    const marketing = await request(sb, "GET", "/api/external/workflows?categories=marketing");
    expect(marketing.body.data.workflows.length).toBeGreaterThan(0);
    for (const w of marketing.body.data.workflows) expect(w.categories).toContain("Marketing");
    const q = await request(sb, "GET", "/api/external/workflows?query=pricing");
    expect(q.body.data.workflows[0].workflow_id).toBe(sb.ids.publicWorkflow);
    const paged = await request(sb, "GET", "/api/external/workflows?limit=2&skip=1");
    expect(paged.body.data.workflows).toHaveLength(2);
    expect(paged.body.data.workflows[0].workflow_id).toBe(ids[1]);
    const recent = await request(sb, "GET", "/api/external/workflows?since=2025-05-01");
    for (const w of recent.body.data.workflows) expect(Date.parse(w.updated_at)).toBeGreaterThanOrEqual(Date.parse("2025-05-01"));
    expect((await request(sb, "GET", "/api/external/workflows?since=soon")).status).toBe(422);
    expect((await request(sb, "GET", "/api/external/workflows?limit=0")).status).toBe(422);
  });

  it("start → fetch → active → end, scoped per wallet and instance", async () => {
    const wf = sb.ids.publicWorkflow;
    const start = await a.call(EP.wfStart(wf), { instance_id: "agent-7" });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body.data).toMatchObject({ workflow_id: wf, instance_id: "agent-7", status: "active" });
    const sessionId = start.body.data.workflow_session_id;
    expect(typeof sessionId).toBe("string");
    expect(Number.isNaN(Date.parse(start.body.data.started_at))).toBe(false);

    const again = await a.call(EP.wfStart(wf), { instance_id: "agent-7" });
    expect(again.body.data.workflow_session_id).toBe(sessionId);
    const otherInstance = await a.call(EP.wfStart(wf), { instance_id: "agent-8" });
    expect(otherInstance.body.data.workflow_session_id).not.toBe(sessionId);

    const fetched = await a.call(EP.wfFetch(wf));
    expect(fetched.status).toBe(200);
    expect(fetched.body.data).toMatchObject({ workflow_id: wf, name: "Competitor Pricing Watch" });
    expect(fetched.body.data.instructions).toContain("Step 1");
    expect(fetched.body.data.steps.length).toBeGreaterThan(0);
    expect(fetched.body.data.session.status).toBe("active");

    const active7 = await a.call(EP.wfActive, { instance_id: "agent-7" });
    expect(active7.body.data.sessions.map((s: { workflow_session_id: string }) => s.workflow_session_id)).toEqual([sessionId]);
    const activeAll = await a.call(EP.wfActive);
    expect(activeAll.body.data.sessions).toHaveLength(2);
    const bActive = await new Agent(sb, KEY_B).call(EP.wfActive);
    expect(bActive.body.data.sessions).toEqual([]);

    const ambiguous = await a.call(EP.wfEnd(wf));
    expect(ambiguous.status).toBe(409);
    const end = await a.call(EP.wfEnd(wf), { workflow_session_id: sessionId });
    expect(end.status).toBe(200);
    expect(end.body.data).toMatchObject({ workflow_session_id: sessionId, status: "ended" });
    expect(Number.isNaN(Date.parse(end.body.data.ended_at))).toBe(false);
    const endAgain = await a.call(EP.wfEnd(wf), { workflow_session_id: sessionId });
    expect(endAgain.status).toBe(404);
    expect(endAgain.body.code).toBe("WORKFLOW_SESSION_NOT_FOUND");

    const endDefault = await a.call(EP.wfEnd(wf));
    expect(endDefault.status).toBe(200);
    expect(endDefault.body.data.instance_id).toBe("agent-8");
    const gone = await a.call(EP.wfFetch(wf));
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe("WORKFLOW_SESSION_NOT_FOUND");
    expect((await a.call(EP.wfActive)).body.data.sessions).toEqual([]);
  });

  it("unknown workflow → 404 WORKFLOW_NOT_FOUND", async () => {
    const r = await a.call(EP.wfStart("0123456789abcdef01234567"), {});
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ success: false, code: "WORKFLOW_NOT_FOUND" });
  });
});
