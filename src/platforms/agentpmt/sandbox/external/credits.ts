import { json, type RequestContext, type SandboxResponse } from "../http.js";
import { ADDRESS_RE, creditsToUsd, externalError } from "./common.js";
import type { ExternalState } from "./state.js";
import { readSignedBody, verifySignedRequest } from "./verify.js";

/** Per-wallet credit accounts of the external API (separate from the bearer account's ledger). */
export function walletBalance(ext: ExternalState, wallet: string): number {
  return ext.walletCredits.get(wallet.toLowerCase()) ?? ext.config.initialWalletCredits;
}

export function creditWallet(ext: ExternalState, wallet: string, credits: number): number {
  const after = walletBalance(ext, wallet) + credits;
  ext.walletCredits.set(wallet.toLowerCase(), after);
  return after;
}

/** Debits all or nothing; 402 INSUFFICIENT_CREDITS (balance untouched) when short. */
export function debitWallet(ext: ExternalState, wallet: string, credits: number, what: string): number {
  const balance = walletBalance(ext, wallet);
  if (credits > balance) {
    throw externalError(402, "INSUFFICIENT_CREDITS", `Insufficient credits: ${what} costs ${credits} credits but the wallet holds ${balance}. Buy credits and retry.`, {
      balance,
      price_credits: credits,
      shortfall: credits - balance,
    });
  }
  const after = balance - credits;
  ext.walletCredits.set(wallet.toLowerCase(), after);
  return after;
}

export function assertAddress(address: string, fn: string): void {
  if (typeof address !== "string" || !ADDRESS_RE.test(address)) throw new TypeError(`${fn}: address must be 0x followed by 40 hex digits`);
}

/** POST /api/external/credits/balance (signed: action balance, product -, empty payload). */
export async function signedBalance(ctx: RequestContext): Promise<SandboxResponse> {
  const { signed } = readSignedBody(ctx, () => undefined);
  const wallet = await verifySignedRequest(ctx, signed, { shape: "scoped", action: "balance", product: "-", payload: null });
  const balance = walletBalance(ctx.state.external, wallet);
  return json(200, { success: true, data: { wallet_address: wallet, balance, balance_usd: creditsToUsd(balance) } });
}
