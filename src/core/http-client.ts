import type { Dispatcher, Pool } from 'undici';
import { fail, ToolFailureError } from './errors.js';
import { log } from './log.js';
import { sleep } from './shared/sleep.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  origin: string;
  method: HttpMethod;
  path: string; // already encoded, may include a query string
  headers?: Record<string, string>;
  body?: string;
  /** Safe to send twice: GETs and POSTs carrying an idempotency key. Only these are retried. */
  idempotent: boolean;
  signal?: AbortSignal;
}

export type BodyKind = 'json' | 'html' | 'javascript' | 'text' | 'empty';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  kind: BodyKind;
  json?: unknown;
  text: string;
  /** Seconds from a Retry-After header, when one came. */
  retryAfterSeconds?: number;
}

/** An open streamed answer (Server-Sent Events): read `body` chunk by chunk; `close()` ends it early. */
export interface HttpStream {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: AsyncIterable<Buffer>;
  close(): void;
}

export interface HttpClientOptions {
  timeoutMs: number;
  maxRetries: number;
  maxResponseBytes?: number;
  /** Longest Retry-After we will sit out inside one tool call; longer waits go back to the model. */
  maxRetryWaitMs?: number;
  userAgent?: string;
  /** The next step when a platform cannot be reached (which settings hold its URLs). */
  networkHint?: string;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function kindOf(contentType: string, text: string): BodyKind {
  if (text.length === 0) return 'empty';
  const ct = contentType.toLowerCase();
  if (ct.includes('json')) return 'json';
  if (ct.includes('html')) return 'html';
  if (ct.includes('javascript') || ct.includes('ecmascript')) return 'javascript';
  return 'text';
}

function flattenHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * The single HTTP path to the platform: a keep-alive pool per origin, timeouts,
 * a response size cap, and retries with jittered backoff only where a second
 * send cannot do harm.
 */
// undici is loaded on the first request, not at start-up: importing it costs ~50 ms of
// cold start, and a host launching the server only to list its tools never needs it.
let undiciModule: Promise<typeof import('undici')> | undefined;
// undici is CommonJS: Node gives its named exports to import(), a bundler may give only `default`.
const loadUndici = () =>
  (undiciModule ??= import('undici').then((m) => ('errors' in m && m.errors ? m : (m as unknown as { default: typeof m }).default)));

export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly maxResponseBytes: number;
  private readonly maxRetryWaitMs: number;

  constructor(private readonly opts: HttpClientOptions) {
    this.maxResponseBytes = opts.maxResponseBytes ?? 5 * 1024 * 1024;
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 10_000;
  }

  private async pool(origin: string): Promise<Pool> {
    let p = this.pools.get(origin);
    if (!p) {
      const { Pool } = await loadUndici();
      p = new Pool(origin, {
        connections: 16,
        connect: { timeout: Math.min(this.opts.timeoutMs, 10_000) },
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        keepAliveTimeout: 10_000,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const attempts = req.idempotent ? this.opts.maxRetries + 1 : 1;
    let lastFailure: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await this.once(req);
        const retryable = RETRYABLE_STATUS.has(res.status) && attempt < attempts;
        if (!retryable) return res;
        const waitMs = res.retryAfterSeconds !== undefined ? res.retryAfterSeconds * 1000 : this.backoff(attempt);
        if (waitMs > this.maxRetryWaitMs) return res; // too long to sit out: let the model decide
        log.debug('retrying after status', { status: res.status, attempt, waitMs, path: req.path });
        await sleep(waitMs, req.signal);
      } catch (err) {
        lastFailure = err;
        const transient = err instanceof ToolFailureError && (err.failure.code === 'timeout' || err.failure.code === 'network_error');
        if (!transient || attempt >= attempts || req.signal?.aborted) throw err;
        log.debug('retrying after transport error', { code: (err as ToolFailureError).failure.code, attempt, path: req.path });
        await sleep(this.backoff(attempt), req.signal);
      }
    }
    throw lastFailure;
  }

  /** Exponential backoff with full jitter, so many agents do not retry in lockstep. */
  private backoff(attempt: number): number {
    return Math.round(Math.random() * Math.min(4000, 250 * 2 ** attempt));
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    // One controller and one timer per request: AbortSignal.timeout + any() cost ~5x more on the hot path.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('timeout')), this.opts.timeoutMs);
    const onCallerAbort = () => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) controller.abort(req.signal.reason);
    else req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timeout = { get aborted() { return controller.signal.aborted && !req.signal?.aborted; } };
    const signal = controller.signal;
    try {
      return await this.send(req, signal, timeout);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async dispatch(req: HttpRequest, signal: AbortSignal, timeout: { readonly aborted: boolean }, accept: string): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      accept,
      'user-agent': this.opts.userAgent ?? 'agentpmt-mcp',
      ...req.headers,
    };
    if (req.body !== undefined) headers['content-type'] ??= 'application/json';
    try {
      return await (await this.pool(req.origin)).request({
        method: req.method,
        path: req.path,
        headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal,
      });
    } catch (err) {
      throw await this.transportFailure(err, req, timeout.aborted);
    }
  }

  private async send(req: HttpRequest, signal: AbortSignal, timeout: { readonly aborted: boolean }): Promise<HttpResponse> {
    return this.collect(await this.dispatch(req, signal, timeout, 'application/json, text/html;q=0.9, */*;q=0.8'), req, timeout);
  }

  /**
   * Opens a streamed answer (Server-Sent Events) through the same pools: sent once, never
   * retried; undici's headers and body timeouts bound the wait for the answer and between
   * chunks, not the stream's length. An answer that is not an event stream (an error, a
   * plain JSON reply) is read whole and returned as a response.
   */
  async stream(req: HttpRequest): Promise<{ kind: 'stream'; stream: HttpStream } | { kind: 'response'; response: HttpResponse }> {
    const timeout = { aborted: false };
    const data = await this.dispatch(req, req.signal ?? new AbortController().signal, timeout, 'text/event-stream, application/json;q=0.9');
    const headers = flattenHeaders(data.headers);
    const contentType = headers['content-type'] ?? '';
    if (data.statusCode < 200 || data.statusCode >= 300 || !contentType.toLowerCase().includes('text/event-stream')) {
      return { kind: 'response', response: await this.collect(data, req, timeout) };
    }
    return { kind: 'stream', stream: { status: data.statusCode, headers, contentType, body: data.body as AsyncIterable<Buffer>, close: () => data.body.destroy() } };
  }

  private async collect(data: Dispatcher.ResponseData, req: HttpRequest, timeout: { readonly aborted: boolean }): Promise<HttpResponse> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of data.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxResponseBytes) {
          data.body.destroy();
          fail({
            status: data.statusCode,
            code: 'response_too_large',
            message: `The platform's response exceeded ${this.maxResponseBytes} bytes and was not read.`,
            next_step: 'Ask for less data (a smaller page_size or limit) and try again.',
          });
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof ToolFailureError) throw err;
      throw await this.transportFailure(err, req, timeout.aborted);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const responseHeaders = flattenHeaders(data.headers);
    const contentType = responseHeaders['content-type'] ?? '';
    const kind = kindOf(contentType, text);
    const res: HttpResponse = { status: data.statusCode, headers: responseHeaders, contentType, kind, text };
    const retryAfter = parseRetryAfter(responseHeaders['retry-after']);
    if (retryAfter !== undefined) res.retryAfterSeconds = retryAfter;
    if (kind === 'json') {
      try {
        res.json = JSON.parse(text);
      } catch {
        fail({
          status: data.statusCode,
          code: 'unparsable_response',
          message: `The platform sent a body labelled JSON that does not parse (HTTP ${data.statusCode}, ${text.length} bytes).`,
          next_step: 'This is a platform fault, not your input. Retry later; if it persists, check platform_health.',
        });
      }
    }
    return res;
  }

  private async transportFailure(err: unknown, req: HttpRequest, timedOut: boolean): Promise<ToolFailureError> {
    const undiciErrors = (await loadUndici()).errors;
    if (req.signal?.aborted) {
      return new ToolFailureError({ code: 'cancelled', message: 'The request was cancelled by the client.', next_step: 'Nothing to do.' });
    }
    const isTimeout =
      timedOut ||
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError;
    if (isTimeout) {
      return new ToolFailureError(
        {
          code: 'timeout',
          message: `The platform did not answer ${req.method} ${req.path.split('?')[0]} within ${this.opts.timeoutMs} ms.`,
          next_step: req.idempotent
            ? 'Retry in a moment; if it keeps timing out, check platform_health.'
            : 'The request may or may not have been applied. Check the current state (a status or list tool) before retrying.',
        },
        { cause: err },
      );
    }
    const code = (err as { code?: string }).code;
    // The transport's own error stays attached (never shown to the model): doctor names its code.
    return new ToolFailureError(
      {
        code: 'network_error',
        message: `Could not reach ${req.origin}${code ? ` (${code})` : ''}.`,
        next_step: this.opts.networkHint ?? 'Check the network and the platform URL settings, then retry.',
      },
      { cause: err },
    );
  }

  /** Aborts whatever is still in flight: for a shutdown that must end within its bound. */
  async destroy(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.destroy().catch(() => undefined)));
    this.pools.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.pools.clear();
  }
}
