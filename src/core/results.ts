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

/** A call that makes sense after this result: hosts that show only structured content still see it. */
export interface NextCall {
  tool: string;
  /** Arguments known already (ids from this result). */
  arguments?: Record<string, unknown>;
  why: string;
}

/** Past this the text carries a trimmed copy of the data: the whole of it is in structuredContent. */
const TEXT_DATA_CHARS = 4_000;

/** Nulls say nothing to a model and cost tokens: objects drop them (arrays keep their positions). */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== null && v !== undefined) out[k] = dropNulls(v);
  return out;
}

export const renderNext = (next: readonly NextCall[]): string =>
  next.map((n) => `Next: ${n.tool}${n.arguments && Object.keys(n.arguments).length ? ` ${JSON.stringify(n.arguments)}` : ''} — ${n.why}`).join('\n');

/**
 * Drops the hints that name a tool this session does not serve (its toolset off, read-only
 * mode): following one would only meet tool_not_enabled. Hints are written per platform,
 * which cannot know what a run serves; the server can.
 */
export function dropUnservedHints(result: CallToolResult, served: (tool: string) => boolean): CallToolResult {
  const structured = result.structuredContent as ({ summary?: unknown; next?: unknown } & Record<string, unknown>) | undefined;
  const next = structured?.next;
  if (!structured || !Array.isArray(next)) return result;
  const unserved = new Set((next as NextCall[]).filter((n) => !served(n.tool)).map((n) => n.tool));
  if (unserved.size === 0) return result;
  const kept = (next as NextCall[]).filter((n) => !unserved.has(n.tool));
  const { summary, next: _dropped, ...data } = structured;
  const isDropped = (line: string) => [...unserved].some((tool) => line === `Next: ${tool}` || line.startsWith(`Next: ${tool} `));
  return {
    ...result,
    content: result.content.map((c) => (c.type === 'text' ? { ...c, text: c.text.split('\n').filter((l) => !isDropped(l)).join('\n') } : c)),
    structuredContent: { summary, ...(kept.length ? { next: kept } : {}), ...data },
  };
}

/**
 * The one result shape: `summary` (one line with real content), `next` (calls that make
 * sense now) and the data, in structuredContent and, for hosts that read only text, in
 * the text too (the data trimmed when large: the whole of it stays in structuredContent).
 */
export function okResult(data: Record<string, unknown>, summary: string, next: readonly NextCall[] = []): CallToolResult {
  const cleanSummary = log.scrub(summary);
  const { summary: platformSummary, ...rest } = dropNulls(data) as Record<string, unknown>;
  const body = platformSummary === undefined ? rest : { platform_summary: platformSummary, ...rest };
  // One serialization on the common path: scrub it, and only trim when it is over budget.
  const raw = JSON.stringify(body);
  const json = log.scrub(raw);
  let safe = json === raw ? body : (JSON.parse(json) as Record<string, unknown>);
  if (json.length > MAX_TEXT_CHARS - 500) {
    const { value } = trimToBudget(safe, MAX_TEXT_CHARS - 500);
    safe = { ...(value as Record<string, unknown>), _truncated: 'This result was too large and was shortened. Ask for a smaller page, a lower limit or fewer fields to see the rest.' };
  }
  const safeNext = next.length ? (JSON.parse(log.scrub(JSON.stringify(next))) as NextCall[]) : [];
  let text = JSON.stringify(safe);
  if (text.length > TEXT_DATA_CHARS) text = `${JSON.stringify(trimToBudget(safe, TEXT_DATA_CHARS).value)}\n(Shortened here; structuredContent has all of it.)`;
  return {
    content: [{ type: 'text', text: truncate([cleanSummary, ...(safeNext.length ? [renderNext(safeNext)] : []), text].join('\n')) }],
    structuredContent: { summary: cleanSummary, ...(safeNext.length ? { next: safeNext } : {}), ...safe },
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
    // The same shape as every result (a summary first): clients check errors against the output schema too.
    structuredContent: scrubStructured({ summary: head, error: failure }),
  };
}
