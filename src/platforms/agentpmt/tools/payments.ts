import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fail, ToolFailureError } from '../../../core/errors.js';
import { requestFor } from '../executor.js';
import { okResult } from '../../../core/results.js';
import { assetBySymbol, CHAIN_NAMES, formatAmount } from '../payments/assets.js';
import { describePolicy } from '../payments/policy.js';
import { PAYMENT_STATUSES, UNRESOLVED } from '../payments/ledger.js';
import { paymentSummary, readLedger, sendWithX402 } from '../payments/payer.js';
import { paidCallResult } from './paid-result.js';
import { creditsBalance } from './external.js';
import { purchaseBlockedBy, walletTopUp } from './low-credits.js';
import { defineEndpoint, type AnyDeclaration, defineTool } from './types.js';

const CREDIT_STEP = 500;
const CHAIN_IDS = [8453, 42161, 10, 137, 43114, 84532] as const;

/** The chain and token to pay with when the caller names none: the first the policy allows that exists. */
function defaultChainAndToken(policy: { networks: readonly string[]; assets: readonly ('USDC' | 'EURC')[] }): { chain_id: number; token: 'USDC' | 'EURC' } | undefined {
  for (const n of policy.networks) {
    const chainId = Number(n.split(':')[1]);
    for (const token of policy.assets) if (assetBySymbol(chainId, token)) return { chain_id: chainId, token };
  }
  return undefined;
}

export const walletStatus = defineTool({
    name: 'wallet_status',
    needs: ['wallet', 'ledger'],
    title: 'Wallet and spending status',
    description: "The agent wallet: address, credits, today's spend per currency against the daily budget, the spend policy (caps, networks, assets, payees, approval threshold) and payments not settled yet. Call it before paying and to explain a refusal.",
    toolset: 'wallet',
    input: () => ({}),
    run: async (_args, ctx) => {
      const ledger = await readLedger(ctx);
      const policy = ctx.payments.policy;
      const spent = ledger.committed;
      let address: string | null = null;
      let walletProblem: string | undefined;
      try {
        address = await ctx.wallet.address();
      } catch (err) {
        walletProblem = err instanceof ToolFailureError ? `${err.failure.message} ${err.failure.next_step}` : 'wallet unavailable';
      }
      let credits: unknown = null;
      if (address) {
        try {
          credits = ((await requestFor(creditsBalance, {}, ctx)).json as { data?: { balance?: unknown } } | undefined)?.data?.balance ?? null;
        } catch (err) {
          credits = { unavailable: err instanceof ToolFailureError ? err.failure.message : 'error' };
        }
      }
      const today = (c: 'USD' | 'EUR') => ({ spent_or_pending: formatAmount(spent[c]), budget: formatAmount(policy.dailyBudget[c]), remaining: formatAmount(policy.dailyBudget[c] > spent[c] ? policy.dailyBudget[c] - spent[c] : 0n) });
      const unresolved = ledger.entries.filter((e) => UNRESOLVED.has(e.status)).map(paymentSummary);
      // A cap under the smallest purchase makes credits_purchase impossible: said here whatever the balance.
      const purchaseBlocked = purchaseBlockedBy(policy);
      const topUp = walletTopUp(typeof credits === 'number' ? credits : undefined, policy);
      return okResult(
        {
          address,
          ...(walletProblem ? { wallet_problem: walletProblem } : {}),
          credit_balance: credits,
          today: { USD: today('USD'), EUR: today('EUR'), day: new Date().toISOString().slice(0, 10) + ' (UTC)' },
          policy: describePolicy(policy),
          unresolved_payments: unresolved,
          ...(purchaseBlocked ? { credits_purchase: purchaseBlocked } : {}),
          ...(ledger.problem ? { ledger_problem: `Payments are stopped: ${ledger.problem.location} ${ledger.problem.what}. ${ledger.problem.next_step}` } : {}),
        },
        `${address ? `Wallet ${address}` : 'No usable wallet'}; credits: ${typeof credits === 'number' ? credits : 'unknown'}; today ${formatAmount(spent.USD)} of ${formatAmount(policy.dailyBudget.USD)} USD spent or pending${unresolved.length ? `; ${unresolved.length} payment(s) awaiting an outcome` : ''}.${ledger.problem ? ` x402 payments are stopped: the ledger ${ledger.problem.what}.` : ''}${purchaseBlocked ? ` ${purchaseBlocked}` : topUp.note ? ` Credits ${topUp.note.charAt(0).toLowerCase()}${topUp.note.slice(1)}` : ''}`,
        topUp.next,
      );
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  });

/** A UTC day as the model says it: a date, or "today"/"yesterday" (the question is usually "what did I pay today"). */
const ledgerDay = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const word = v.toLowerCase();
    if (word === 'today' || word === 'yesterday') return new Date(Date.now() - (word === 'yesterday' ? 86_400_000 : 0)).toISOString().slice(0, 10);
    if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))) return v;
    ctx.addIssue({ code: 'custom', message: 'must be a day as YYYY-MM-DD, "today" or "yesterday"' });
    return z.NEVER;
  });

export const paymentEndpoints = [
  defineEndpoint({
    name: 'credits_purchase',
    title: 'Buy credits with x402',
    description:
      "Buy credits for the agent wallet's own pool, paid on-chain with x402 (100 credits = 1 USD, multiples of 500). The payment must fit the spend policy: the smallest purchase (5 USD) needs AGENTPMT_MAX_PAYMENT_USD of at least 5, and the default cap is 1 (wallet_status shows the caps). Above the approval threshold the user is asked, or a quote_id comes back to confirm with. Safe to retry with the same request_id.",
    toolset: 'payments',
    method: 'POST',
    origin: 'web',
    path: '/api/external/credits/purchase',
    auth: 'none',
    input: () => ({
      credits: z.number().int().positive().max(10_000_000).describe('How many credits to buy: a multiple of 500 (500 = 5 USD).'),
      // A plain integer, checked here: hosts' converters mangle numeric enums (Gemini takes string enums only).
      chain_id: z
        .number()
        .int()
        .refine((id) => (CHAIN_IDS as readonly number[]).includes(id), `must be one of ${CHAIN_IDS.join(', ')}`)
        .optional()
        .describe('Chain id: 8453 Base, 42161 Arbitrum, 10 Optimism, 137 Polygon, 43114 Avalanche, 84532 Base Sepolia. Default: the first the policy allows.'),
      token: z.enum(['USDC', 'EURC']).optional().describe('Default: the first asset the policy allows on that chain.'),
      email: z.string().email().optional().describe('Optional email for the receipt.'),
      request_id: z.string().min(1).max(200).optional().describe('Idempotency key; generated when absent and returned.'),
      quote_id: z.string().min(1).max(100).optional().describe('The quote_id a previous call returned when the price needed approval.'),
    }),
    run: async (args, ctx) => {
      if (args.credits % CREDIT_STEP !== 0) {
        const lower = Math.floor(args.credits / CREDIT_STEP) * CREDIT_STEP;
        const nearest = [lower, lower + CREDIT_STEP].filter((n) => n > 0);
        fail({ code: 'invalid_argument', message: `credits must be a multiple of ${CREDIT_STEP}; ${args.credits} is not. Nearest valid amounts: ${nearest.join(' or ')}.`, next_step: `Call again with credits: ${nearest.join(' or ')}.` });
      }
      const fallback = defaultChainAndToken(ctx.payments.policy);
      const chainId = args.chain_id ?? fallback?.chain_id;
      const token = args.token ?? (args.chain_id ? (ctx.payments.policy.assets.find((a) => assetBySymbol(args.chain_id!, a)) ?? 'USDC') : fallback?.token);
      if (!chainId || !token) fail({ code: 'payment_refused_by_policy', message: 'The spend policy allows no network and token combination to pay with.', next_step: 'Ask the user to set AGENTPMT_ALLOWED_NETWORKS and AGENTPMT_ALLOWED_ASSETS.' });
      if (!assetBySymbol(chainId, token)) fail({ code: 'invalid_argument', message: `${token} is not available on ${CHAIN_NAMES[chainId] ?? chainId}.`, next_step: 'Pick USDC, or a chain where EURC exists (Base, Avalanche, Base Sepolia).' });
      const wallet = await ctx.wallet.address();
      const requestId = args.request_id ?? randomUUID();
      const body = JSON.stringify({ wallet_address: wallet, credits: args.credits, payment_method: 'x402', chain_id: chainId, token, request_id: requestId, ...(args.email ? { email: args.email } : {}) });
      const outcome = await sendWithX402(
        {
          kind: 'credits_purchase',
          description: `${args.credits} AgentPMT credits for ${wallet}`,
          origin: ctx.config.webUrl,
          path: '/api/external/credits/purchase',
          body,
          ...(args.quote_id ? { quoteId: args.quote_id } : {}),
          // Credits are worth 1 cent each: a USD price above that is refused, whatever the policy allows.
          ...(token === 'USDC' ? { maxPrice: { currency: 'USD' as const, amount: BigInt(args.credits) * 10_000n } } : {}),
        },
        ctx,
      );
      return paidCallResult(outcome, (json, p) =>
        p
          ? okResult({ ...json, request_id: requestId, payment: p }, `Bought ${args.credits} credits for ${String(p.amount)} ${String(p.currency)}${p.transaction ? ` (tx ${String(p.transaction)})` : ''}. Check credits_balance.`, [{ tool: 'credits_balance', why: "the wallet's pool after the purchase" }])
          : okResult({ ...json, request_id: requestId }, 'The purchase was answered without asking for payment.'),
        { tool: 'credits_purchase', args: { credits: args.credits, request_id: requestId, ...(args.chain_id ? { chain_id: args.chain_id } : {}), ...(args.token ? { token: args.token } : {}) } },
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
  walletStatus,
  defineTool({
    name: 'payments_list',
    needs: ['ledger'],
    title: 'List payments',
    description: 'x402 payments in the local ledger (shared by every server on it), newest first: status, amount, payee, transaction. Filter by status and date. Reads only the ledger.',
    toolset: 'payments',
    input: () => ({
      status: z.enum(PAYMENT_STATUSES).optional().describe('Only payments with this status (reserved: held under the budget, not yet signed).'),
      since: ledgerDay.optional().describe('On or after this day: YYYY-MM-DD, "today" or "yesterday" (UTC).'),
      until: ledgerDay.optional().describe('On or before this day (same forms).'),
      limit: z.number().int().min(1).max(200).default(50).describe('How many to return (newest first).'),
    }),
    run: async (args, ctx) => {
      const ledger = await readLedger(ctx);
      const rows = ledger.entries
        .filter((e) => (!args.status || e.status === args.status) && (!args.since || e.created_at.slice(0, 10) >= args.since) && (!args.until || e.created_at.slice(0, 10) <= args.until))
        .sort((a, b) => b.created_at.localeCompare(a.created_at));
      const page = rows.slice(0, args.limit).map((e) => ({ ...paymentSummary(e), created_at: e.created_at, updated_at: e.updated_at, description: e.description, kind: e.kind, attempts: e.attempts }));
      const problem = ledger.problem ? `Payments are stopped: ${ledger.problem.location} ${ledger.problem.what}. ${ledger.problem.next_step}` : undefined;
      return okResult(
        { payments: page, total: rows.length, truncated: rows.length > page.length, ...(problem ? { ledger_problem: problem } : {}) },
        `${rows.length} x402 payment(s)${rows.length > page.length ? `, showing the newest ${page.length}` : ''}.${problem ? ` ${problem}` : ''}`,
        // What was paid in credits is not in this ledger: the account's history has it.
        [{ tool: 'account_credits_history', why: "what was paid with the account's credits (this list is x402 only)" }],
      );
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  }),
];
