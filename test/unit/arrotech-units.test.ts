import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/core/http-client.js';
import { log } from '../../src/core/log.js';
import { ArrotechAuth } from '../../src/platforms/arrotech/auth.js';
import { rateLimitFailure } from '../../src/platforms/arrotech/errors.js';
import { REDACTED, redactCredentials } from '../../src/platforms/arrotech/redact.js';
import { readSse } from '../../src/platforms/arrotech/stream.js';
import { knownSecrets } from '../helpers.js';

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('Arrotech SSE reader', () => {
  it('reads data frames split across chunks, CRLF or LF, with event names, comments and multi-line data', async () => {
    const events = await collect(readSse(chunks('data: {"type":"st', 'art"}\r\n\r\n: keep-alive\n\nevent: tok', 'en\ndata: hel\ndata: lo\n\n', 'data: {"type":"complete","result":1}')));
    expect(events).toEqual([{ data: { type: 'start' } }, { event: 'token', data: 'hel\nlo' }, { data: { type: 'complete', result: 1 } }]);
  });
});

describe('Arrotech credential redaction', () => {
  it('replaces token previews, keys and environment values; keeps flags and everything else', () => {
    const out = redactCredentials({
      success: true,
      data: { whatsapp_token_preview: 'EAAG...9f', whatsapp_token_set: true, phone_number_id: '123', docker_env_vars: { WHATSAPP_TOKEN: 'full', ENVIRONMENT: 'prod' }, nested: [{ api_key: 'k-123' }] },
    });
    expect(out).toEqual({ success: true, data: { whatsapp_token_preview: REDACTED, whatsapp_token_set: true, phone_number_id: '123', docker_env_vars: { WHATSAPP_TOKEN: REDACTED, ENVIRONMENT: REDACTED }, nested: [{ api_key: REDACTED }] } });
  });
});

describe('Arrotech rate limit failure', () => {
  it('names the limit from X-RateLimit-Limit, or the documented tiers, and the Retry-After wait', () => {
    const res = (headers: Record<string, string>, retry?: number): HttpResponse => ({ status: 429, headers, contentType: 'application/json', kind: 'json', json: { detail: 'Too many requests' }, text: '', ...(retry !== undefined ? { retryAfterSeconds: retry } : {}) });
    const free = rateLimitFailure(res({ 'x-ratelimit-limit': '100' }, 3600));
    expect(free.message).toContain('100 requests per day (the free tier)');
    expect(free.retry_after_seconds).toBe(3600);
    expect(free.next_step).toContain('wait 3600 s');
    expect(rateLimitFailure(res({})).message).toContain('100/day on the free tier, 10,000/day on pro');
  });
});

describe('Arrotech managed login', () => {
  const jwtFor = (expSeconds: number, n: number) => `h.${Buffer.from(JSON.stringify({ sub: 'a@b.c', exp: expSeconds, n })).toString('base64url')}.sig${n}`;
  function fakeHttp(now: () => number, ttl: number) {
    const calls: HttpRequest[] = [];
    let n = 0;
    const http = {
      request: async (req: HttpRequest): Promise<HttpResponse> => {
        calls.push(req);
        await new Promise((r) => setTimeout(r, 10));
        const token = jwtFor((now() + ttl) / 1000, ++n);
        knownSecrets.add(token);
        return { status: 200, headers: {}, contentType: 'application/json', kind: 'json', json: { access_token: token, token_type: 'bearer' }, text: '' };
      },
    };
    return { http: http as unknown as HttpClient, calls };
  }
  const config = loadConfig({}, { ARROTECH_EMAIL: 'a@b.c', ARROTECH_PASSWORD: 'pw-unit-test-secret', AGENTPMT_HOME: '/tmp/arrotech-unit' });
  knownSecrets.add('pw-unit-test-secret');

  it('one login for concurrent callers; refresh inside the renewal window; a new login after expiry; the token is a logged secret', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const { http, calls } = fakeHttp(now, 100_000);
    const auth = new ArrotechAuth(config, http, now);
    const tokens = await Promise.all([auth.bearer(), auth.bearer(), auth.bearer()]);
    expect(new Set(tokens).size).toBe(1);
    expect(calls.map((c) => c.path)).toEqual(['/auth/login']);
    expect(log.scrub(`token ${tokens[0]}`)).toBe('token [redacted]');
    clock += 50_000; // well before renewal (80 s)
    expect(await auth.bearer()).toBe(tokens[0]);
    clock += 35_000; // 85 s: inside the window, not expired
    const renewed = await auth.bearer();
    expect(renewed).not.toBe(tokens[0]);
    expect(calls.at(-1)!.path).toBe('/auth/refresh');
    expect(calls.at(-1)!.headers?.authorization).toBe(`Bearer ${tokens[0]}`);
    clock += 200_000; // expired: refreshing is pointless
    await auth.bearer();
    expect(calls.at(-1)!.path).toBe('/auth/login');
    expect(JSON.parse(calls.at(-1)!.body!)).toEqual({ email: 'a@b.c', password: 'pw-unit-test-secret' });
  });

  it('after a 401 the rejected token is dropped and the next bearer logs in again', async () => {
    const { http, calls } = fakeHttp(Date.now, 1_800_000);
    const auth = new ArrotechAuth(config, http);
    const first = await auth.bearer();
    expect(auth.rejected(first)).toBe(true);
    expect(await auth.bearer()).not.toBe(first);
    expect(calls.filter((c) => c.path === '/auth/login')).toHaveLength(2);
  });

  it('a refused login is not retried for a minute: repeated wrong passwords must not lock the account', async () => {
    let clock = 5_000_000;
    const calls: HttpRequest[] = [];
    const http = {
      request: async (req: HttpRequest): Promise<HttpResponse> => {
        calls.push(req);
        return { status: 401, headers: {}, contentType: 'application/json', kind: 'json', json: { detail: 'Incorrect email or password' }, text: '' };
      },
    } as unknown as HttpClient;
    const auth = new ArrotechAuth(config, http, () => clock);
    await expect(auth.bearer()).rejects.toMatchObject({ failure: { code: 'login_failed', status: 401 } });
    await expect(auth.bearer()).rejects.toMatchObject({ failure: { code: 'login_failed', message: expect.stringContaining('not retried') } });
    expect(calls).toHaveLength(1);
    clock += 61_000;
    await expect(auth.bearer()).rejects.toMatchObject({ failure: { code: 'login_failed' } });
    expect(calls).toHaveLength(2);
  });
});
