import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RuntimeContext } from '../context.js';
import { log } from '../../../core/log.js';
import { oneLine } from './search.js';

export interface PinnedAction {
  name: string;
  title: string;
  description: string;
  product: string;
  action: string;
  /** The action's schema made portable (no $ref/$defs, no top-level combinators). */
  jsonSchema: Record<string, unknown>;
  input: z.ZodType;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A tool name every host accepts: [A-Za-z0-9_-], at most 64 characters, stable for the same pin. */
export function pinToolName(product: string, action: string): string {
  const raw = `${product}_${action}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (raw.length <= 64) return raw;
  return `${raw.slice(0, 55)}_${createHash('sha256').update(raw).digest('hex').slice(0, 8)}`;
}

function resolveRefs(node: unknown, root: Json, depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, root, depth));
  if (!isObj(node)) return node;
  if (typeof node.$ref === 'string') {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(node.$ref);
    const defs = m ? (root[m[1]!] as Json | undefined) : undefined;
    const target = m && defs ? defs[decodeURIComponent(m[2]!)] : undefined;
    // Recursive or external refs cannot be inlined: fall back to "any object", the validator still checks the real schema.
    if (!isObj(target) || depth > 8) return { type: 'object', description: 'See marketplace_describe for this field.' };
    const { $ref: _drop, ...rest } = node;
    return resolveRefs({ ...target, ...rest }, root, depth + 1);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== '$defs' && k !== 'definitions' && k !== '$schema' && k !== '$id') out[k] = resolveRefs(v, root, depth);
  return out;
}

/**
 * The action's schema in the subset every MCP host accepts. Top-level anyOf /
 * oneOf / allOf are merged into one object (the union of properties; required
 * only where every branch requires it, or any branch for allOf). The exact
 * schema is still enforced by the validator at call time.
 */
export function portableSchema(schema: Json): Json {
  const inlined = resolveRefs(schema, schema, 0) as Json;
  const combinator = (['allOf', 'anyOf', 'oneOf'] as const).find((k) => Array.isArray(inlined[k]));
  let out: Json = inlined;
  if (combinator) {
    const branches = (inlined[combinator] as unknown[]).filter(isObj);
    const properties: Json = { ...(isObj(inlined.properties) ? inlined.properties : {}) };
    const requiredSets = branches.map((b) => new Set(Array.isArray(b.required) ? b.required.map(String) : []));
    for (const b of branches) if (isObj(b.properties)) Object.assign(properties, b.properties);
    const base = new Set(Array.isArray(inlined.required) ? inlined.required.map(String) : []);
    const required = combinator === 'allOf' ? [...base, ...requiredSets.flatMap((s) => [...s])] : [...base, ...[...(requiredSets[0] ?? [])].filter((r) => requiredSets.every((s) => s.has(r)))];
    const { allOf: _a, anyOf: _b, oneOf: _c, ...rest } = inlined;
    out = { ...rest, type: 'object', properties, ...(required.length ? { required: [...new Set(required)] } : {}) };
  }
  return { ...out, type: 'object', properties: isObj(out.properties) ? out.properties : {} };
}

/**
 * Resolves AGENTPMT_PIN at start-up (hosts like Claude Desktop ignore
 * tools/list_changed, so later is too late). An unknown pin is a warning.
 */
export async function resolvePins(ctx: RuntimeContext, pins: readonly string[]): Promise<PinnedAction[]> {
  if (!pins.length) return [];
  let products;
  try {
    products = await ctx.market.get(ctx);
  } catch (err) {
    log.warn('could not load the marketplace to resolve AGENTPMT_PIN; pinned tools are not available this run', { error: err instanceof Error ? err.message : String(err) });
    return [];
  }
  const out: PinnedAction[] = [];
  for (const pin of pins) {
    const [productSlug, actionSlug] = pin.split('/') as [string, string];
    const product = products.find((p) => p.slug === productSlug) ?? products.find((p) => p.aliases.includes(productSlug));
    const action = product?.actions.find((a) => a.slug === actionSlug) ?? product?.actions.find((a) => a.aliases.includes(actionSlug));
    if (!product || !action) {
      log.warn(`AGENTPMT_PIN: unknown marketplace action "${pin}", skipped`, { hint: product ? `actions of ${product.slug}: ${product.actions.map((a) => a.slug).join(', ')}` : 'find slugs with marketplace_search' });
      continue;
    }
    const jsonSchema = portableSchema(action.parameters);
    let input: z.ZodType;
    try {
      input = z.fromJSONSchema(jsonSchema as never) as z.ZodType;
    } catch (err) {
      log.warn(`AGENTPMT_PIN: the schema of "${pin}" cannot be exposed as a tool, skipped`, { error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    out.push({
      name: pinToolName(product.slug, action.slug),
      title: `${product.display_name}: ${action.name}`,
      description: `${oneLine(action.description, 300)} (${product.display_name}, AgentPMT marketplace; costs ${action.price_usd} USD per call, paid from the wallet's credits; parameters are checked before anything is paid.)`,
      product: product.slug,
      action: action.slug,
      jsonSchema,
      input,
    });
  }
  return out;
}
