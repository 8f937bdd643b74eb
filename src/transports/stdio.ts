import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { log } from '../core/log.js';
import { drain, onStopSignal } from './shutdown.js';
import { EarlyStdioFront, type EarlyAnswers } from './stdio-early.js';
import { StdioLines } from './stdio-lines.js';

/** The running server behind stdio, built once the host needs more than the early answers. */
export interface StdioApp {
  server: McpServer;
  /** Tool calls still running. */
  inflight: { count: number };
  /** Stops payments still waiting for the platform (recorded as unknown, answered). */
  stopPayments(): void;
  close(): Promise<void>;
}

/**
 * Serves one client over stdin/stdout; resolves when the client goes away or a signal
 * arrives. Until the server is built, `early` answers initialize and tools/list (a host
 * waits for those at launch) and every other message waits for the server, in order.
 * Running tool calls get most of `graceMs` to finish; payments still waiting for the
 * platform are then stopped (recorded as unknown, the caller answered "outcome unknown,
 * will be reconciled"), so the whole shutdown stays within `graceMs`.
 */
export async function serveStdio(opts: { early: EarlyAnswers; build(): Promise<StdioApp>; graceMs: number; lines?: StdioLines }): Promise<void> {
  const lines = opts.lines ?? new StdioLines();
  let transportClosed: (why: string) => void = () => undefined;
  const closed = new Promise<string>((resolve) => {
    transportClosed = resolve;
    void lines.ended.then(() => resolve('stdin closed'));
    onStopSignal(resolve);
  });
  const front = new EarlyStdioFront(lines, opts.early);
  front.listen();
  if ((await Promise.race([front.needed.then(() => 'needed'), closed])) !== 'needed') {
    lines.stop();
    return;
  }
  const [app, { GuardedStdioTransport }] = await Promise.all([opts.build(), import('./stdio-guarded.js')]).catch((err: unknown) => {
    lines.stop(); // stdin, already read for the early answers, must not keep a server that failed to start alive
    throw err;
  });
  const transport = new GuardedStdioTransport(lines);
  transport.onclose = () => transportClosed('transport closed');
  await front.handOver(app.server, transport);
  log.info('serving MCP over stdio');
  const why = await closed;
  // Messages handed over just now reach their handlers a tick later: let them start, so the drain waits for them.
  await new Promise((resolve) => setImmediate(resolve));
  await drain(app.inflight, opts.graceMs, app.stopPayments, why);
  await app.server.close().catch(() => undefined);
  await app.close();
}
