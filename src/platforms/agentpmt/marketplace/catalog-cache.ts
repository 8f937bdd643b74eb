import type { Config } from '../../../config.js';
import { log } from '../../../core/log.js';

/** Reads one page of a catalog listing: the public external catalog, or the budget's own tools (account). */
export type ListingPage<Ctx> = (listing: 'external' | 'account', page: number, ctx: Ctx) => Promise<unknown>;

export interface MarketAction {
  slug: string;
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  price_credits: number;
  price_usd: number;
  examples?: unknown[];
}

export interface MarketProduct {
  product_id: string;
  slug: string;
  name: string;
  display_name: string;
  description: string;
  category: string;
  actions: MarketAction[];
  payment_options: string[];
}

const TTL_MS = 5 * 60_000;
const MAX_PRODUCTS = 10_000;
const MAX_PAGES = 50;

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function normalizeAction(a: Record<string, unknown>): MarketAction {
  const credits = num(a.price_credits ?? a.price);
  return {
    slug: str(a.slug, str(a.name)),
    name: str(a.name, str(a.slug)),
    description: str(a.description),
    parameters: (a.parameters && typeof a.parameters === 'object' ? a.parameters : { type: 'object', properties: {} }) as Record<string, unknown>,
    price_credits: credits,
    price_usd: typeof a.price_usd === 'number' ? a.price_usd : credits / 100,
    ...(Array.isArray(a.examples) ? { examples: a.examples } : {}),
  };
}

function normalizeProduct(p: Record<string, unknown>): MarketProduct {
  return {
    product_id: str(p.product_id),
    slug: str(p.slug, str(p.name)),
    name: str(p.name),
    display_name: str(p.display_name, str(p.name)),
    description: str(p.description),
    category: str(p.category),
    actions: (Array.isArray(p.actions) ? p.actions : []).filter((a): a is Record<string, unknown> => !!a && typeof a === 'object').map(normalizeAction),
    payment_options: Array.isArray(p.payment_options) ? p.payment_options.map(String) : [],
  };
}

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
      const json = ((await this.readPage(account ? 'account' : 'external', page, ctx)) ?? {}) as { tools?: unknown[]; pagination?: { has_more?: boolean; has_next?: boolean } };
      for (const t of json.tools ?? []) if (t && typeof t === 'object') out.push(normalizeProduct(t as Record<string, unknown>));
      if (out.length >= MAX_PRODUCTS) {
        log.warn('marketplace catalog truncated', { kept: MAX_PRODUCTS });
        out.length = MAX_PRODUCTS;
        break;
      }
      if (!(json.pagination?.has_more ?? json.pagination?.has_next)) break;
    }
    this.products = out;
    this.fetchedAt = this.now();
    return out;
  }

  async find(ctx: Ctx, product: string, action?: string): Promise<{ product?: MarketProduct; action?: MarketAction }> {
    const all = await this.get(ctx);
    const p = all.find((x) => x.slug === product || x.product_id === product || x.name === product);
    const a = p && action !== undefined ? p.actions.find((x) => x.slug === action || x.name === action) : undefined;
    return { ...(p ? { product: p } : {}), ...(a ? { action: a } : {}) };
  }
}
