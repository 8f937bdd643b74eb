import { z } from 'zod';
import type { ToolFailure } from './errors.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Past this a pattern is noise to the model (zod's ISO date regex is ~300 characters); `format` says the same. */
const MAX_PATTERN_CHARS = 100;

/**
 * Rewrites one JSON Schema node into the subset every host we know of accepts
 * (JSON Schema 2020-12, Gemini's function declarations, OpenAI function calling):
 * no `$schema`, no `propertyNames` or `additionalProperties`, no exclusive bounds, no numeric `const` unions,
 * no empty `properties`, no long patterns. Validation stays with our zod schema, so a
 * looser advertised schema never lets bad input through.
 */
function portable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(portable);
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    // additionalProperties: Gemini does not take it, and leaving it out means "anything", as a record wants.
    if (k === '$schema' || k === 'propertyNames' || k === 'additionalProperties') continue;
    out[k] = k === 'properties' && isObj(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, portable(s)])) : portable(v);
  }
  const integer = out.type === 'integer';
  if (typeof out.exclusiveMinimum === 'number') {
    if (out.minimum === undefined) out.minimum = integer ? out.exclusiveMinimum + 1 : out.exclusiveMinimum;
    delete out.exclusiveMinimum;
  }
  if (typeof out.exclusiveMaximum === 'number') {
    if (out.maximum === undefined) out.maximum = integer ? out.exclusiveMaximum - 1 : out.exclusiveMaximum;
    delete out.exclusiveMaximum;
  }
  // Bounds that say nothing (zod's safe-integer range) or little (a 200-character cap on an id)
  // cost tokens in every listing; zod still enforces them.
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (typeof out.maxLength === 'number' && out.maxLength >= 200) delete out.maxLength;
  if (out.minLength === 1) delete out.minLength;
  if (typeof out.pattern === 'string' && (out.format !== undefined || out.pattern.length > MAX_PATTERN_CHARS)) delete out.pattern;
  // Gemini knows only date-time among string formats: the others move into the description.
  if (typeof out.format === 'string' && !(out.type === 'string' && out.format === 'date-time')) {
    const words: Record<string, string> = { date: 'YYYY-MM-DD', uri: 'URL', url: 'URL', email: 'email' };
    const word = words[out.format] ?? out.format;
    const description = typeof out.description === 'string' ? out.description : '';
    if (!description.toLowerCase().includes(word.toLowerCase())) out.description = `${description}${description ? ' ' : ''}(${out.format === 'uri' ? 'a URL' : out.format === 'email' ? 'an email address' : word})`;
    delete out.format;
  }
  // A union of literals becomes one enum (Gemini's converters mangle numeric const unions).
  const alts = out.anyOf ?? out.oneOf;
  if (Array.isArray(alts) && alts.length > 0 && alts.every((a) => isObj(a) && 'const' in a && Object.keys(a).every((x) => x === 'const' || x === 'type'))) {
    const values = alts.map((a) => (a as Json).const);
    const kinds = new Set(values.map((v) => typeof v));
    if (kinds.size === 1) {
      delete out.anyOf;
      delete out.oneOf;
      out.type = kinds.has('number') ? (values.every((v) => Number.isInteger(v)) ? 'integer' : 'number') : kinds.has('string') ? 'string' : 'boolean';
      // Gemini takes enums of strings only: numbers keep their type, the description names the values.
      if (kinds.has('string')) out.enum = values;
    }
  }
  if (Array.isArray(out.enum) && out.enum.some((v) => typeof v !== 'string')) {
    if (out.enum.every((v) => typeof v === 'number')) delete out.enum;
  }
  if (isObj(out.properties) && Object.keys(out.properties).length === 0) delete out.properties;
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return out;
}

/** The JSON Schema a host sees for a tool's arguments. */
export function portableInputSchema(schema: z.ZodType): Json {
  const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  const out = portable(raw) as Json;
  out.type = 'object';
  return out;
}

/** Portable form of a JSON Schema that did not come from zod (a marketplace action's own schema). */
export function portableJsonSchema(schema: Json): Json {
  return portable(schema) as Json;
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const expectedName = (e: string): string => ({ record: 'an object', object: 'an object', array: 'an array', string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false' })[e] ?? e;

function valueAt(args: unknown, path: readonly PropertyKey[]): unknown {
  let v = args;
  for (const p of path) v = isObj(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let last = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, last + (a[i - 1] === b[j - 1] ? 0 : 1));
      last = keep;
    }
  }
  return prev[b.length]!;
}

/** The closest names to `wanted` (at most three), close enough to be a plausible typo or near-synonym. */
export function closest(wanted: string, names: Iterable<string>, max = 3): string[] {
  const w = wanted.toLowerCase();
  return [...names]
    .map((n) => ({ n, d: n.toLowerCase().includes(w) || w.includes(n.toLowerCase()) ? 1 : distance(w, n.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(wanted.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, max)
    .map((x) => x.n);
}

export interface ArgumentProblem {
  field: string;
  problem: string;
  allowed?: unknown[];
}

/** One zod issue in words a model acts on: the field, what is wrong, what is allowed. */
function problemOf(issue: z.core.$ZodIssue, args: unknown, known: readonly string[]): ArgumentProblem[] {
  const field = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
  const got = valueAt(args, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (got === undefined) return [{ field, problem: 'is required' }];
      return [{ field, problem: `must be ${expectedName(issue.expected)}, got ${kindOf(got)}` }];
    case 'invalid_value':
      return [{ field, problem: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, allowed: issue.values }];
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const near = closest(k, known, 1);
        return { field: k, problem: `is not an argument of this tool${near.length ? ` (did you mean ${near[0]}?)` : ''}` };
      });
    case 'too_small':
      return [{ field, problem: issue.origin === 'string' ? `must be at least ${String(issue.minimum)} characters` : issue.origin === 'array' ? `must have at least ${String(issue.minimum)} items` : `must be at least ${String(issue.minimum)}${issue.inclusive === false ? ' (exclusive)' : ''}` }];
    case 'too_big':
      return [{ field, problem: issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : issue.origin === 'array' ? `must have at most ${String(issue.maximum)} items` : `must be at most ${String(issue.maximum)}` }];
    default:
      return [{ field, problem: issue.message.replace(/^Invalid input: /, '') }];
  }
}

/** Argument validation failures in the house error format, with structured problems for the model. */
export function argumentFailure(tool: string, error: z.ZodError, args: unknown, known: readonly string[]): ToolFailure {
  const unknown = isObj(args) ? Object.keys(args).filter((k) => !known.includes(k)) : [];
  const problems = error.issues.flatMap((i) => problemOf(i, args, known));
  // A missing argument next to an unknown one is usually a misspelling: say which.
  for (const p of problems) {
    if (p.problem !== 'is required') continue;
    const near = closest(p.field, unknown, 1);
    if (near.length) p.problem = `is required (you passed ${near[0]}: did you mean ${p.field}?)`;
  }
  const fields = [...new Set(problems.map((p) => p.field))];
  return {
    code: 'invalid_argument',
    message: `Invalid arguments for ${tool}: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`,
    next_step: `Fix ${fields.join(', ')} and call ${tool} again; nothing was sent to the platform.`,
    details: { problems },
  };
}

/**
 * Whether OpenAI's strict function calling would take a tool's input schema as listed:
 * every object closed (additionalProperties false) and every property required. We list
 * the portable form instead; strict hosts convert schemas themselves. Reported, not enforced.
 */
export function openAiStrictCompatible(schema: unknown): boolean {
  const walk = (node: unknown): boolean => {
    if (!isObj(node)) return true;
    if (node.type === 'object') {
      if (node.additionalProperties !== false) return false;
      const props = isObj(node.properties) ? Object.keys(node.properties) : [];
      const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
      if (props.some((p) => !required.has(p))) return false;
    }
    const kids = [...(isObj(node.properties) ? Object.values(node.properties) : []), node.items, ...(['anyOf', 'oneOf', 'allOf'] as const).flatMap((k) => (Array.isArray(node[k]) ? (node[k] as unknown[]) : []))];
    return kids.every(walk);
  };
  return walk(schema);
}
