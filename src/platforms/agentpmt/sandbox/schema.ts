import type { Loc, ValidationIssue } from "./fastapi.js";
import { isPlainObject } from "./http.js";

/** The JSON Schema subset the catalog publishes for action parameters, and enforces. */
export interface JsonSchema {
  type?: "string" | "integer" | "number" | "boolean" | "object" | "array" | "null";
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  enum?: Array<string | number | boolean>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: "email" | "uri" | "date" | "date-time";
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  examples?: unknown[];
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates `value` against `schema`, reporting pydantic-style issues so a purchase with bad
 * parameters fails like any other FastAPI validation error. Types are strict (JSON Schema
 * semantics): "5" is not an integer.
 */
export function validateValue(value: unknown, schema: JsonSchema, loc: Loc, issues: ValidationIssue[]): void {
  if (schema.enum) {
    if (!schema.enum.some((e) => e === value)) {
      const expected = describeChoices(schema.enum);
      issues.push({ type: "enum", loc, msg: `Input should be ${expected}`, input: value, ctx: { expected } });
    }
    return;
  }
  switch (schema.type) {
    case undefined:
      return;
    case "string":
      return validateString(value, schema, loc, issues);
    case "integer":
    case "number":
      return validateNumber(value, schema, loc, issues);
    case "boolean":
      if (typeof value !== "boolean") issues.push({ type: "bool_type", loc, msg: "Input should be a valid boolean", input: value });
      return;
    case "null":
      if (value !== null) issues.push({ type: "none_required", loc, msg: "Input should be None", input: value });
      return;
    case "array":
      return validateArray(value, schema, loc, issues);
    case "object":
      return validateObject(value, schema, loc, issues);
  }
}

function describeChoices(choices: Array<string | number | boolean>): string {
  const shown = choices.map((c) => (typeof c === "string" ? `'${c}'` : String(c)));
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

function validateString(value: unknown, schema: JsonSchema, loc: Loc, issues: ValidationIssue[]): void {
  if (typeof value !== "string") {
    issues.push({ type: "string_type", loc, msg: "Input should be a valid string", input: value });
    return;
  }
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    issues.push({
      type: "string_too_short",
      loc,
      msg: `String should have at least ${schema.minLength} character${schema.minLength === 1 ? "" : "s"}`,
      input: value,
      ctx: { min_length: schema.minLength },
    });
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    issues.push({
      type: "string_too_long",
      loc,
      msg: `String should have at most ${schema.maxLength} characters`,
      input: value,
      ctx: { max_length: schema.maxLength },
    });
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
    issues.push({
      type: "string_pattern_mismatch",
      loc,
      msg: `String should match pattern '${schema.pattern}'`,
      input: value,
      ctx: { pattern: schema.pattern },
    });
  }
  const formatProblem = schema.format ? checkFormat(schema.format, value) : undefined;
  if (formatProblem) issues.push({ ...formatProblem, loc, input: value });
}

function checkFormat(format: NonNullable<JsonSchema["format"]>, value: string): { type: string; msg: string } | undefined {
  switch (format) {
    case "email":
      return EMAIL_RE.test(value)
        ? undefined
        : { type: "value_error", msg: "value is not a valid email address: An email address must have an @-sign and a domain." };
    case "uri": {
      let ok = false;
      try {
        const url = new URL(value);
        ok = /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) && !/\s/.test(value);
      } catch {
        ok = false;
      }
      return ok ? undefined : { type: "url_parsing", msg: "Input should be a valid URL, relative URL without a base" };
    }
    case "date":
      return isCalendarDate(value)
        ? undefined
        : { type: "date_parsing", msg: "Input should be a valid date in the format YYYY-MM-DD" };
    case "date-time":
      return DATE_TIME_RE.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value))
        ? undefined
        : { type: "datetime_parsing", msg: "Input should be a valid datetime in ISO 8601 format with a timezone" };
  }
}

function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function validateNumber(value: unknown, schema: JsonSchema, loc: Loc, issues: ValidationIssue[]): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    issues.push(
      schema.type === "integer"
        ? { type: "int_type", loc, msg: "Input should be a valid integer", input: value }
        : { type: "float_type", loc, msg: "Input should be a valid number", input: value },
    );
    return;
  }
  if (schema.type === "integer" && !Number.isInteger(value)) {
    issues.push({ type: "int_from_float", loc, msg: "Input should be a valid integer, got a number with a fractional part", input: value });
    return;
  }
  if (schema.minimum !== undefined && value < schema.minimum) {
    issues.push({
      type: "greater_than_equal",
      loc,
      msg: `Input should be greater than or equal to ${schema.minimum}`,
      input: value,
      ctx: { ge: schema.minimum },
    });
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    issues.push({
      type: "less_than_equal",
      loc,
      msg: `Input should be less than or equal to ${schema.maximum}`,
      input: value,
      ctx: { le: schema.maximum },
    });
  }
}

function validateArray(value: unknown, schema: JsonSchema, loc: Loc, issues: ValidationIssue[]): void {
  if (!Array.isArray(value)) {
    issues.push({ type: "list_type", loc, msg: "Input should be a valid list", input: value });
    return;
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    issues.push({
      type: "too_short",
      loc,
      msg: `List should have at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"} after validation, not ${value.length}`,
      input: value,
      ctx: { field_type: "List", min_length: schema.minItems, actual_length: value.length },
    });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    issues.push({
      type: "too_long",
      loc,
      msg: `List should have at most ${schema.maxItems} items after validation, not ${value.length}`,
      input: value,
      ctx: { field_type: "List", max_length: schema.maxItems, actual_length: value.length },
    });
  }
  if (schema.items) {
    const itemSchema = schema.items;
    value.forEach((item, i) => validateValue(item, itemSchema, [...loc, i], issues));
  }
}

function validateObject(value: unknown, schema: JsonSchema, loc: Loc, issues: ValidationIssue[]): void {
  if (!isPlainObject(value)) {
    issues.push({ type: "dict_type", loc, msg: "Input should be a valid dictionary", input: value });
    return;
  }
  const properties = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) issues.push({ type: "missing", loc: [...loc, key], msg: "Field required", input: value });
  }
  for (const [key, child] of Object.entries(value)) {
    const propSchema = properties[key];
    if (propSchema) {
      validateValue(child, propSchema, [...loc, key], issues);
    } else if (schema.additionalProperties === false) {
      issues.push({ type: "extra_forbidden", loc: [...loc, key], msg: "Extra inputs are not permitted", input: child });
    }
  }
}

/** A value that satisfies `schema`; used for example calls so they can be pasted and succeed. */
export function sampleValue(schema: JsonSchema): unknown {
  if (schema.examples && schema.examples.length > 0) return schema.examples[0];
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case "string":
      return sampleString(schema);
    case "integer":
      return Math.max(schema.minimum ?? 1, Math.min(schema.maximum ?? 10, 10));
    case "number":
      return Math.max(schema.minimum ?? 0, Math.min(schema.maximum ?? 1.5, 1.5));
    case "boolean":
      return true;
    case "null":
      return null;
    case "array": {
      const count = Math.max(schema.minItems ?? 0, schema.items ? 1 : 0);
      const items = schema.items;
      return items ? Array.from({ length: Math.min(count, schema.maxItems ?? count) }, () => sampleValue(items)) : [];
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties ?? {})) out[key] = sampleValue(child);
      return out;
    }
    case undefined:
      return null;
  }
}

function sampleString(schema: JsonSchema): string {
  switch (schema.format) {
    case "email":
      return "agent@example.com";
    case "uri":
      return "https://example.com/resource";
    case "date":
      return "2025-01-15";
    case "date-time":
      return "2025-01-15T09:30:00Z";
    case undefined:
      break;
  }
  const base = "example";
  const min = schema.minLength ?? 0;
  const text = base.length >= min ? base : base.padEnd(min, "x");
  return schema.maxLength !== undefined ? text.slice(0, Math.max(schema.maxLength, min)) : text;
}
