import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { log } from './log.js';
import type { ToolFailure } from './errors.js';

/** Hosts and models choke on huge results; anything longer is cut with a note. */
export const MAX_TEXT_CHARS = 20_000;

function truncate(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  return `${text.slice(0, MAX_TEXT_CHARS)}\n… [truncated: ${text.length - MAX_TEXT_CHARS} more characters; ask for a smaller page or limit to see the rest]`;
}

/** The last line of defence: a configured secret never leaves in a result, whatever the platform echoed. */
function scrubStructured(value: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(value);
  const clean = log.scrub(json);
  return clean === json ? value : (JSON.parse(clean) as Record<string, unknown>);
}

/**
 * Shrinks a JSON value until it serializes under `budget` characters: long
 * arrays keep their head, long strings are cut, each with a marker saying so.
 */
export function trimToBudget(value: unknown, budget: number): { value: unknown; trimmed: boolean } {
  let trimmed = false;
  const shrink = (v: unknown, share: number): unknown => {
    const size = JSON.stringify(v)?.length ?? 0;
    if (size <= share) return v;
    trimmed = true;
    if (typeof v === 'string') return `${v.slice(0, Math.max(0, share - 40))}… [cut ${v.length - share + 40} chars]`;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      let used = 2;
      for (const item of v) {
        const s = JSON.stringify(shrink(item, share / 2)).length + 1;
        if (used + s > share - 60) break;
        out.push(shrink(item, share / 2));
        used += s;
      }
      if (out.length < v.length) out.push(`… ${v.length - out.length} more item(s) not shown`);
      return out;
    }
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      const per = Math.max(200, share / Math.max(1, entries.length));
      return Object.fromEntries(entries.map(([k, x]) => [k, shrink(x, per)]));
    }
    return v;
  };
  const out = shrink(value, budget);
  return { value: out, trimmed };
}

export function okResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  // One serialization on the common path: scrub it, and only trim when it is over budget.
  const raw = JSON.stringify(structured);
  const json = log.scrub(raw);
  let safe = json === raw ? structured : (JSON.parse(json) as Record<string, unknown>);
  let text = json;
  if (json.length > MAX_TEXT_CHARS - 500) {
    const { value } = trimToBudget(safe, MAX_TEXT_CHARS - 500);
    safe = { ...(value as Record<string, unknown>), _truncated: 'This result was too large and was shortened. Ask for a smaller page, a lower limit or fewer fields to see the rest.' };
    text = JSON.stringify(safe);
  }
  return {
    content: [{ type: 'text', text: truncate(`${log.scrub(summary)}\n${text}`) }],
    structuredContent: safe,
  };
}

export function errorResult(failure: ToolFailure): CallToolResult {
  const head = `Error ${failure.code}${failure.status !== undefined ? ` (HTTP ${failure.status})` : ''}: ${failure.message}`;
  const lines = [head, `Next step: ${failure.next_step}`];
  if (failure.help_url) lines.push(`Help: ${failure.help_url}`);
  if (failure.retry_after_seconds !== undefined) lines.push(`Retry after: ${failure.retry_after_seconds} s`);
  return {
    isError: true,
    content: [{ type: 'text', text: truncate(log.scrub(lines.join('\n'))) }],
    structuredContent: scrubStructured({ error: failure }),
  };
}
