import type { IncomingHttpHeaders } from 'node:http';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type JSONRPCRequest, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * The transport one HTTP session's server is connected to. Everything goes through the SDK's
 * web-standard transport (initialize, the GET stream, DELETE, batches, calls that may stream,
 * and every request it would refuse), except the common case: one request that can only
 * produce its answer. That one is handed to the server directly and its answer becomes the
 * HTTP body, with no Request, Response or event stream built for it (profiled at 50 sessions:
 * that machinery, and reading the stream back, was about a third of the server's time per call).
 */
export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** Answers awaited by the direct path, by request id. */
  private readonly pending = new Map<RequestId, (answer: JSONRPCMessage) => void>();

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
    for (const [id, resolve] of this.pending) resolve({ jsonrpc: '2.0', id, error: { code: -32000, message: 'The session closed before the answer.' } });
    this.pending.clear();
    await this.inner.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const id = 'id' in message && ('result' in message || 'error' in message) ? message.id : undefined;
    const answered = id === undefined ? undefined : this.pending.get(id);
    if (answered) {
      this.pending.delete(id!);
      answered(message);
      return;
    }
    // A notification about a call answered directly: such calls are chosen because nothing
    // streams from them (no progress token, a client that cannot be asked), so none is expected.
    if (options?.relatedRequestId !== undefined && this.pending.has(options.relatedRequestId)) return;
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
    const waiting = id === undefined ? undefined : this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id!);
    waiting({ jsonrpc: '2.0', id: id!, error: { code: -32800, message: 'Request cancelled by the client.' } });
  }

  /** Hands one request to the server; resolves with its answer. */
  answer(request: JSONRPCRequest, extra: MessageExtraInfo): Promise<JSONRPCMessage> {
    return new Promise((resolve) => {
      this.pending.set(request.id, resolve);
      this.onmessage?.(request, extra);
    });
  }
}
