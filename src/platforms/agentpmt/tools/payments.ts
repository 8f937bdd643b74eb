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
    description: "The agent wallet's address, credit balance, today's spend against the daily budget per currency, the spend policy (caps, allowed networks/assets/payees, approval threshold) and any payment whose outcome is not settled yet. Call it before paying, and to explain a refused payment. Free.",
    toolset: 'wallet',
    input: {},
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
      return okResult(
        {
          address,
          ...(walletProblem ? { wallet_problem: walletProblem } : {}),
          credit_balance: credits,
          today: { USD: today('USD'), EUR: today('EUR'), day: new Date().toISOString().slice(0, 10) + ' (UTC)' },
          policy: describePolicy(policy),
          unresolved_payments: unresolved,
          ...(ledger.problem ? { ledger_problem: `Payments are stopped: ${ledger.problem.location} ${ledger.problem.what}. ${ledger.problem.next_step}` } : {}),
        },
        `${address ? `Wallet ${address}` : 'No usable wallet'}; credits: ${typeof credits === 'number' ? credits : 'unknown'}; today ${formatAmount(spent.USD)} of ${formatAmount(policy.dailyBudget.USD)} USD spent or pending${unresolved.length ? `; ${unresolved.length} payment(s) awaiting an outcome` : ''}.${ledger.problem ? ` x402 payments are stopped: the ledger ${ledger.problem.what}.` : ''}`,
      );
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  });

export const paymentEndpoints = [
  defineEndpoint({
    name: 'credits_purchase',
    title: 'Buy credits with x402',
    description:
      'Buy prepaid AgentPMT credits for the agent wallet, paid on-chain with x402 from the wallet (100 credits = 1 USD; multiples of 500). The payment must fit the user\'s spend policy (see wallet_status); above the approval threshold the user is asked, or a quote_id comes back to confirm with. Safe to retry with the same request_id.',
    toolset: 'payments',
    method: 'POST',
    origin: 'web',
    path: '/api/external/credits/purchase',
    auth: 'none',
    input: {
      credits: z.number().int().positive().max(10_000_000).describe('How many credits to buy: a multiple of 500 (500 = 5 USD).'),
      // A plain integer, checked here: hosts' converters mangle numeric enums (Gemini takes string enums only).
      chain_id: z
        .number()
        .int()
        .refine((id) => (CHAIN_IDS as readonly number[]).includes(id), `must be one of ${CHAIN_IDS.join(', ')}`)
        .optional()
        .describe('Chain to pay on: 8453 Base, 42161 Arbitrum, 10 Optimism, 137 Polygon, 43114 Avalanche, 84532 Base Sepolia. Default: the first network the policy allows.'),
      token: z.enum(['USDC', 'EURC']).optional().describe('Stablecoin to pay with. Default: the first asset the policy allows on that chain.'),
      email: z.string().email().optional().describe('Optional email for the receipt.'),
      request_id: z.string().min(1).max(200).optional().describe('Idempotency key; generated when absent and returned.'),
      quote_id: z.string().min(1).max(100).optional().describe('The quote_id a previous call returned when the price needed approval.'),
    },
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
          ? okResult({ ...json, request_id: requestId, payment: p }, `Bought ${args.credits} credits for ${String(p.amount)} ${String(p.currency)}${p.transaction ? ` (tx ${String(p.transaction)})` : ''}. Check credits_balance.`)
          : okResult({ ...json, request_id: requestId }, 'The purchase was answered without asking for payment.'),
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
  walletStatus,
  defineTool({
    name: 'payments_list',
    needs: ['ledger'],
    title: 'List payments',
    description: 'The local payment ledger: every x402 payment this server (and any other sharing its ledger) made, newest first, with status (reserved, pending, settled, failed, unknown), amount, payee and transaction. Filter by status and date. Free; reads only the local ledger.',
    toolset: 'payments',
    input: {
      status: z.enum(PAYMENT_STATUSES).optional().describe('Only payments with this status (reserved: held under the budget, not yet signed).'),
      since: z.string().date().optional().describe('Only payments made on or after this date (YYYY-MM-DD, UTC).'),
      until: z.string().date().optional().describe('Only payments made on or before this date (YYYY-MM-DD, UTC).'),
      limit: z.number().int().min(1).max(200).default(50).describe('How many to return (newest first).'),
    },
    run: async (args, ctx) => {
      const ledger = await readLedger(ctx);
      const rows = ledger.entries
        .filter((e) => (!args.status || e.status === args.status) && (!args.since || e.created_at.slice(0, 10) >= args.since) && (!args.until || e.created_at.slice(0, 10) <= args.until))
        .sort((a, b) => b.created_at.localeCompare(a.created_at));
      const page = rows.slice(0, args.limit).map((e) => ({ ...paymentSummary(e), created_at: e.created_at, updated_at: e.updated_at, description: e.description, kind: e.kind, attempts: e.attempts }));
      const problem = ledger.problem ? `Payments are stopped: ${ledger.problem.location} ${ledger.problem.what}. ${ledger.problem.next_step}` : undefined;
      return okResult(
        { payments: page, total: rows.length, truncated: rows.length > page.length, ...(problem ? { ledger_problem: problem } : {}) },
        `${rows.length} payment(s)${rows.length > page.length ? `, showing the newest ${page.length}` : ''}.${problem ? ` ${problem}` : ''}`,
      );
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  }),
];
