import os from 'node:os';
import path from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { withInMemoryClient } from '../helpers.js';
import { openAiStrictCompatible } from '../../src/core/tool-schema.js';
import { PLATFORMS } from '../../src/platforms/index.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every tool of every platform, every toolset on: what any host could be handed. */
function everyTool(): Promise<Tool[]> {
  const env = { AGENTPMT_PLATFORMS: PLATFORMS.map((p) => p.id).join(','), AGENTPMT_TOOLSETS: 'all', AGENTPMT_HOME: path.join(os.tmpdir(), 'agentpmt-portability') };
  return withInMemoryClient(env, async (client) => (await client.listTools()).tools);
}

/** Walks every subschema with its path. */
function* nodes(schema: unknown, at = '#'): Generator<[string, Json]> {
  if (!isObj(schema)) return;
  yield [at, schema];
  if (isObj(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) yield* nodes(v, `${at}/properties/${k}`);
  if (isObj(schema.items)) yield* nodes(schema.items, `${at}/items`);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(schema[key])) for (const [i, v] of (schema[key] as unknown[]).entries()) yield* nodes(v, `${at}/${key}/${i}`);
}

/** JSON Schema 2020-12: ajv's 2020 dialect in strict mode compiles it (unknown keywords, bad types and wrong shapes fail). */
function draft2020Problems(schema: unknown): string[] {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, validateFormats: false });
  try {
    ajv.compile(schema as object);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

// Gemini's function declarations take an OpenAPI 3.0 subset (ai.google.dev, "Schema" of FunctionDeclaration).
const GEMINI_KEYS = new Set(['type', 'format', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum', 'title']);
const GEMINI_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
const GEMINI_FORMATS: Record<string, string[]> = { string: ['enum', 'date-time'], number: ['float', 'double'], integer: ['int32', 'int64'] };

function geminiProblems(schema: unknown): string[] {
  const out: string[] = [];
  for (const [at, node] of nodes(schema)) {
    for (const k of Object.keys(node)) if (!GEMINI_KEYS.has(k)) out.push(`${at}: keyword ${k}`);
    if (node.type !== undefined && !(typeof node.type === 'string' && GEMINI_TYPES.has(node.type))) out.push(`${at}: type ${JSON.stringify(node.type)}`);
    if (node.enum !== undefined && !(Array.isArray(node.enum) && node.enum.every((v) => typeof v === 'string'))) out.push(`${at}: enum of non-strings`);
    if (isObj(node.properties) && Object.keys(node.properties).length === 0) out.push(`${at}: empty properties`);
    if (typeof node.format === 'string' && !(GEMINI_FORMATS[String(node.type)] ?? []).includes(node.format)) out.push(`${at}: format ${node.format}`);
  }
  return out;
}

/** OpenAI function calling (non-strict): an object at the top, no top-level combinators, a name it accepts. */
function openAiProblems(tool: Tool): string[] {
  const out: string[] = [];
  const s = tool.inputSchema as Json;
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) out.push(`name ${tool.name}`);
  if (s.type !== 'object') out.push('top-level type is not object');
  for (const k of ['anyOf', 'oneOf', 'allOf', 'enum', 'not']) if (k in s) out.push(`top-level ${k}`);
  if ((tool.description ?? '').length > 1024) out.push(`description ${tool.description!.length} chars (> 1024)`);
  return out;
}

const openAiStrictOk = (tool: Tool): boolean => openAiStrictCompatible(tool.inputSchema);

describe('tool schemas travel to every host', () => {
  it('every tool of every platform: JSON Schema 2020-12, the Gemini subset, OpenAI function calling (non-strict); OpenAI strict is reported', async () => {
    const tools = await everyTool();
    expect(tools.length).toBeGreaterThan(30);
    const report = tools.map((t) => ({ tool: t.name, draft2020: draft2020Problems(t.inputSchema), gemini: geminiProblems(t.inputSchema), openai: openAiProblems(t) }));
    expect(report.filter((r) => r.draft2020.length)).toEqual([]);
    expect(report.filter((r) => r.gemini.length)).toEqual([]);
    expect(report.filter((r) => r.openai.length)).toEqual([]);
    for (const t of tools) expect(JSON.stringify(t.inputSchema), t.name).not.toContain('$schema');
    const strict = tools.filter(openAiStrictOk).length;
    process.stderr.write(`schema portability: ${tools.length} tools; 2020-12 ${tools.length}/${tools.length}, Gemini ${tools.length}/${tools.length}, OpenAI non-strict ${tools.length}/${tools.length}, OpenAI strict as listed ${strict}/${tools.length} (${Math.round((100 * strict) / tools.length)} %)\n`);
  });

  it('the rules catch what hosts reject (each checker fails on a known-bad schema)', () => {
    const draft07 = { type: 'object', properties: { a: { type: 'number', exclusiveMinimum: true } } };
    expect(draft2020Problems(draft07).length).toBeGreaterThan(0);
    expect(geminiProblems({ type: 'object', properties: {} })).toEqual(['#: empty properties']);
    expect(geminiProblems({ type: 'object', properties: { c: { anyOf: [{ type: 'number', const: 1 }] }, d: { type: 'object', propertyNames: { type: 'string' } }, e: { type: 'integer', enum: [1, 2] } } })).toEqual([
      '#/properties/c/anyOf/0: keyword const',
      '#/properties/d: keyword propertyNames',
      '#/properties/e: enum of non-strings',
    ]);
    expect(openAiProblems({ name: 'bad name', inputSchema: { type: 'object', anyOf: [] } } as unknown as Tool)).toEqual(['name bad name', 'top-level anyOf']);
    expect(openAiStrictOk({ name: 'x', inputSchema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } } as Tool)).toBe(true);
  });
});

describe('what the default listing costs', () => {
  it('AgentPMT default tools/list stays within 5,000 tokens (JSON characters / 4), output schemas included', async () => {
    const tools = await withInMemoryClient({ AGENTPMT_HOME: path.join(os.tmpdir(), 'agentpmt-portability') }, async (client) => (await client.listTools()).tools);
    expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
    const tokens = Math.round(JSON.stringify(tools).length / 4);
    process.stderr.write(`default tools/list: ${tools.length} tools, ${tokens} tokens\n`);
    expect(tokens).toBeLessThanOrEqual(5_000);
  });
});
