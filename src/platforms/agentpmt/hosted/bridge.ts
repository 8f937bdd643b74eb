import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ToolListChangedNotificationSchema, type CallToolResult, type Progress, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { log } from '../../../core/log.js';
import { exportedName, localEquivalent } from './local-equivalents.js';

export interface HostedOptions {
  /** AGENTPMT_HOSTED_MCP_URL: the hosted Streamable HTTP endpoint. */
  url: string;
  bearerToken: string;
  /** Longest wait for a connection (initialize + tools/list) before the attempt counts as failed. */
  connectTimeoutMs: number;
  /** Per-call bound, reset by each progress notification from upstream. */
  callTimeoutMs: number;
  /** A call never runs longer than this, progress or not. */
  maxCallMs?: number;
  /** Local tools offered by this server: upstream tools they cover are not re-exported. */
  localTools?: ReadonlySet<string>;
  /** First wait before reconnecting after a failure; doubles up to five minutes. */
  retryMs?: number;
  clientName?: string;
  clientVersion?: string;
  /** For tests: the fetch under the origin check. */
  fetch?: FetchLike;
}

export interface HostedTool {
  /** The exported name, hosted_<upstream>. */
  name: string;
  upstream: string;
  tool: Tool;
}

export interface CallOptions {
  /** The caller's cancellation: forwarded upstream as notifications/cancelled. */
  signal?: AbortSignal;
  /** Upstream progress, relayed to the caller; the call's result waits for every relay (a late progress is dropped by clients). */
  onProgress?: (progress: Progress) => void | Promise<void>;
}

export type HostedState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

/**
 * One connection to AgentPMT's hosted MCP endpoint, shared by every session of this process.
 * It connects in the background (start-up never waits for it), re-exports upstream tools as
 * hosted_<name>, and relays calls concurrently: the SDK client multiplexes requests by id, so
 * nothing here queues them.
 */
export class HostedBridge {
  private client: Client | undefined;
  private connecting: Promise<boolean> | undefined;
  private state: HostedState = 'idle';
  private lastError: string | undefined;
  private tools = new Map<string, HostedTool>();
  private readonly listeners = new Set<(tools: readonly HostedTool[]) => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private readonly origin: string;

  constructor(private readonly opts: HostedOptions) {
    this.origin = new URL(opts.url).origin;
    this.retryDelay = opts.retryMs ?? 5_000;
    log.addSecrets([opts.bearerToken]);
  }

  get status(): { state: HostedState; url: string; error?: string; tools: number } {
    return { state: this.state, url: this.opts.url, ...(this.lastError ? { error: this.lastError } : {}), tools: this.tools.size };
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    void this.connect();
  }

  /** Connects if not connected; resolves true when ready, false on failure (never throws, never waits past the bound). */
  connect(): Promise<boolean> {
    if (this.state === 'ready') return Promise.resolve(true);
    if (this.state === 'closed') return Promise.resolve(false);
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  list(): readonly HostedTool[] {
    return [...this.tools.values()];
  }

  /** Called with the new list whenever the exported tools change (first connection, upstream list_changed). */
  onToolsChanged(fn: (tools: readonly HostedTool[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async call(name: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    const hosted = this.tools.get(name);
    if (!hosted) return this.unavailable(`no hosted tool named ${name}`, 'List the tools again: the hosted catalog changed.');
    if (!(await this.connect()) || !this.client) return this.unavailable(this.lastError ?? 'not connected');
    const relays: Promise<void>[] = [];
    const relay = options.onProgress;
    try {
      const result = await this.client.callTool({ name: hosted.upstream, arguments: args }, CallToolResultSchema, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(relay
          ? {
              onprogress: (p: Progress) => {
                const sent = relay(p);
                if (sent) relays.push(sent.catch(() => undefined));
              },
              resetTimeoutOnProgress: true,
            }
          : {}),
        timeout: this.opts.callTimeoutMs,
        ...(this.opts.maxCallMs ? { maxTotalTimeout: this.opts.maxCallMs } : {}),
      });
      if (relays.length) {
        await Promise.all(relays);
        // Our own client has the same ordering problem (above): the result leaves in a later turn than the last progress.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return scrubbed(result as CallToolResult);
    } catch (err) {
      if (options.signal?.aborted) throw err; // the caller cancelled: the SDK answers nothing to a cancelled request
      const message = err instanceof Error ? err.message : String(err);
      if (/timed out|timeout/i.test(message)) {
        return errorText(`The hosted AgentPMT tool ${hosted.upstream} did not answer within ${(this.opts.callTimeoutMs / 1000).toFixed(this.opts.callTimeoutMs < 10_000 ? 1 : 0)} s (request cancelled upstream).`, 'Retry once; if it keeps timing out, the hosted endpoint is slow right now: use the local tools or try again later.');
      }
      if (isConnectionError(err)) {
        this.markDown(message);
        return this.unavailable(message);
      }
      // A JSON-RPC error from upstream (bad arguments, unknown tool): its own message is the useful part.
      return errorText(`The hosted AgentPMT endpoint refused ${hosted.upstream}: ${message}`, 'Check the arguments against the tool\'s schema and retry.');
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  private unavailable(reason: string, next?: string): CallToolResult {
    return errorText(
      `The hosted AgentPMT MCP endpoint (${this.origin}) is unavailable: ${reason}.`,
      next ?? 'The local agentpmt tools still work: use them, or retry this hosted tool in a minute. If it keeps failing, check the network and AGENTPMT_HOSTED_MCP_URL, or set AGENTPMT_HOSTED_MCP=false to hide hosted tools.',
    );
  }

  /** The bearer token goes to the configured origin and nowhere else, whatever a redirect or a result names. */
  private fetchWithToken(): FetchLike {
    const inner: FetchLike = this.opts.fetch ?? ((url, init) => fetch(url, init));
    return async (url, init) => {
      const target = new URL(url instanceof URL ? url.href : String(url));
      if (target.origin !== this.origin) throw new Error(`refused to send the AgentPMT token to ${target.origin} (only ${this.origin} gets it)`);
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${this.opts.bearerToken}`);
      return inner(url, { ...init, headers });
    };
  }

  private async attempt(): Promise<boolean> {
    this.state = 'connecting';
    // Results are relayed, not interpreted: our client, not us, checks them against a tool's output
    // schema, so the SDK's default validator (an Ajv instance per client) is not built here.
    const client = new Client({ name: this.opts.clientName ?? 'agentpmt-mcp', version: this.opts.clientVersion ?? '0' }, { capabilities: {}, jsonSchemaValidator: RELAY_VALIDATOR });
    const transport = new StreamableHTTPClientTransport(new URL(this.opts.url), { fetch: this.fetchWithToken() });
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(), this.opts.connectTimeoutMs);
    timer.unref();
    try {
      await Promise.race([
        (async () => {
          await client.connect(transport, { signal: bound.signal, timeout: this.opts.connectTimeoutMs });
          notificationsFirst(transport);
          client.setNotificationHandler(ToolListChangedNotificationSchema, () => void this.refresh(client));
          await this.refresh(client, bound.signal);
        })(),
        new Promise<never>((_, reject) => bound.signal.addEventListener('abort', () => reject(new Error(`no answer within ${this.opts.connectTimeoutMs} ms`)), { once: true })),
      ]);
    } catch (err) {
      clearTimeout(timer);
      await client.close().catch(() => undefined);
      this.markDown(err instanceof Error ? err.message : String(err));
      return false;
    }
    clearTimeout(timer);
    // close() may have run while we were connecting.
    if ((this.state as HostedState) === 'closed') {
      await client.close().catch(() => undefined);
      return false;
    }
    client.onclose = () => {
      if (this.client === client) this.markDown('the connection closed');
    };
    this.client = client;
    this.state = 'ready';
    this.lastError = undefined;
    this.retryDelay = this.opts.retryMs ?? 5_000;
    log.info('hosted MCP endpoint connected', { url: this.opts.url, tools: this.tools.size });
    return true;
  }

  private async refresh(client: Client, signal?: AbortSignal): Promise<void> {
    const upstream: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { ...(signal ? { signal } : {}), timeout: this.opts.connectTimeoutMs });
      upstream.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const local = this.opts.localTools ?? new Set<string>();
    const next = new Map<string, HostedTool>();
    for (const tool of upstream) {
      if (localEquivalent(tool.name, local)) continue;
      next.set(exportedName(tool.name), { name: exportedName(tool.name), upstream: tool.name, tool });
    }
    this.tools = next;
    for (const fn of this.listeners) fn(this.list());
  }

  private markDown(reason: string): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'down';
    this.lastError = log.scrub(reason);
    const client = this.client;
    this.client = undefined;
    void client?.close().catch(() => undefined);
    log.warn('hosted MCP endpoint unavailable; hosted tools answer with an error until it is back', { url: this.opts.url, error: this.lastError, retry_in_ms: this.retryDelay });
    // Reconnect in the background, backing off; a hosted call also tries at once.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), wasReady ? 0 : this.retryDelay);
    this.retryTimer.unref();
    if (!wasReady) this.retryDelay = Math.min(this.retryDelay * 2, 300_000);
  }
}

const RELAY_VALIDATOR: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input: unknown) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

/**
 * The SDK's Protocol dispatches notifications a microtask late but responses at once, so a
 * tool's last progress notification, arriving in the same chunk as its result, finds its
 * handler already gone. Responses are delivered a microtask later here, after the notifications
 * that came before them.
 */
function notificationsFirst(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    if ('id' in message && ('result' in message || 'error' in message)) queueMicrotask(() => deliver(message, extra));
    else deliver(message, extra);
  };
}

function isConnectionError(err: unknown): boolean {
  const message = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
  return /ECONNREFUSED|ECONNRESET|EPIPE|fetch failed|socket|terminated|Connection closed|Not connected|other side closed|HTTP 5\d\d|Error POSTing|session/i.test(message);
}

function errorText(message: string, next: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: log.scrub(`${message}\nNext step: ${next}`) }] };
}

/** Whatever upstream echoes, our token does not reach the model. */
function scrubbed(result: CallToolResult): CallToolResult {
  const json = JSON.stringify(result);
  const clean = log.scrub(json);
  return clean === json ? result : (JSON.parse(clean) as CallToolResult);
}
