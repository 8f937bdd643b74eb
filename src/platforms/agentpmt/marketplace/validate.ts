import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

const compiled = new Map<string, ValidateFunction>();

function describe(e: ErrorObject): string {
  const where = `parameters${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'required') return `${where}.${String((e.params as { missingProperty: string }).missingProperty)}: required`;
  if (e.keyword === 'additionalProperties') return `${where}.${String((e.params as { additionalProperty: string }).additionalProperty)}: not allowed by the schema`;
  if (e.keyword === 'enum') return `${where}: must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  return `${where}: ${e.message ?? 'invalid'}`;
}

/** Checks parameters against an action's JSON Schema with a standard validator; returns one line per bad field. */
export function validateParameters(key: string, schema: Record<string, unknown>, parameters: unknown): string[] {
  let fn = compiled.get(key);
  if (!fn) {
    try {
      fn = ajv.compile(schema);
    } catch (err) {
      return [`the action's schema could not be compiled (${(err as Error).message}); refusing to guess`];
    }
    compiled.set(key, fn);
  }
  return fn(parameters) ? [] : (fn.errors ?? []).map(describe);
}
