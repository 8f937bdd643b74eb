import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type JSONRPCRequest, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Where the direct path delivers what the server sends about one request. */
export interface Reply {
  /** A notification or request about the request (progress, an elicitation): the answer becomes a stream. */
  event(message: JSONRPCMessage): void;
  /** The answer; ends the HTTP response. */
  answer(message: JSONRPCMessage): void;
}

/**
 * The answer to one POST, as plain JSON unless the server sends something about the request
 * before answering it (progress, a question for the user): then, from that moment, an event
 * stream, as the SDK's transport would have sent from the start.
 */
export function replyOver(res: ServerResponse, sessionId: string): Reply & { done: Promise<void> } {
  let streaming = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const frame = (message: JSONRPCMessage) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
  return {
    done,
    event(message) {
      if (!streaming) {
        streaming = true;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', 'mcp-session-id': sessionId });
        res.flushHeaders();
      }
      res.write(frame(message));
    },
    answer(message) {
      if (streaming) res.end(frame(message));
      else {
        const text = JSON.stringify(message);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'mcp-session-id': sessionId }).end(text);
      }
      finish();
    },
  };
}

/**
 * The transport one HTTP session's server is connected to. Everything goes through the SDK's
 * web-standard transport (initialize, the GET stream, DELETE, batches, and every request it
 * would refuse), except the common case: one request on an initialized session. That one is
 * handed to the server directly and answered through a `Reply` (plain JSON unless something
 * streams), with no Request, Response or web stream built for it (profiled at 50 sessions:
 * that machinery, and reading the stream back, was about a third of the server's time per call).
 */
export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** Requests on the direct path, by id: where their events and answer go. */
  private readonly pending = new Map<RequestId, Reply>();

  constructor(readonly inner: WebStandardStreamableHTTPServerTransport) {
    inner.onmessage = (message, extra) => {
      this.settleCancelled(message);
      this.onmessage?.(message, extra);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async close(): Promise<void> {
    // Nobody will answer these any more: their callers get an error now rather than a hang.
    for (const [id, reply] of this.pending) reply.answer({ jsonrpc: '2.0', id, error: { code: -32000, message: 'The session closed before the answer.' } });
    this.pending.clear();
    await this.inner.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answered = 'id' in message && ('result' in message || 'error' in message) ? this.take(message.id) : undefined;
    if (answered) {
      answered.answer(message);
      return;
    }
    const about = options?.relatedRequestId === undefined ? undefined : this.pending.get(options.relatedRequestId);
    if (about) {
      about.event(message);
      return;
    }
    return this.inner.send(message, options);
  }

  /**
   * Whether `body` can take the direct path: one request (not initialize) on an initialized
   * session, with the headers the SDK transport would accept. Anything else goes to the SDK
   * transport, so its answers and refusals stay the SDK's.
   */
  canAnswerDirectly(body: unknown, headers: IncomingHttpHeaders): body is JSONRPCRequest {
    if (this.inner.sessionId === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return false;
    const m = body as { method?: unknown; id?: unknown };
    if (typeof m.method !== 'string' || m.method === 'initialize' || (typeof m.id !== 'string' && typeof m.id !== 'number') || this.pending.has(m.id)) return false;
    const accept = headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
    if (!(headers['content-type'] ?? '').includes('application/json')) return false;
    const version = headers['mcp-protocol-version'];
    return version === undefined || (typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version));
  }

  /**
   * A request the client cancelled gets no answer from the server (the spec says so), but its
   * HTTP request is still open: it ends here, with an error the client no longer waits for.
   */
  private settleCancelled(message: JSONRPCMessage): void {
    if (!('method' in message) || message.method !== 'notifications/cancelled') return;
    const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
    this.take(id)?.answer({ jsonrpc: '2.0', id: id!, error: { code: -32800, message: 'Request cancelled by the client.' } });
  }

  /** The reply awaiting request `id`, no longer awaiting: each request is answered once. */
  private take(id: RequestId | undefined): Reply | undefined {
    const reply = id === undefined ? undefined : this.pending.get(id);
    if (reply) this.pending.delete(id!);
    return reply;
  }

  /** Hands one request to the server; what it sends about the request, and the answer, go to `reply`. */
  handle(request: JSONRPCRequest, extra: MessageExtraInfo, reply: Reply): void {
    this.pending.set(request.id, reply);
    this.onmessage?.(request, extra);
  }
}
