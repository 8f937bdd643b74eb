import { english, generateMnemonic, mnemonicToAccount } from "viem/accounts";
import { bytesToHex } from "viem";
import { json, type RequestContext, type SandboxResponse } from "../http.js";
import { gatewayBody } from "./common.js";

/** The gateway publishes these as enums (limit 1 per 60 s); the sandbox pace itself is configurable. */
const RATE_LIMIT = 1;
const WINDOW_SECONDS = 60;

/** POST /api/external/agentaddress: a real, freshly generated wallet, at most one per interval per caller IP. */
export function createAgentAddress(ctx: RequestContext): SandboxResponse {
  const ext = ctx.state.external;
  const now = ctx.now();
  const ip = ctx.remoteAddress;
  const last = ext.agentAddressIssuedAt.get(ip);
  const interval = ext.config.agentAddressIntervalMs;
  if (last !== undefined && now - last < interval) {
    const retryAfter = Math.max(1, Math.ceil((last + interval - now) / 1000));
    return json(
      429,
      gatewayBody(ctx, "Too Many Requests", `One AgentAddress can be created every ${WINDOW_SECONDS} seconds per source IP. Retry in ${retryAfter} s.`, "AGENT_ADDRESS_RATE_LIMITED", {
        rate_limit: { limit: RATE_LIMIT, window_seconds: WINDOW_SECONDS, retry_after_seconds: retryAfter },
      }),
      { "retry-after": String(retryAfter) },
    );
  }
  const mnemonic = generateMnemonic(english);
  const account = mnemonicToAccount(mnemonic);
  const key = account.getHdKey().privateKey;
  if (!key) {
    return json(500, gatewayBody(ctx, "Internal Server Error", "Wallet derivation failed.", "AGENT_ADDRESS_DERIVATION_FAILED", { details: { reason: "no private key derived" } }));
  }
  ext.agentAddressIssuedAt.set(ip, now);
  ext.issuedMnemonics.push(mnemonic);
  return json(200, { success: true, data: { evmAddress: account.address, evmPrivateKey: bytesToHex(key), mnemonic } });
}
