import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { log } from '../core/log.js';
import { isPlainObject, isRequestId, type RpcProblem } from './jsonrpc-frame.js';
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

/** A host that initializes and then waits still gets a ready server soon after. */
const LOAD_AFTER_INITIALIZE_MS = 50;
/** A client that never initializes does not keep the server from loading. */
const LOAD_AFTER_START_MS = 1_000;

type Request = { jsonrpc: '2.0'; id: string | number; method: string; params?: Record<string, unknown> };

/** Only these members, each of the given kind: anything else is for the SDK's own schemas to judge. */
const only = (o: Record<string, unknown>, allowed: Readonly<Record<string, (v: unknown) => boolean>>): boolean =>
  Object.entries(o).every(([key, value]) => Object.hasOwn(allowed, key) && allowed[key]!(value));
const isString = (v: unknown) => typeof v === 'string';
const isBoolean = (v: unknown) => typeof v === 'boolean';
const objectOf = (allowed: Readonly<Record<string, (v: unknown) => boolean>>) => (v: unknown) => isPlainObject(v) && only(v, allowed);
const recordOfObjects = (v: unknown) => isPlainObject(v) && Object.values(v).every(isPlainObject);

const isRequest = (m: unknown, method: string): m is Request =>
  isPlainObject(m) && only(m, { jsonrpc: (v) => v === '2.0', id: isRequestId, method: (v) => v === method, params: isPlainObject });

/**
 * An initialize whose every member is one the SDK's schemas accept as it is, recognised
 * without them: the common shapes (the SDK's client, Claude Desktop, mcp-remote). Anything
 * else (tasks, icons, _meta, a member we do not know) waits for the SDK, which answers it
 * or refuses it itself: the early answer must never be one the server would not give.
 */
const plainInitialize = (m: unknown): m is Request & { params: { protocolVersion: string } } =>
  isRequest(m, 'initialize') &&
  isPlainObject(m.params) &&
  typeof m.params.protocolVersion === 'string' &&
  isPlainObject(m.params.capabilities) &&
  isPlainObject(m.params.clientInfo) &&
  only(m.params, {
    protocolVersion: isString,
    clientInfo: objectOf({ name: isString, version: isString, title: isString }),
    capabilities: objectOf({
      roots: objectOf({ listChanged: isBoolean }),
      sampling: objectOf({ context: isPlainObject, tools: isPlainObject }),
      elicitation: objectOf({ form: isPlainObject, url: isPlainObject }),
      experimental: recordOfObjects,
      extensions: recordOfObjects,
    }),
  }) &&
  isString(m.params.clientInfo.name) &&
  isString(m.params.clientInfo.version);

/** tools/list with no params, or only a cursor (which the server ignores: it lists everything at once). */
const plainToolsList = (m: unknown): m is Request => isRequest(m, 'tools/list') && (m.params === undefined || only(m.params, { cursor: isString }));

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
   * not see (under an id of our own, so its one answer is recognised and dropped) and every
   * message that waited, in order; then it reads on by itself.
   */
  async handOver(server: { connect(transport: Transport): Promise<void> }, transport: HandOverTarget): Promise<void> {
    const replayId = `agentpmt-early-initialize-${randomUUID()}`;
    const early = this.answered;
    let replayAnswered = false;
    const send = transport.send.bind(transport);
    transport.send = async (message, options) => {
      if (!replayAnswered && early && 'id' in message && message.id === replayId) {
        replayAnswered = true;
        const server = 'result' in message ? JSON.parse(JSON.stringify(message.result)) : message;
        if (!isDeepStrictEqual(server, JSON.parse(JSON.stringify(early)))) log.error("the early initialize answer differs from the server's own: report this bug", { early, server });
        return;
      }
      return send(message, options);
    };
    // The lines are already being read, so connecting leaves them to us until what waited has been given to the server.
    await server.connect(transport);
    if (this.initialize) {
      const refused = transport.receive({ ...this.initialize, id: replayId }, { quiet: true });
      if (refused) log.error('the server refused the initialize answered early: report this bug', { reason: refused.message });
    }
    for (const value of this.waiting.splice(0)) transport.receive(value);
    this.lines.receive = (value) => transport.receive(value);
  }
}

/** The transport the server is connected to: it checks each message as the SDK will, and can do so without answering a refusal. */
export type HandOverTarget = Transport & { receive(value: unknown, opts?: { quiet?: boolean }): RpcProblem | undefined; lines: StdioLines };
