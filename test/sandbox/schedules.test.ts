import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/platforms/agentpmt/sandbox/index.js";

const BEARER = "sandbox-bearer-token";
const LEGACY = Buffer.from("sandbox-api-key:sandbox-budget-key").toString("base64");
const BASE = "/api/external/workflow-schedules";
const HOUR_MS = 3_600_000;

interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  sb: Sandbox,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? BEARER : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const payload = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  if (payload !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(sb.url + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").startsWith("application/json")) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ITEM_KEYS = [
  "schedule_id",
  "budget_id",
  "workflow_id",
  "workflow_name",
  "workflow_slug",
  "name",
  "prompt",
  "metadata",
  "execution_mode",
  "due_at",
  "time_zone",
  "recurrence",
].sort();

function expectGatewayError(r: JsonResponse, status: number, error: string, errorCode = error.toUpperCase()): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get("content-type")).toBe("application/json");
  expect(r.body).toMatchObject({ error, error_code: errorCode });
  expect(Object.keys(r.body).sort()).toEqual(["error", "error_code", "help_doc", "help_url", "message", "request_id"]);
  expect(typeof r.body.message).toBe("string");
  expect(r.body.message.length).toBeGreaterThan(0);
}

describe("sandbox: workflow schedules", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ runDurationMs: 300 });
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => sb.reset());

  const due = (query = "") => call(sb, "GET", `${BASE}/due${query}`);
  const claim = (body?: unknown) => call(sb, "POST", `${BASE}/claim`, body === undefined ? {} : { body });
  const advance = (id: string, body: unknown) => call(sb, "POST", `${BASE}/${id}/advance`, { body });
  const release = (id: string, body: unknown) => call(sb, "POST", `${BASE}/${id}/release`, { body });
  /** Claims every due occurrence and returns the item of one schedule. */
  const claimOne = async (id: string, extra: Record<string, unknown> = {}) => {
    const r = await claim({ limit: 100, ...extra });
    expect(r.status).toBe(200);
    const item = r.body.data.items.find((x: { schedule_id: string }) => x.schedule_id === id);
    expect(item, `claim did not return ${id}`).toBeDefined();
    return item as { schedule_id: string; due_at: string; claim_token: string; claim_expires_at: string };
  };

  it("exposes 24-hex schedule ids", () => {
    for (const id of [sb.ids.schedule, sb.ids.raceSchedule, sb.ids.unclaimedSchedule]) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set([sb.ids.schedule, sb.ids.raceSchedule, sb.ids.unclaimedSchedule]).size).toBe(3);
  });

  it("401 gateway envelope without or with a wrong bearer; the legacy bearer works", async () => {
    const calls: Array<[string, string, unknown]> = [
      ["GET", `${BASE}/due`, undefined],
      ["POST", `${BASE}/claim`, {}],
      ["POST", `${BASE}/${sb.ids.schedule}/advance`, { due_at: "2026-01-01T00:00:00Z", claim_token: "x" }],
      ["POST", `${BASE}/${sb.ids.schedule}/release`, { due_at: "2026-01-01T00:00:00Z", claim_token: "x" }],
    ];
    for (const [method, path, body] of calls) {
      for (const token of [null, "wrong"]) {
        const r = await call(sb, method, path, { body, token });
        expectGatewayError(r, 401, "Unauthorized", "UNAUTHORIZED");
        expect(r.body.message).toBe("Missing or invalid API-key + budget-key bearer token.");
        expect(r.body.help_url).toBe(`${sb.url}/api/external/agent-help`);
        expect(r.body.help_doc).toBe(`${sb.url}/contact`);
      }
    }
    const echoed = await call(sb, "GET", `${BASE}/due`, { token: null, headers: { "x-request-id": "corr-1" } });
    expect(echoed.body.request_id).toBe("corr-1");
    // Nothing was claimed by the rejected calls.
    const legacy = await call(sb, "GET", `${BASE}/due`, { token: LEGACY });
    expect(legacy.status).toBe(200);
    expect(legacy.body.data.count).toBe(5);
  });

  it("GET due lists the seeded due occurrences, oldest first", async () => {
    const before = Date.now();
    const r = await due();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["data", "help_doc", "help_url", "request_id", "success"]);
    expect(r.body.success).toBe(true);
    const { items, count, as_of } = r.body.data;
    expect(count).toBe(5);
    expect(items).toHaveLength(5);
    expect(Date.parse(as_of)).toBeGreaterThanOrEqual(before - 1000);
    expect(items.slice(0, 3).map((i: { schedule_id: string }) => i.schedule_id)).toEqual([sb.ids.schedule, sb.ids.raceSchedule, sb.ids.unclaimedSchedule]);
    const dues = items.map((i: { due_at: string }) => Date.parse(i.due_at));
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(ITEM_KEYS);
      expect(item).toMatchObject({ execution_mode: "external_due", recurrence: { every_seconds: 3600 } });
      expect(item.schedule_id).toMatch(/^[0-9a-f]{24}$/);
      expect(item.workflow_id).toMatch(/^[0-9a-f]{24}$/);
      expect(item.budget_id).toMatch(/^[0-9a-f]{24}$/);
      expect(Date.parse(item.due_at)).toBeLessThanOrEqual(Date.parse(as_of));
      expect(new Date(Date.parse(item.due_at)).toISOString()).toBe(item.due_at);
    }
    expect(items[0]).toMatchObject({ workflow_id: sb.ids.workflow, workflow_name: "Daily Order Digest", workflow_slug: "daily-order-digest" });

    const limited = await due("?limit=2");
    expect(limited.body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).toEqual([sb.ids.schedule, sb.ids.raceSchedule]);
    expect(limited.body.data.count).toBe(2);

    // as_of between the first and second due times → only the first.
    const mid = new Date((dues[0] + dues[1]) / 2).toISOString();
    const early = await due(`?as_of=${encodeURIComponent(mid)}`);
    expect(early.body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).toEqual([sb.ids.schedule]);
    expect(early.body.data.as_of).toBe(mid);

    for (const q of ["?limit=0", "?limit=101", "?limit=abc", "?limit=1.5", "?limit=-1", "?as_of=yesterday", "?as_of=2026-13-01T00:00:00Z", "?as_of=2026-05-01"]) {
      expectGatewayError(await due(q), 400, "invalid_query");
    }
  });

  it("claim leases occurrences with tokens; claimed ones leave the due list", async () => {
    const before = Date.now();
    const r = await claim({ limit: 2, lease_seconds: 120 });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["data", "help_doc", "help_url", "request_id", "success"]);
    expect(Object.keys(r.body.data).sort()).toEqual(["as_of", "claim_lease_seconds", "count", "items"]);
    expect(r.body.data).toMatchObject({ count: 2, claim_lease_seconds: 120 });
    const items = r.body.data.items;
    expect(items.map((i: { schedule_id: string }) => i.schedule_id)).toEqual([sb.ids.schedule, sb.ids.raceSchedule]);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual([...ITEM_KEYS, "claim_expires_at", "claim_lease_seconds", "claim_token"].sort());
      expect(typeof item.claim_token).toBe("string");
      expect(item.claim_token.length).toBeGreaterThan(10);
      expect(item.claim_lease_seconds).toBe(120);
      const expires = Date.parse(item.claim_expires_at);
      expect(expires).toBeGreaterThanOrEqual(before + 119_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 121_000);
    }
    expect(items[0].claim_token).not.toBe(items[1].claim_token);

    const left = await due();
    expect(left.body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).not.toContain(sb.ids.schedule);
    expect(left.body.data.count).toBe(3);

    const rest = await claim();
    expect(rest.body.data.count).toBe(3);
    expect(rest.body.data.claim_lease_seconds).toBe(300);
    const empty = await claim({ limit: 5 });
    expect(empty.status).toBe(200);
    expect(empty.body.data).toMatchObject({ items: [], count: 0 });
    expect((await due()).body.data.count).toBe(0);
  });

  it("claim validates its body", async () => {
    const bad = [
      { limit: 0 },
      { limit: 101 },
      { limit: "1" },
      { limit: 1.5 },
      { lease_seconds: 0 },
      { lease_seconds: 86_401 },
      { lease_seconds: "60" },
      { as_of: "soon" },
      { as_of: 5 },
      { request_id: "" },
      { request_id: 7 },
      { request_id: "x".repeat(256) },
    ];
    for (const body of bad) {
      const r = await claim(body);
      expectGatewayError(r, 400, "invalid_request_body");
    }
    for (const raw of ["{oops", "[1]", '"x"']) {
      expectGatewayError(await call(sb, "POST", `${BASE}/claim`, { raw }), 400, "invalid_request_body");
    }
    // Nothing got claimed by the rejected calls.
    expect((await due()).body.data.count).toBe(5);
    expect((await claim({ lease_seconds: 86_400, limit: 100 })).body.data.count).toBe(5);
  });

  it("two concurrent claims never return the same occurrence", async () => {
    for (let round = 0; round < 3; round++) {
      sb.reset();
      const [a, b] = await Promise.all([claim({ limit: 1 }), claim({ limit: 1 })]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.body.data.count).toBe(1);
      expect(b.body.data.count).toBe(1);
      const ka = `${a.body.data.items[0].schedule_id}@${a.body.data.items[0].due_at}`;
      const kb = `${b.body.data.items[0].schedule_id}@${b.body.data.items[0].due_at}`;
      expect(ka).not.toBe(kb);
    }
    // A wider race: 7 single claims over 5 occurrences → 5 distinct claims and 2 empty answers.
    sb.reset();
    const all = await Promise.all(Array.from({ length: 7 }, () => claim({ limit: 1 })));
    const keys = all.flatMap((r) => r.body.data.items.map((i: { schedule_id: string; due_at: string }) => `${i.schedule_id}@${i.due_at}`));
    expect(keys).toHaveLength(5);
    expect(new Set(keys).size).toBe(5);
  });

  it("an expired lease → claim_expired; someone else can claim it; the stale token then meets claim_mismatch", async () => {
    const first = await claimOne(sb.ids.raceSchedule, { lease_seconds: 1 });
    await sleep(1200);
    const expired = await advance(sb.ids.raceSchedule, { due_at: first.due_at, claim_token: first.claim_token });
    expectGatewayError(expired, 409, "claim_expired");
    expectGatewayError(await release(sb.ids.raceSchedule, { due_at: first.due_at, claim_token: first.claim_token }), 409, "claim_expired");

    // The occurrence is due again, and another worker can take it.
    expect((await due()).body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).toContain(sb.ids.raceSchedule);
    const second = await claimOne(sb.ids.raceSchedule);
    expect(second.due_at).toBe(first.due_at);
    expect(second.claim_token).not.toBe(first.claim_token);

    expectGatewayError(await advance(sb.ids.raceSchedule, { due_at: first.due_at, claim_token: first.claim_token }), 409, "claim_mismatch");
    expectGatewayError(await release(sb.ids.raceSchedule, { due_at: first.due_at, claim_token: first.claim_token }), 409, "claim_mismatch");
    const ok = await advance(sb.ids.raceSchedule, { due_at: second.due_at, claim_token: second.claim_token });
    expect(ok.status).toBe(200);
    expect(ok.body.data.already_advanced).toBe(false);
    // After the advance, the stale token's due_at is no longer current: due_at_mismatch.
    expectGatewayError(await advance(sb.ids.raceSchedule, { due_at: first.due_at, claim_token: first.claim_token }), 409, "due_at_mismatch");
  });

  it("a live claim held by someone else → claim_mismatch", async () => {
    const mine = await claimOne(sb.ids.schedule);
    const r = await advance(sb.ids.schedule, { due_at: mine.due_at, claim_token: "sclm_not-the-token" });
    expectGatewayError(r, 409, "claim_mismatch");
    expectGatewayError(await release(sb.ids.schedule, { due_at: mine.due_at, claim_token: "sclm_not-the-token" }), 409, "claim_mismatch");
  });

  it("wrong due_at → due_at_mismatch; advance without a claim → claim_required", async () => {
    const item = (await claim({ limit: 1 })).body.data.items[0];
    expect(item.schedule_id).toBe(sb.ids.schedule);
    const wrong = new Date(Date.parse(item.due_at) + 1000).toISOString();
    const r = await advance(sb.ids.schedule, { due_at: wrong, claim_token: item.claim_token });
    expectGatewayError(r, 409, "due_at_mismatch");
    expectGatewayError(await release(sb.ids.schedule, { due_at: wrong, claim_token: item.claim_token }), 409, "due_at_mismatch");

    // The same instant in another notation is the same occurrence.
    const sameInstant = item.due_at.replace(/\.000Z$/, "+00:00");
    expect(sameInstant).not.toBe(item.due_at);
    const okRelease = await release(sb.ids.schedule, { due_at: sameInstant, claim_token: item.claim_token });
    expect(okRelease.status).toBe(200);

    const unclaimed = (await due()).body.data.items.find((i: { schedule_id: string }) => i.schedule_id === sb.ids.unclaimedSchedule);
    const req = await advance(sb.ids.unclaimedSchedule, { due_at: unclaimed.due_at, claim_token: "sclm_anything" });
    expectGatewayError(req, 409, "claim_required");
    // release has no claim_required in its contract: no claim means the token matches nothing.
    expectGatewayError(await release(sb.ids.unclaimedSchedule, { due_at: unclaimed.due_at, claim_token: "sclm_anything" }), 409, "claim_mismatch");
  });

  it("advance moves due_at by the recurrence; repeating it says already_advanced", async () => {
    const item = await claimOne(sb.ids.schedule);
    const r = await advance(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token, outcome: "failed", external_run_id: "ext-1", note: "boom" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["data", "help_doc", "help_url", "request_id", "success"]);
    expect(Object.keys(r.body.data).sort()).toEqual(["already_advanced", "schedule"]);
    const schedule = r.body.data.schedule;
    expect(schedule).toMatchObject({
      schedule_id: sb.ids.schedule,
      due_at: new Date(Date.parse(item.due_at) + HOUR_MS).toISOString(),
      recurrence: { every_seconds: 3600 },
      last_advanced_due_at: item.due_at,
      last_outcome: "failed",
      last_external_run_id: "ext-1",
      last_note: "boom",
    });
    expect(r.body.data.already_advanced).toBe(false);

    const again = await advance(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token, outcome: "failed" });
    expect(again.status).toBe(200);
    expect(again.body.data.already_advanced).toBe(true);
    expect(again.body.data.schedule.due_at).toBe(schedule.due_at);

    // The next occurrence is an hour after the seeded one: no longer due now.
    expect((await due()).body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).not.toContain(sb.ids.schedule);
    expect((await due(`?as_of=${encodeURIComponent(schedule.due_at)}`)).body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).toContain(sb.ids.schedule);

    // Another token on the advanced occurrence is a due_at mismatch, not a replay.
    expectGatewayError(await advance(sb.ids.schedule, { due_at: item.due_at, claim_token: "sclm_other" }), 409, "due_at_mismatch");
  });

  it("advance defaults outcome to success and validates its body", async () => {
    const item = await claimOne(sb.ids.schedule);
    const bodies: unknown[] = [
      {},
      { due_at: item.due_at },
      { claim_token: item.claim_token },
      { due_at: "not a date", claim_token: item.claim_token },
      { due_at: item.due_at, claim_token: "" },
      { due_at: item.due_at, claim_token: 5 },
      { due_at: item.due_at, claim_token: item.claim_token, outcome: "done" },
      { due_at: item.due_at, claim_token: item.claim_token, note: 1 },
      { due_at: item.due_at, claim_token: item.claim_token, note: "n".repeat(2001) },
    ];
    for (const body of bodies) expectGatewayError(await advance(sb.ids.schedule, body), 400, "invalid_request_body");
    expectGatewayError(await call(sb, "POST", `${BASE}/${sb.ids.schedule}/advance`), 400, "invalid_request_body");
    expectGatewayError(await call(sb, "POST", `${BASE}/${sb.ids.schedule}/advance`, { raw: "{" }), 400, "invalid_request_body");
    const ok = await advance(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token });
    expect(ok.status).toBe(200);
    expect(ok.body.data.schedule.last_outcome).toBe("success");
  });

  it("release hands the occurrence back; it can be re-claimed", async () => {
    const item = await claimOne(sb.ids.schedule);
    const r = await release(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token, note: "worker_shutdown" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.data).sort()).toEqual(["released", "schedule"]);
    expect(r.body.data.released).toBe(true);
    expect(r.body.data.schedule).toMatchObject({ schedule_id: sb.ids.schedule, due_at: item.due_at });

    expect((await due()).body.data.items.map((i: { schedule_id: string }) => i.schedule_id)).toEqual([sb.ids.schedule]);
    // Released token: nothing to release again, nothing to advance with.
    expectGatewayError(await release(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token }), 409, "claim_mismatch");
    expectGatewayError(await advance(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token }), 409, "claim_required");

    const again = await claim({ limit: 1 });
    expect(again.body.data.items).toHaveLength(1);
    const next = again.body.data.items[0];
    expect(next).toMatchObject({ schedule_id: sb.ids.schedule, due_at: item.due_at });
    expect(next.claim_token).not.toBe(item.claim_token);
    expectGatewayError(await advance(sb.ids.schedule, { due_at: item.due_at, claim_token: item.claim_token }), 409, "claim_mismatch");
    expect((await advance(sb.ids.schedule, { due_at: next.due_at, claim_token: next.claim_token })).status).toBe(200);
  });

  it("unknown schedule → 404, malformed id → 400", async () => {
    const body = { due_at: "2026-05-15T13:00:00.000Z", claim_token: "x" };
    for (const action of ["advance", "release"]) {
      expectGatewayError(await call(sb, "POST", `${BASE}/0123456789abcdef01234567/${action}`, { body }), 404, "schedule_not_found");
      expectGatewayError(await call(sb, "POST", `${BASE}/not-an-id/${action}`, { body }), 400, "invalid_schedule_id");
    }
    const wrongMethod = await call(sb, "GET", `${BASE}/claim`);
    expect(wrongMethod.status).toBe(405);
  });

  it("a claim with a request_id replays the same items instead of claiming more", async () => {
    const first = await claim({ limit: 2, request_id: "claim-1", lease_seconds: 60 });
    const again = await claim({ limit: 2, request_id: "claim-1", lease_seconds: 60 });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(first.body.data);
    expect((await due()).body.data.count).toBe(3);
    const other = await claim({ limit: 2, request_id: "claim-2" });
    const firstIds = first.body.data.items.map((i: { schedule_id: string }) => i.schedule_id);
    for (const item of other.body.data.items) expect(firstIds).not.toContain(item.schedule_id);
    expect(other.body.data.count).toBe(2);
    // The replayed tokens are the live ones.
    const item = again.body.data.items[0];
    expect((await advance(item.schedule_id, { due_at: item.due_at, claim_token: item.claim_token })).status).toBe(200);
  });

  it("reset() restores the seeded schedules and forgets claims", async () => {
    await claim({ limit: 100, request_id: "r" });
    expect((await due()).body.data.count).toBe(0);
    sb.reset();
    expect((await due()).body.data.count).toBe(5);
    expect((await claim({ limit: 100, request_id: "r" })).body.data.count).toBe(5);
  });
});

describe("sandbox: schedules on an injected clock", () => {
  it("leases, due times and expiry follow the sandbox clock", async () => {
    let now = Date.UTC(2026, 4, 15, 13, 30, 0);
    const sb = await startSandbox({ now: () => now });
    try {
      const d = await call(sb, "GET", `${BASE}/due`);
      expect(d.body.data.as_of).toBe("2026-05-15T13:30:00.000Z");
      expect(d.body.data.items[0].due_at).toBe("2026-05-15T13:20:00.000Z");

      const c = await call(sb, "POST", `${BASE}/claim`, { body: { limit: 1, lease_seconds: 60 } });
      const item = c.body.data.items[0];
      expect(item).toMatchObject({ schedule_id: sb.ids.schedule, due_at: "2026-05-15T13:20:00.000Z", claim_expires_at: "2026-05-15T13:31:00.000Z" });
      now += 59_999;
      expect((await call(sb, "GET", `${BASE}/due`)).body.data.count).toBe(4);
      now += 1;
      expect((await call(sb, "GET", `${BASE}/due`)).body.data.count).toBe(5);
      const r = await call(sb, "POST", `${BASE}/${sb.ids.schedule}/advance`, { body: { due_at: item.due_at, claim_token: item.claim_token } });
      expectGatewayError(r, 409, "claim_expired");

      // as_of in the claim body selects what is due; the lease still runs on the clock.
      const c2 = await call(sb, "POST", `${BASE}/claim`, { body: { as_of: "2026-05-15T13:21:00Z", lease_seconds: 30 } });
      expect(c2.body.data).toMatchObject({ count: 1, as_of: "2026-05-15T13:21:00.000Z" });
      expect(c2.body.data.items[0].claim_expires_at).toBe("2026-05-15T13:31:30.000Z");
      const a = await call(sb, "POST", `${BASE}/${sb.ids.schedule}/advance`, {
        body: { due_at: item.due_at, claim_token: c2.body.data.items[0].claim_token, outcome: "skipped" },
      });
      expect(a.status).toBe(200);
      expect(a.body.data.schedule).toMatchObject({ due_at: "2026-05-15T14:20:00.000Z", last_outcome: "skipped", last_advanced_at: "2026-05-15T13:31:00.000Z" });
    } finally {
      await sb.close();
    }
  });
});

describe("sandbox: webhook callbacks and run knobs", () => {
  let sb: Sandbox;
  let now = Date.UTC(2025, 0, 1);
  beforeAll(async () => {
    sb = await startSandbox({ runDurationMs: 10_000, queuedMs: 1_000, now: () => now });
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => sb.reset());

  const trigger = (workflowId: string, body: unknown) => call(sb, "POST", `/api/agent-webhooks/${workflowId}/trigger`, { body });
  const getRun = async (runId: string) => (await call(sb, "GET", `/api/agent-webhooks/runs/${runId}`)).body.data.run;

  it("records one callback per terminal run with a callback_url", async () => {
    const start = now;
    const withCb = await trigger(sb.ids.workflow, { prompt: "p", callback_url: "https://example.com/hook" });
    const withoutCb = await trigger(sb.ids.workflow, { prompt: "p" });
    const runId = withCb.body.data.run.run_id;
    expect(sb.callbacks).toEqual([]);
    const running = await getRun(runId);
    expect(running).toMatchObject({ callback_status: "pending", callback_attempted_at: null, callback_delivered_at: null, callback_last_status: null });

    now += 10_000;
    const done = await getRun(runId);
    expect(done).toMatchObject({
      status: "completed",
      callback_status: "delivered",
      callback_last_status: 200,
      callback_last_error: null,
      callback_attempted_at: "2025-01-01T00:00:10.000Z",
      callback_delivered_at: "2025-01-01T00:00:10.000Z",
    });
    expect((await getRun(withoutCb.body.data.run.run_id)).callback_status).toBe("skipped");
    const expected = [{ run_id: runId, url: "https://example.com/hook", status: "delivered", at: start + 10_000 }];
    expect(sb.callbacks).toEqual(expected);
    // Reading again (and more time passing) never records it twice.
    now += 60_000;
    await getRun(runId);
    expect(sb.callbacks).toEqual(expected);

    // A cancelled run with a callback_url is terminal too: one callback at the cancel time.
    const slow = await trigger(sb.ids.slowWorkflow, { prompt: "p", callback_url: "https://example.com/other" });
    const slowId = slow.body.data.run.run_id;
    now += 2_000;
    await call(sb, "POST", `/api/agent-webhooks/runs/${slowId}/cancel`);
    expect(sb.callbacks).toHaveLength(2);
    expect(sb.callbacks[1]).toEqual({ run_id: slowId, url: "https://example.com/other", status: "delivered", at: now });
    sb.reset();
    expect(sb.callbacks).toEqual([]);
  });

  it("request_metadata.sandbox_duration_ms and sandbox_outcome shape a run", async () => {
    const created = now;
    const r = await trigger(sb.ids.workflow, { prompt: "p", request_metadata: { sandbox_duration_ms: 500, sandbox_outcome: "failed", trace: 1 } });
    expect(r.status).toBe(200);
    const runId = r.body.data.run.run_id;
    const early = await getRun(runId);
    expect(early.status).toBe("queued");
    expect(early.request_metadata).toEqual({ sandbox_duration_ms: 500, sandbox_outcome: "failed", trace: 1 });
    now += 500;
    const done = await getRun(runId);
    expect(done).toMatchObject({ status: "failed", error_code: "workflow_execution_failed", response_text: null });
    expect(done.completed_at).toBe(new Date(created + 500).toISOString());

    // Duration 0: terminal at once; the outcome overrides the workflow's own behaviour either way.
    const instant = await trigger(sb.ids.failingWorkflow, { prompt: "p", request_metadata: { sandbox_duration_ms: 0, sandbox_outcome: "completed" } });
    expect(instant.body.data.run.status).toBe("completed");
    const setup = await trigger(sb.ids.workflow, { prompt: "p", request_metadata: { sandbox_duration_ms: 0, sandbox_outcome: "setup_required" } });
    expect(setup.body.data.run.status).toBe("setup_required");
    expect((await getRun(setup.body.data.run.run_id)).error_code).toBe("setup_required");

    // A long run on the slow workflow can be made short, and a normal one long.
    const quickSlow = await trigger(sb.ids.slowWorkflow, { prompt: "p", request_metadata: { sandbox_duration_ms: 1 } });
    const long = await trigger(sb.ids.workflow, { prompt: "p", request_metadata: { sandbox_duration_ms: 600_000 } });
    now += 10_000;
    expect((await getRun(quickSlow.body.data.run.run_id)).status).toBe("completed");
    expect((await getRun(long.body.data.run.run_id)).status).toBe("running");
    now += 590_000;
    expect((await getRun(long.body.data.run.run_id)).status).toBe("completed");
  });

  it("refuses malformed sandbox knobs", async () => {
    for (const request_metadata of [
      { sandbox_duration_ms: -1 },
      { sandbox_duration_ms: 600_001 },
      { sandbox_duration_ms: "100" },
      { sandbox_duration_ms: null },
      { sandbox_outcome: "cancelled" },
      { sandbox_outcome: "succeeded" },
      { sandbox_outcome: 1 },
    ]) {
      const r = await trigger(sb.ids.workflow, { prompt: "p", request_metadata });
      expect(r.status, JSON.stringify(request_metadata)).toBe(400);
      expect(r.body).toMatchObject({ success: false, error: "invalid_payload" });
      expect(r.body.message).toContain("sandbox");
    }
  });
});
