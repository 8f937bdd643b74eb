import type { NextCall } from '../../../core/results.js';
import { formatAmount } from '../payments/assets.js';
import type { SpendPolicy } from '../payments/policy.js';

/** Below this a pool is "low": the smallest credit purchase (500 credits = 5 USD) is the step the model can take. */
export const LOW_CREDITS = 500;
const SMALLEST_PURCHASE_MICRO_USD = 5_000_000n;

/** Why credits_purchase cannot succeed under this policy (its per-payment cap), or undefined when it can. */
export function purchaseBlockedBy(policy: SpendPolicy): string | undefined {
  if (policy.maxPayment.USD >= SMALLEST_PURCHASE_MICRO_USD || policy.maxPayment.EUR !== 0n) return undefined;
  return `credits_purchase cannot succeed: its smallest purchase (500 credits = 5.00 USD) is over the per-payment cap of ${formatAmount(policy.maxPayment.USD)} USD (AGENTPMT_MAX_PAYMENT_USD). The user can raise the cap to 5 or more.`;
}

/**
 * The agent wallet's pool running low: offer credits_purchase with the cap that governs it,
 * or say why it cannot succeed (so the model asks the user instead of trying).
 */
export function walletTopUp(balance: number | undefined, policy: SpendPolicy): { note?: string; next: NextCall[] } {
  if (balance === undefined || balance >= LOW_CREDITS) return { next: [] };
  const blocked = purchaseBlockedBy(policy);
  if (blocked) return { note: `Low (under ${LOW_CREDITS}): ${blocked}`, next: [] };
  return {
    note: `Low (under ${LOW_CREDITS}).`,
    next: [{ tool: 'credits_purchase', arguments: { credits: LOW_CREDITS }, why: `top up the wallet's pool: 500 credits = 5.00 USD paid with x402, within the per-payment cap of ${formatAmount(policy.maxPayment.USD)} USD (AGENTPMT_MAX_PAYMENT_USD); ask the user first` }],
  };
}

/** The account's pool has no purchase tool: it is topped up in the dashboard, and credits_purchase would fill the other pool. */
export const ACCOUNT_TOP_UP = `Low (under ${LOW_CREDITS}): account credits are bought in the AgentPMT dashboard; credits_purchase fills the agent wallet's pool, a separate one.`;
