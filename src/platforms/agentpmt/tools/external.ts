import { z } from 'zod';
import { pathSegment } from './fields.js';
import { creditsResult } from './fields.js';
import { defineEndpoint, type AnyDeclaration } from './types.js';
import { ToolFailureError } from '../../../core/errors.js';
import { requestFor } from '../executor.js';
import { fillPath } from '../../../core/executor.js';
import { okResult } from '../../../core/results.js';
import { sendWithX402 } from '../payments/payer.js';
import { paidCallResult } from './paid-result.js';
import { checkInvocation } from './marketplace.js';
import { withFailureWarnings, withWarnings } from './warnings.js';
import { walletTopUp } from './low-credits.js';
import { idOf, itemsOf, listLine, named, payloadOf, textOf, type Json } from '../../../core/hints.js';

/** A workflow session's follow-ups: read its instructions, or close it. */
const sessionNext = (s: Json | undefined) => {
  const workflow = idOf(s, 'workflow_id');
  const session = idOf(s, 'workflow_session_id');
  if (workflow === undefined) return [];
  return [
    { tool: 'workflow_session_fetch', arguments: { workflow_id: workflow }, why: "the workflow's instructions and state for this session" },
    { tool: 'workflow_session_end', arguments: { workflow_id: workflow, ...(session !== undefined ? { workflow_session_id: session } : {}) }, why: 'close the session when the work is done' },
  ];
};

/** Marks a tool signed with the agent wallet; the server instructions say what that means, once. */
const SIGNED = 'Wallet tool.';
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
const write = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;

const socialPost = z
  .object({
    // The seed types these as plain strings: only emptiness is refused here, the platform judges the rest.
    platform: z.string().min(1).describe('Where it was posted, e.g. "twitter", "linkedin", "reddit".'),
    post_url: z.string().min(1).describe('Public URL of the post.'),
    target_url_used: z.string().min(1).describe('The tracked AgentPMT URL the post links to, exactly as used.'),
    message_text: z.string().min(1).describe('The text that was posted.'),
    posted_at: z.string().min(1).optional().describe('When it was posted, ISO-8601 (e.g. 2026-11-23T10:00:00Z).'),
  })
  .passthrough();

export const marketplaceInvoke = defineEndpoint({
  name: 'marketplace_invoke',
  title: 'Call a marketplace tool',
  description: `Run one action of a marketplace product (find it with marketplace_search, its parameters and price with marketplace_describe). Parameters are checked against the action's schema before anything is sent or paid. A price above the approval threshold needs the user's OK: the client asks them, or the call returns a quote_id to confirm with. ${SIGNED}`,
  toolset: 'marketplace',
  method: 'POST',
  origin: 'web',
  path: '/api/external/tools/{product}/actions/{action}/invoke',
  auth: 'wallet',
  signing: { shape: 'invoke', productArg: 'product', actionArg: 'action', parametersArg: 'parameters' },
  input: () => ({
    product: pathSegment('The product slug from marketplace_list.'),
    action: pathSegment('The action slug from marketplace_list.'),
    parameters: z.record(z.string(), z.unknown()).default({}).describe("The action's parameters, as its schema in marketplace_list declares."),
    payment: z.enum(['credits', 'x402', 'auto']).default('credits').describe("credits: the wallet's prepaid credits; x402: this call paid on-chain within the spend policy; auto: credits, else x402."),
    max_price_usd: z.number().positive().max(10_000).optional().describe('Refuse to pay more than this many USD for this call (x402).'),
    quote_id: z.string().min(1).max(100).optional().describe('The quote_id a previous call returned when the price needed approval; pays exactly that quote.'),
    pay_again: z.boolean().optional().describe('Pay again for an identical call paid minutes ago (only when the user asks; otherwise that payment is returned).'),
  }),
  run: async (args, ctx) => {
    const checked = await checkInvocation(ctx, args.product, args.action, args.parameters);
    // The resolved slugs (not an id or a name the model passed) go into the URL and the signed path.
    const { productSlug, actionSlug, warnings } = checked;
    const label = `${productSlug}/${actionSlug}`;
    const warned = (r: ReturnType<typeof okResult>) => withWarnings(r, warnings);
    const base = { product: productSlug, action: actionSlug, parameters: args.parameters };
    /** Why auto paid on-chain: the model should know the wallet's credits ran short. */
    let shortfall: string | undefined;
    if (args.payment !== 'x402') {
      try {
        const res = await requestFor(marketplaceInvoke, base, ctx);
        return warned(okResult({ ...(res.json as Record<string, unknown>), paid_with: 'credits' }, `${label} ran, paid with credits.`));
      } catch (err) {
        const short = err instanceof ToolFailureError && err.failure.status === 402;
        if (!(short && args.payment === 'auto')) throw withFailureWarnings(err, warnings);
        shortfall = `The agent wallet's credits were short (${(err as ToolFailureError).failure.message.replace(/\.$/, '')}), so auto paid with x402 instead; top up with credits_purchase to pay with credits again.`;
      }
    }
    let outcome;
    try {
      outcome = await sendWithX402(
        {
          kind: 'tool_invoke',
          description: `marketplace tool ${label}`,
          origin: ctx.config.webUrl,
          path: fillPath(marketplaceInvoke.path, { product: productSlug, action: actionSlug }),
          // Direct x402 sends the action's parameters as the raw body (contracts §4).
          body: JSON.stringify(args.parameters),
          ...(args.quote_id ? { quoteId: args.quote_id } : {}),
          ...(args.pay_again ? { payAgain: true } : {}),
          ...(args.max_price_usd !== undefined ? { maxPrice: { currency: 'USD' as const, amount: BigInt(Math.round(args.max_price_usd * 1_000_000)) } } : {}),
        },
        ctx,
      );
    } catch (err) {
      throw withFailureWarnings(err, warnings);
    }
    return warned(
      paidCallResult(outcome, (json, p) =>
        p
          ? okResult({ ...json, paid_with: 'x402', payment: p, ...(shortfall ? { credits_shortfall: shortfall } : {}) }, `${label} ran, paid ${String(p.amount)} ${String(p.currency)} with x402${p.transaction ? ` (tx ${String(p.transaction)})` : ''}.${shortfall ? ` ${shortfall}` : ''}`)
          : okResult({ ...json, paid_with: 'nothing' }, `${label} ran without asking for payment.`),
        { tool: 'marketplace_invoke', args: { product: productSlug, action: actionSlug, parameters: args.parameters, payment: args.payment } },
      ),
    );
  },
  annotations: write,
});

export const marketplaceList = defineEndpoint({
    name: 'marketplace_list',
    title: 'Browse the marketplace',
    description: 'Marketplace products with their actions, parameter schemas and prices, paged (public). Filter with query/categories; marketplace_search is the compact way to find one.',
    toolset: 'marketplace',
    method: 'GET',
    origin: 'web',
    path: '/api/external/tools',
    auth: 'none',
    input: () => ({
      query: z.string().max(200).optional().describe('Free-text search.'),
      categories: z.string().max(500).optional().describe('Comma-separated category filter.'),
      page: z.number().int().min(1).optional().describe('Page number, 1-based.'),
      page_size: z.number().int().min(1).max(1000).optional().describe('Products per page (default 100, max 1000).'),
    }),
    query: ['query', 'categories', 'page', 'page_size'],
    // Two listing shapes are known (tools/slug and items/product_slug): the readers take either.
    summary: (data) => listLine(itemsOf(data, 'tools', 'items'), 'products', (p) => textOf(p, 'slug', 'product_slug', 'name'), { total: (data.pagination as Json | undefined)?.total_count ?? (data.meta as Json | undefined)?.total }),
    next: (data) => {
      const slug = idOf(itemsOf(data, 'tools', 'items')[0], 'slug', 'product_slug');
      return slug === undefined ? [] : [{ tool: 'marketplace_describe', arguments: { product: slug }, why: 'parameters and prices of the first product (or of another slug), before marketplace_invoke' }];
    },
    annotations: readOnly,
  });

export const creditsBalance = defineEndpoint({
    name: 'credits_balance',
    title: 'Wallet credit balance',
    description: `Prepaid AgentPMT credits held by the agent wallet (100 credits = 1 USD). Check before marketplace_invoke with credits. ${SIGNED}`,
    toolset: 'wallet',
    method: 'POST',
    origin: 'web',
    path: '/api/external/credits/balance',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'balance', product: null, payload: null },
    input: () => ({}),
    present: (res, _args, ctx) => creditsResult(res.json, "The agent wallet's credits", (b) => walletTopUp(b, ctx.payments.policy)),
    annotations: readOnly,
  });

export const externalEndpoints = [
  creditsBalance,
  defineEndpoint({
    name: 'jobs_list',
    title: 'List jobs',
    description: `Jobs the agent wallet can take on to earn credits (for example sharing a tracked link). Next: jobs_reserve with a job_id. ${SIGNED}`,
    toolset: 'jobs',
    method: 'POST',
    origin: 'web',
    path: '/api/external/jobs/list',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'job_list', product: null, payload: ['limit', 'skip'] },
    input: () => ({
      limit: z.number().int().min(1).optional().describe('Maximum jobs to return.'),
      skip: z.number().int().min(0).optional().describe('Jobs to skip, for paging.'),
    }),
    present: (res) => {
      const json = (res.json ?? {}) as { data?: { jobs?: { job_id?: string; title?: string; status?: string; reward_credits?: number }[]; total?: number } };
      const jobs = json.data?.jobs ?? [];
      const open = jobs.find((j) => j.job_id && (j.status === undefined || j.status === 'available'));
      return okResult(
        json as Record<string, unknown>,
        `${jobs.length} job(s)${json.data?.total !== undefined ? ` of ${json.data.total}` : ''}${open ? `; first open: ${open.title ?? open.job_id}${open.reward_credits !== undefined ? ` (${open.reward_credits} credits)` : ''}` : ''}.`,
        open ? [{ tool: 'jobs_reserve', arguments: { job_id: open.job_id }, why: 'reserve it before doing the work (or pick another job_id)' }] : [],
      );
    },
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'jobs_reserve',
    title: 'Reserve a job',
    description: `Reserve a job for this wallet so nobody else takes it. Returns a reservation id: keep it for jobs_complete. ${SIGNED}`,
    toolset: 'jobs',
    method: 'POST',
    origin: 'web',
    path: '/api/external/jobs/{job_id}/reserve',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'job_reserve', product: 'job_id', payload: [] },
    input: () => ({ job_id: pathSegment('The job id from jobs_list.') }),
    present: (res, args) => {
      const json = (res.json ?? {}) as { data?: { reservation_id?: string; reserved_until?: string } };
      const reservation = json.data?.reservation_id;
      return okResult(
        json as Record<string, unknown>,
        `Job ${args.job_id} reserved${json.data?.reserved_until ? ` until ${json.data.reserved_until}` : ''}${reservation ? ` (reservation ${reservation})` : ''}.`,
        [{ tool: 'jobs_complete', arguments: { job_id: args.job_id, ...(reservation ? { reservation_id: reservation } : {}) }, why: 'after doing the work: add proof_text (and social_posts for social_share jobs)' }],
      );
    },
    annotations: write,
  }),
  defineEndpoint({
    name: 'jobs_status',
    title: 'Job status',
    description: `Where a job stands for this wallet (available, reserved, submitted, approved, rewarded…). ${SIGNED}`,
    toolset: 'jobs',
    method: 'POST',
    origin: 'web',
    path: '/api/external/jobs/{job_id}/status',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'job_status', product: 'job_id', payload: [] },
    input: () => ({ job_id: pathSegment('The job id from jobs_list.') }),
    summary: (data, args) => `Job ${args.job_id}: ${textOf(payloadOf(data), 'status') ?? 'status not stated'}.`,
    next: (data, args) => {
      const p = payloadOf(data);
      return p.status === 'reserved' ? [{ tool: 'jobs_complete', arguments: { job_id: args.job_id, ...(idOf(p, 'reservation_id') !== undefined ? { reservation_id: idOf(p, 'reservation_id') } : {}) }, why: 'after doing the work: add proof_text' }] : [];
    },
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'jobs_complete',
    title: 'Complete a job',
    description: `Submit proof that a reserved job was done. Pass the reservation_id from jobs_reserve; social_share jobs need social_posts entries. Then follow it with jobs_status. ${SIGNED}`,
    toolset: 'jobs',
    method: 'POST',
    origin: 'web',
    path: '/api/external/jobs/{job_id}/complete',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'job_complete', product: 'job_id', payload: ['proof_text', 'reservation_id', 'social_posts'] },
    input: () => ({
      job_id: pathSegment('The job id from jobs_list.'),
      proof_text: z.string().min(1).max(10_000).describe('What was done, as proof for the reviewer.'),
      reservation_id: z.string().min(1).max(200).optional().describe('The reservation id returned by jobs_reserve.'),
      social_posts: z.array(socialPost).max(20).optional().describe('For social_share jobs: one entry per post made.'),
    }),
    summary: (data, args) => `Proof for job ${args.job_id} submitted${textOf(payloadOf(data), 'status') ? `; status ${textOf(payloadOf(data), 'status')}` : ''}.`,
    next: (_data, args) => [{ tool: 'jobs_status', arguments: { job_id: args.job_id }, why: 'follow the review until the reward is paid' }],
    annotations: write,
  }),
  marketplaceList,
  marketplaceInvoke,
  defineEndpoint({
    name: 'workflows_list',
    title: 'Browse public workflows',
    description: 'Public AgentPMT workflows, filtered by query, categories, industry tags, publisher or date. Next: workflow_session_start with a workflow id.',
    toolset: 'workflows',
    method: 'GET',
    origin: 'web',
    path: '/api/external/workflows',
    auth: 'none',
    input: () => ({
      query: z.string().max(200).optional().describe('Free-text search.'),
      categories: z.string().max(500).optional().describe('Comma-separated categories.'),
      industry_tags: z.string().max(500).optional().describe('Comma-separated industry tags.'),
      publisher: z.string().max(200).optional().describe('Publisher name or id.'),
      since: z.string().max(64).optional().describe('Only workflows updated since this ISO-8601 date.'),
      limit: z.number().int().min(1).optional().describe('Maximum workflows to return.'),
      skip: z.number().int().min(0).optional().describe('Workflows to skip, for paging.'),
    }),
    query: ['query', 'categories', 'industry_tags', 'publisher', 'since', 'limit', 'skip'],
    summary: (data) => listLine(itemsOf(data, 'workflows'), 'workflows', (w) => named(w, ['name'], ['workflow_id']), { total: payloadOf(data).total }),
    next: (data) => {
      const id = idOf(itemsOf(data, 'workflows')[0], 'workflow_id');
      if (id === undefined) return [];
      return [
        { tool: 'workflow_session_start', arguments: { workflow_id: id }, why: 'open a session of the first workflow (or another workflow_id) and follow its instructions yourself' },
        { tool: 'workflow_run', arguments: { workflow_id: id }, why: "or let the platform run it for the account (add a prompt; may spend the account's credits)" },
      ];
    },
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'workflow_session_start',
    title: 'Start a workflow session',
    description: `Open a session of a workflow for this wallet. Returns the workflow_session_id that workflow_session_fetch and workflow_session_end use. ${SIGNED}`,
    toolset: 'workflows',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflows/{workflow_id}/start',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'workflow_start', product: 'workflow_id', payload: ['instance_id'] },
    input: () => ({
      workflow_id: pathSegment('The workflow id from workflows_list.'),
      instance_id: z.string().min(1).max(200).optional().describe('Optional id of this agent instance, to keep sessions apart.'),
    }),
    summary: (data, args) => {
      const s = payloadOf(data);
      return `Session ${textOf(s, 'workflow_session_id') ?? '?'} of ${textOf(s, 'workflow_name') ?? args.workflow_id} ${s.resumed === true ? 'resumed (it was already open)' : 'started'}.`;
    },
    next: (data) => sessionNext(payloadOf(data)),
    annotations: write,
  }),
  defineEndpoint({
    name: 'workflow_session_fetch',
    title: 'Fetch a workflow session',
    description: `The workflow's instructions and state for the wallet's active session of it. Call after workflow_session_start. ${SIGNED}`,
    toolset: 'workflows',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflows/{workflow_id}/fetch',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'workflow_fetch', product: 'workflow_id', payload: null },
    input: () => ({ workflow_id: pathSegment('The workflow id of the session.') }),
    summary: (data, args) => `Workflow ${textOf(payloadOf(data), 'name') ?? args.workflow_id}: its instructions are in the data; follow them.`,
    next: (data, args) => sessionNext({ workflow_id: args.workflow_id, ...payloadOf(data) }).slice(1),
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'workflow_session_end',
    title: 'End a workflow session',
    description: `Close a workflow session (the active one, or the workflow_session_id given). ${SIGNED}`,
    toolset: 'workflows',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflows/{workflow_id}/end',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'workflow_end', product: 'workflow_id', payload: ['workflow_session_id'] },
    input: () => ({
      workflow_id: pathSegment('The workflow id of the session.'),
      workflow_session_id: z.string().min(1).max(200).optional().describe('The session to end; defaults to the active one.'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'workflow_sessions_active',
    title: 'Active workflow sessions',
    description: `The wallet's open workflow sessions (optionally for one instance_id). Use it to resume work after a restart. ${SIGNED}`,
    toolset: 'workflows',
    method: 'POST',
    origin: 'web',
    path: '/api/external/workflows/active',
    auth: 'wallet',
    signing: { shape: 'scoped', action: 'workflow_active', product: null, payload: ['instance_id'] },
    input: () => ({ instance_id: z.string().min(1).max(200).optional().describe('Only sessions of this agent instance.') }),
    summary: (data) => listLine(itemsOf(data, 'sessions'), 'open session(s)', (s) => named(s, ['workflow_name'], ['workflow_session_id'])),
    next: (data) => sessionNext(itemsOf(data, 'sessions')[0]).slice(0, 1),
    annotations: readOnly,
  }),
];
