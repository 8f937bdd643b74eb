import { request as httpRequest, Agent } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/platforms/agentpmt/sandbox/index.js";
import { sampleValue, type JsonSchema } from "../../src/platforms/agentpmt/sandbox/schema.js";

const BEARER = "sandbox-bearer-token";
const LEGACY = Buffer.from("sandbox-api-key:sandbox-budget-key").toString("base64");

interface JsonResponse {
  status: number;
  headers: Headers;
  // Tests poke into arbitrary response shapes; the assertions are the type checks.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  sb: Sandbox,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? BEARER : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  const res = await fetch(sb.url + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").startsWith("application/json")) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sandbox: account API", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => sb.reset());

  it("exposes credentials, ids and a url", () => {
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.port).toBeGreaterThan(0);
    expect(sb.credentials).toEqual({ bearerToken: BEARER, apiKey: "sandbox-api-key", budgetKey: "sandbox-budget-key" });
    // Slug entries (external API) are kebab-case names, not ObjectIds.
    const objectIds = Object.entries(sb.ids).filter(([key]) => !key.endsWith("Slug")).map(([, id]) => id);
    for (const id of objectIds) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(objectIds).size).toBe(objectIds.length);
    expect(sb.balance()).toBe(5000);
  });

  it("GET /health needs no auth", async () => {
    const r = await call(sb, "GET", "/health", { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.body).toEqual({ status: "ok" });
  });

  it("GET /public/jwt-public-key returns an RS256 PEM", async () => {
    const r = await call(sb, "GET", "/public/jwt-public-key", { token: null });
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(r.body.algorithm).toBe("RS256");
    expect(r.body.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n?$/);
    expect(typeof r.body.message).toBe("string");
  });

  it("rejects missing, malformed and wrong bearer tokens with the FastAPI envelope", async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: "Bearer nope" }, { authorization: BEARER }, { authorization: `Basic ${LEGACY}` }];
    for (const headers of variants) {
      const res = await fetch(`${sb.url}/credits/balance`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toEqual({ detail: "Invalid or missing bearer token" });
    }
  });

  it("accepts the legacy base64(api_key:budget_key) bearer", async () => {
    const r = await call(sb, "GET", "/credits/balance", { token: LEGACY });
    expect(r.status).toBe(200);
  });

  it("GET /credits/balance", async () => {
    const r = await call(sb, "GET", "/credits/balance");
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(typeof r.body.message).toBe("string");
    expect(r.body.data.balance).toBe(5000);
    expect(Number.isNaN(Date.parse(r.body.data.expiration))).toBe(false);
    expect(Number.isInteger(r.body.data.expires_in_days)).toBe(true);
  });

  it("balance expiration is null when the balance is zero", async () => {
    const empty = await startSandbox({ initialCredits: 0 });
    try {
      const r = await call(empty, "GET", "/credits/balance");
      expect(r.body.data).toEqual({ balance: 0, expiration: null, expires_in_days: null });
    } finally {
      await empty.close();
    }
  });

  it("GET /credits/history lists grants and transactions newest first", async () => {
    await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product, parameters: { action: "echo", message: "a" } } });
    const r = await call(sb, "GET", "/credits/history");
    expect(r.status).toBe(200);
    const { grants, transactions } = r.body.data;
    expect(grants).toHaveLength(1);
    expect(Object.keys(grants[0]).sort()).toEqual(
      ["_id", "user_id", "amount_credits", "amount_usd", "remaining_credits", "credit_type", "source_metadata", "date_created", "pooled_at", "expires_at"].sort(),
    );
    expect(grants[0]).toMatchObject({ amount_credits: 5000, amount_usd: 50, remaining_credits: 4999 });
    expect(transactions.map((t: { transaction_type: string }) => t.transaction_type)).toEqual(["purchase", "grant"]);
    expect(Object.keys(transactions[0]).sort()).toEqual(
      ["_id", "user_id", "transaction_type", "amount_credits", "amount_usd", "balance_after_credits", "balance_after_usd", "date_created"].sort(),
    );
    expect(transactions[0]).toMatchObject({ amount_credits: -1, amount_usd: -0.01, balance_after_credits: 4999, balance_after_usd: 49.99 });

    const limited = await call(sb, "GET", "/credits/history?limit=1");
    expect(limited.body.data.transactions).toHaveLength(1);
    expect(limited.body.data.transactions[0].transaction_type).toBe("purchase");
  });

  it("GET /credits/history validates limit", async () => {
    const zero = await call(sb, "GET", "/credits/history?limit=0");
    expect(zero.status).toBe(422);
    expect(zero.body.detail[0]).toMatchObject({ loc: ["query", "limit"], type: "greater_than_equal" });
    const text = await call(sb, "GET", "/credits/history?limit=abc");
    expect(text.status).toBe(422);
    expect(text.body.detail[0]).toMatchObject({ loc: ["query", "limit"], type: "int_parsing", input: "abc" });
  });

  it("POST /issues/report resolves ids, slugs and names", async () => {
    const byId = await call(sb, "POST", "/issues/report", {
      body: { product_id: sb.ids.product, error_message: "boom", recommended_improvements: "fix it" },
    });
    expect(byId.status).toBe(200);
    expect(byId.body.success).toBe(true);
    expect(byId.body.data).toMatchObject({ product_found: true, lookup_method: "object_id", product_id: sb.ids.product, status: "open" });
    expect(byId.body.data.issue_id).toMatch(/^[0-9a-f]{24}$/);
    expect(typeof byId.body.data.product_name).toBe("string");

    const bySlug = await call(sb, "POST", "/issues/report", { body: { product_id: "sandbox-echo", error_message: "x" } });
    expect(bySlug.body.data).toMatchObject({ product_found: true, lookup_method: "slug" });
    const byName = await call(sb, "POST", "/issues/report", { body: { product_id: "sandbox_echo", error_message: "x" } });
    expect(byName.body.data).toMatchObject({ product_found: true, lookup_method: "exact_name" });
    const unknown = await call(sb, "POST", "/issues/report", { body: { product_id: "nope", error_message: "x" } });
    expect(unknown.status).toBe(200);
    expect(unknown.body.data).toMatchObject({ product_found: false, lookup_method: "not_found", product_id: "nope" });
    expect(unknown.body.data).not.toHaveProperty("product_name");
  });

  it("POST /issues/report: missing field, wrong type, malformed JSON, non-JSON body", async () => {
    const missing = await call(sb, "POST", "/issues/report", { body: { product_id: "x" } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([{ type: "missing", loc: ["body", "error_message"], msg: "Field required", input: { product_id: "x" } }]);

    const wrongType = await call(sb, "POST", "/issues/report", { body: { product_id: 12, error_message: "x" } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.detail[0]).toMatchObject({ type: "string_type", loc: ["body", "product_id"], input: 12 });

    const malformed = await call(sb, "POST", "/issues/report", { raw: '{"product_id": ' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail[0]).toMatchObject({ type: "json_invalid", msg: "JSON decode error" });
    expect(malformed.body.detail[0].loc[0]).toBe("body");

    const empty = await call(sb, "POST", "/issues/report", {});
    expect(empty.status).toBe(422);
    expect(empty.body.detail[0]).toMatchObject({ type: "missing", loc: ["body"] });

    const form = await call(sb, "POST", "/issues/report", { raw: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(422);
    expect(form.body.detail[0]).toMatchObject({ type: "model_attributes_type", loc: ["body"] });
  });

  it("GET /products/fetch returns the full seed shape", async () => {
    const r = await call(sb, "GET", "/products/fetch");
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["details", "example_tool_call", "instance_id", "pagination", "preprompt", "success", "tools"]);
    expect(r.body.instance_id).toMatch(/^inst_[0-9a-f]+$/);
    expect(r.body.details).toEqual({
      tools_on_this_page: 20,
      total_qualified_tools: r.body.pagination.total_count,
      page_returned: 1,
      page_size_requested: 20,
      page_source: "query",
      page_size_source: "query",
      total_pages: Math.ceil(r.body.pagination.total_count / 20),
      has_next_page: true,
      has_previous_page: false,
    });
    expect(r.body.pagination).toMatchObject({ page: 1, page_size: 20, has_next: true, has_prev: false });
    expect(r.body.pagination.total_count).toBeGreaterThanOrEqual(150);
    expect(r.body.tools).toHaveLength(20);
    const tool = r.body.tools[0];
    expect(tool.product_id).toMatch(/^[0-9a-f]{24}$/);
    expect(tool.name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(tool.slug).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(typeof tool.display_name).toBe("string");
    expect(typeof tool.description).toBe("string");
    expect(tool.actions[0]).toMatchObject({ name: expect.any(String), slug: expect.any(String), price_credits: expect.any(Number) });
    expect(tool.actions[0].parameters.type).toBe("object");
    expect(r.body.example_tool_call).toContain(`${sb.url}/products/purchase`);
    expect(r.body.preprompt.length).toBeGreaterThan(20);
  });

  it("GET /products/fetch paginates by query and by headers (headers win)", async () => {
    const q = await call(sb, "GET", "/products/fetch?page=2&page_size=5");
    expect(q.body.details).toMatchObject({ page_returned: 2, page_size_requested: 5, page_source: "query", page_size_source: "query", has_previous_page: true });
    expect(q.body.tools).toHaveLength(5);

    const h = await call(sb, "GET", "/products/fetch?page=1&page_size=50", { headers: { "X-Page": "3", "X-Page-Size": "7" } });
    expect(h.body.details).toMatchObject({ page_returned: 3, page_size_requested: 7, page_source: "header", page_size_source: "header" });
    expect(h.body.pagination).toMatchObject({ page: 3, page_size: 7 });
    expect(h.body.tools).toHaveLength(7);

    const mixed = await call(sb, "GET", "/products/fetch?page=2", { headers: { "X-Page-Size": "3" } });
    expect(mixed.body.details).toMatchObject({ page_returned: 2, page_size_requested: 3, page_source: "query", page_size_source: "header" });

    const last = await call(sb, "GET", "/products/fetch?page_size=100&page=2");
    expect(last.body.pagination.has_next).toBe(false);
    const beyond = await call(sb, "GET", "/products/fetch?page_size=100&page=9");
    expect(beyond.status).toBe(200);
    expect(beyond.body.tools).toEqual([]);
  });

  it("GET /products/fetch rejects out-of-range pagination with 422", async () => {
    const big = await call(sb, "GET", "/products/fetch?page_size=101");
    expect(big.status).toBe(422);
    expect(big.body.detail[0]).toMatchObject({ type: "less_than_equal", loc: ["query", "page_size"], ctx: { le: 100 } });
    const zero = await call(sb, "GET", "/products/fetch?page=0");
    expect(zero.status).toBe(422);
    expect(zero.body.detail[0]).toMatchObject({ loc: ["query", "page"] });
    const header = await call(sb, "GET", "/products/fetch", { headers: { "X-Page-Size": "101" } });
    expect(header.status).toBe(422);
    expect(header.body.detail[0]).toMatchObject({ loc: ["header", "x-page-size"] });
    const both = await call(sb, "GET", "/products/fetch?page=x&page_size=0");
    expect(both.body.detail).toHaveLength(2);
  });

  it("echoes x-instance-id and validates x-instance-metadata", async () => {
    const r = await call(sb, "GET", "/products/fetch", { headers: { "x-instance-id": "inst_mine", "x-instance-metadata": '{"client":"test"}' } });
    expect(r.body.instance_id).toBe("inst_mine");
    const p = await call(sb, "POST", "/products/purchase", {
      headers: { "x-instance-id": "inst_mine" },
      body: { product_id: sb.ids.product, parameters: { action: "ping" } },
    });
    expect(p.body.instance_id).toBe("inst_mine");
    const bad = await call(sb, "GET", "/products/fetch", { headers: { "x-instance-metadata": "{not json" } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ["header", "x-instance-metadata"] });
  });

  it("POST /products/purchase debits the price and records a transaction", async () => {
    const r = await call(sb, "POST", "/products/purchase", {
      body: { product_id: sb.ids.product, parameters: { action: "echo", message: "hello", repeat: 2 } },
    });
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(r.body.order_id).toMatch(/^ord_/);
    expect(r.body.instance_id).toMatch(/^inst_/);
    expect(r.body.data.result).toEqual({ message: "hello hello" });
    expect(r.body.data.credits_charged).toBe(1);
    expect(sb.balance()).toBe(4999);
    // The lead's demo and e2e tests buy the cheap product's first action with no arguments.
    const bare = await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product, parameters: { action: "echo" } } });
    expect(bare.status).toBe(200);
    expect(bare.body.data.result).toEqual({ message: "hello from the sandbox" });
    expect(sb.balance()).toBe(4998);
    sb.reset();
    const free = await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product, parameters: { action: "ping" } } });
    expect(free.status).toBe(200);
    expect(sb.balance()).toBe(5000);
  });

  it("POST /products/purchase: unknown product → 404, unknown action → 400, bad parameters → 422", async () => {
    const before = sb.balance();
    const unknown = await call(sb, "POST", "/products/purchase", { body: { product_id: "0123456789abcdef01234567", parameters: { action: "x" } } });
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body.detail).toBe("string");

    const notHex = await call(sb, "POST", "/products/purchase", { body: { product_id: "sandbox-echo", parameters: { action: "echo", message: "x" } } });
    expect(notHex.status).toBe(404);

    const action = await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product, parameters: { action: "shout" } } });
    expect(action.status).toBe(400);
    expect(action.body.detail).toContain("Unknown action 'shout'");
    expect(action.body.detail).toContain("echo");

    const noAction = await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product } });
    expect(noAction.status).toBe(422);
    expect(noAction.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "parameters", "action"] });

    const params = await call(sb, "POST", "/products/purchase", {
      body: { product_id: sb.ids.product, parameters: { action: "echo", message: 7, repeat: 9, loud: true } },
    });
    expect(params.status).toBe(422);
    const locs = params.body.detail.map((d: { loc: unknown[] }) => d.loc.join("."));
    expect(locs).toEqual(expect.arrayContaining(["body.parameters.message", "body.parameters.repeat", "body.parameters.loud"]));

    const fetched = await call(sb, "GET", "/products/fetch?page_size=5");
    const email = fetched.body.tools.find((t: { name: string }) => t.name === "send_transactional_email");
    const missingRequired = await call(sb, "POST", "/products/purchase", {
      body: { product_id: email.product_id, parameters: { action: "send_email", to: "not-an-email" } },
    });
    expect(missingRequired.status).toBe(422);
    expect(missingRequired.body.detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "missing", loc: ["body", "parameters", "subject"] }),
        expect.objectContaining({ type: "value_error", loc: ["body", "parameters", "to"] }),
      ]),
    );

    const missingId = await call(sb, "POST", "/products/purchase", { body: { parameters: { action: "echo" } } });
    expect(missingId.status).toBe(422);
    expect(missingId.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "product_id"], msg: "Field required" });

    const paramsType = await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product, parameters: "echo" } });
    expect(paramsType.status).toBe(422);
    expect(paramsType.body.detail[0]).toMatchObject({ type: "dict_type", loc: ["body", "parameters"] });

    const malformed = await call(sb, "POST", "/products/purchase", { raw: "{" });
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail[0].type).toBe("json_invalid");
    expect(sb.balance()).toBe(before);
  });

  it("POST /products/purchase with a price above the balance → 402, nothing debited", async () => {
    const fetched = await call(sb, "GET", "/products/fetch?page_size=100");
    const premium = fetched.body.tools.find((t: { product_id: string }) => t.product_id === sb.ids.expensiveProduct);
    const price: number = premium.actions[0].price_credits;
    expect(price).toBeGreaterThan(5000);
    const r = await call(sb, "POST", "/products/purchase", {
      body: { product_id: sb.ids.expensiveProduct, parameters: { action: premium.actions[0].name, ticker: "ACME" } },
    });
    expect(r.status).toBe(402);
    expect(r.body.detail).toContain("5000");
    expect(r.body.detail).toContain(String(price));
    expect(sb.balance()).toBe(5000);
    const bare = await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.expensiveProduct, parameters: { action: premium.actions[0].name } } });
    expect(bare.status).toBe(402);
    expect(sb.balance()).toBe(5000);
    const history = await call(sb, "GET", "/credits/history");
    expect(history.body.data.transactions).toHaveLength(1);
  });

  it("unknown route → 404 Not Found, wrong method → 405", async () => {
    const nf = await call(sb, "GET", "/nope");
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ detail: "Not Found" });
    const m = await call(sb, "DELETE", "/credits/balance");
    expect(m.status).toBe(405);
    expect(m.body).toEqual({ detail: "Method Not Allowed" });
    expect(m.headers.get("allow")).toContain("GET");
    const wm = await call(sb, "GET", `/api/agent-webhooks/${sb.ids.workflow}/trigger`);
    expect(wm.status).toBe(405);
    expect(wm.body).toMatchObject({ success: false, error: "method_not_allowed" });
  });

  it("bodies over 1 MiB → 413", async () => {
    const big = JSON.stringify({ product_id: sb.ids.product, error_message: "x".repeat(1024 * 1024) });
    const r = await call(sb, "POST", "/issues/report", { raw: big });
    expect(r.status).toBe(413);
    const w = await call(sb, "POST", `/api/agent-webhooks/${sb.ids.workflow}/trigger`, { raw: JSON.stringify({ prompt: "y".repeat(1024 * 1024 + 10) }) });
    expect(w.status).toBe(413);
    expect(w.body).toMatchObject({ success: false, error: "payload_too_large" });
  });

  it("records every request with lowercased headers, body and status", async () => {
    sb.requests.length = 0;
    await call(sb, "POST", "/issues/report?trace=1", { body: { product_id: "a", error_message: "b" }, headers: { "X-Custom": "v" } });
    await call(sb, "GET", "/nope", { token: null });
    expect(sb.requests).toHaveLength(2);
    const [first, second] = sb.requests;
    expect(first).toMatchObject({ method: "POST", path: "/issues/report", query: "trace=1", status: 200 });
    expect(first!.headers["x-custom"]).toBe("v");
    expect(first!.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(JSON.parse(first!.body)).toEqual({ product_id: "a", error_message: "b" });
    expect(typeof first!.at).toBe("number");
    expect(second).toMatchObject({ method: "GET", path: "/nope", status: 404 });
  });

  it("reset() restores the seeded state", async () => {
    await call(sb, "POST", "/products/purchase", { body: { product_id: sb.ids.product, parameters: { action: "echo", message: "a" } } });
    sb.addFault({ path: "/health", status: 500 });
    expect(sb.balance()).toBe(4999);
    sb.reset();
    expect(sb.balance()).toBe(5000);
    expect(sb.requests).toHaveLength(0);
    expect((await call(sb, "GET", "/health")).status).toBe(200);
  });
});

describe("sandbox: catalog", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ initialCredits: 1_000_000 });
  });
  afterAll(async () => {
    await sb.close();
  });

  async function allTools(): Promise<Array<{ product_id: string; name: string; slug: string; category: string; actions: Array<{ name: string; price_credits: number; parameters: JsonSchema }> }>> {
    const out = [];
    for (let page = 1; ; page++) {
      const r = await call(sb, "GET", `/products/fetch?page=${page}&page_size=100`);
      out.push(...r.body.tools);
      if (!r.body.pagination.has_next) return out;
    }
  }

  it("has at least 150 products with unique ids, names and slugs across ~10 categories", async () => {
    const tools = await allTools();
    expect(tools.length).toBeGreaterThanOrEqual(150);
    expect(new Set(tools.map((t) => t.product_id)).size).toBe(tools.length);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    expect(new Set(tools.map((t) => t.slug)).size).toBe(tools.length);
    expect(new Set(tools.map((t) => t.category)).size).toBeGreaterThanOrEqual(8);
    const prices = tools.flatMap((t) => t.actions.map((a) => a.price_credits));
    expect(prices.some((p) => p === 0)).toBe(true);
    expect(prices.filter((p) => p > 0 && p <= 500).length).toBeGreaterThan(100);
    const cheap = tools.find((t) => t.product_id === sb.ids.product)!;
    expect(cheap.actions[0]!.price_credits).toBeLessThanOrEqual(10);
  });

  it("is deterministic across starts", async () => {
    const other = await startSandbox({ initialCredits: 1_000_000 });
    try {
      const a = await call(sb, "GET", "/products/fetch?page_size=100&page=2", { headers: { "x-instance-id": "i" } });
      const b = await call(other, "GET", "/products/fetch?page_size=100&page=2", { headers: { "x-instance-id": "i" } });
      expect(b.body.tools).toEqual(a.body.tools);
      expect(other.ids).toEqual(sb.ids);
    } finally {
      await other.close();
    }
  });

  it("every action accepts a sample built from its published schema", async () => {
    const tools = await allTools();
    const schemaFeatures = new Set<string>();
    for (const tool of tools) {
      for (const action of tool.actions) {
        const walk = (s: JsonSchema) => {
          if (s.format) schemaFeatures.add(`format:${s.format}`);
          if (s.enum) schemaFeatures.add("enum");
          if (s.type === "array") schemaFeatures.add("array");
          if (s.type === "object" && s !== action.parameters) schemaFeatures.add("nested-object");
          Object.values(s.properties ?? {}).forEach(walk);
          if (s.items) walk(s.items);
        };
        walk(action.parameters);
        if (action.price_credits > 1_000_000) continue;
        const args = sampleValue(action.parameters) as Record<string, unknown>;
        const r = await call(sb, "POST", "/products/purchase", { body: { product_id: tool.product_id, parameters: { action: action.name, ...args } } });
        expect(r.status, `${tool.name}.${action.name}: ${JSON.stringify(r.body)}`).toBe(200);
      }
    }
    expect([...schemaFeatures].sort()).toEqual(
      expect.arrayContaining(["array", "enum", "format:date", "format:email", "format:uri", "nested-object"]),
    );
  });
});

describe("sandbox: webhooks", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ runDurationMs: 300 });
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => sb.reset());

  const trigger = (workflowId: string, body: unknown, token?: string | null) =>
    call(sb, "POST", `/api/agent-webhooks/${workflowId}/trigger`, { body, ...(token !== undefined ? { token } : {}) });

  it("rejects missing or wrong bearer with the webhook envelope", async () => {
    const expected = { success: false, error: "unauthorized", message: "Missing or invalid bearer token" };
    const none = await trigger(sb.ids.workflow, { prompt: "x" }, null);
    expect(none.status).toBe(401);
    expect(none.body).toEqual(expected);
    const wrong = await call(sb, "GET", `/api/agent-webhooks/runs/${sb.ids.workflow}`, { token: "wrong" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(expected);
  });

  it("triggers a run and replays it by request_id with 202", async () => {
    const first = await trigger(sb.ids.workflow, { prompt: "Summarize", request_id: "req-1", request_metadata: { trace: "t1" } });
    expect(first.status).toBe(200);
    expect(first.body.success).toBe(true);
    expect(first.body.message).toBe("Workflow trigger accepted");
    const run = first.body.data.run;
    expect(Object.keys(run).sort()).toEqual(
      ["run_id", "workflow_id", "status", "created_at", "updated_at", "cancel_requested_at", "cancel_request_id", "cancel_reason"].sort(),
    );
    expect(run).toMatchObject({ workflow_id: sb.ids.workflow, status: "queued", cancel_requested_at: null });
    expect(run.run_id).toMatch(/^[0-9a-f]{24}$/);
    expect(first.body.data.status_url).toBe(`${sb.url}/api/agent-webhooks/runs/${run.run_id}`);

    const again = await trigger(sb.ids.workflow, { prompt: "Summarize", request_id: "req-1" });
    expect(again.status).toBe(202);
    expect(again.body.data.run.run_id).toBe(run.run_id);

    const other = await trigger(sb.ids.workflow, { prompt: "Summarize", request_id: "req-2" });
    expect(other.status).toBe(200);
    expect(other.body.data.run.run_id).not.toBe(run.run_id);
    const noKey = await trigger(sb.ids.workflow, { prompt: "Summarize" });
    expect(noKey.body.data.run.run_id).not.toBe(run.run_id);
  });

  it("runs go queued → running → completed over runDurationMs", async () => {
    const t = await trigger(sb.ids.workflow, { prompt: "Daily digest please", callback_url: "https://example.com/hook", request_metadata: { a: 1 } });
    expect(t.body.data.run.status).toBe("queued");
    const url = `/api/agent-webhooks/runs/${t.body.data.run.run_id}`;
    // Poll rather than sleep to fixed points, so a loaded machine cannot make this flaky.
    const seen: string[] = [];
    const runs: Array<Record<string, unknown>> = [];
    const deadline = Date.now() + 3000;
    for (;;) {
      const r = await call(sb, "GET", url);
      expect(r.status).toBe(200);
      const run = r.body.data.run;
      expect(Object.keys(run)).toHaveLength(25);
      runs.push(run);
      if (seen.at(-1) !== run.status) seen.push(run.status);
      if (run.status === "completed" || Date.now() > deadline) break;
      await sleep(15);
    }
    expect(["queued", "running", "completed"]).toEqual(expect.arrayContaining(seen));
    expect(seen).toContain("running");
    expect(seen.at(-1)).toBe("completed");
    const order = ["queued", "running", "completed"];
    expect(seen.map((s) => order.indexOf(s))).toEqual([...seen.map((s) => order.indexOf(s))].sort());

    const running = runs.find((r) => r.status === "running")!;
    expect(running).toMatchObject({ callback_status: "pending", completed_at: null, response_text: null });
    expect(running.started_at).not.toBeNull();
    const done = runs.at(-1)!;
    expect(done).toMatchObject({
      status: "completed",
      prompt: "Daily digest please",
      callback_url: "https://example.com/hook",
      callback_status: "delivered",
      callback_last_status: 200,
      request_metadata: { a: 1 },
      error_code: null,
    });
    expect(done.response_text).toContain("Daily digest please");
    expect(done.completed_at).not.toBeNull();
  });

  it("failing and setup-required workflows end in their documented statuses; no callback means skipped", async () => {
    const f = await trigger(sb.ids.failingWorkflow, { prompt: "sync" });
    const s = await trigger(sb.ids.setupRequiredWorkflow, { prompt: "update" });
    await sleep(400);
    const fr = (await call(sb, "GET", `/api/agent-webhooks/runs/${f.body.data.run.run_id}`)).body.data.run;
    expect(fr).toMatchObject({ status: "failed", callback_status: "skipped", response_text: null });
    expect(typeof fr.error_code).toBe("string");
    expect(typeof fr.error_message).toBe("string");
    const sr = (await call(sb, "GET", `/api/agent-webhooks/runs/${s.body.data.run.run_id}`)).body.data.run;
    expect(sr.status).toBe("setup_required");
  });

  it("cancels a running run; cancel is idempotent; terminal runs → 409", async () => {
    const slow = await trigger(sb.ids.slowWorkflow, { prompt: "research" });
    const runId = slow.body.data.run.run_id;
    const c = await call(sb, "POST", `/api/agent-webhooks/runs/${runId}/cancel`, { body: { reason: "no longer needed", request_id: "cancel-1" } });
    expect(c.status).toBe(200);
    expect(c.body.data.run).toMatchObject({ status: "cancelled", cancel_reason: "no longer needed", cancel_request_id: "cancel-1" });
    expect(c.body.data.run.cancel_requested_at).not.toBeNull();
    expect(c.body.data.run.cancel_requested_by_user_id).toMatch(/^[0-9a-f]{24}$/);

    const again = await call(sb, "POST", `/api/agent-webhooks/runs/${runId}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body.data.run.cancel_requested_at).toBe(c.body.data.run.cancel_requested_at);

    const quick = await trigger(sb.ids.workflow, { prompt: "x" });
    await sleep(350);
    const late = await call(sb, "POST", `/api/agent-webhooks/runs/${quick.body.data.run.run_id}/cancel`);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ success: false, error: "run_not_cancellable" });
  });

  it("unknown run → 404, malformed run id → 400", async () => {
    const nf = await call(sb, "GET", "/api/agent-webhooks/runs/0123456789abcdef01234567");
    expect(nf.status).toBe(404);
    expect(nf.body).toMatchObject({ success: false, error: "run_not_found" });
    const nfc = await call(sb, "POST", "/api/agent-webhooks/runs/0123456789abcdef01234567/cancel");
    expect(nfc.status).toBe(404);
    const bad = await call(sb, "GET", "/api/agent-webhooks/runs/not-an-id");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: "invalid_run_id" });
  });

  it("validates workflow ids and payloads", async () => {
    const badId = await trigger("abc", { prompt: "x" });
    expect(badId.status).toBe(400);
    expect(badId.body.error).toBe("invalid_workflow_id");
    const unknown = await trigger("0123456789abcdef01234567", { prompt: "x" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("workflow_not_found");
    for (const body of [{}, { prompt: "" }, { prompt: 5 }, { prompt: "x", request_metadata: [1] }, { prompt: "x", request_id: 7 }]) {
      const r = await trigger(sb.ids.workflow, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toBe("invalid_payload");
    }
    const noPrompt = await trigger(sb.ids.workflow, {});
    expect(noPrompt.body.message).toContain("prompt");
    const malformed = await call(sb, "POST", `/api/agent-webhooks/${sb.ids.workflow}/trigger`, { raw: "{oops" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe("invalid_payload");
    for (const callback_url of ["http://example.com/hook", "ftp://example.com", "not a url"]) {
      const r = await trigger(sb.ids.workflow, { prompt: "x", callback_url });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ success: false, error: "invalid_callback_url" });
    }
  });

  it("workflow not on budget → 409 with the approval data block", async () => {
    const r = await trigger(sb.ids.notOnBudgetWorkflow, { prompt: "route leads" });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ success: false, error: "workflow_not_on_budget" });
    expect(typeof r.body.message).toBe("string");
    expect(Object.keys(r.body.data).sort()).toEqual(["add_workflow", "credential_request_ids", "missing_credentials", "workflow_request_id"]);
    expect(r.body.data.credential_request_ids.length).toBeGreaterThan(0);
    expect(r.body.data.missing_credentials.length).toBeGreaterThan(0);
  });

  it("run lifecycle follows the injected clock", async () => {
    let now = Date.UTC(2025, 0, 1);
    const clocked = await startSandbox({ runDurationMs: 10_000, queuedMs: 1_000, now: () => now });
    try {
      const t = await call(clocked, "POST", `/api/agent-webhooks/${clocked.ids.workflow}/trigger`, { body: { prompt: "p" } });
      const url = `/api/agent-webhooks/runs/${t.body.data.run.run_id}`;
      expect(t.body.data.run.created_at).toBe("2025-01-01T00:00:00.000Z");
      now += 999;
      expect((await call(clocked, "GET", url)).body.data.run.status).toBe("queued");
      now += 1;
      const running = (await call(clocked, "GET", url)).body.data.run;
      expect(running).toMatchObject({ status: "running", started_at: "2025-01-01T00:00:01.000Z", updated_at: "2025-01-01T00:00:01.000Z" });
      now += 9_000;
      const done = (await call(clocked, "GET", url)).body.data.run;
      expect(done).toMatchObject({ status: "completed", completed_at: "2025-01-01T00:00:10.000Z" });
    } finally {
      await clocked.close();
    }
  });
});

describe("sandbox: embeds", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  it("serves the loader script", async () => {
    const res = await fetch(`${sb.url}/embed.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(await res.text()).toContain("iframe");
  });

  it("serves widgets for known ids and 404 HTML otherwise", async () => {
    const cases: Array<[string, number]> = [
      [`/embed/${sb.ids.workflow}`, 200],
      [`/embed/bundle/${sb.ids.bundle}`, 200],
      [`/embed/product/${sb.ids.product}`, 200],
      ["/embed/0123456789abcdef01234567", 404],
      [`/embed/bundle/${sb.ids.product}`, 404],
      [`/embed/product/${sb.ids.workflow}`, 404],
      ["/embed/product/nope", 404],
    ];
    for (const [path, status] of cases) {
      const res = await fetch(sb.url + path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toMatch(/^<!doctype html>/i);
    }
  });
});

describe("sandbox: faults and lifecycle", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => sb.reset());

  it("injects a status with a raw body, limited by times", async () => {
    sb.addFault({ path: "/credits/*", status: 503, body: "upstream down", contentType: "text/plain", headers: { "retry-after": "7" }, times: 1 });
    const res = await fetch(`${sb.url}/credits/balance`, { headers: { authorization: `Bearer ${BEARER}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.text()).toBe("upstream down");
    expect(sb.requests.at(-1)!.status).toBe(503);
    const next = await call(sb, "GET", "/credits/balance");
    expect(next.status).toBe(200);
  });

  it("matches method and exact path", async () => {
    sb.addFault({ method: "POST", path: "/health", status: 500 });
    expect((await call(sb, "GET", "/health")).status).toBe(200);
    sb.addFault({ method: "get", path: "/health", status: 502 });
    expect((await call(sb, "GET", "/health")).status).toBe(502);
    expect((await call(sb, "GET", "/health/x")).status).toBe(404);
    sb.clearFaults();
    expect((await call(sb, "GET", "/health")).status).toBe(200);
  });

  it("delays and then handles normally", async () => {
    sb.addFault({ path: "/health", delayMs: 200, times: 1 });
    const started = Date.now();
    const r = await call(sb, "GET", "/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  it("close() resolves promptly with keep-alive and in-flight connections", async () => {
    const local = await startSandbox();
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${local.url}/health`, { agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", reject);
      req.end();
    });
    await call(local, "GET", "/health"); // leaves a pooled fetch connection open too
    local.addFault({ path: "/credits/balance", delayMs: 30_000 });
    const hanging = fetch(`${local.url}/credits/balance`, { headers: { authorization: `Bearer ${BEARER}` } }).catch((e: unknown) => e);
    await sleep(50);
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hanging).toBeInstanceOf(Error);
    await local.close(); // idempotent
    agent.destroy();
  });
});
