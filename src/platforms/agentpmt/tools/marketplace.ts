import { closest } from '../../../core/tool-schema.js';
import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import type { RuntimeContext } from '../context.js';
import { okResult } from '../../../core/results.js';
import type { MarketAction, MarketProduct } from '../marketplace/catalog-cache.js';
import { oneLine, rankProducts } from '../marketplace/search.js';
import { validateParameters } from '../marketplace/validate.js';
import { defineEndpoint, defineTool } from './types.js';
import { log } from '../../../core/log.js';

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;

function requiredOf(schema: Record<string, unknown>): string[] {
  return Array.isArray(schema.required) ? schema.required.map(String) : [];
}

function describeAction(a: MarketAction, p: MarketProduct) {
  return {
    action: a.slug,
    description: a.description,
    price_credits: a.price_credits,
    price_usd: a.price_usd,
    payment: a.price_credits === 0 ? ['free'] : p.payment_options.length ? p.payment_options : ['agentpmt_credits', 'x402'],
    parameters: a.parameters,
    required: requiredOf(a.parameters),
    ...(a.examples ? { examples: a.examples } : {}),
    ...(a.schemaKnown ? {} : { parameters_unknown: 'The listing shows no parameter schema for this action: marketplace_invoke sends parameters unchecked and the platform validates them.' }),
  };
}

/** The product (and action, when named) from the cached catalog, or an error saying where to look. */
async function findOrFail(ctx: RuntimeContext, product: string, action?: string): Promise<{ product: MarketProduct; action?: MarketAction }> {
  const found = await ctx.market.find(ctx, product, action);
  if (!found.product) {
    const near = closest(product, (await ctx.market.get(ctx)).map((p) => p.slug));
    fail({
      code: 'unknown_product',
      message: `No marketplace product "${product}" in the listing as read.${near.length ? ` Did you mean ${near.join(' or ')}?` : ''}`,
      next_step: 'Find the product slug with marketplace_search, then call again. If you are sure of the slug, marketplace_invoke sends it anyway (unchecked).',
    });
  }
  if (action !== undefined && !found.action) {
    fail({
      code: 'unknown_action',
      message: `Product "${found.product.slug}" has no action "${action}".${closest(action, found.product.actions.map((a) => a.slug)).map((a) => ` Did you mean ${a}?`)[0] ?? ''} Its actions: ${found.product.actions.map((a) => a.slug).join(', ') || 'none'}.`,
      next_step: 'Pick one of the listed actions (marketplace_describe shows their parameters) and call again.',
    });
  }
  return { product: found.product, ...(found.action ? { action: found.action } : {}) };
}

export interface CheckedInvocation {
  /** The slugs that go into the URL and the signed path (an id or a name given by the model is resolved to the slug). */
  productSlug: string;
  actionSlug: string;
  product?: MarketProduct;
  action?: MarketAction;
  /** Said to the model with the result: what could not be checked before sending. */
  warnings: string[];
}

/**
 * The one gate before any paid call. A product or action the cached listing
 * knows is resolved to its slug and its parameters must satisfy its JSON
 * Schema: nothing is requested or paid when that throws. A product or action
 * the listing does not show (or shows without a schema) is sent anyway with a
 * warning: the listing's shape is undocumented, so its silence is no proof
 * (README, "where the docs are silent"). The platform still validates, and an
 * x402 price still goes through the spend policy.
 */
export async function checkInvocation(ctx: RuntimeContext, product: string, action: string, parameters: unknown): Promise<CheckedInvocation> {
  const warnings: string[] = [];
  let found: { product?: MarketProduct; action?: MarketAction } = {};
  try {
    found = await ctx.market.find(ctx, product, action);
  } catch (err) {
    warnings.push(`The marketplace listing could not be read (${err instanceof Error ? err.message : String(err)}), so "${product}/${action}" was sent unchecked.`);
  }
  if (!found.product) {
    if (!warnings.length) warnings.push(`"${product}" is not in the marketplace listing as read; it was sent as given, with its parameters unchecked (the platform validates them).`);
    log.warn('marketplace_invoke: product not in the cached listing; sending anyway', { product, action });
    return { productSlug: product, actionSlug: action, warnings };
  }
  const p = found.product;
  if (!found.action) {
    warnings.push(`Product "${p.slug}" lists no action "${action}" (listed: ${p.actions.map((a) => a.slug).join(', ') || 'none'}); it was sent as given, with its parameters unchecked.`);
    log.warn('marketplace_invoke: action not in the cached listing; sending anyway', { product: p.slug, action });
    return { productSlug: p.slug, actionSlug: action, product: p, warnings };
  }
  const act = found.action;
  if (!act.schemaKnown) {
    warnings.push(`The listing shows no parameter schema for ${p.slug}/${act.slug}; the parameters were sent unchecked (the platform validates them).`);
  } else {
    const problems = await validateParameters(`${p.slug}/${act.slug}`, act.parameters, parameters);
    if (problems.length) {
      fail({
        code: 'invalid_parameters',
        message: `The parameters do not match ${p.slug}/${act.slug}'s schema: ${problems.join('; ')}. Nothing was sent or paid.`,
        next_step: 'Fix each field listed (marketplace_describe shows the schema), then call again.',
        details: { errors: problems },
      });
    }
  }
  return { productSlug: p.slug, actionSlug: act.slug, product: p, action: act, warnings };
}

export const marketplaceEndpoints = [
  defineTool({
    name: 'marketplace_search',
    needs: ['catalog'],
    title: 'Search the marketplace',
    description:
      'Find marketplace tools for a task: compact results (product slug, name, one-line description, each action with its price), best match first, 10 per page. Next: marketplace_describe for the parameters of a product or action, then marketplace_invoke.',
    toolset: 'marketplace',
    input: () => ({
      query: z.string().max(200).default('').describe('What you need in plain words (e.g. "send email"); empty lists everything.'),
      categories: z.array(z.string().max(100)).max(20).optional().describe('Only these categories (exact names, as results show them).'),
      page: z.number().int().min(1).default(1).describe('Page of results, 1-based.'),
      page_size: z.number().int().min(1).max(50).default(10).describe('Results per page (max 50).'),
    }),
    run: async (args, ctx) => {
      const ranked = rankProducts(await ctx.market.get(ctx), args.query, args.categories ?? []);
      const start = (args.page - 1) * args.page_size;
      const items = ranked.slice(start, start + args.page_size).map((p) => ({
        product: p.slug,
        name: p.display_name,
        category: p.category,
        description: oneLine(p.description),
        actions: p.actions.map((a) => ({ action: a.slug, price_usd: a.price_usd })),
      }));
      const hasMore = start + items.length < ranked.length;
      return okResult(
        { results: items, page: args.page, page_size: args.page_size, total: ranked.length, has_more: hasMore, ...(hasMore ? { next_page: args.page + 1 } : {}) },
        items.length
          ? `${ranked.length} match(es); page ${args.page}: ${items.map((i) => i.product).join(', ')}.${hasMore ? ` More: page ${args.page + 1}.` : ''}`
          : 'No marketplace tool matches. Try other words or fewer categories.',
        items[0] ? [{ tool: 'marketplace_describe', arguments: { product: items[0].product }, why: 'parameters and price of the best match (or of another result)' }] : [],
      );
    },
    annotations: readOnly,
  }),
  defineTool({
    name: 'marketplace_describe',
    needs: ['catalog'],
    title: 'Describe a marketplace tool',
    description:
      "Everything needed to call a marketplace product or one of its actions: each action's full parameter JSON Schema, required fields, examples, price in credits and USD, and payment options. Call before marketplace_invoke.",
    toolset: 'marketplace',
    input: () => ({
      product: z.string().min(1).max(200).describe('The product slug (or id) from marketplace_search.'),
      action: z.string().min(1).max(200).optional().describe('One action slug; leave out to describe every action of the product.'),
    }),
    run: async (args, ctx) => {
      const { product, action } = await findOrFail(ctx, args.product, args.action);
      const actions = (action ? [action] : product.actions).map((a) => describeAction(a, product));
      return okResult(
        { product: product.slug, product_id: product.product_id, name: product.display_name, category: product.category, description: product.description, actions },
        `${product.display_name} (${product.slug}): ${actions.map((a) => `${a.action} ${a.price_usd} USD, required: ${a.required.join(', ') || 'none'}`).join('; ')}.`,
        actions.length === 1 ? [{ tool: 'marketplace_invoke', arguments: { product: product.slug, action: actions[0]!.action }, why: 'with parameters that fit the schema above' }] : [{ tool: 'marketplace_invoke', arguments: { product: product.slug }, why: 'with one action and parameters that fit its schema' }],
      );
    },
    annotations: readOnly,
  }),
];
