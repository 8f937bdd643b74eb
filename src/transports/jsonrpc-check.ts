import { ClientRequestSchema, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod/v4';
import { INVALID_PARAMS, INVALID_REQUEST, isPlainObject, isRequestId, type RpcProblem } from './jsonrpc-frame.js';

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
  // The SDK's request schema is strict: another top-level member makes it drop the message unanswered.
  for (const key in msg) if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') return false;
  const params = msg.params;
  if (params === undefined) return msg.method !== 'tools/call';
  if (!isPlainObject(params)) return false;
  // _meta with anything but a progress token (a string or a number) is for the schemas to judge.
  if (params._meta !== undefined && !(isPlainObject(params._meta) && Object.entries(params._meta).every(([k, v]) => k === 'progressToken' && (typeof v === 'string' || typeof v === 'number')))) return false;
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
