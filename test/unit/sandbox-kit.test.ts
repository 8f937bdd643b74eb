import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxHttp, type SandboxHttp } from '../../src/sandbox-kit/server.js';
import { HttpError, json, sseEvent } from '../../src/sandbox-kit/http.js';
import { Router } from '../../src/sandbox-kit/router.js';

let kit: SandboxHttp<'a'> | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

function start(dispatch: Parameters<typeof createSandboxHttp<'a'>>[0]['dispatch']) {
  kit = createSandboxHttp<'a'>({ name: 'kit test', maxBodyBytes: 64, dispatch, errorFor: (path, status, message) => json(status, { detail: message, path }) });
  return kit.listen('a', 0);
}

describe('sandbox kit', () => {
  it('records requests, answers 413 past the body cap, and turns a thrown HttpError into its response', async () => {
    const { url } = await start(async (req) => {
      if (req.path === '/teapot') throw new HttpError(json(418, { detail: 'short and stout' }));
      return json(200, { path: req.path, query: req.query.get('q'), body: req.body.toString('utf8') });
    });
    const ok = await fetch(`${url}/echo?q=1`, { method: 'POST', body: 'hi' });
    expect(await ok.json()).toEqual({ path: '/echo', query: '1', body: 'hi' });
    const big = await fetch(`${url}/echo`, { method: 'POST', body: 'x'.repeat(65) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { detail: string }).detail).toMatch(/exceeds 64 bytes/);
    expect((await fetch(`${url}/teapot`)).status).toBe(418);
    expect(kit!.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/echo', 200],
      ['POST', '/echo', 413],
      ['GET', '/teapot', 418],
    ]);
  });

  it('applies a fault a limited number of times, and an unexpected throw is a 500 in the platform wording', async () => {
    const { url } = await start(async (req) => {
      if (req.path === '/boom') throw new Error('bug');
      return json(200, { ok: true });
    });
    kit!.addFault({ path: '/x*', status: 503, times: 1 });
    expect((await fetch(`${url}/xyz`)).status).toBe(503);
    expect((await fetch(`${url}/xyz`)).status).toBe(200);
    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ detail: 'Unexpected sandbox error.', path: '/boom' });
  });

  it('streams Server-Sent Events and tells the handler when the client goes away', async () => {
    let sawAbort = false;
    const { url } = await start(async () => ({
      status: 200,
      stream: async (write, signal) => {
        write(sseEvent('start', { n: 0 }));
        for (let i = 1; i < 100 && !signal.aborted; i++) {
          write(sseEvent('status', { n: i }));
          await kit!.sleep(20);
        }
        sawAbort = signal.aborted;
      },
    }));
    const ac = new AbortController();
    const res = await fetch(`${url}/s`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: start');
    ac.abort();
    await new Promise((r) => setTimeout(r, 150));
    expect(sawAbort).toBe(true);
  });

  it('close() cuts late answers short and returns', async () => {
    const { url } = await start(async () => {
      await kit!.sleep(60_000);
      return json(200, {});
    });
    const pending = fetch(`${url}/slow`).catch(() => 'closed');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await kit!.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
    await pending;
  });

  it('the router prefers the more literal pattern and reports the allowed methods', () => {
    const r = new Router<string, 'x'>('x');
    r.add({ method: 'GET', pattern: '/runs/:id', style: 'x', auth: 'none', handler: 'runs' });
    r.add({ method: 'GET', pattern: '/:a/:b', style: 'x', auth: 'none', handler: 'generic' });
    r.add({ method: 'POST', pattern: '/runs/:id/cancel', style: 'x', auth: 'none', handler: 'cancel' });
    const m = r.resolve('GET', '/runs/r%201');
    expect(m.kind === 'found' && [m.route.handler, m.params.id]).toEqual(['runs', 'r 1']);
    expect(r.resolve('GET', '/runs/1/cancel')).toEqual({ kind: 'method_not_allowed', allow: ['POST'], style: 'x' });
    expect(r.resolve('GET', '/nothing/here/at/all')).toEqual({ kind: 'not_found' });
  });
});
