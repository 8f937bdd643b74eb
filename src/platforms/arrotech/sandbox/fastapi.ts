import { HttpError, isPlainObject, json } from '../../../sandbox-kit/http.js';

/** FastAPI's answers, as the backend gives them: `{detail}` errors and 422 lists naming the field. */
export const detail = (status: number, message: string, headers?: Record<string, string>) => json(status, { detail: message }, headers);
export const iso = (ms: number) => new Date(ms).toISOString();

export function invalid(loc: (string | number)[], msg: string, type: string, input: unknown): never {
  throw new HttpError(json(422, { detail: [{ type, loc, msg, input: input ?? null }] }));
}

/** FastAPI's body validation for the few types the routes use. */
export function field(body: Record<string, unknown>, name: string, kind: 'str' | 'dict' | 'int' | 'list' | 'bool', required: boolean): unknown {
  const v = body[name];
  if (v === undefined || (v === null && required)) {
    if (required) invalid(['body', name], 'Field required', 'missing', body);
    return undefined;
  }
  if (v === null) return undefined;
  const ok =
    kind === 'str' ? typeof v === 'string' : kind === 'dict' ? isPlainObject(v) : kind === 'list' ? Array.isArray(v) : kind === 'bool' ? typeof v === 'boolean' : typeof v === 'number' ? Number.isInteger(v) : typeof v === 'string' && /^-?\d+$/.test(v);
  if (!ok) {
    const [msg, type] =
      kind === 'str' ? ['Input should be a valid string', 'string_type'] : kind === 'dict' ? ['Input should be a valid dictionary', 'dict_type'] : kind === 'list' ? ['Input should be a valid list', 'list_type'] : kind === 'bool' ? ['Input should be a valid boolean', 'bool_type'] : ['Input should be a valid integer, unable to parse string as an integer', 'int_parsing'];
    invalid(['body', name], msg, type, v);
  }
  return kind === 'int' ? Number(v) : v;
}

export function intParam(params: Record<string, string>, name: string): number {
  const raw = params[name]!;
  if (!/^\d+$/.test(raw)) invalid(['path', name], 'Input should be a valid integer, unable to parse string as an integer', 'int_parsing', raw);
  return Number(raw);
}
