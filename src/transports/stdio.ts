import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { log } from '../log.js';
import { GuardedStdioTransport } from './stdio-guarded.js';

/**
 * Serves one client over stdin/stdout; resolves when the client goes away or a
 * signal arrives, after letting running tool calls finish (bounded), so that a
 * payment in flight gets its outcome recorded.
 */
export async function serveStdio(server: McpServer, inflight: { count: number } = { count: 0 }, graceMs = 10_000): Promise<void> {
  const transport = new GuardedStdioTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.connect(transport);
  log.info('serving MCP over stdio');
  await closed;
  const deadline = Date.now() + graceMs;
  while (inflight.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (inflight.count > 0) log.warn('exiting with tool calls still running', { calls: inflight.count });
  await server.close().catch(() => undefined);
}
