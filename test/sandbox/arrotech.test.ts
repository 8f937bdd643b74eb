import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArrotechSandbox, type ArrotechSandbox } from '../../src/platforms/arrotech/sandbox/index.js';
import { knownSecrets } from '../helpers.js';

/** The sandbox on its own: it rejects what Arrotech Hub would, whatever the client does. */
describe('Arrotech sandbox strictness', () => {
  let sandbox: ArrotechSandbox;
  let jwt: string;
  beforeAll(async () => {
    sandbox = await startArrotechSandbox();
    const res = await fetch(`${sandbox.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: sandbox.credentials.email, password: sandbox.credentials.password }) });
    jwt = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    for (const t of sandbox.issuedTokens) knownSecrets.add(t);
    await sandbox.close();
  });
  const get = (path: string, auth?: string) => fetch(`${sandbox.url}${path}`, auth ? { headers: { authorization: auth } } : {});

  it('auth: no header is 403, a tampered or alg:none token 401, a valid JWT or API key 200', async () => {
    expect((await get('/workflows/')).status).toBe(403);
    expect((await get('/workflows/', `Bearer ${jwt}`)).status).toBe(200);
    expect((await get('/workflows/', `Bearer ${sandbox.credentials.apiKey}`)).status).toBe(200);
    const [h, p] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: sandbox.credentials.otherEmail })).toString('base64url');
    expect((await get('/workflows/', `Bearer ${h}.${forged}.${jwt.split('.')[2]}`)).status).toBe(401);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await get('/workflows/', `Bearer ${none}.${p}.`)).status).toBe(401);
    // /auth/refresh takes a JWT, not an API key.
    expect((await fetch(`${sandbox.url}/auth/refresh`, { method: 'POST', headers: { authorization: `Bearer ${sandbox.credentials.apiKey}` } })).status).toBe(401);
  });

  it('expired tokens are refused with "Token has expired"', async () => {
    sandbox.setJwtTtl(0.2);
    const res = await fetch(`${sandbox.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: sandbox.credentials.email, password: sandbox.credentials.password }) });
    const short = ((await res.json()) as { access_token: string }).access_token;
    await new Promise((r) => setTimeout(r, 300));
    const denied = await get('/workflows/', `Bearer ${short}`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ detail: 'Token has expired' });
    sandbox.setJwtTtl(1800);
  });

  it('FastAPI validation: 422 naming the field, non-JSON bodies, route misses and wrong methods', async () => {
    const post = (path: string, body: string, type = 'application/json') => fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': type }, body });
    const missing = await post('/connections/', JSON.stringify({ platform: 'slack', name: 'x' }));
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(['body', 'config']);
    expect((await post('/connections/', 'platform=slack', 'application/x-www-form-urlencoded')).status).toBe(422);
    expect((await post('/connections/', '{broken')).status).toBe(422);
    expect((await post('/connections/', '[1]')).status).toBe(422);
    const miss = await get('/nothing-here', `Bearer ${jwt}`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({ detail: 'Not Found' });
    expect((await fetch(`${sandbox.url}/workflows/create`, { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(422); // GET /workflows/{int id}
    expect((await fetch(`${sandbox.url}/templates/categories`, { method: 'PUT' })).status).toBe(405);
  });

  it('the daily limit answers 429 with Retry-After and X-RateLimit-Limit', async () => {
    sandbox.setDailyLimit(100, true);
    try {
      const res = await get('/workflows/', `Bearer ${jwt}`);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('x-ratelimit-limit')).toBe('100');
      // Public routes are not metered per user.
      expect((await get('/templates/categories')).status).toBe(200);
    } finally {
      sandbox.setDailyLimit(10_000);
    }
  });

  it('the bridge answers 200 success:false for a failed tool; the stream speaks SSE with start, status and a final event', async () => {
    const call = await fetch(`${sandbox.url}/mcp/call`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'nope', arguments: {} }) });
    expect(call.status).toBe(200);
    expect(await call.json()).toMatchObject({ success: false, error: "Tool 'nope' not found" });
    const stream = await fetch(`${sandbox.url}/mcp/call/stream`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'echo', arguments: { text: 'a' } }) });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const types = (await stream.text()).split('\n\n').filter(Boolean).map((f) => (JSON.parse(f.replace(/^data: /, '')) as { type: string }).type);
    expect(types).toEqual(['start', 'status', 'status', 'complete']);
  });
});
