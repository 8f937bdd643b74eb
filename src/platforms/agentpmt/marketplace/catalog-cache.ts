import type { Config } from '../../../config.js';
import { log } from '../../../core/log.js';

/** Reads one page of a catalog listing: the public external catalog, or the budget's own tools (account). */
export type ListingPage<Ctx> = (listing: 'external' | 'account', page: number, ctx: Ctx) => Promise<unknown>;

export interface MarketAction {
  slug: string;
  name: string;
  /** Other ids the listing gave this action (id, name), all resolving to `slug`. */
  aliases: string[];
  description: string;
  parameters: Record<string, unknown>;
  /** False when the listing carried no schema under any key we know: parameters cannot be checked before sending. */
  schemaKnown: boolean;
  price_credits: number;
  price_usd: number;
  examples?: unknown[];
}

export interface MarketProduct {
  product_id: string;
  slug: string;
  name: string;
  /** Other ids the listing gave this product (id, product_id, name), all resolving to `slug`. */
  aliases: string[];
  display_name: string;
  description: string;
  category: string;
  actions: MarketAction[];
  payment_options: string[];
}

const TTL_MS = 5 * 60_000;
const MAX_PRODUCTS = 10_000;
const MAX_PAGES = 50;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : d);
const numOrUndef = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
};
/** The first non-empty string among `keys` of `o`. */
const first = (o: Json, keys: readonly string[]): string => {
  for (const k of keys) {
    const v = str(o[k]);
    if (v) return v;
  }
  return '';
};
const uniq = (xs: string[]): string[] => [...new Set(xs.filter(Boolean))];

/*
 * The seed publishes no response schema for GET /api/external/tools, so the
 * listing is read liberally (README, "where the docs are silent"): every key a
 * platform plausibly uses for the same fact is tried, in order of likelihood.
 */
const PRODUCT_SLUG_KEYS = ['slug', 'product_slug', 'tool_slug', 'url_slug'] as const;
const PRODUCT_ID_KEYS = ['product_id', 'id', '_id', 'tool_id'] as const;
const ACTION_SLUG_KEYS = ['slug', 'action_slug', 'function_slug', 'name', 'action', 'id'] as const;
const SCHEMA_KEYS = ['parameters', 'input_schema', 'inputSchema', 'parameters_schema', 'parameter_schema', 'json_schema', 'schema', 'args_schema'] as const;
const ACTION_LIST_KEYS = ['actions', 'functions', 'tools', 'endpoints', 'operations'] as const;
const CREDIT_KEYS = ['price_credits', 'credits', 'credit_price', 'cost_credits', 'price_in_credits'] as const;
const USD_KEYS = ['price_usd', 'usd_price', 'cost_usd', 'price_in_usd', 'usd'] as const;
/** Where the product array of one page may sit. */
const LIST_KEYS = ['tools', 'products', 'items', 'results', 'data'] as const;

function schemaOf(a: Json): Record<string, unknown> | undefined {
  for (const k of SCHEMA_KEYS) {
    const v = a[k];
    if (isObj(v)) return isObj(v.schema) && !('type' in v) && !('properties' in v) ? v.schema : v;
  }
  return undefined;
}

function priceOf(a: Json): { credits: number; usd: number } {
  let credits: number | undefined;
  for (const k of CREDIT_KEYS) if (credits === undefined) credits = numOrUndef(a[k]);
  let usd: number | undefined;
  for (const k of USD_KEYS) if (usd === undefined) usd = numOrUndef(a[k]);
  if (isObj(a.price) || isObj(a.pricing)) {
    const p = (isObj(a.price) ? a.price : a.pricing) as Json;
    credits ??= numOrUndef(p.credits) ?? numOrUndef(p.price_credits);
    usd ??= numOrUndef(p.usd) ?? numOrUndef(p.price_usd) ?? numOrUndef(p.amount_usd);
  } else if (credits === undefined && usd === undefined) {
    // A bare "price" is credits in every AgentPMT sample we have seen (100 credits = 1 USD).
    credits = numOrUndef(a.price);
  }
  if (credits === undefined && usd !== undefined) credits = Math.round(usd * 100);
  return { credits: credits ?? 0, usd: usd ?? (credits ?? 0) / 100 };
}

function normalizeAction(a: Json): MarketAction {
  const slug = first(a, ACTION_SLUG_KEYS);
  const schema = schemaOf(a);
  const { credits, usd } = priceOf(a);
  return {
    slug,
    name: first(a, ['name', 'display_name', 'title']) || slug,
    aliases: uniq([str(a.slug), str(a.action_slug), str(a.name), str(a.id), str(a.action)]).filter((x) => x !== slug),
    description: first(a, ['description', 'summary']),
    parameters: schema ?? { type: 'object', properties: {} },
    schemaKnown: schema !== undefined,
    price_credits: credits,
    price_usd: usd,
    ...(Array.isArray(a.examples) ? { examples: a.examples } : {}),
  };
}

function actionsOf(p: Json): Json[] {
  for (const k of ACTION_LIST_KEYS) {
    const v = p[k];
    if (Array.isArray(v)) return v.filter(isObj);
    // Actions keyed by their slug: {"echo": {...}}.
    if (isObj(v)) return Object.entries(v).filter((e): e is [string, Json] => isObj(e[1])).map(([slug, a]) => ({ slug, ...a }));
  }
  return [];
}

function normalizeProduct(p: Json): MarketProduct {
  const id = first(p, PRODUCT_ID_KEYS);
  const slug = first(p, PRODUCT_SLUG_KEYS) || first(p, ['name']) || id;
  return {
    product_id: id,
    slug,
    name: first(p, ['name', 'product_name']) || slug,
    aliases: uniq([id, str(p.id), str(p.product_id), str(p.name), str(p.product_name)]).filter((x) => x !== slug),
    display_name: first(p, ['display_name', 'title', 'name']) || slug,
    description: first(p, ['description', 'summary']),
    category: first(p, ['category', 'category_name']) || (Array.isArray(p.categories) ? str(p.categories[0]) : ''),
    actions: actionsOf(p).map(normalizeAction).filter((a) => a.slug !== ''),
    payment_options: Array.isArray(p.payment_options) ? p.payment_options.map(String) : [],
  };
}

/** The product objects of one listing page, wherever the page keeps them. */
export function productsOfPage(json: unknown): Json[] {
  if (Array.isArray(json)) return json.filter(isObj);
  if (!isObj(json)) return [];
  for (const k of LIST_KEYS) {
    const v = json[k];
    if (Array.isArray(v)) return v.filter(isObj);
    if (isObj(v)) {
      const inner = productsOfPage(v);
      if (inner.length) return inner;
    }
  }
  return [];
}

/** Whether another page follows, from any of the usual pagination spellings. */
function hasMorePages(json: unknown, page: number, pageSize: number): boolean {
  if (!isObj(json)) return false;
  const pag = [json.pagination, json.meta, isObj(json.data) ? json.data.pagination : undefined, json].find(isObj) ?? {};
  for (const k of ['has_more', 'has_next', 'hasMore', 'hasNext']) if (typeof pag[k] === 'boolean') return pag[k];
  const next = pag.next_page ?? pag.nextPage ?? pag.next;
  if (next !== undefined) return next !== null && next !== false && next !== '';
  const totalPages = numOrUndef(pag.total_pages ?? pag.totalPages ?? pag.pages);
  if (totalPages !== undefined) return page < totalPages;
  const total = numOrUndef(pag.total_count ?? pag.total ?? pag.count);
  if (total !== undefined) return page * pageSize < total;
  return false;
}

/** Normalizes one listing page (exported for unit tests of the shapes). */
export function normalizeListing(json: unknown): MarketProduct[] {
  return productsOfPage(json).map(normalizeProduct).filter((p) => p.slug !== '');
}

const matches = (x: { slug: string; aliases: string[] }, wanted: string) => x.slug === wanted || x.aliases.includes(wanted);

/**
 * The marketplace catalog, read page by page through the catalog declarations
 * (no second HTTP path), kept for a few minutes, bounded in size, and fetched
 * once for concurrent callers.
 */
export class MarketplaceCache<Ctx extends { config: Config } = { config: Config }> {
  private products: MarketProduct[] | undefined;
  private fetchedAt = 0;
  private inflight: Promise<MarketProduct[]> | undefined;

  constructor(
    private readonly readPage: ListingPage<Ctx>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Which listing to read: the public external catalog, or the budget's own tools when only an account token is set. */
  static useAccountCatalog(ctx: { config: Config }): boolean {
    const c = ctx.config;
    const hasWallet = Boolean(c.privateKey || c.keystorePassword);
    return !hasWallet && Boolean(c.bearerToken || (c.apiKey && c.budgetKey));
  }

  async get(ctx: Ctx, opts: { refresh?: boolean } = {}): Promise<MarketProduct[]> {
    if (!opts.refresh && this.products && this.now() - this.fetchedAt < TTL_MS) return this.products;
    this.inflight ??= this.load(ctx).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(ctx: Ctx): Promise<MarketProduct[]> {
    const account = MarketplaceCache.useAccountCatalog(ctx);
    const out: MarketProduct[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const pageSize = account ? 100 : 1000;
      const json = await this.readPage(account ? 'account' : 'external', page, ctx);
      const items = normalizeListing(json);
      out.push(...items);
      if (out.length >= MAX_PRODUCTS) {
        log.warn('marketplace catalog truncated', { kept: MAX_PRODUCTS });
        out.length = MAX_PRODUCTS;
        break;
      }
      if (items.length === 0 || !hasMorePages(json, page, pageSize)) break;
    }
    this.products = out;
    this.fetchedAt = this.now();
    return out;
  }

  async find(ctx: Ctx, product: string, action?: string): Promise<{ product?: MarketProduct; action?: MarketAction }> {
    const all = await this.get(ctx);
    // Slug first: an id or a name resolves to the slug that goes into the URL and the signed path.
    const p = all.find((x) => x.slug === product) ?? all.find((x) => matches(x, product));
    const a = p && action !== undefined ? (p.actions.find((x) => x.slug === action) ?? p.actions.find((x) => matches(x, action))) : undefined;
    return { ...(p ? { product: p } : {}), ...(a ? { action: a } : {}) };
  }
}
