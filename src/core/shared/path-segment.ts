import { z } from 'zod';

// Ids and slugs go into URL paths and into signed message lines (contracts §2, §7).
// Anything that could change which route is hit ('/', '\', dot segments that URL
// normalization collapses) or smuggle an extra line into a signed message (control
// characters, including the C1 range and the Unicode line separators) is refused.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// A lone UTF-16 surrogate has no UTF-8 form: encodeURIComponent throws on it (URI malformed)
// and a signed message could not carry it either.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `value` cannot be a path segment, or undefined when it can. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.includes('/') || value.includes('\\')) return "must be a single id: no '/' or '\\'";
  if (value.includes('..') || value === '.') return "must be an id, not '.' or '..'";
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it contains a lone UTF-16 surrogate)';
  return undefined;
}

/** A zod string for an id that goes into a URL path: refused before any request when it could change which resource the path names. */
export function pathSegmentArg(description: string) {
  return z
    .string()
    .max(200, 'must be at most 200 characters')
    .superRefine((v, ctx) => {
      const problem = pathSegmentProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description);
}
