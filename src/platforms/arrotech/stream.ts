import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolFailureError, type ToolFailure } from '../../core/errors.js';
import type { HttpResponse } from '../../core/http-client.js';
import { log } from '../../core/log.js';
import type { ArrotechContext } from './context.js';
import { authorized, isRouteMiss } from './executor.js';
import { normalizeArrotechError } from './errors.js';

/** One Server-Sent Event: its `event:` name if any, and its `data:` parsed as JSON when it is JSON. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** Reads `data:` frames as they arrive (Arrotech sends `data: {json}` blocks separated by blank lines). */
export async function* readSse(body: AsyncIterable<Buffer>): AsyncGenerator<SseEvent> {
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  const flush = (): SseEvent | undefined => {
    if (data.length === 0) return undefined;
    const text = data.join('\n');
    data = [];
    const name = event;
    event = undefined;
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // a bare text frame (a token) stays text
    }
    return name !== undefined ? { event: name, data: parsed } : { data: parsed };
  };
  for await (const chunk of body) {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.search(/\r?\n/)) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === '\r' ? nl + 2 : nl + 1);
      if (line === '') {
        const ev = flush();
        if (ev) yield ev;
      } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      // comments (": keep-alive") and id:/retry: lines carry nothing we use
    }
  }
  if (buffer.startsWith('data:')) data.push(buffer.slice(5).replace(/^ /, ''));
  const last = flush();
  if (last) yield last;
}

/** What a streamed tool makes of each event: keep going (with a progress line), or finish. */
export type EventStep = { progress: string } | { done: CallToolResult };

export interface FollowOptions {
  path: string;
  body: Record<string, unknown>;
  /** "Tool slack_send_message": for messages. */
  what: string;
  waitSeconds: number;
  onEvent(ev: SseEvent): EventStep;
  /** The stream ended without a final event. */
  onEnd(): CallToolResult;
  /** The platform answered plain JSON instead of a stream. */
  onJson(res: HttpResponse): CallToolResult;
  /** Said when the bounded wait runs out. */
  timeoutStep: string;
  /** The deployment has no such stream route (the chat stream is newer than the Public API 1.0.0): answer without streaming. */
  unstreamed(): Promise<CallToolResult>;
}

/**
 * Follows one streamed answer: each event becomes a progress notification, the final one
 * the result. The wait is bounded (hosts cancel calls after ~60 s); a client cancellation
 * or the bound closes the upstream stream at once.
 */
export async function followStream(ctx: ArrotechContext, opts: FollowOptions): Promise<CallToolResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('wait bound reached'));
  }, opts.waitSeconds * 1000);
  const onCancel = () => controller.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) controller.abort(ctx.signal.reason);
  else ctx.signal?.addEventListener('abort', onCancel, { once: true });
  const started = Date.now();
  let close: () => void = () => {};
  let count = 0;
  try {
    const opened = await authorized(
      ctx,
      'bearer',
      (headers) =>
        ctx.http.stream({ origin: ctx.config.arrotechApiUrl, method: 'POST', path: opts.path, headers, body: JSON.stringify(opts.body), idempotent: false, signal: controller.signal }),
      (r) => (r.kind === 'response' ? { status: r.response.status, res: r.response } : { status: r.stream.status }),
    );
    if (opened.kind === 'response') {
      const res = opened.response;
      if (isRouteMiss(res) || res.status === 405) {
        log.info('arrotech: no stream route here; answering without streaming', { path: opts.path.replace(/\/\d+\//, '/{id}/') });
        return await opts.unstreamed();
      }
      if (res.status >= 400) throw new ToolFailureError(normalizeArrotechError(res.status, res.json ?? res.text, res.retryAfterSeconds));
      return opts.onJson(res);
    }
    close = () => opened.stream.close();
    for await (const ev of readSse(opened.stream.body)) {
      count++;
      const step = opts.onEvent(ev);
      if ('done' in step) {
        await ctx.progress(count, `${opts.what}: finished`);
        return step.done;
      }
      await ctx.progress(count, step.progress);
    }
    return opts.onEnd();
  } catch (err) {
    const elapsed = Math.round((Date.now() - started) / 100) / 10;
    if (ctx.signal?.aborted) {
      throw new ToolFailureError({ code: 'cancelled', message: `Cancelled: ${opts.what} was stopped and its stream closed after ${elapsed} s.`, next_step: 'Nothing to do; the platform may still finish the work, so check its effects before running it again.' });
    }
    if (timedOut) {
      const failure: ToolFailure = { code: 'wait_exceeded', message: `${opts.what} sent no final event within ${opts.waitSeconds} s (${count} events so far); the stream was closed.`, next_step: opts.timeoutStep };
      throw new ToolFailureError(failure);
    }
    if (err instanceof ToolFailureError) throw err;
    log.info('arrotech stream broke', { what: opts.what, events: count, error: err instanceof Error ? err.message : String(err) });
    throw new ToolFailureError({ code: 'stream_interrupted', message: `The stream of ${opts.what} broke after ${count} events.`, next_step: 'The work may or may not have finished on the platform: check its state before retrying.' });
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onCancel);
    close();
  }
}
