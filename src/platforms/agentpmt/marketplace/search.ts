import type { MarketProduct } from './catalog-cache.js';

const words = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1);

/**
 * Ranks products for a query: whole-phrase hits in the name beat word hits,
 * names beat categories beat descriptions. Simple, predictable, explainable.
 */
export function rankProducts(products: readonly MarketProduct[], query: string, categories: readonly string[] = []): MarketProduct[] {
  const cats = categories.map((c) => c.toLowerCase());
  const pool = cats.length ? products.filter((p) => cats.includes(p.category.toLowerCase())) : [...products];
  const q = query.trim().toLowerCase();
  if (!q) return pool;
  const terms = words(q);
  const scored = pool.map((p) => {
    const name = `${p.display_name} ${p.name} ${p.slug}`.toLowerCase();
    const actions = p.actions.map((a) => `${a.slug} ${a.name} ${a.description}`).join(' ').toLowerCase();
    let score = name.includes(q) ? 20 : 0;
    for (const t of terms) {
      if (words(name).includes(t)) score += 6;
      else if (name.includes(t)) score += 3;
      if (p.category.toLowerCase().includes(t)) score += 3;
      if (words(p.description).includes(t)) score += 2;
      if (words(actions).includes(t)) score += 1;
    }
    return { p, score };
  });
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.p.slug.localeCompare(b.p.slug))
    .map((s) => s.p);
}

export function oneLine(text: string, max = 140): string {
  const first = text.split(/(?<=[.!?])\s|\n/)[0] ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
