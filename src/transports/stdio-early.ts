import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../core/log.js';
import { isPlainObject, isRequestId } from './jsonrpc-frame.js';
import type { StdioLines } from './stdio-lines.js';

/**
 * What the server answers before its platforms and the MCP SDK have loaded: everything
 * initialize and tools/list need is known from the settings and the build-time catalog
 * (src/early-answers.ts). A host waits for these two answers when it launches us.
 */
export interface EarlyAnswers {
  /** The initialize result for the protocol version the client asked for. */
  initialize(requestedVersion: string): Record<string, unknown>;
  /** The tools/list result; absent when tools join at run time (pinned actions, hosted tools), so the server answers it. */
  tools?: { tools: readonly unknown[] };
}

/** The id the replayed initialize carries, so its answer (already given) is recognised and not sent twice. */
const REPLAY_ID = 'agentpmt-early-initialize';
/** A host that initializes and then waits still gets a ready server soon after. */
const LOAD_AFTER_INITIALIZE_MS = 50;
/** A client that never initializes does not keep the server from loading. */
const LOAD_AFTER_START_MS = 1_000;

type Request = { jsonrpc: '2.0'; id: string | number; method: string; params?: Record<string, unknown> };

const isRequest = (m: unknown, method: string): m is Request =>
  isPlainObject(m) && m.jsonrpc === '2.0' && m.method === method && isRequestId(m.id) && (m.params === undefined || isPlainObject(m.params)) && (!isPlainObject(m.params) || m.params._meta === undefined || isPlainObject(m.params._meta));

const optionalString = (o: Record<string, unknown>, key: string) => o[key] === undefined || typeof o[key] === 'string';

/**
 * An initialize the SDK will accept, recognised without its schemas. Anything unusual
 * waits for the SDK, which answers it (or refuses it) itself.
 */
function plainInitialize(m: unknown): m is Request & { params: { protocolVersion: string } } {
  if (!isRequest(m, 'initialize') || !isPlainObject(m.params)) return false;
  const { protocolVersion, capabilities, clientInfo } = m.params;
  if (typeof protocolVersion !== 'string' || !isPlainObject(capabilities) || !isPlainObject(clientInfo)) return false;
  if (typeof clientInfo.name !== 'string' || typeof clientInfo.version !== 'string' || !optionalString(clientInfo, 'title') || !optionalString(clientInfo, 'websiteUrl')) return false;
  const known = new Set(['experimental', 'roots', 'sampling', 'elicitation', 'tasks']);
  for (const [key, value] of Object.entries(capabilities)) {
    if (!known.has(key) || !isPlainObject(value)) return false;
  }
  const roots = capabilities.roots;
  return !isPlainObject(roots) || roots.listChanged === undefined || typeof roots.listChanged === 'boolean';
}

const plainToolsList = (m: unknown): m is Request => isRequest(m, 'tools/list') && (m.params?.cursor === undefined || typeof m.params.cursor === 'string');

/**
 * Reads stdin from launch and answers initialize and tools/list at once; every other
 * message waits, in order, for the real server. `needed` resolves when the server
 * should load: a request only it can answer arrived, the tools were listed, or shortly
 * after initialize. `handOver` then gives the server the initialize it missed (its
 * answer is not sent again) and everything that waited, and the server reads on.
 */
export class EarlyStdioFront {
  readonly needed: Promise<string>;
  private need!: (why: string) => void;
  private initialize: Request | undefined;
  private answered: Record<string, unknown> | undefined;
  private readonly waiting: unknown[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly lines: StdioLines,
    private readonly answers: EarlyAnswers,
  ) {
    this.needed = new Promise((resolve) => (this.need = resolve));
    void this.needed.then(() => this.timers.forEach(clearTimeout));
  }

  listen(): void {
    this.lines.receive = (value) => this.receive(value);
    this.lines.start();
    this.timers.push(setTimeout(() => this.need('no initialize yet'), LOAD_AFTER_START_MS).unref());
  }

  private receive(value: unknown): void {
    if (this.initialize === undefined && this.waiting.length === 0 && plainInitialize(value)) {
      this.initialize = value;
      this.answered = this.answers.initialize(value.params.protocolVersion);
      void this.lines.send({ jsonrpc: '2.0', id: value.id, result: this.answered });
      this.timers.push(setTimeout(() => this.need('initialized'), LOAD_AFTER_INITIALIZE_MS).unref());
      return;
    }
    if (this.initialize !== undefined && this.answers.tools && plainToolsList(value)) {
      void this.lines.send({ jsonrpc: '2.0', id: value.id, result: this.answers.tools });
      // After the answer is written: loading compiles in one piece and would hold it back.
      setImmediate(() => this.need('tools listed'));
      return;
    }
    this.waiting.push(value);
    // A notification (initialized, above all) waits without hurrying anyone: nobody waits for its answer.
    if (!isPlainObject(value) || 'id' in value) this.need('a message for the server');
  }

  /**
   * Connects the server to the lines already being read: it gets the initialize it did
   * not see (with an id of our own, so its answer is recognised and dropped) and every
   * message that waited, in order; then it reads on by itself.
   */
  async handOver(server: { connect(transport: Transport): Promise<void> }, transport: Transport & { receive(value: unknown): void; lines: StdioLines }): Promise<void> {
    const send = transport.send.bind(transport);
    const early = this.answered;
    transport.send = async (message, options) => {
      if (early && 'id' in message && message.id === REPLAY_ID) {
        const same = 'result' in message && JSON.stringify(message.result) === JSON.stringify(early);
        if (!same) log.error('the early initialize answer differs from the server\'s own: report this bug', { early, server: 'result' in message ? message.result : message });
        return;
      }
      return send(message, options);
    };
    // The transport must not take the lines until what waited has been given to the server.
    const start = transport.start.bind(transport);
    let receiveLater: ((value: unknown) => void) | undefined;
    transport.start = async () => {
      await start();
      receiveLater = this.lines.receive;
      this.lines.receive = (value) => this.receive(value);
    };
    await server.connect(transport);
    if (this.initialize) transport.receive({ ...this.initialize, id: REPLAY_ID } satisfies JSONRPCMessage);
    for (const value of this.waiting.splice(0)) transport.receive(value);
    this.lines.receive = receiveLater ?? ((value) => transport.receive(value));
  }
}
