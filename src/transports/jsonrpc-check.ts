import { ClientRequestSchema, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod/v4';

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

type AnySchema = z.ZodType;

/** Request schema per method, read from the SDK's own union so it follows the SDK. */
const REQUEST_SCHEMAS: ReadonlyMap<string, AnySchema> = (() => {
  const out = new Map<string, AnySchema>();
  for (const option of (ClientRequestSchema as unknown as { options: readonly { shape?: { method?: { value?: unknown } } }[] }).options) {
    const method = option.shape?.method?.value;
    if (typeof method === 'string') out.set(method, option as unknown as AnySchema);
  }
  return out;
})();

function describe(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const where = first.path.length ? first.path.map(String).join('.') : 'message';
  return `${where}: ${first.message}`;
}

export function isRequestId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Methods whose params the fast path may pass without the SDK schemas: none, or a tools/call checked below. */
const SIMPLE_METHODS = new Set(['ping', 'tools/list', 'resources/list', 'resources/templates/list', 'prompts/list', 'tools/call']);

/**
 * The shape nearly every message has, recognized without the zod schemas (which
 * cost a large part of a small call's CPU on a busy HTTP server); anything else
 * gets the full check below.
 */
function plainlyValid(msg: unknown): boolean {
  if (!isPlainObject(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string' || !isRequestId(msg.id)) return false;
  if (!SIMPLE_METHODS.has(msg.method)) return false;
  const params = msg.params;
  if (params === undefined) return msg.method !== 'tools/call';
  if (!isPlainObject(params)) return false;
  if (params._meta !== undefined && !isPlainObject(params._meta)) return false;
  if (msg.method !== 'tools/call') return true;
  return typeof params.name === 'string' && (params.arguments === undefined || isPlainObject(params.arguments));
}

/**
 * Checks one parsed JSON-RPC message the way the SDK will, so that every message
 * the SDK would silently drop gets an error reply instead: a client waiting on an
 * answer that never comes hangs until its own timeout.
 */
export function jsonRpcProblem(msg: unknown): RpcProblem | undefined {
  if (plainlyValid(msg)) return undefined;
  if (Array.isArray(msg)) return { code: INVALID_REQUEST, message: 'Invalid Request: batch arrays are not supported; send one JSON-RPC message per line', id: null, reply: true };
  if (msg === null || typeof msg !== 'object') return { code: INVALID_REQUEST, message: 'Invalid Request: a message must be a JSON object', id: null, reply: true };
  const m = msg as Record<string, unknown>;
  const id = isRequestId(m.id) ? m.id : null;
  const parsed = JSONRPCMessageSchema.safeParse(msg);
  if (!parsed.success) {
    const why = 'id' in m && id === null ? 'id: must be a string or an integer' : m.jsonrpc !== '2.0' ? 'jsonrpc: must be "2.0"' : typeof m.method !== 'string' && !('result' in m) && !('error' in m) ? 'method: must be a string' : describe(parsed.error.issues);
    return { code: INVALID_REQUEST, message: `Invalid Request: ${why}`, id, reply: true };
  }
  if (typeof m.method === 'string' && 'id' in m) {
    const schema = REQUEST_SCHEMAS.get(m.method);
    if (schema) {
      const check = schema.safeParse({ method: m.method, ...('params' in m ? { params: m.params } : {}) });
      if (!check.success) return { code: INVALID_PARAMS, message: `Invalid params: ${describe(check.error.issues)}`, id, reply: true };
    }
  }
  return undefined;
}

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
