import { timingSafeEqual } from "node:crypto";
import type { SandboxCredentials } from "./state.js";

/** The legacy bearer form (decided in the contracts): base64 of "<api_key>:<budget_key>", no newline. */
export function legacyBearerToken(apiKey: string, budgetKey: string): string {
  return Buffer.from(`${apiKey}:${budgetKey}`, "utf8").toString("base64");
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Accepts exactly `Bearer <token>` (scheme case-insensitive, one space) with a known token. */
export function isValidBearer(authorization: string | undefined, creds: SandboxCredentials): boolean {
  if (authorization === undefined) return false;
  const m = /^Bearer ([^\s]+)$/i.exec(authorization);
  if (!m) return false;
  const token = m[1]!;
  return sameSecret(token, creds.bearerToken) || sameSecret(token, legacyBearerToken(creds.apiKey, creds.budgetKey));
}
