import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';

// ajv and ajv-formats are about a quarter of the module files a start-up would load, and
// only marketplace_invoke's parameter check needs them: they load on the first check.
let ajvLoading: Promise<Ajv2020> | undefined;

async function loadAjv(): Promise<Ajv2020> {
  const [ajvModule, addFormatsModule] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
  // Both are CommonJS: Node gives import() their named exports (and the module object as default);
  // a bundle (npm run pack) may give only `default`. Accept either.
  const AjvClass = ajvModule.Ajv2020 ?? (ajvModule as unknown as { default: { Ajv2020: typeof ajvModule.Ajv2020 } }).default.Ajv2020;
  const mod = addFormatsModule.default as unknown as { default?: unknown };
  const addFormats = (mod.default ?? mod) as (a: Ajv2020) => void;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv;
}

function ajvInstance(): Promise<Ajv2020> {
  ajvLoading ??= loadAjv().catch((err: unknown) => {
    ajvLoading = undefined; // let a later call try again
    throw err;
  });
  return ajvLoading;
}

const compiled = new Map<string, ValidateFunction>();

function describe(e: ErrorObject): string {
  const where = `parameters${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'required') return `${where}.${String((e.params as { missingProperty: string }).missingProperty)}: required`;
  if (e.keyword === 'additionalProperties') return `${where}.${String((e.params as { additionalProperty: string }).additionalProperty)}: not allowed by the schema`;
  if (e.keyword === 'enum') return `${where}: must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  return `${where}: ${e.message ?? 'invalid'}`;
}

/** Checks parameters against an action's JSON Schema with a standard validator; returns one line per bad field. */
export async function validateParameters(key: string, schema: Record<string, unknown>, parameters: unknown): Promise<string[]> {
  let fn = compiled.get(key);
  if (!fn) {
    const ajv = await ajvInstance();
    fn = compiled.get(key); // another call may have compiled it meanwhile
    if (!fn) {
      try {
        fn = ajv.compile(schema);
      } catch (err) {
        return [`the action's schema could not be compiled (${(err as Error).message}); refusing to guess`];
      }
      compiled.set(key, fn);
    }
  }
  return fn(parameters) ? [] : (fn.errors ?? []).map(describe);
}
