import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { log } from '../core/log.js';
import { GuardedStdioTransport } from './stdio-guarded.js';
import { drain, onStopSignal } from './shutdown.js';

/**
 * Serves one client over stdin/stdout; resolves when the client goes away or a
 * signal arrives. Running tool calls get most of `graceMs` to finish; payments
 * still waiting for the platform are then stopped (recorded as unknown, the
 * caller answered "outcome unknown, will be reconciled"), so the whole
 * shutdown stays within `graceMs`.
 */
export async function serveStdio(server: McpServer, inflight: { count: number } = { count: 0 }, graceMs = 10_000, stopPayments: () => void = () => undefined): Promise<void> {
  const transport = new GuardedStdioTransport();
  const closed = new Promise<string>((resolve) => {
    transport.onclose = () => resolve('transport closed');
    process.stdin.once('end', () => resolve('stdin closed'));
    onStopSignal(resolve);
  });
  await server.connect(transport);
  log.info('serving MCP over stdio');
  const why = await closed;
  await drain(inflight, graceMs, stopPayments, why);
  await server.close().catch(() => undefined);
}
