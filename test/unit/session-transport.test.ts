import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { SessionTransport } from '../../src/transports/session-transport.js';

/**
 * The direct path of an HTTP session (src/transports/session-transport.ts): a request handed
 * to the server answers as one JSON-RPC message, and a request that will never be answered
 * (cancelled by the client, or its session closed) still ends instead of holding its HTTP
 * request open forever.
 */
async function session() {
  const server = new McpServer({ name: 't', version: '1' });
  let release: (() => void) | undefined;
  server.registerTool('slow', { description: 'waits until released or cancelled' }, (extra) =>
    new Promise<CallToolResult>((resolve) => {
      release = () => resolve({ content: [{ type: 'text', text: 'released' }] });
      extra.signal.addEventListener('abort', () => resolve({ content: [{ type: 'text', text: 'aborted' }] }));
    }),
  );
  server.registerTool('quick', { description: 'answers at once' }, () => ({ content: [{ type: 'text', text: 'quick' }] }));
  server.registerTool('reports', { description: 'reports progress, then answers' }, async (extra) => {
    await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta?.progressToken ?? 0, progress: 1, total: 2 } });
    return { content: [{ type: 'text', text: 'reported' }] };
  });
  const transport = new SessionTransport(new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => 's1' }));
  await server.connect(transport);
  const events: JSONRPCMessage[] = [];
  const call = (id: number, name: string, meta?: Record<string, unknown>) =>
    new Promise<JSONRPCMessage>((answer) => transport.handle({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, ...(meta ? { _meta: meta } : {}) } }, {}, { answer, event: (m) => events.push(m) }));
  return { transport, call, events, release: () => release?.() };
}

describe('an HTTP session answering directly', () => {
  it('answers a request with its result, and several at once each with its own', async () => {
    const s = await session();
    const [a, b] = await Promise.all([s.call(1, 'quick'), s.call(2, 'quick')]);
    expect(a).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'quick' }] } });
    expect(b).toEqual({ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'quick' }] } });
    const slow = s.call(3, 'slow');
    await new Promise((r) => setTimeout(r, 20));
    s.release();
    expect(await slow).toEqual({ jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'released' }] } });
  });

  it('what the server sends about a request (progress) reaches its reply before the answer; nothing else does', async () => {
    const s = await session();
    const answered = await s.call(5, 'reports', { progressToken: 'p5' });
    expect(s.events).toEqual([{ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p5', progress: 1, total: 2 } }]);
    expect(answered).toMatchObject({ id: 5 });
    await s.call(6, 'quick');
    expect(s.events).toHaveLength(1);
  });

  it('a request the client cancels ends with a cancellation error (the server itself sends nothing)', async () => {
    const s = await session();
    const slow = s.call(7, 'slow');
    await new Promise((r) => setTimeout(r, 20));
    // The cancellation arrives as any notification does: through the SDK transport.
    s.transport.inner.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } });
    expect(await slow).toMatchObject({ id: 7, error: { code: -32800 } });
  });

  it('closing the session ends every request still waiting', async () => {
    const s = await session();
    const slow = s.call(9, 'slow');
    await new Promise((r) => setTimeout(r, 20));
    await s.transport.close();
    expect(await slow).toMatchObject({ id: 9, error: { code: -32000, message: expect.stringMatching(/session closed/i) } });
  });
});
