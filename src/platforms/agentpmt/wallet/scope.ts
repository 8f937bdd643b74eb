import { pathSegmentProblem } from '../../../core/shared/path-segment.js';
// What the signed message binds a request to, besides wallet, nonce and request id
// (contracts §2). Kept as data so the message text is produced in one place only.
export type SigningScope =
  | { shape: 'scoped'; action: string; product: string /* id or '-' */; payload: Record<string, unknown> | null }
  | { shape: 'path'; method: 'POST'; path: string; payload: Record<string, unknown> };

export type InvokePathVariant = 'external' | 'api';

// (decided, contracts §2) "hash of {a, b}" means only the listed fields the body really
// carries: an omitted optional field must not appear, or the hash would not match what
// the server rebuilds from the received JSON (where undefined members never arrive).
// `null` marks the endpoints whose payload line is empty.
export function pickPayload(
  body: Record<string, unknown>,
  fields: readonly string[] | null,
): Record<string, unknown> | null {
  if (fields === null) return null;
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    if (Object.hasOwn(body, field) && body[field] !== undefined) {
      picked[field] = body[field];
    }
  }
  return picked;
}

// The signed path drops host and the `/api` prefix; the 'api' variant exists only to
// retry with a form the server says it accepts in a signature error (never a text it sent).
export function invokePath(productSlug: string, actionSlug: string, variant: InvokePathVariant = 'external'): string {
  const product = encodePathSegment(productSlug, 'product slug');
  const action = encodePathSegment(actionSlug, 'action slug');
  const prefix = variant === 'api' ? '/api' : '';
  return `${prefix}/external/tools/${product}/actions/${action}/invoke`;
}

export function encodePathSegment(value: string, label = 'path segment'): string {
  if (typeof value !== 'string') throw new Error(`${label} must be a string`);
  const problem = pathSegmentProblem(value);
  if (problem) throw new Error(`${label} ${problem}`);
  return encodeURIComponent(value);
}
