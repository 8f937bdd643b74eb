import { z } from 'zod';
import { NEEDS_ACCOUNT_TOKEN } from './fields.js';
import { creditsResult } from './fields.js';
import { defineEndpoint } from './types.js';
import { ACCOUNT_TOP_UP, LOW_CREDITS } from './low-credits.js';
import { idOf, itemsOf, listLine, payloadOf, textOf, type Json } from '../../../core/hints.js';

/** "Name (echo 5 credits)": what a product costs, by its first action. */
const priced = (p: Json) => {
  const a = (Array.isArray(p.actions) ? p.actions[0] : undefined) as Json | undefined;
  const price = a && typeof a.price_credits === 'number' ? ` (${textOf(a, 'name', 'slug')} ${a.price_credits} credits)` : '';
  return `${textOf(p, 'display_name', 'name', 'product_id') ?? '?'}${price}`;
};



export const accountProductsList = defineEndpoint({
    name: 'account_products_list',
    title: 'List tools in the budget',
    description: `List the marketplace tools this account's budget can use (product_id, name, description, actions), one page at a time. Use it to find a product_id for account_products_purchase. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'account',
    method: 'GET',
    origin: 'api',
    path: '/products/fetch',
    auth: 'account',
    input: () => ({
      page: z.number().int().min(1).optional().describe('Page number, 1-based (default 1).'),
      page_size: z.number().int().min(1).max(100).optional().describe('Tools per page, 1-100.'),
    }),
    query: ['page', 'page_size'],
    instanceId: true,
    summary: (data) => listLine(itemsOf(data, 'tools', 'products'), 'tools in the budget', priced, { total: (data.pagination as Json | undefined)?.total_count }),
    next: (data) => {
      const first = itemsOf(data, 'tools', 'products')[0];
      const action = first && Array.isArray(first.actions) ? idOf(first.actions[0] as Json, 'name', 'slug') : undefined;
      const product = idOf(first, 'product_id');
      const pages = data.pagination as Json | undefined;
      return [
        ...(product !== undefined ? [{ tool: 'account_products_purchase', arguments: { product_id: product, ...(action !== undefined ? { action } : {}) }, why: "call it, paid from the account's credits (or pick another product_id and action; parameters as its schema declares)" }] : []),
        ...(pages?.has_next === true && typeof pages.page === 'number' ? [{ tool: 'account_products_list', arguments: { page: pages.page + 1 }, why: 'the next page' }] : []),
      ];
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  });

export const accountEndpoints = [
  defineEndpoint({
    name: 'account_credits_balance',
    title: 'Account credit balance',
    description: `Current prepaid credit balance of the AgentPMT account (100 credits = 1 USD) and when the next credits expire. Use before buying or calling paid tools. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'account',
    method: 'GET',
    origin: 'api',
    path: '/credits/balance',
    auth: 'account',
    input: () => ({}),
    instanceId: true,
    present: (res) => creditsResult(res.json, "The account's credits", (b) => ({ ...(b !== undefined && b < LOW_CREDITS ? { note: ACCOUNT_TOP_UP } : {}), next: [] })),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'account_credits_history',
    title: 'Account credit history',
    description: `Credit grants and the transaction audit trail (grants, expirations, revocations, tool purchases), newest first. Use to explain where credits went. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'account',
    method: 'GET',
    origin: 'api',
    path: '/credits/history',
    auth: 'account',
    input: () => ({
      limit: z.number().int().min(1).optional().describe('Maximum number of grants and transactions to return (the platform caps it).'),
    }),
    query: ['limit'],
    instanceId: true,
    summary: (data) => {
      const tx = itemsOf(data, 'transactions');
      const last = tx[0];
      return `${itemsOf(data, 'grants').length} grant(s), ${tx.length} transaction(s)${last ? `; newest: ${textOf(last, 'transaction_type') ?? '?'} ${textOf(last, 'amount_credits') ?? '?'} credits${textOf(last, 'date_created', 'created_at') ? ` on ${textOf(last, 'date_created', 'created_at')!.slice(0, 10)}` : ''}` : ''}.`;
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'account_report_issue',
    title: 'Report a tool issue',
    description: `Report a problem with a marketplace tool call (wrong output, error, missing feature) to AgentPMT. Always succeeds, even for an unknown product id. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'account',
    method: 'POST',
    origin: 'api',
    path: '/issues/report',
    auth: 'account',
    input: () => ({
      product_id: z.string().min(1).max(200).describe('The product id, slug or exact name of the tool that misbehaved.'),
      error_message: z.string().min(1).max(10_000).describe('What went wrong: the error text or a description of the bad result.'),
      recommended_improvements: z.string().max(10_000).optional().describe('Optional: what would have made the tool work for you.'),
    }),
    instanceId: true,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
  accountProductsList,
  defineEndpoint({
    name: 'account_products_purchase',
    title: 'Buy and call a tool with credits',
    description: `Call a marketplace tool paid from the account's credits. Take product_id and the action's parameters from account_products_list. Not retried automatically: after a timeout, check account_credits_history before calling again. ${NEEDS_ACCOUNT_TOKEN}`,
    toolset: 'account',
    method: 'POST',
    origin: 'api',
    path: '/products/purchase',
    auth: 'account',
    input: () => ({
      product_id: z.string().min(1).max(200).describe('The product_id from account_products_list.'),
      action: z.string().min(1).max(200).describe("The action to run, one of the product's actions."),
      parameters: z.record(z.string(), z.unknown()).optional().describe("The action's own parameters, as its schema in account_products_list declares."),
    }),
    body: (rest) => ({ product_id: rest.product_id, parameters: { ...((rest.parameters as Record<string, unknown> | undefined) ?? {}), action: rest.action } }),
    instanceId: true,
    summary: (data, args) => {
      const p = payloadOf(data);
      const charged = textOf(p, 'credits_charged');
      const after = textOf(p, 'balance_after');
      return `${textOf(p, 'product_name') ?? args.product_id}/${args.action} ran${charged ? `, ${charged} credits charged` : ''}${after ? `; account balance ${after} credits` : ''}${textOf(data, 'order_id') ? ` (order ${textOf(data, 'order_id')})` : ''}.`;
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }),
];
