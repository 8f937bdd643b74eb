import { z } from 'zod';
import type { Config } from '../../../config.js';
import { CHAIN_NAMES, findAsset, formatAmount, knownDomain, type Currency, type KnownAsset, type Symbol } from './assets.js';

export interface SpendPolicy {
  maxPayment: Record<Currency, bigint>;
  dailyBudget: Record<Currency, bigint>;
  approvalThreshold: Record<Currency, bigint>;
  networks: readonly string[];
  assets: readonly Symbol[];
  /** Lowercased; empty means any payee. */
  payees: readonly string[];
}

export function policyFromConfig(c: Config): SpendPolicy {
  return {
    maxPayment: { USD: c.maxPaymentUsd, EUR: c.maxPaymentEur },
    dailyBudget: { USD: c.dailyBudgetUsd, EUR: c.dailyBudgetEur },
    approvalThreshold: { USD: c.approvalThresholdUsd, EUR: c.approvalThresholdEur },
    networks: c.allowedNetworks,
    assets: c.allowedAssets,
    payees: c.allowedPayees,
  };
}

/** The policy as the model and the user see it (wallet_status, resources). */
export function describePolicy(p: SpendPolicy): Record<string, unknown> {
  const per = (r: Record<Currency, bigint>) => ({ USD: formatAmount(r.USD), EUR: formatAmount(r.EUR) });
  return {
    max_per_payment: per(p.maxPayment),
    daily_budget: per(p.dailyBudget),
    daily_budget_day: 'calendar day in UTC',
    approval_above: per(p.approvalThreshold),
    allowed_networks: p.networks.map((n) => `${n} (${CHAIN_NAMES[Number(n.split(':')[1])] ?? '?'})`),
    allowed_assets: p.assets,
    allowed_payees: p.payees.length ? p.payees : 'any',
  };
}

/** One entry of an x402 v2 challenge's `accepts` (contracts §4). */
export const requirementSchema = z
  .object({
    scheme: z.string(),
    network: z.string(),
    amount: z.string(),
    asset: z.string(),
    payTo: z.string(),
    // Optional in the seed (its example has 0): a missing or non-positive window gets DEFAULT_TIMEOUT_SECONDS.
    maxTimeoutSeconds: z.number().optional(),
    // Optional in the seed (its example is {}): a missing EIP-712 domain comes from our own asset table.
    extra: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();
export type Requirement = z.infer<typeof requirementSchema>;

export interface PricedRequirement {
  /** Exactly as the challenge offered it: echoed unchanged as `accepted`. */
  requirement: Requirement;
  asset: KnownAsset;
  amount: bigint;
  payTo: string;
  /** The token's EIP-712 domain: from `extra`, else from our asset table. */
  domain: { name: string; version: string; source: 'challenge' | 'asset_table' };
  /** validBefore = now + this: maxTimeoutSeconds, else DEFAULT_TIMEOUT_SECONDS. */
  timeoutSeconds: number;
}

/** The validity window of an authorization when the challenge gives none (or 0, as the seed's example does). */
export const DEFAULT_TIMEOUT_SECONDS = 60;

function timeoutOf(r: Requirement): number {
  const t = r.maxTimeoutSeconds;
  return typeof t === 'number' && Number.isSafeInteger(t) && t > 0 ? t : DEFAULT_TIMEOUT_SECONDS;
}

/** The EIP-712 domain to sign with, or undefined when neither the challenge nor our table gives one. */
function domainOf(r: Requirement): PricedRequirement['domain'] | undefined {
  const name = r.extra?.name;
  const version = r.extra?.version;
  if (typeof name === 'string' && name && typeof version === 'string' && version) return { name, version, source: 'challenge' };
  const known = knownDomain(r.network, r.asset);
  return known ? { ...known, source: 'asset_table' } : undefined;
}

export type Choice = { ok: true; choice: PricedRequirement; needsApproval: boolean } | { ok: false; reasons: string[] };

const fmt = (amount: bigint, c: Currency) => `${formatAmount(amount)} ${c}`;
const SETTING: Record<Currency, string> = { USD: 'USD', EUR: 'EUR' };

/** The next reset of the daily budget: midnight UTC after `now`. */
export function budgetResetsAt(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/**
 * Why `amount` does not fit the daily budget given what is already committed
 * today (settled, pending, unknown or reserved), or undefined when it fits.
 * Runs again under the ledger's lock, just before the amount is reserved.
 */
export function budgetRefusal(amount: bigint, c: Currency, committed: Record<Currency, bigint>, policy: SpendPolicy, now: Date = new Date()): string | undefined {
  if (amount > policy.maxPayment[c]) return `${fmt(amount, c)} is over the per-payment cap of ${fmt(policy.maxPayment[c], c)} (AGENTPMT_MAX_PAYMENT_${SETTING[c]})`;
  if (committed[c] + amount <= policy.dailyBudget[c]) return undefined;
  const resets = budgetResetsAt(now);
  const mins = Math.ceil((resets.getTime() - now.getTime()) / 60_000);
  return `${fmt(amount, c)} would exceed today's budget of ${fmt(policy.dailyBudget[c], c)} (AGENTPMT_DAILY_BUDGET_${SETTING[c]}): ${fmt(committed[c], c)} is already committed today (settled, pending or awaiting an outcome); the budget resets at ${resets.toISOString()} (in ${Math.floor(mins / 60)} h ${mins % 60} min)`;
}

/** Why we could not sign for this requirement at all, whatever the policy says. */
function unsignable(r: Requirement): string | undefined {
  if (r.scheme !== 'exact') return `scheme "${r.scheme}" is not supported (only "exact")`;
  if (!/^eip155:\d+$/.test(r.network)) return `network "${r.network}" is not an EVM (eip155) network we can sign for`;
  if (!/^[1-9]\d*$/.test(r.amount)) return `amount "${r.amount}" is not a positive integer of base units`;
  if (!/^0x[0-9a-fA-F]{40}$/.test(r.payTo)) return `payTo "${r.payTo}" is not an address`;
  if (!findAsset(r.network, r.asset)) {
    return `asset ${r.asset} on ${r.network} is not a stablecoin we know, so its price cannot be checked${domainOf(r) ? '' : ' (and the challenge gives no extra.name / extra.version, the token\'s EIP-712 domain)'}`;
  }
  if (!domainOf(r)) return 'it lacks extra.name / extra.version (the token\'s EIP-712 domain) and our asset table has no domain for this token, so it cannot be signed safely';
  return undefined;
}

/**
 * Picks the cheapest requirement the policy allows, or says, per requirement,
 * why none is allowed. Runs before anything is signed.
 */
export function chooseRequirement(accepts: readonly Requirement[], policy: SpendPolicy, spentToday: Record<Currency, bigint>, maxPrice?: { currency: Currency; amount: bigint }): Choice {
  const reasons: string[] = [];
  const allowed: { choice: PricedRequirement; needsApproval: boolean }[] = [];
  for (const r of accepts) {
    const label = `${r.amount} base units of ${r.asset} on ${r.network}`;
    const bad = unsignable(r);
    if (bad) {
      reasons.push(`${label}: refused, ${bad}.`);
      continue;
    }
    const asset = findAsset(r.network, r.asset)!;
    const amount = BigInt(r.amount);
    const c = asset.currency;
    const why: string[] = [];
    if (!policy.networks.includes(r.network)) why.push(`network ${r.network} (${CHAIN_NAMES[asset.chainId]}) is not in AGENTPMT_ALLOWED_NETWORKS`);
    if (!policy.assets.includes(asset.symbol)) why.push(`${asset.symbol} is not in AGENTPMT_ALLOWED_ASSETS`);
    if (policy.payees.length && !policy.payees.includes(r.payTo.toLowerCase())) why.push(`payee ${r.payTo} is not in AGENTPMT_ALLOWED_PAYEES`);
    const over = budgetRefusal(amount, c, spentToday, policy);
    if (over) why.push(over);
    if (maxPrice && (maxPrice.currency !== c || amount > maxPrice.amount)) {
      why.push(maxPrice.currency !== c ? `it is priced in ${c}, not ${maxPrice.currency} as max_price asked` : `${fmt(amount, c)} is above the max_price of ${fmt(maxPrice.amount, c)} you set`);
    }
    if (why.length) {
      reasons.push(`${fmt(amount, c)} in ${asset.symbol} on ${CHAIN_NAMES[asset.chainId]} to ${r.payTo}: refused, ${why.join('; ')}.`);
      continue;
    }
    allowed.push({ choice: { requirement: r, asset, amount, payTo: r.payTo, domain: domainOf(r)!, timeoutSeconds: timeoutOf(r) }, needsApproval: amount > policy.approvalThreshold[c] });
  }
  if (!allowed.length) return { ok: false, reasons: reasons.length ? reasons : ['the challenge offered no payment option.'] };
  // Cheapest first; between currencies prefer USD, then no approval needed.
  allowed.sort((a, b) => Number(a.needsApproval) - Number(b.needsApproval) || (a.choice.asset.currency === b.choice.asset.currency ? Number(a.choice.amount - b.choice.amount) : a.choice.asset.currency === 'USD' ? -1 : 1));
  return { ok: true, ...allowed[0]! };
}
