import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../log.js';
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

export function okResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  const safe = scrubStructured(structured);
  return {
    content: [{ type: 'text', text: truncate(`${log.scrub(summary)}\n${JSON.stringify(safe)}`) }],
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
