import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog } from '../../src/platforms/agentpmt/tools/index.js';
import { isEndpoint } from '../../src/platforms/agentpmt/tools/types.js';
import { loadConfig, ConfigError, defaultHome } from '../../src/config.js';
import { accountBearerToken } from '../../src/platforms/agentpmt/auth.js';
import { normalizePlatformError } from '../../src/platforms/agentpmt/errors.js';
import { pathParamsOf } from '../../src/core/executor.js';
import { log } from '../../src/core/log.js';

describe('catalog', () => {
  it('every declaration is well formed', () => {
    const names = new Set<string>();
    for (const d of catalog) {
      expect(d.name).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
      expect(names.has(d.name)).toBe(false);
      names.add(d.name);
      for (const [field, schema] of Object.entries(d.input)) expect((schema as z.ZodType).description, `${d.name}.${field}`).toBeTruthy();
      expect(typeof d.annotations.readOnlyHint).toBe('boolean');
      if (!isEndpoint(d)) {
        // A composite tool declares what it needs instead of HTTP fields it would not use.
        expect(d.needs.length + (d.toolset === 'marketplace' ? 1 : 0)).toBeGreaterThan(0);
        expect(d).not.toHaveProperty('path');
        continue;
      }
      for (const p of pathParamsOf(d.path)) expect(Object.keys(d.input), `${d.name} lacks path param ${p}`).toContain(p);
      for (const q of d.query ?? []) expect(Object.keys(d.input)).toContain(q);
      if (d.method === 'GET') expect(d.annotations.readOnlyHint).toBe(true);
      if (d.auth === 'wallet') expect(d.signing, `${d.name} signs without a signing scope`).toBeDefined();
    }
  });
});

describe('config', () => {
  it('applies defaults', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ transport: 'stdio', host: '127.0.0.1', port: 3333, apiUrl: 'https://api.agentpmt.com', webUrl: 'https://www.agentpmt.com', logLevel: 'info' });
    expect(c.home).toBe(defaultHome({}));
  });
  it('flags win over env and trailing slashes are dropped', () => {
    const c = loadConfig({ apiUrl: 'http://127.0.0.1:9/' }, { AGENTPMT_API_URL: 'https://elsewhere.example' });
    expect(c.apiUrl).toBe('http://127.0.0.1:9');
  });
  it('names the setting in errors and never echoes a secret', () => {
    expect(() => loadConfig({}, { AGENTPMT_HTTP_TOKEN: 'short' })).toThrow(ConfigError);
    try {
      loadConfig({}, { AGENTPMT_HTTP_TOKEN: 'short', AGENTPMT_TIMEOUT_MS: '-5' });
    } catch (e) {
      expect((e as Error).message).toContain('AGENTPMT_HTTP_TOKEN');
      expect((e as Error).message).toContain('AGENTPMT_TIMEOUT_MS');
      expect((e as Error).message).not.toContain('short');
    }
  });
  it('builds the legacy bearer from api key and budget key as contracts §1 decides', () => {
    expect(accountBearerToken({ apiKey: 'k', budgetKey: 'b' })).toBe(Buffer.from('k:b').toString('base64'));
    expect(accountBearerToken({ bearerToken: 't', apiKey: 'k', budgetKey: 'b' })).toBe('t');
    expect(accountBearerToken({})).toBeUndefined();
  });
});

describe('error model', () => {
  it('normalizes all four envelopes', () => {
    expect(normalizePlatformError(422, { detail: [{ loc: ['body', 'product_id'], msg: 'Field required', type: 'missing' }] })).toMatchObject({
      status: 422,
      code: 'validation_error',
      message: expect.stringContaining('body.product_id: Field required'),
    });
    expect(normalizePlatformError(409, { success: false, error: 'workflow_not_on_budget', message: 'nope', data: { workflow_request_id: 'r1' } })).toMatchObject({
      code: 'workflow_not_on_budget',
      details: { workflow_request_id: 'r1' },
    });
    expect(normalizePlatformError(404, { success: false, error: 'Unknown product', code: 'TOOL_NOT_FOUND' })).toMatchObject({ code: 'tool_not_found', platform_code: 'TOOL_NOT_FOUND', message: 'Unknown product' });
    expect(
      normalizePlatformError(429, { error: 'Too Many Requests', message: 'slow down', error_code: 'RATE_LIMITED', help_url: 'https://h', rate_limit: { retry_after_seconds: 42 } }),
    ).toMatchObject({ code: 'rate_limited', platform_code: 'RATE_LIMITED', help_url: 'https://h', retry_after_seconds: 42, next_step: expect.stringContaining('42') });
    expect(normalizePlatformError(401, { detail: 'Invalid token' })).toMatchObject({ code: 'unauthorized', message: 'Invalid token' });
    expect(normalizePlatformError(502, '<html>bad gateway</html>')).toMatchObject({ code: 'bad_gateway' });
  });
});

describe('logger', () => {
  it('redacts secret keys and registered secret values', () => {
    const lines: string[] = [];
    log.setSink((l) => lines.push(l));
    log.setLevel('debug');
    log.addSecrets(['super-secret-bearer-value']);
    log.info('token is super-secret-bearer-value', { config: { bearerToken: 'abc', apiKey: 'k1', nested: { password: 'p', note: 'has super-secret-bearer-value inside' } }, ok: 'fine' });
    log.debug('dropped?');
    log.setLevel('warn');
    log.info('not shown');
    const out = lines.join('\n');
    expect(out).not.toContain('super-secret-bearer-value');
    expect(out).not.toContain('"abc"');
    expect(out).not.toContain('"k1"');
    expect(out).toContain('fine');
    expect(out).toContain('dropped?');
    expect(out).not.toContain('not shown');
    log.setSink((l) => process.stderr.write(l + '\n'));
  });
});

describe('bounded results', () => {
  it('no result is over ~20k characters; big lists are cut with a note', async () => {
    const { okResult } = await import('../../src/core/results.js');
    const big = { items: Array.from({ length: 5000 }, (_, i) => ({ id: i, text: 'x'.repeat(50) })), blob: 'y'.repeat(50_000), small: 1 };
    const r = okResult(big, 'big');
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
    expect(text.length).toBeLessThan(21_000);
    expect(JSON.stringify(r.structuredContent).length).toBeLessThan(21_000);
    expect(r.structuredContent?._truncated).toBeTruthy();
    expect(r.structuredContent?.small).toBe(1);
    // One shape: the summary first, nulls dropped, the data beside it; `next` when there is one.
    const small = okResult({ a: 1, b: null }, 'small');
    expect(small.structuredContent).toEqual({ summary: 'small', a: 1 });
    const withNext = okResult({ id: 'r1' }, 'started', [{ tool: 'status', arguments: { id: 'r1' }, why: 'to follow it' }]);
    expect(withNext.structuredContent).toEqual({ summary: 'started', next: [{ tool: 'status', arguments: { id: 'r1' }, why: 'to follow it' }], id: 'r1' });
    expect(withNext.content[0]).toMatchObject({ text: expect.stringContaining('Next: status {"id":"r1"} — to follow it') });
  });
});

describe('bundle placeholders', () => {
  it('a literal ${user_config.x} left by an MCP Bundle host counts as unset', () => {
    const c = loadConfig({}, { AGENTPMT_API_URL: '${user_config.api_url}', AGENTPMT_BEARER_TOKEN: '${user_config.bearer_token}' });
    expect(c.apiUrl).toBe('https://api.agentpmt.com');
    expect(c.bearerToken).toBeUndefined();
  });
});
