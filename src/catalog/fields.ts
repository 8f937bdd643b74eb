import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * An id that goes into a URL path. Rejected here, before any request, when it
 * could change which resource the path names: '/', '\\', '..', control characters.
 */
export function pathSegment(description: string) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .refine((v) => !v.includes('/') && !v.includes('\\'), "must be a single id: no '/' or '\\'")
    .refine((v) => !v.includes('..') && v !== '.', "must be an id, not '.' or '..'")
    .refine((v) => !CONTROL.test(v), 'must not contain control characters')
    .describe(description);
}

export const httpsUrl = () =>
  z
    .string()
    .url('must be an absolute URL')
    .refine((v) => v.startsWith('https://'), 'must use https://');
