import { randomBytes } from "node:crypto";
import { Issues, readJsonObjectBody, stringField } from "../fastapi.js";
import { json, type RequestContext, type SandboxResponse } from "../http.js";
import { ADDRESS_RE, iso } from "./common.js";
import type { ExternalState, NonceRecord } from "./state.js";

/** Expired nonces are kept this long, so a late caller hears "expired" rather than "unknown". */
const EXPIRED_RETENTION_MS = 60 * 60 * 1000;

export function issueNonce(ext: ExternalState, wallet: string, now: number): NonceRecord {
  for (const [key, rec] of ext.nonces) {
    if (rec.expiresAt + EXPIRED_RETENTION_MS < now) ext.nonces.delete(key);
  }
  const record: NonceRecord = {
    nonce: `sn_${randomBytes(16).toString("hex")}`,
    wallet: wallet.toLowerCase(),
    issuedAt: now,
    expiresAt: now + ext.config.nonceTtlMs,
    usedRequestIds: new Set(),
  };
  ext.nonces.set(record.nonce, record);
  return record;
}

/** POST /api/external/auth/session {wallet_address} → a nonce bound to that wallet. */
export function createSession(ctx: RequestContext): SandboxResponse {
  const body = readJsonObjectBody(ctx);
  const issues = new Issues();
  const wallet = stringField(body, "wallet_address", ["body"], issues, true);
  if (wallet !== undefined && !ADDRESS_RE.test(wallet)) {
    issues.add({
      type: "value_error",
      loc: ["body", "wallet_address"],
      msg: "Value error, wallet_address must be 0x followed by 40 hex digits",
      input: wallet,
      ctx: { error: {} },
    });
  }
  issues.throwIfAny();
  const ext = ctx.state.external;
  const now = ctx.now();
  const record = issueNonce(ext, wallet!, now);
  ext.counters.sessionFetches += 1;
  return json(200, {
    success: true,
    data: {
      session_nonce: record.nonce,
      wallet_address: record.wallet,
      expires_at: iso(record.expiresAt),
      // Rounded down: a client that trusts it never uses a nonce past its life.
      expires_in: Math.floor(ext.config.nonceTtlMs / 1000),
    },
  });
}
