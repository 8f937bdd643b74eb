import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';

/**
 * The SDK's JSON Schema validator (ajv), loaded on first need. The SDK builds one in every
 * Server and Client it constructs, which would put ajv (about a quarter of a start-up's
 * code) into every launch; the shipped bundle leaves the SDK's default out
 * (scripts/bundle.mjs), so everything that constructs a Server or Client passes this one.
 * The server needs it only to check an elicitation answer: `ready()` is awaited first.
 */
let loaded: jsonSchemaValidator | undefined;
let loading: Promise<jsonSchemaValidator> | undefined;

export function jsonSchemaValidatorReady(): Promise<jsonSchemaValidator> {
  loading ??= import('@modelcontextprotocol/sdk/validation/ajv').then(
    (m) => (loaded = new m.AjvJsonSchemaValidator()),
    (err: unknown) => {
      loading = undefined; // a later call may try again
      throw err;
    },
  );
  return loading;
}

export const lazyJsonSchemaValidator: jsonSchemaValidator = {
  getValidator(schema) {
    if (!loaded) throw new Error('internal: the JSON Schema validator is used before jsonSchemaValidatorReady() resolved');
    return loaded.getValidator(schema);
  },
};
