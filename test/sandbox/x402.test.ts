/**
 * The sandbox's x402 server side, exercised with payments built by the CLIENT's wallet helpers:
 * two independent implementations (client signing, sandbox + reference facilitator verifying)
 * must agree, or one of them is wrong.
 */
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodePaymentHeader, verifyX402Payment, type X402Requirement } from "../../src/platforms/agentpmt/sandbox/external/x402.js";
import { startSandbox, type Sandbox } from "../../src/platforms/agentpmt/sandbox/index.js";
import {
  addressFromPrivateKey,
  authorizationForRequirement,
  buildX402Envelope,
  encodeX402Envelope,
  signTransferWithAuthorization,
  transferDomainFromRequirement,
  type TransferAuthorization,
  type X402PaymentRequirement,
  type X402Resource,
} from "../../src/platforms/agentpmt/wallet/index.js";

type Hex = `0x${string}`;

const vectors = JSON.parse(readFileSync(new URL("../fixtures/vectors.json", import.meta.url), "utf8")) as {
  private_key: Hex;
  address: Hex;
  x402: {
    payment_required: { resource: X402Resource; accepts: X402Requirement[] };
    envelope: Record<string, unknown> & { payload: { authorization: TransferAuthorization; signature: Hex } };
    x_payment_header: string;
  };
};

const KEY = vectors.private_key;
const ADDR = vectors.address;
// anvil account 1: a second, unrelated signer.
const KEY_B: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDR_B = addressFromPrivateKey(KEY_B);

const USDC_BASE = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const USDC_ARBITRUM = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831";
const USDC_OPTIMISM = "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85";
const EURC_BASE = "0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42";
const EURC_BASE_SEPOLIA = "0x808456652fdb597867f38412077A9182bf77359F";
const PURCHASE = "/api/external/credits/purchase";

interface Res {
  status: number;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function post(sb: Sandbox, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(sb.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

interface Challenge {
  x402Version: 2;
  error: string;
  resource: X402Resource;
  accepts: X402PaymentRequirement[];
}

interface PayOptions {
  /** Which accepts entry (default 0). */
  index?: number;
  key?: Hex;
  /** Changes to the `accepted` copy (what is signed follows it). */
  accepted?: Partial<X402PaymentRequirement>;
  /** Changes to the authorization before signing. */
  auth?: Partial<TransferAuthorization>;
  /** Changes to the authorization after signing (the signature no longer covers them). */
  tamper?: Partial<TransferAuthorization>;
  nowSeconds?: number;
  nonce?: Hex;
  resource?: X402Resource;
}

/** A payment built only with the client's wallet helpers. */
async function pay(challenge: Challenge, o: PayOptions = {}): Promise<string> {
  const accepted = { ...challenge.accepts[o.index ?? 0]!, ...o.accepted };
  const key = o.key ?? KEY;
  const authorization = {
    ...authorizationForRequirement(accepted, addressFromPrivateKey(key), {
      ...(o.nowSeconds !== undefined ? { nowSeconds: o.nowSeconds } : {}),
      ...(o.nonce ? { nonce: o.nonce } : {}),
    }),
    ...o.auth,
  };
  const signature = await signTransferWithAuthorization({ privateKey: key, domain: transferDomainFromRequirement(accepted), authorization });
  return encodeX402Envelope(buildX402Envelope({ resource: o.resource ?? challenge.resource, accepted, authorization: { ...authorization, ...o.tamper }, signature }));
}

const decodeB64 = (v: string | null) => JSON.parse(Buffer.from(v ?? "", "base64").toString("utf8"));
const nowS = () => Math.floor(Date.now() / 1000);
const fixedNonce = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;

describe("x402: verifier against the golden vector", () => {
  const v = vectors.x402;
  const opts = { resourceUrl: v.payment_required.resource.url, offers: v.payment_required.accepts, nowSeconds: nowS(), validBeforeSlackSeconds: null };

  it("the vector's envelope verifies with the reference facilitator and the sandbox's own checks", async () => {
    const r = await verifyX402Payment(v.envelope, opts);
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true, payer: ADDR, requirement: v.payment_required.accepts[0], facilitator: { isValid: true, payer: ADDR } });
    const decoded = decodePaymentHeader(v.x_payment_header);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.envelope).toEqual(v.envelope);
  });

  it("the same envelope fails each check it should", async () => {
    // Signed for 2100: with the horizon check on it lies too far ahead.
    expect(await verifyX402Payment(v.envelope, { ...opts, validBeforeSlackSeconds: 60 })).toMatchObject({ ok: false, reason: "valid_before_too_far" });
    // A nonce the fake chain already consumed: the facilitator's simulation + diagnosis say so.
    const used = await verifyX402Payment(v.envelope, { ...opts, isNonceUsed: () => true });
    expect(used).toMatchObject({ ok: false, reason: "nonce_already_used", facilitatorReason: "invalid_exact_evm_nonce_already_used" });
    const tampered = structuredClone(v.envelope);
    tampered.payload.authorization.value = "50001";
    // The value is under the signature: the facilitator sees a bad signature before a wrong value.
    expect(await verifyX402Payment(tampered, opts)).toMatchObject({ ok: false, reason: "invalid_signature" });
    const forged = structuredClone(v.envelope);
    forged.payload.authorization.from = ADDR_B;
    expect(await verifyX402Payment(forged, opts)).toMatchObject({ ok: false, reason: "invalid_signature", facilitatorReason: "invalid_exact_evm_signature" });
    expect(await verifyX402Payment(v.envelope, { ...opts, resourceUrl: "https://www.agentpmt.com/other" })).toMatchObject({ ok: false, reason: "resource_mismatch" });
    const cheaper = [{ ...v.payment_required.accepts[0]!, amount: "40000" }];
    expect(await verifyX402Payment(v.envelope, { ...opts, offers: cheaper })).toMatchObject({ ok: false, reason: "amount_mismatch" });
    expect(await verifyX402Payment({ ...v.envelope, x402Version: 1 }, opts)).toMatchObject({ ok: false, reason: "invalid_x402_version" });
    expect(decodePaymentHeader("not base64!")).toMatchObject({ ok: false, reason: "invalid_payment" });
  });
});

describe("x402: paid tool invokes", () => {
  let sb: Sandbox;
  let path: string;
  beforeAll(async () => {
    sb = await startSandbox();
    path = `/api/external/tools/${sb.ids.productSlug}/actions/${sb.ids.actionSlug}/invoke`;
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    sb.reset();
  });

  const challengeFor = async (body: unknown = { message: "hi" }): Promise<Challenge> => {
    const r = await post(sb, path, body);
    expect(r.status).toBe(402);
    return r.body as Challenge;
  };

  it("challenge: USDC on Base, Base Sepolia and Arbitrum and EURC on Base, priced from the catalog", async () => {
    const c = await challengeFor();
    const common = { scheme: "exact", payTo: sb.payee, maxTimeoutSeconds: 300 };
    expect(c.accepts).toEqual([
      { ...common, network: "eip155:8453", amount: "10000", asset: USDC_BASE, extra: { name: "USD Coin", version: "2" } },
      { ...common, network: "eip155:84532", amount: "10000", asset: USDC_BASE_SEPOLIA, extra: { name: "USDC", version: "2" } },
      { ...common, network: "eip155:42161", amount: "10000", asset: USDC_ARBITRUM, extra: { name: "USD Coin", version: "2" } },
      { ...common, network: "eip155:8453", amount: "9200", asset: EURC_BASE, extra: { name: "EURC", version: "2" } },
    ]);
    // The expensive action: credits × 10,000 base units; EURC × 0.92 rounded up.
    const ex = await post(sb, `/api/external/tools/${sb.ids.expensiveProductSlug}/actions/${sb.ids.expensiveActionSlug}/invoke`, { ticker: "ACME" });
    expect(ex.status).toBe(402);
    const usd = BigInt(ex.body.accepts[0].amount);
    expect(usd % 10_000n).toBe(0n);
    expect(BigInt(ex.body.accepts[3].amount)).toBe((usd * 92n + 99n) / 100n);
  });

  it("happy path: 200 with the tool result and the settlement in the body and both headers", async () => {
    const c = await challengeFor();
    const header = await pay(c);
    const r = await post(sb, path, { message: "hi" }, { "x-payment": header });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      success: true,
      response: { message: "hi" },
      x402: {
        settled: true,
        transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        network: "eip155:8453",
        resource_url: c.resource.url,
        settlement_recorded: true,
        payment: { token: "USDC", asset: USDC_BASE, amount_base_units: "10000", amount_usd: 0.01, payer_wallet_address: ADDR, pay_to: sb.payee },
      },
    });
    expect(decodeB64(r.headers.get("payment-response"))).toEqual(r.body.x402);
    expect(decodeB64(r.headers.get("x-payment-response"))).toEqual(r.body.x402);
    const auth = JSON.parse(Buffer.from(header, "base64").toString("utf8")).payload.authorization;
    expect(sb.x402.settled).toEqual([
      { nonce: auth.nonce, from: ADDR, to: sb.payee, asset: USDC_BASE, network: "eip155:8453", amount: "10000", transaction: r.body.x402.transaction, resource: c.resource.url, at: expect.any(Number) },
    ]);
    expect(sb.external.invocations).toBe(1);
    // The wallet's credits are not involved in a direct payment.
    expect(sb.walletBalance(ADDR)).toBe(1000);
  });

  it("PAYMENT-SIGNATURE works like X-PAYMENT; every offered network pays; EURC signs and verifies", async () => {
    const c = await challengeFor();
    for (const [index, header] of [[0, "payment-signature"], [1, "x-payment"], [2, "x-payment"], [3, "x-payment"]] as const) {
      const r = await post(sb, path, { message: "hi" }, { [header]: await pay(c, { index }) });
      expect(r.status, r.text).toBe(200);
      expect(r.body.x402.network).toBe(c.accepts[index]!.network);
    }
    const eurc = sb.x402.settled[3]!;
    expect(eurc).toMatchObject({ asset: EURC_BASE, amount: "9200", network: "eip155:8453" });
    expect(sb.x402.settled).toHaveLength(4);
    expect(new Set(sb.x402.settled.map((s) => s.transaction)).size).toBe(4);
  });

  it("identical resend after settlement: same answer, no second settlement or invocation", async () => {
    const c = await challengeFor();
    const header = await pay(c);
    const first = await post(sb, path, { message: "hi" }, { "x-payment": header });
    expect(first.status).toBe(200);
    const again = await post(sb, path, { message: "hi" }, { "x-payment": header });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("payment-response")).toBe(first.headers.get("payment-response"));
    expect(sb.x402.settled).toHaveLength(1);
    expect(sb.external.invocations).toBe(1);
    expect(sb.x402.rejected).toBe(0);
  });

  it("reused nonce: a different envelope, or the same envelope for another body, is refused", async () => {
    const c = await challengeFor();
    const nonce = fixedNonce(7);
    expect((await post(sb, path, { message: "hi" }, { "x-payment": await pay(c, { nonce }) })).status).toBe(200);

    const other = await pay(c, { nonce, nowSeconds: nowS() - 5 });
    const r = await post(sb, path, { message: "hi" }, { "x-payment": other });
    expect(r.status).toBe(402);
    expect(r.body).toMatchObject({ x402Version: 2, error: "nonce_already_used", accepts: c.accepts, resource: c.resource });
    expect(decodeB64(r.headers.get("payment-required"))).toEqual(r.body);

    const same = await pay(c, { nonce: fixedNonce(8) });
    expect((await post(sb, path, { message: "hi" }, { "x-payment": same })).status).toBe(200);
    const otherBody = await post(sb, path, { message: "something else" }, { "x-payment": same });
    expect(otherBody.status).toBe(402);
    expect(otherBody.body.error).toBe("nonce_already_used");
    expect(sb.x402.settled).toHaveLength(2);
    expect(sb.external.invocations).toBe(2);
    expect(sb.x402.rejected).toBe(2);
  });

  it("each wrong payment is refused with a reason, nothing settles", async () => {
    const c = await challengeFor();
    const cases: Array<[string, PayOptions]> = [
      ["amount_mismatch", { accepted: { amount: "9999" } }],
      ["amount_mismatch", { auth: { value: "9999" } }],
      ["pay_to_mismatch", { accepted: { payTo: ADDR_B } }],
      ["pay_to_mismatch", { auth: { to: ADDR_B } }],
      ["asset_mismatch", { accepted: { asset: USDC_OPTIMISM } }],
      ["network_mismatch", { accepted: { network: "eip155:10" } }],
      ["requirement_mismatch", { accepted: { maxTimeoutSeconds: 600 } }],
      ["requirement_mismatch", { accepted: { asset: USDC_BASE.toLowerCase() } }],
      ["resource_mismatch", { resource: { ...c.resource, url: `${sb.url}/api/external/tools/other/actions/x/invoke` } }],
      ["valid_before_expired", { nowSeconds: nowS() - 1000 }],
      ["valid_before_too_far", { nowSeconds: nowS() + 3600 }],
      ["valid_after_in_future", { auth: { validAfter: String(nowS() + 600) } }],
      ["invalid_signature", { tamper: { from: ADDR_B } }],
      ["invalid_signature", { tamper: { nonce: fixedNonce(99) } }],
      ["requirement_mismatch", { index: 1, accepted: { extra: { name: "USD Coin", version: "2" } } }],
    ];
    for (const [reason, o] of cases) {
      const r = await post(sb, path, { message: "hi" }, { "x-payment": await pay(c, o) });
      expect(r.status, `${reason} ${JSON.stringify(o)}`).toBe(402);
      expect(r.body.error, `${JSON.stringify(o)}: ${r.text}`).toBe(reason);
      expect(r.body.accepts).toEqual(c.accepts);
      expect(typeof r.body.message).toBe("string");
      expect(r.headers.get("payment-required")).not.toBeNull();
    }
    // A wrong signer that keeps every field of the right one: signed by B, claiming to be A.
    const forged = JSON.parse(Buffer.from(await pay(c, { key: KEY_B }), "base64").toString("utf8"));
    forged.payload.authorization.from = ADDR;
    const r = await post(sb, path, { message: "hi" }, { "x-payment": Buffer.from(JSON.stringify(forged)).toString("base64") });
    expect(r.body.error).toBe("invalid_signature");
    // Signed for Base Sepolia's domain but claiming Base.
    const wrongDomain = JSON.parse(Buffer.from(await pay(c, { index: 1 }), "base64").toString("utf8"));
    wrongDomain.accepted = c.accepts[0];
    const w = await post(sb, path, { message: "hi" }, { "x-payment": Buffer.from(JSON.stringify(wrongDomain)).toString("base64") });
    expect(w.body.error).toBe("invalid_signature");
    for (const garbage of ["", "!!!", Buffer.from("not json").toString("base64"), Buffer.from("[1,2]").toString("base64")]) {
      const g = await post(sb, path, { message: "hi" }, { "x-payment": garbage });
      expect(g.status).toBe(402);
      expect(g.body.error).toBe("invalid_payment");
    }
    expect(sb.x402.settled).toHaveLength(0);
    expect(sb.external.invocations).toBe(0);
    expect(sb.x402.rejected).toBe(cases.length + 2 + 4);
  });

  it("a refused payment does not burn its nonce; invalid parameters are refused before any payment", async () => {
    const c = await challengeFor();
    const nonce = fixedNonce(5);
    expect((await post(sb, path, { message: "hi" }, { "x-payment": await pay(c, { nonce, auth: { value: "1" } }) })).status).toBe(402);
    expect((await post(sb, path, { message: 7 }, { "x-payment": await pay(c, { nonce }) })).body.code).toBe("INVALID_PARAMETERS");
    expect((await post(sb, path, { message: "hi" }, { "x-payment": await pay(c, { nonce }) })).status).toBe(200);
  });

  it("concurrent identical deliveries settle once", async () => {
    const c = await challengeFor();
    const header = await pay(c);
    const all = await Promise.all(Array.from({ length: 6 }, () => post(sb, path, { message: "hi" }, { "x-payment": header })));
    for (const r of all) expect([200, 409]).toContain(r.status);
    const ok = all.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.x402.transaction)).size).toBe(1);
    expect(sb.x402.settled).toHaveLength(1);
    expect(sb.external.invocations).toBe(1);
  });

  describe("fault modes", () => {
    it("dropAfterSettle: socket error, but the payment settled and a resend gets the recorded result", async () => {
      const c = await challengeFor();
      const header = await pay(c);
      sb.x402Faults.set({ dropAfterSettle: true });
      await expect(post(sb, path, { message: "hi" }, { "x-payment": header })).rejects.toThrow();
      expect(sb.x402.settled).toHaveLength(1);
      expect(sb.external.invocations).toBe(1);
      sb.x402Faults.clear();
      const again = await post(sb, path, { message: "hi" }, { "x-payment": header });
      expect(again.status).toBe(200);
      expect(again.body.x402.transaction).toBe(sb.x402.settled[0]!.transaction);
      expect(sb.x402.settled).toHaveLength(1);
      expect(sb.external.invocations).toBe(1);
    });

    it("delayMs: answers late after settling; a resend meanwhile already gets the recorded result", async () => {
      const c = await challengeFor();
      const header = await pay(c);
      sb.x402Faults.set({ delayMs: 600 });
      const t0 = Date.now();
      const first = post(sb, path, { message: "hi" }, { "x-payment": header });
      const deadline = Date.now() + 2000;
      while (sb.x402.settled.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(sb.x402.settled).toHaveLength(1);
      sb.x402Faults.clear();
      const during = await post(sb, path, { message: "hi" }, { "x-payment": header });
      expect(during.status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(590);
      const r = await first;
      expect(r.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(590);
      expect(during.body).toEqual(r.body);
      expect(sb.x402.settled).toHaveLength(1);
      expect(sb.external.invocations).toBe(1);
    });

    it("settleDelayMs: a resend while the payment is pending meets 409 X402_PAYMENT_IN_PROGRESS; nothing settled yet", async () => {
      const c = await challengeFor();
      const header = await pay(c);
      sb.x402Faults.set({ settleDelayMs: 500 });
      const first = post(sb, path, { message: "hi" }, { "x-payment": header });
      await new Promise((r) => setTimeout(r, 200));
      sb.x402Faults.clear();
      const during = await post(sb, path, { message: "hi" }, { "x-payment": header });
      expect(during.status).toBe(409);
      expect(during.body).toEqual({ success: false, error: "payment already in progress", code: "X402_PAYMENT_IN_PROGRESS" });
      expect(sb.x402.settled).toHaveLength(0);
      // Another envelope reusing the pending nonce is held off the same way, never settled.
      const rival = await post(sb, path, { message: "hi" }, { "x-payment": await pay(c, { nonce: JSON.parse(Buffer.from(header, "base64").toString()).payload.authorization.nonce, nowSeconds: nowS() - 3 }) });
      expect(rival.status).toBe(409);
      const r = await first;
      expect(r.status).toBe(200);
      expect(sb.x402.settled).toHaveLength(1);
      const after = await post(sb, path, { message: "hi" }, { "x-payment": header });
      expect(after.body).toEqual(r.body);
      expect(sb.x402.settled).toHaveLength(1);
      expect(sb.external.invocations).toBe(1);
    });

    it("status5xx: 500/502/503 without settling; the same envelope then pays once", async () => {
      const c = await challengeFor();
      const header = await pay(c);
      sb.x402Faults.set({ status5xx: 1, seed: 3 });
      const statuses = new Set<number>();
      for (let i = 0; i < 12; i++) statuses.add((await post(sb, path, { message: "hi" }, { "x-payment": header })).status);
      expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
      expect(statuses.size).toBeGreaterThan(1);
      expect(sb.x402.settled).toHaveLength(0);
      expect(sb.external.invocations).toBe(0);
      sb.x402Faults.clear();
      expect((await post(sb, path, { message: "hi" }, { "x-payment": header })).status).toBe(200);
      expect(sb.x402.settled).toHaveLength(1);
    });

    it("malformedSettlement: 200 with a body that is not JSON and headers that are not base64 JSON; settled once", async () => {
      const c = await challengeFor();
      const header = await pay(c);
      sb.x402Faults.set({ malformedSettlement: true });
      const r = await post(sb, path, { message: "hi" }, { "x-payment": header });
      expect(r.status).toBe(200);
      expect(() => JSON.parse(r.text)).toThrow();
      expect(() => decodeB64(r.headers.get("payment-response"))).toThrow();
      expect(() => decodeB64(r.headers.get("x-payment-response"))).toThrow();
      expect(sb.x402.settled).toHaveLength(1);
      sb.x402Faults.clear();
      const again = await post(sb, path, { message: "hi" }, { "x-payment": header });
      expect(again.body.x402.transaction).toBe(sb.x402.settled[0]!.transaction);
      expect(sb.x402.settled).toHaveLength(1);
    });

    it("a seed makes random faults reproducible; faults never let a bad payment through", async () => {
      const c = await challengeFor();
      const run = async () => {
        sb.reset();
        sb.x402Faults.set({ status5xx: 0.5, malformedSettlement: 0.3, seed: 1234 });
        const out: number[] = [];
        for (let i = 0; i < 10; i++) {
          const r = await post(sb, path, { message: "hi" }, { "x-payment": await pay(c) });
          out.push(r.status === 200 ? (r.text.startsWith("{\"success\":true,\"response\"") ? 200 : 201) : r.status);
        }
        return { out, settled: sb.x402.settled.length };
      };
      const a = await run();
      const b = await run();
      expect(b).toEqual(a);
      expect(a.settled).toBe(a.out.filter((s) => s === 200 || s === 201).length);
      expect(new Set(a.out).size).toBeGreaterThan(1);

      sb.x402Faults.set({ dropAfterSettle: 1, malformedSettlement: 1, delayMs: 10 });
      const before = sb.x402.settled.length;
      const bad = await post(sb, path, { message: "hi" }, { "x-payment": await pay(c, { auth: { value: "1" } }) });
      expect(bad.status).toBe(402);
      expect(bad.body.error).toBe("amount_mismatch");
      expect(sb.x402.settled).toHaveLength(before);
      expect(() => sb.x402Faults.set({ status5xx: 2 })).toThrow(RangeError);
    });

    it("reset() clears the ledger, the nonce records and the faults", async () => {
      const c = await challengeFor();
      const header = await pay(c);
      expect((await post(sb, path, { message: "hi" }, { "x-payment": header })).status).toBe(200);
      sb.x402Faults.set({ status5xx: 1 });
      sb.reset();
      expect(sb.x402.settled).toHaveLength(0);
      expect(sb.x402.rejected).toBe(0);
      expect((await post(sb, path, { message: "hi" }, { "x-payment": header })).status).toBe(200);
    });
  });
});

describe("x402: credit purchases", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    sb.reset();
  });

  const body = (over: Record<string, unknown> = {}) => ({ wallet_address: ADDR, credits: 500, payment_method: "x402", chain_id: 8453, token: "USDC", ...over });

  it("402 with one requirement for the chain and token", async () => {
    const cases: Array<[Record<string, unknown>, Partial<X402PaymentRequirement>]> = [
      [{}, { network: "eip155:8453", asset: USDC_BASE, amount: "5000000", extra: { name: "USD Coin", version: "2" } }],
      [{ chain_id: 84532, credits: 1000 }, { network: "eip155:84532", asset: USDC_BASE_SEPOLIA, amount: "10000000", extra: { name: "USDC", version: "2" } }],
      [{ chain_id: 42161 }, { network: "eip155:42161", asset: USDC_ARBITRUM, amount: "5000000", extra: { name: "USD Coin", version: "2" } }],
      [{ token: "EURC" }, { network: "eip155:8453", asset: EURC_BASE, amount: "4600000", extra: { name: "EURC", version: "2" } }],
    ];
    for (const [over, expected] of cases) {
      const r = await post(sb, PURCHASE, body(over));
      expect(r.status, r.text).toBe(402);
      expect(r.body).toMatchObject({ x402Version: 2, error: "Payment required", resource: { url: `${sb.url}${PURCHASE}`, mimeType: "application/json" } });
      expect(r.body.accepts).toEqual([{ scheme: "exact", payTo: sb.payee, maxTimeoutSeconds: 300, ...expected }]);
      expect(decodeB64(r.headers.get("payment-required"))).toEqual(r.body);
    }
  });

  it("422 on bad fields: credits not a multiple of 500, unknown chain or token, EURC where it does not exist, missing fields", async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ credits: 750 }, "credits"],
      [{ credits: 0 }, "credits"],
      [{ credits: -500 }, "credits"],
      [{ credits: "500" }, "credits"],
      [{ chain_id: 1 }, "chain_id"],
      [{ token: "DAI" }, "token"],
      [{ token: "EURC", chain_id: 42161 }, "token"],
      [{ payment_method: "card" }, "payment_method"],
      [{ wallet_address: "0x123" }, "wallet_address"],
      [{ chain_id: undefined }, "chain_id"],
      [{ payer_wallet_address: "nope" }, "payer_wallet_address"],
      [{ email: "not-an-email" }, "email"],
    ];
    for (const [over, field] of bad) {
      const r = await post(sb, PURCHASE, body(over));
      expect(r.status, `${JSON.stringify(over)} ${r.text}`).toBe(422);
      expect(r.body.detail.map((d: { loc: string[] }) => d.loc.join("."))).toContain(`body.${field}`);
    }
    // 422 wins over a payment: nothing is verified or settled.
    const c = (await post(sb, PURCHASE, body())).body as Challenge;
    const r = await post(sb, PURCHASE, body({ credits: 750 }), { "x-payment": await pay(c) });
    expect(r.status).toBe(422);
    expect(sb.x402.settled).toHaveLength(0);
  });

  it("a paid purchase grants the credits to wallet_address; a resend and a request_id replay grant nothing more", async () => {
    const req = body({ request_id: "buy-1", wallet_address: ADDR_B });
    const c = (await post(sb, PURCHASE, req)).body as Challenge;
    const header = await pay(c);
    const r = await post(sb, PURCHASE, req, { "x-payment": header });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      success: true,
      data: { wallet_address: ADDR_B.toLowerCase(), credits_purchased: 500, balance: 1500, request_id: "buy-1" },
      x402: expect.objectContaining({ settled: true, network: "eip155:8453", payment: expect.objectContaining({ token: "USDC", amount_base_units: "5000000", amount_usd: 5, payer_wallet_address: ADDR }) }),
    });
    expect(decodeB64(r.headers.get("payment-response"))).toEqual(r.body.x402);
    expect(sb.walletBalance(ADDR_B)).toBe(1500);

    // The identical envelope again.
    expect((await post(sb, PURCHASE, req, { "x-payment": header })).body).toEqual(r.body);
    // The request_id again: without a payment, and with a fresh one (which must not be charged).
    expect((await post(sb, PURCHASE, req)).body).toEqual(r.body);
    const fresh = await post(sb, PURCHASE, req, { "x-payment": await pay(c) });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual(r.body);
    expect(sb.walletBalance(ADDR_B)).toBe(1500);
    expect(sb.x402.settled).toHaveLength(1);

    // The request_id with other terms → conflict.
    const conflict = await post(sb, PURCHASE, { ...req, credits: 1000 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe("REQUEST_ID_CONFLICT");

    // Without request_id every new payment is a new purchase.
    const c2 = (await post(sb, PURCHASE, body({ wallet_address: ADDR_B }))).body as Challenge;
    expect((await post(sb, PURCHASE, body({ wallet_address: ADDR_B }), { "x-payment": await pay(c2) })).body.data.balance).toBe(2000);
    expect(sb.x402.settled).toHaveLength(2);
  });

  it("EURC on Base Sepolia signs and verifies; payer_wallet_address must be the signer", async () => {
    const req = body({ chain_id: 84532, token: "EURC", credits: 1500 });
    const c = (await post(sb, PURCHASE, req)).body as Challenge;
    expect(c.accepts[0]).toMatchObject({ asset: EURC_BASE_SEPOLIA, amount: "13800000", extra: { name: "EURC", version: "2" } });
    const r = await post(sb, PURCHASE, req, { "x-payment": await pay(c) });
    expect(r.status, r.text).toBe(200);
    expect(r.body.x402.payment).toMatchObject({ token: "EURC", asset: EURC_BASE_SEPOLIA, amount_base_units: "13800000", amount_usd: 15 });
    expect(sb.walletBalance(ADDR)).toBe(2500);

    const sponsored = body({ payer_wallet_address: ADDR_B });
    const c2 = (await post(sb, PURCHASE, sponsored)).body as Challenge;
    const mismatch = await post(sb, PURCHASE, sponsored, { "x-payment": await pay(c2) });
    expect(mismatch.status).toBe(402);
    expect(mismatch.body.error).toBe("payer_mismatch");
    const ok = await post(sb, PURCHASE, sponsored, { "x-payment": await pay(c2, { key: KEY_B }) });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.wallet_address).toBe(ADDR.toLowerCase());
    expect(sb.walletBalance(ADDR)).toBe(3000);
  });

  it("a payment for another purchase (other amount or chain) is refused", async () => {
    const c500 = (await post(sb, PURCHASE, body())).body as Challenge;
    const r = await post(sb, PURCHASE, body({ credits: 1000 }), { "x-payment": await pay(c500) });
    expect(r.status).toBe(402);
    expect(r.body.error).toBe("amount_mismatch");
    const onArb = await post(sb, PURCHASE, body({ chain_id: 42161 }), { "x-payment": await pay(c500) });
    expect(onArb.body.error).toBe("network_mismatch");
    expect(sb.walletBalance(ADDR)).toBe(1000);
  });

  it("dropAfterSettle on a purchase: credits granted once; the resend gets the recorded result", async () => {
    const req = body({ request_id: "drop-1" });
    const c = (await post(sb, PURCHASE, req)).body as Challenge;
    const header = await pay(c);
    sb.x402Faults.set({ dropAfterSettle: 1 });
    await expect(post(sb, PURCHASE, req, { "x-payment": header })).rejects.toThrow();
    expect(sb.walletBalance(ADDR)).toBe(1500);
    sb.x402Faults.clear();
    const again = await post(sb, PURCHASE, req, { "x-payment": header });
    expect(again.status).toBe(200);
    expect(again.body.data.balance).toBe(1500);
    expect(sb.walletBalance(ADDR)).toBe(1500);
    expect(sb.x402.settled).toHaveLength(1);
  });
});
