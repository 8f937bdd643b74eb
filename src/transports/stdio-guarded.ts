import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../core/log.js';
import { jsonRpcProblem } from './jsonrpc-check.js';
import type { RpcProblem } from './jsonrpc-frame.js';
import { StdioLines } from './stdio-lines.js';

/**
 * Newline-delimited JSON-RPC over stdin/stdout, in place of the SDK's
 * StdioServerTransport, which drops a line it cannot parse or validate without a
 * reply (the client waits forever) and closes the whole connection when one
 * message is over its buffer limit (the server exits 0, silently). Here every
 * line gets either the SDK's answer or a JSON-RPC error, and the server keeps serving.
 *
 * It can be connected to lines already being read (the early answers read them first):
 * `start` then leaves them to whoever reads them, who hands them over (stdio-early.ts).
 */
export class GuardedStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  private started = false;

  constructor(readonly lines: StdioLines = new StdioLines()) {}

  /**
   * One parsed line: checked the way the SDK will check it, so every message it would drop
   * gets an answer (`quiet`: returned to the caller instead, for a message the client did not send).
   */
  receive(value: unknown, opts: { quiet?: boolean } = {}): RpcProblem | undefined {
    const problem = jsonRpcProblem(value);
    if (problem) {
      if (opts.quiet) return problem;
      log.warn('stdio message refused', { code: problem.code, reason: problem.message, id: problem.id });
      if (problem.reply) this.lines.replyError(problem.code, problem.message, problem.id);
      return problem;
    }
    this.onmessage?.(value as JSONRPCMessage);
    return undefined;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('GuardedStdioTransport already started');
    this.started = true;
    this.lines.onerror = (error) => this.onerror?.(error);
    if (this.lines.isReading) return;
    this.lines.receive = (value) => this.receive(value);
    this.lines.start();
  }

  async close(): Promise<void> {
    this.lines.stop();
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.lines.send(message);
  }
}
