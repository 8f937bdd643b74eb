import { HttpError, isPlainObject, json, parseJsonBody, type RequestContext } from "./http.js";

/** One entry of FastAPI's 422 `detail` array (pydantic v2 error shape). */
export interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export type Loc = Array<string | number>;

/** FastAPI reports every problem of a request at once, so helpers collect before throwing. */
export class Issues {
  readonly list: ValidationIssue[] = [];

  add(issue: ValidationIssue): void {
    this.list.push(issue);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw validationError(this.list);
  }
}

export function validationError(issues: ValidationIssue[]): HttpError {
  return new HttpError(json(422, { detail: issues }));
}

export function httpException(status: number, detail: string, headers?: Record<string, string>): HttpError {
  return new HttpError(json(status, { detail }, headers));
}

export const MSG = {
  missing: "Field required",
  stringType: "Input should be a valid string",
  intParsing: "Input should be a valid integer, unable to parse string as an integer",
  dictType: "Input should be a valid dictionary",
  modelAttributes: "Input should be a valid dictionary or object to extract fields from",
} as const;

export function missing(loc: Loc, input: unknown): ValidationIssue {
  return { type: "missing", loc, msg: MSG.missing, input };
}

/**
 * Reads a required JSON object body the way FastAPI does for a pydantic model parameter:
 * empty → missing, undecodable → json_invalid, non-object → model_attributes_type.
 */
export function readJsonObjectBody(ctx: RequestContext): Record<string, unknown> {
  const parsed = parseJsonBody(ctx.body, ctx.headers["content-type"]);
  switch (parsed.kind) {
    case "empty":
      throw validationError([missing(["body"], null)]);
    case "invalid":
      throw validationError([
        { type: "json_invalid", loc: ["body", parsed.position], msg: "JSON decode error", input: {}, ctx: { error: parsed.reason } },
      ]);
    case "not_json":
      throw validationError([{ type: "model_attributes_type", loc: ["body"], msg: MSG.modelAttributes, input: parsed.text }]);
    case "json":
      if (!isPlainObject(parsed.value)) {
        throw validationError([{ type: "model_attributes_type", loc: ["body"], msg: MSG.modelAttributes, input: parsed.value }]);
      }
      return parsed.value;
  }
}

/** A `str` model field: pydantic v2 does not coerce numbers to strings; `Optional[str]` accepts null. */
export function stringField(
  obj: Record<string, unknown>,
  key: string,
  loc: Loc,
  issues: Issues,
  required: boolean,
): string | undefined {
  const value = obj[key];
  if (value === undefined || (!required && value === null)) {
    if (required) issues.add(missing([...loc, key], obj));
    return undefined;
  }
  if (typeof value !== "string") {
    issues.add({ type: "string_type", loc: [...loc, key], msg: MSG.stringType, input: value });
    return undefined;
  }
  return value;
}

/** A `dict` model field. */
export function objectField(
  obj: Record<string, unknown>,
  key: string,
  loc: Loc,
  issues: Issues,
  required: boolean,
): Record<string, unknown> | undefined {
  const value = obj[key];
  if (value === undefined || (!required && value === null)) {
    if (required) issues.add(missing([...loc, key], obj));
    return undefined;
  }
  if (!isPlainObject(value)) {
    issues.add({ type: "dict_type", loc: [...loc, key], msg: MSG.dictType, input: value });
    return undefined;
  }
  return value;
}

/**
 * An `int` query or header parameter with optional `ge`/`le` bounds. Raw values are strings,
 * and pydantic's lax mode only accepts plain decimal integers from them.
 */
export function intParam(
  raw: string | undefined,
  loc: Loc,
  issues: Issues,
  bounds: { ge?: number; le?: number } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    issues.add({ type: "int_parsing", loc, msg: MSG.intParsing, input: raw });
    return undefined;
  }
  const value = Number(trimmed);
  if (bounds.ge !== undefined && value < bounds.ge) {
    issues.add({
      type: "greater_than_equal",
      loc,
      msg: `Input should be greater than or equal to ${bounds.ge}`,
      input: raw,
      ctx: { ge: bounds.ge },
    });
    return undefined;
  }
  if (bounds.le !== undefined && value > bounds.le) {
    issues.add({
      type: "less_than_equal",
      loc,
      msg: `Input should be less than or equal to ${bounds.le}`,
      input: raw,
      ctx: { le: bounds.le },
    });
    return undefined;
  }
  return value;
}

/** Starlette keeps the last value of a repeated query key for scalar parameters. */
export function lastQueryValue(query: URLSearchParams, key: string): string | undefined {
  const all = query.getAll(key);
  return all.length > 0 ? all[all.length - 1] : undefined;
}
