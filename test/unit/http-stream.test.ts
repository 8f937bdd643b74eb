import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/core/http-client.js';

/** HttpClient.stream: the core's streaming path (Server-Sent Events) through the same pools. */
describe('HttpClient.stream', () => {
  let server: Server;
  let origin = '';
  let closedAt = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"n":1}\n\n');
        const t = setInterval(() => res.write('data: {"n":2}\n\n'), 50);
        res.on('close', () => {
          clearInterval(t);
          closedAt = Date.now();
        });
        return;
      }
      res.writeHead(422, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ detail: [{ loc: ['body', 'name'], msg: 'Field required' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('an answer that is not an event stream comes back whole, parsed like request()', async () => {
    const http = new HttpClient({ timeoutMs: 2000, maxRetries: 0 });
    const r = await http.stream({ origin, method: 'POST', path: '/json', body: '{}', idempotent: false });
    expect(r.kind).toBe('response');
    if (r.kind === 'response') {
      expect(r.response.status).toBe(422);
      expect(r.response.json).toEqual({ detail: [{ loc: ['body', 'name'], msg: 'Field required' }] });
      expect(r.response.retryAfterSeconds).toBe(7);
    }
    await http.destroy();
  });

  it('an event stream is read chunk by chunk; aborting the signal closes the connection at once', async () => {
    const http = new HttpClient({ timeoutMs: 2000, maxRetries: 0 });
    const ac = new AbortController();
    const r = await http.stream({ origin, method: 'POST', path: '/sse', body: '{}', idempotent: false, signal: ac.signal });
    expect(r.kind).toBe('stream');
    if (r.kind !== 'stream') return;
    let seen = '';
    let abortedAt = 0;
    await expect(
      (async () => {
        for await (const chunk of r.stream.body) {
          seen += chunk.toString();
          if (seen.includes('"n":2') && !abortedAt) {
            abortedAt = Date.now();
            ac.abort();
          }
        }
      })(),
    ).rejects.toThrow();
    const deadline = Date.now() + 1000;
    while (!closedAt && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(closedAt - abortedAt).toBeLessThan(500);
    await http.destroy();
  });
});
