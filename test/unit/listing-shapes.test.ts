import { describe, expect, it } from 'vitest';
import { normalizeListing } from '../../src/platforms/agentpmt/marketplace/catalog-cache.js';

const schema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

describe('marketplace listing read liberally (no response schema is published)', () => {
  it('the documented guess', () => {
    const [p] = normalizeListing({ tools: [{ product_id: 'p1', slug: 'web-search', name: 'web_search', actions: [{ slug: 'search', name: 'search', parameters: schema, price_credits: 5 }] }] });
    expect(p).toMatchObject({ product_id: 'p1', slug: 'web-search', aliases: expect.arrayContaining(['p1', 'web_search']) });
    expect(p!.actions[0]).toMatchObject({ slug: 'search', parameters: schema, schemaKnown: true, price_credits: 5, price_usd: 0.05 });
  });

  it.each([
    ['data.items, id, product_slug, functions, input_schema, USD only', { data: { items: [{ id: 'p1', product_slug: 'web-search', functions: [{ action_slug: 'search', input_schema: schema, price_usd: 0.05 }] }] } }],
    ['a bare array, actions keyed by slug, inputSchema, price in credits', [{ id: 'p1', slug: 'web-search', actions: { search: { inputSchema: schema, price: 5 } } }]],
    ['products, name-only actions, schema, nested price', { products: [{ product_id: 'p1', slug: 'web-search', tools: [{ name: 'search', schema, pricing: { usd: 0.05 } }] }] }],
  ])('%s', (_n, page) => {
    const [p] = normalizeListing(page);
    expect(p!.slug).toBe('web-search');
    expect(p!.aliases).toContain('p1');
    expect(p!.actions[0]).toMatchObject({ slug: 'search', parameters: schema, schemaKnown: true, price_credits: 5, price_usd: 0.05 });
  });

  it('an action without any schema key is marked unknown, not "no parameters"', () => {
    const [p] = normalizeListing({ tools: [{ slug: 'x', actions: [{ slug: 'run' }] }] });
    expect(p!.actions[0]!.schemaKnown).toBe(false);
  });

  it('garbage is an empty listing, not an exception', () => {
    for (const g of [null, 'text', 42, { tools: 'no' }, { data: { items: [null, 3] } }]) expect(normalizeListing(g)).toEqual([]);
  });
});
