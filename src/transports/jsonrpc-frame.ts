// The JSON-RPC framing facts every transport needs, without the SDK's schemas (jsonrpc-check.ts):
// the stdio front answers initialize before those load.

/** What to answer a message the SDK would drop without a reply (or answer with -32603). */
export interface RpcProblem {
  code: number;
  message: string;
  /** The request's own id when it could be read, else null (JSON-RPC 2.0 §5). */
  id: string | number | null;
  /** False for a notification with bad params: notifications are never answered. */
  reply: boolean;
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

export function isRequestId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The id of a message too large to parse, read from its first bytes: the top-level
 * "id" member when it comes before the data that made the message large (clients put
 * it first), so the client can match the refusal to its request.
 */
export function leadingId(prefix: string): string | number | null {
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < prefix.length) {
    const c = prefix[i]!;
    if (c === '"') {
      const end = stringEnd(prefix, i);
      if (end < 0) return null;
      if (depth === 1 && expectKey) {
        const key = prefix.slice(i + 1, end);
        let j = end + 1;
        while (/\s/.test(prefix[j] ?? '')) j++;
        if (prefix[j] !== ':') return null;
        j++;
        while (/\s/.test(prefix[j] ?? '')) j++;
        if (key === 'id') {
          if (prefix[j] === '"') {
            const e = stringEnd(prefix, j);
            if (e < 0) return null;
            try {
              return JSON.parse(prefix.slice(j, e + 1)) as string;
            } catch {
              return null;
            }
          }
          const num = /^-?\d+(?=[\s,}])/.exec(prefix.slice(j));
          return num ? Number(num[0]) : null;
        }
        expectKey = false;
        i = j;
        continue;
      }
      i = end + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return null;
}

function stringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}
