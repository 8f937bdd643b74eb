import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineEndpoint } from '../../src/platforms/agentpmt/tools/types.js';
import { loadConfig } from '../../src/config.js';
import type { RuntimeContext } from '../../src/platforms/agentpmt/context.js';
import { ToolFailureError } from '../../src/core/errors.js';
import { execute, requestFor } from '../../src/platforms/agentpmt/executor.js';
import { HttpClient } from '../../src/core/http-client.js';

/** A scripted origin: each test says how the next requests are answered and reads what was sent. */
type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
let script: Reply[] = [];
let seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
let server: http.Server;
let origin: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const r = script.shift() ?? { status: 200, body: '{"ok":true}' };
      setTimeout(() => {
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body ?? '');
      }, r.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  script = [];
  seen = [];
});

function ctxWith(http: HttpClient, env: Record<string, string> = {}): RuntimeContext {
  const config = loadConfig({}, { AGENTPMT_API_URL: origin, AGENTPMT_WEB_URL: origin, AGENTPMT_HOME: '/tmp/agentpmt-executor-test', ...env });
  return { config, http, instance: {}, progress: async () => undefined } as unknown as RuntimeContext;
}
const client = (over: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) => new HttpClient({ timeoutMs: 2000, maxRetries: 2, maxRetryWaitMs: 2000, ...over });

const decl = defineEndpoint({
  name: 'thing_update',
  title: 'Update a thing',
  description: 'test',
  toolset: 'account',
  method: 'POST',
  origin: 'api',
  path: '/things/{thing_id}',
  auth: 'account',
  input: { thing_id: z.string(), page: z.number().optional(), trace: z.string().optional(), name: z.string().optional(), request_id: z.string().optional() },
  query: ['page'],
  headers: { trace: 'x-trace' },
  idempotencyKey: 'request_id',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
});

describe('requestFor: one declaration → one request', () => {
  it('fills and encodes the path, sends query, header and body arguments where declared, and the bearer token', async () => {
    const h = client();
    const res = await requestFor(decl, { thing_id: 'a/b c', page: 2, trace: 't-1', name: 'x', extra: undefined }, ctxWith(h, { AGENTPMT_BEARER_TOKEN: 'tok-123456' }));
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/things/a%2Fb%20c?page=2');
    expect(seen[0]!.headers['x-trace']).toBe('t-1');
    expect(seen[0]!.headers.authorization).toBe('Bearer tok-123456');
    expect(JSON.parse(seen[0]!.body)).toEqual({ name: 'x' });
    await h.close();
  });

  it('the legacy keys become base64("api:budget") as the bearer; no credential is a named error before any request', async () => {
    const h = client();
    await requestFor(decl, { thing_id: '1' }, ctxWith(h, { AGENTPMT_API_KEY: 'key-1', AGENTPMT_BUDGET_KEY: 'bud-1' }));
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${Buffer.from('key-1:bud-1').toString('base64')}`);
    await expect(requestFor(decl, { thing_id: '1' }, ctxWith(h))).rejects.toMatchObject({ failure: { code: 'missing_credential' } });
    expect(seen).toHaveLength(1);
    await h.close();
  });

  it('a POST without its idempotency key is sent once even on 503; with the key it is retried', async () => {
    const h = client();
    const ctx = ctxWith(h, { AGENTPMT_BEARER_TOKEN: 'tok-123456' });
    script = [{ status: 503, body: '{"detail":"busy"}' }];
    await expect(requestFor(decl, { thing_id: '1' }, ctx)).rejects.toMatchObject({ failure: { status: 503 } });
    expect(seen).toHaveLength(1);
    seen = [];
    script = [{ status: 503, body: '{}' }, { status: 503, body: '{}' }, { status: 200, body: '{"done":1}' }];
    const res = await requestFor(decl, { thing_id: '1', request_id: 'r-1' }, ctx);
    expect(res.json).toEqual({ done: 1 });
    expect(seen).toHaveLength(3);
    await h.close();
  });

  it('platform errors become the one error model through execute, never a thrown exception', async () => {
    const h = client();
    script = [{ status: 422, body: JSON.stringify({ detail: [{ loc: ['body', 'name'], msg: 'Field required' }] }) }];
    const r = await execute(decl, { thing_id: '1' }, ctxWith(h, { AGENTPMT_BEARER_TOKEN: 'tok-123456' }));
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.structuredContent)).toMatch(/body\.name: Field required/);
    await h.close();
  });
});

describe('HttpClient', () => {
  const get = { method: 'GET' as const, path: '/x', idempotent: true };

  it('retries idempotent requests on 429/502/503/504, honouring a short Retry-After', async () => {
    const h = client();
    script = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: '{"a":1}' }];
    const t0 = Date.now();
    const res = await h.request({ origin, ...get });
    expect(res.json).toEqual({ a: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(seen).toHaveLength(2);
    await h.close();
  });

  it('a Retry-After longer than it will sit out is handed back, not waited for', async () => {
    const h = client();
    script = [{ status: 503, headers: { 'retry-after': '120' } }];
    const res = await h.request({ origin, ...get });
    expect(res.status).toBe(503);
    expect(res.retryAfterSeconds).toBe(120);
    expect(seen).toHaveLength(1);
    await h.close();
  });

  it('stops reading a response over the size cap', async () => {
    const h = client({ maxResponseBytes: 1024 });
    script = [{ status: 200, body: JSON.stringify({ big: 'x'.repeat(5000) }) }];
    await expect(h.request({ origin, ...get })).rejects.toMatchObject({ failure: { code: 'response_too_large' } });
    await h.close();
  });

  it('a body labelled JSON that does not parse is a named platform fault', async () => {
    const h = client();
    script = [{ status: 200, body: '{"half":' }];
    await expect(h.request({ origin, ...get })).rejects.toMatchObject({ failure: { code: 'unparsable_response' } });
    await h.close();
  });

  it('a timeout is retried for idempotent requests and then named; a non-idempotent one says it may have been applied', async () => {
    const h = client({ timeoutMs: 200, maxRetries: 1 });
    script = [{ status: 200, delayMs: 600 }, { status: 200, delayMs: 600 }];
    const err = await h.request({ origin, ...get }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolFailureError);
    expect((err as ToolFailureError).failure.code).toBe('timeout');
    expect(seen).toHaveLength(2);
    seen = [];
    script = [{ status: 200, delayMs: 600 }];
    const post = await h.request({ origin, method: 'POST', path: '/y', body: '{}', idempotent: false }).catch((e: unknown) => e);
    expect((post as ToolFailureError).failure.next_step).toMatch(/may or may not have been applied/);
    expect(seen).toHaveLength(1);
    await h.destroy();
  });
});
