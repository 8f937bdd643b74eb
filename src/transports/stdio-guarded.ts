import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../core/log.js';
import { INVALID_REQUEST, jsonRpcProblem, leadingId, PARSE_ERROR } from './jsonrpc-check.js';

/** Default largest message: the SDK's own stdio limit, but refused per message rather than closing the connection. */
export const STDIO_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Bytes of an oversized message kept to find its id. */
const ID_PREFIX_BYTES = 4096;

/**
 * Newline-delimited JSON-RPC over stdin/stdout, in place of the SDK's
 * StdioServerTransport, which drops a line it cannot parse or validate without a
 * reply (the client waits forever) and closes the whole connection when one
 * message is over its buffer limit (the server exits 0, silently). Here every
 * line gets either the SDK's answer or a JSON-RPC error, and the server keeps serving.
 */
export class GuardedStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  private parts: Buffer[] = [];
  private size = 0;
  /** Set while skipping the rest of an oversized line: its first bytes, for the id. */
  private oversized: Buffer | undefined;
  private started = false;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxMessageBytes = STDIO_MAX_MESSAGE_BYTES,
  ) {}

  private readonly onData = (chunk: Buffer): void => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      this.take(piece);
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  };

  private readonly onError = (error: Error): void => {
    this.onerror?.(error);
  };

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.oversized) return;
    if (this.size + piece.length > this.maxMessageBytes) {
      this.oversized = Buffer.concat([...this.parts, piece]).subarray(0, ID_PREFIX_BYTES);
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private endLine(): void {
    if (this.oversized) {
      const id = leadingId(this.oversized.toString('utf8'));
      this.oversized = undefined;
      log.warn('stdio message refused: larger than the limit', { limitBytes: this.maxMessageBytes, id });
      this.reply(INVALID_REQUEST, `Invalid Request: message larger than ${this.maxMessageBytes} bytes refused`, id);
      return;
    }
    const line = Buffer.concat(this.parts).toString('utf8').replace(/\r$/, '');
    this.parts = [];
    this.size = 0;
    if (line.trim() === '') return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      log.warn('stdio message refused: not valid JSON', { bytes: line.length });
      this.reply(PARSE_ERROR, 'Parse error: the line is not valid JSON', null);
      return;
    }
    const problem = jsonRpcProblem(msg);
    if (problem) {
      log.warn('stdio message refused', { code: problem.code, reason: problem.message, id: problem.id });
      if (problem.reply) this.reply(problem.code, problem.message, problem.id);
      return;
    }
    this.onmessage?.(msg as JSONRPCMessage);
  }

  private reply(code: number, message: string, id: string | number | null): void {
    void this.send({ jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('GuardedStdioTransport already started');
    this.started = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.parts = [];
    this.oversized = undefined;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(JSON.stringify(message) + '\n')) resolve();
      else this.stdout.once('drain', resolve);
    });
  }
}
