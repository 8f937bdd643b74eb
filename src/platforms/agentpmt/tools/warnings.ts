import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolFailureError } from '../../../core/errors.js';

/** Adds `warnings` to a tool result (structured and text), so the model knows what was not checked. */
export function withWarnings(result: CallToolResult, warnings: readonly string[]): CallToolResult {
  if (!warnings.length) return result;
  const structured = { ...(result.structuredContent ?? {}), warnings: [...warnings] };
  const note = `Warning: ${warnings.join(' ')}`;
  const content = [...result.content];
  const head = content[0];
  if (head?.type === 'text') content[0] = { ...head, text: `${note}\n${head.text}` };
  else content.unshift({ type: 'text', text: note });
  return { ...result, content, structuredContent: structured };
}

/** The same warnings on a failure: an unlisted product that the platform then refused says both. */
export function withFailureWarnings(err: unknown, warnings: readonly string[]): unknown {
  if (!warnings.length || !(err instanceof ToolFailureError)) return err;
  const f = err.failure;
  const details = f.details && typeof f.details === 'object' && !Array.isArray(f.details) ? (f.details as Record<string, unknown>) : f.details === undefined ? {} : { platform: f.details };
  return new ToolFailureError({
    ...f,
    message: `${f.message} (Sent unchecked: ${warnings.join(' ')})`,
    ...(f.status === 404 ? { next_step: `${f.next_step} The product or action may not exist: find it with marketplace_search.` } : {}),
    details: { ...details, warnings: [...warnings] },
  });
}
