import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import { log } from '../core/log.js';
import { INVALID_REQUEST, leadingId, PARSE_ERROR } from './jsonrpc-frame.js';

/** Default largest message: the SDK's own stdio limit, but refused per message rather than closing the connection. */
export const STDIO_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Bytes of an oversized message kept to find its id. */
const ID_PREFIX_BYTES = 4096;

/**
 * Newline-delimited JSON over stdin/stdout: one parsed value per line to `receive`.
 * A line that is not JSON, or is over the size limit, is answered with a JSON-RPC
 * error here (the client would otherwise wait forever) and the stream keeps going.
 * Who receives can change while reading goes on (the early answers, then the server).
 */
export class StdioLines {
  /** Where each parsed line goes. */
  receive: (value: unknown) => void = () => undefined;
  onerror?: (error: Error) => void;

  private parts: Buffer[] = [];
  private size = 0;
  /** Set while skipping the rest of an oversized line: its first bytes, for the id. */
  private oversized: Buffer | undefined;
  private reading = false;

  /** Resolves when the client closes its end (stdin ends). */
  readonly ended: Promise<void>;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxMessageBytes = STDIO_MAX_MESSAGE_BYTES,
  ) {
    this.ended = new Promise((resolve) => stdin.once('end', () => resolve()));
  }

  get isReading(): boolean {
    return this.reading;
  }

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
      this.replyError(INVALID_REQUEST, `Invalid Request: message larger than ${this.maxMessageBytes} bytes refused`, id);
      return;
    }
    const line = Buffer.concat(this.parts).toString('utf8').replace(/\r$/, '');
    this.parts = [];
    this.size = 0;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      log.warn('stdio message refused: not valid JSON', { bytes: line.length });
      this.replyError(PARSE_ERROR, 'Parse error: the line is not valid JSON', null);
      return;
    }
    this.receive(value);
  }

  replyError(code: number, message: string, id: string | number | null): void {
    void this.send({ jsonrpc: '2.0', id, error: { code, message } });
  }

  start(): void {
    if (this.reading) return;
    this.reading = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  stop(): void {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.parts = [];
    this.oversized = undefined;
    this.reading = false;
  }

  send(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(JSON.stringify(message) + '\n')) resolve();
      else this.stdout.once('drain', resolve);
    });
  }
}
