import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { earlyAnswers } from '../../src/early-answers.js';
import { log, type LogEntry } from '../../src/core/log.js';
import { createMcpServer, createSharedRuntime, type Runtime } from '../../src/server.js';
import { EarlyStdioFront, type EarlyAnswers } from '../../src/transports/stdio-early.js';
import { GuardedStdioTransport } from '../../src/transports/stdio-guarded.js';
import { StdioLines } from '../../src/transports/stdio-lines.js';

const config = loadConfig({}, { AGENTPMT_HOME: '/tmp/agentpmt-stdio-early-test', AGENTPMT_API_URL: 'http://127.0.0.1:9', AGENTPMT_WEB_URL: 'http://127.0.0.1:9' });
let shared: Runtime;
let answers: EarlyAnswers;
beforeAll(async () => {
  shared = await createSharedRuntime(config);
  answers = await earlyAnswers(config);
});
afterAll(async () => shared.close());

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } };

/** A front over in-memory stdin/stdout, and what it wrote, message by message. */
function harness(early: EarlyAnswers = answers) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const out: Record<string, unknown>[] = [];
  let buf = '';
  stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      out.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
  });
  const lines = new StdioLines(stdin, stdout);
  const front = new EarlyStdioFront(lines, early);
  front.listen();
  const send = (m: unknown) => stdin.write(JSON.stringify(m) + '\n');
  const settle = () => new Promise((r) => setTimeout(r, 30));
  const answerTo = (id: unknown) => out.filter((m) => m.id === id);
  const handOver = async () => {
    const server = createMcpServer(shared);
    await front.handOver(server, new GuardedStdioTransport(lines));
    return server;
  };
  return { front, send, settle, out, answerTo, handOver, stdin };
}

describe('the stdio front (answers before the server loads)', () => {
  it('answers initialize and tools/list at once, then hands the server the initialize it missed and everything that waited, in order', async () => {
    const h = harness();
    let needed = '';
    void h.front.needed.then((why) => (needed = why));
    h.send(INIT);
    h.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    h.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await h.settle();
    expect(h.answerTo(1)).toEqual([{ jsonrpc: '2.0', id: 1, result: answers.initialize('2025-06-18') }].map((m) => JSON.parse(JSON.stringify(m))));
    expect((h.answerTo(2)[0]?.result as { tools: unknown[] }).tools).toHaveLength(answers.tools!.tools.length);
    expect(needed).toBe('tools listed');
    // Before the server exists: these wait.
    h.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    h.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'marketplace_describe', arguments: {} } });
    await h.settle();
    expect(h.answerTo(3)).toEqual([]);
    const server = await h.handOver();
    h.send({ jsonrpc: '2.0', id: 5, method: 'ping' });
    for (let i = 0; i < 500 && h.answerTo(4).length === 0; i++) await h.settle();
    await h.settle();
    // The server saw the client's capabilities (elicitation reaches payments) ...
    expect(server.server.getClientCapabilities()?.elicitation).toBeDefined();
    // ... its own initialize answer was not sent a second time, and the waiting requests were answered in order.
    const ids = h.out.map((m) => m.id).filter((id) => id !== undefined);
    expect([...ids].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(ids.indexOf(3)).toBeLessThan(ids.indexOf(5)); // a tool call may take longer than a ping
    expect(h.answerTo(4)[0]?.result).toBeDefined();
    await server.close();
  });

  it('leaves an initialize it cannot vouch for to the server, which refuses it itself', async () => {
    const h = harness();
    h.send({ ...INIT, params: { protocolVersion: '2025-06-18', capabilities: {} } }); // no clientInfo
    await h.settle();
    expect(h.out).toEqual([]);
    expect(await h.front.needed).toBe('a message for the server');
    const server = await h.handOver();
    await h.settle();
    expect(h.answerTo(1)[0]).toMatchObject({ error: { code: -32602 } });
    await server.close();
  });

  it.each([
    ['icons of the wrong type', { ...INIT, params: { ...INIT.params, clientInfo: { name: 't', version: '1', icons: 'x' } } }, -32602],
    ['a member the request schema does not have', { ...INIT, extra: 1 }, -32600],
    ['sampling declared with a non-object', { ...INIT, params: { ...INIT.params, capabilities: { sampling: { tools: true } } } }, -32602],
  ])('leaves an initialize with %s to the SDK, which refuses it under the client’s own id', async (_, init, code) => {
    const h = harness();
    h.send(init);
    h.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    await h.settle();
    expect(h.out).toEqual([]);
    const server = await h.handOver();
    await h.settle();
    expect(h.out.filter((m) => 'id' in m).map((m) => m.id)).toEqual([1, 2]); // (the refusal is also logged, as a notification)
    expect(h.answerTo(1)[0]).toMatchObject({ error: { code } });
    await server.close();
  });

  it('answers a client request whatever its id, the id of the replayed initialize included', async () => {
    const h = harness();
    h.send(INIT);
    await h.settle();
    const server = await h.handOver();
    for (const id of ['agentpmt-early-initialize', 'agentpmt-early-initialize-0', 1]) h.send({ jsonrpc: '2.0', id, method: 'ping' });
    await h.settle();
    expect(h.out.map((m) => m.id)).toEqual([1, 'agentpmt-early-initialize', 'agentpmt-early-initialize-0', 1]);
    await server.close();
  });

  it('leaves tools/list to the server before initialize, and when tools join at run time', async () => {
    const before = harness();
    before.send({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    await before.settle();
    expect(before.out).toEqual([]);
    const runTime = harness({ initialize: answers.initialize });
    runTime.send(INIT);
    runTime.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await runTime.settle();
    expect(runTime.out.map((m) => m.id)).toEqual([1]);
    const server = await runTime.handOver();
    await runTime.settle();
    expect((runTime.answerTo(2)[0]?.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
    await server.close();
    const s2 = await before.handOver();
    await before.settle();
    expect(before.answerTo(7)).toHaveLength(1);
    await s2.close();
  });

  it('says loudly when its initialize answer and the server’s differ (a bug), without sending the second one', async () => {
    const errors: LogEntry[] = [];
    const stop = log.addListener((e) => void (e.level === 'error' && errors.push(e)));
    const h = harness({ ...answers, initialize: (v) => ({ ...answers.initialize(v), instructions: 'something else' }) });
    h.send(INIT);
    await h.settle();
    const server = await h.handOver();
    await h.settle();
    stop();
    expect(h.answerTo(1)).toHaveLength(1);
    expect(errors.map((e) => e.msg)).toEqual([expect.stringMatching(/early initialize answer differs/)]);
    await server.close();
  });

  it('answers a line that is not JSON at once, and keeps reading', async () => {
    const h = harness();
    h.stdin.write('{not json\n');
    h.send(INIT);
    await h.settle();
    expect(h.out.map((m) => m.id)).toEqual([null, 1]);
  });
});

describe('serveStdio', () => {
  it('lets go of stdin when the server fails to start after the early answers, so the process can exit', async () => {
    const { serveStdio } = await import('../../src/transports/stdio.js');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    stdout.resume();
    const lines = new StdioLines(stdin, stdout);
    const serving = serveStdio({ early: answers, graceMs: 1000, lines, build: () => Promise.reject(new Error('platform failed to start')) });
    stdin.write(JSON.stringify(INIT) + '\n');
    stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) + '\n');
    await expect(serving).rejects.toThrow('platform failed to start');
    expect(stdin.listenerCount('data')).toBe(0);
  });
});
