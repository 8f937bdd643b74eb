import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxVariant } from '../../src/platforms/agentpmt/sandbox/index.js';
import { portableSchema, pinToolName } from '../../src/platforms/agentpmt/marketplace/pins.js';
import { call, connectHttp, connectStdio, SANDBOX_VARIANTS, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string; address: string };
const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as { code: string; message: string; next_step: string };

/** What hosts accept: no $ref / $defs anywhere, no top-level combinators, an object schema. */
function assertPortable(schema: Record<string, unknown>) {
  const text = JSON.stringify(schema);
  expect(text).not.toContain('"$ref"');
  expect(text).not.toContain('"$defs"');
  expect(text).not.toContain('"definitions"');
  for (const k of ['anyOf', 'oneOf', 'allOf']) expect(schema[k]).toBeUndefined();
  expect(schema.type).toBe('object');
}

describe.each(SANDBOX_VARIANTS.map((v): [string, SandboxVariant] => [v.name, v]))('marketplace discovery for LLMs, end to end [sandbox variant %s]', (_name, variant) => {
  let sandbox: Sandbox;
  let conn: Connected;
  let home: string;
  beforeAll(async () => {
    sandbox = await withSandbox({ variant });
    const env = sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key });
    home = env.AGENTPMT_HOME!;
    conn = await connectHttp(env);
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('search → describe → invoke with credits', async () => {
    const s = await call(conn.client, 'marketplace_search', { query: 'sandbox echo message' });
    expect(s.isError, s.text).toBeFalsy();
    const results = s.data.results as { product: string; actions: { action: string; price_usd: number }[] }[];
    expect(results[0]!.product).toBe(sandbox.ids.productSlug);
    expect(results.length).toBeLessThanOrEqual(10);
    expect(s.text.length).toBeLessThan(20_000);
    const all = await call(conn.client, 'marketplace_search', { query: '', page_size: 50, page: 2 });
    expect(all.data.total as number).toBeGreaterThanOrEqual(150);
    expect(all.data.next_page).toBe(3);

    const d = await call(conn.client, 'marketplace_describe', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug });
    expect(d.isError, d.text).toBeFalsy();
    const action = (d.data.actions as { parameters: { properties: Record<string, unknown> }; price_usd: number; required: string[] }[])[0]!;
    expect(Object.keys(action.parameters.properties)).toContain('message');
    expect(action.price_usd).toBe(0.01);

    const before = sandbox.walletBalance(vectors.address);
    const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'via credits' } });
    expect(r.isError, r.text).toBeFalsy();
    expect(r.data.paid_with).toBe('credits');
    expect(sandbox.walletBalance(vectors.address)).toBe(before - 1);
  });

  it('invoke with x402', async () => {
    const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: 'via x402' }, payment: 'x402' });
    expect(r.isError, r.text).toBeFalsy();
    expect(r.data.paid_with).toBe('x402');
    expect(sandbox.x402.settled.length).toBe(1);
  });

  it('invalid parameters are rejected before any payment: ledger unchanged, the sandbox saw no invoke', async () => {
    const ledgerFile = path.join(home, 'payments.jsonl');
    const ledgerBefore = existsSync(ledgerFile) ? readFileSync(ledgerFile, 'utf8') : '';
    const invokes = () => sandbox.requests.filter((q) => q.path.endsWith('/invoke')).length;
    const before = invokes();
    for (const payment of ['credits', 'x402', 'auto']) {
      const r = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: { message: '', repeat: 99, extra: true }, payment });
      expect(r.isError).toBe(true);
      expect(errorOf(r).code).toBe('invalid_parameters');
      for (const field of ['parameters.message', 'parameters.repeat', 'parameters.extra']) expect(r.text).toContain(field);
    }
    expect(invokes()).toBe(before);
    expect(existsSync(ledgerFile) ? readFileSync(ledgerFile, 'utf8') : '').toBe(ledgerBefore);
  });

  it('auto pays with credits when they suffice, x402 when they do not', async () => {
    const auto = await call(conn.client, 'marketplace_invoke', { product: sandbox.ids.productSlug, action: sandbox.ids.actionSlug, parameters: {}, payment: 'auto' });
    expect(auto.data.paid_with).toBe('credits');
    const broke = await withSandbox({ initialWalletCredits: 0 });
    const poor = await connectHttp(sandboxEnv(broke, { AGENTPMT_PRIVATE_KEY: vectors.private_key }));
    try {
      const r = await call(poor.client, 'marketplace_invoke', { product: broke.ids.productSlug, action: broke.ids.actionSlug, parameters: {}, payment: 'auto' });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.data.paid_with).toBe('x402');
      expect(broke.x402.settled.length).toBe(1);
    } finally {
      await poor.close();
      await broke.close();
    }
  });
});

describe('actions that fail the way real vendors do', () => {
  it('a vendor error is reported without charging; a slow vendor times out with a next step', async () => {
    const sandbox = await withSandbox();
    const conn = await connectHttp(sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_TIMEOUT_MS: '800' }));
    try {
      const before = sandbox.walletBalance(vectors.address);
      const broken = await call(conn.client, 'marketplace_invoke', { product: 'sandbox-flaky', action: 'vendor-error', parameters: {} });
      expect(broken.isError).toBe(true);
      expect(errorOf(broken)).toMatchObject({ code: 'vendor_error', platform_code: 'VENDOR_ERROR' });
      expect(sandbox.walletBalance(vectors.address)).toBe(before);
      const slow = await call(conn.client, 'marketplace_invoke', { product: 'sandbox-flaky', action: 'slow', parameters: { seconds: 2 } });
      expect(slow.isError).toBe(true);
      expect(errorOf(slow).code).toBe('timeout');
      expect(errorOf(slow).next_step).toMatch(/may or may not have been applied/);
    } finally {
      await conn.close();
      await sandbox.close();
    }
  });
});

describe('pinned actions', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('appear in tools/list with portable schemas and valid names, are callable, and an unknown pin is only a warning', async () => {
    const conn = await connectStdio(
      sandboxEnv(sandbox, { AGENTPMT_PRIVATE_KEY: vectors.private_key, AGENTPMT_PIN: `${sandbox.ids.productSlug}/${sandbox.ids.actionSlug},${sandbox.ids.expensiveProductSlug}/${sandbox.ids.expensiveActionSlug},no-such/thing` }),
    );
    try {
      const { tools } = await conn.client.listTools();
      const pinned = tools.filter((t) => t.name === pinToolName(sandbox.ids.productSlug, sandbox.ids.actionSlug) || t.name === pinToolName(sandbox.ids.expensiveProductSlug, sandbox.ids.expensiveActionSlug));
      expect(pinned.length).toBe(2);
      for (const t of pinned) {
        expect(t.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        assertPortable(t.inputSchema as Record<string, unknown>);
      }
      expect(conn.stderr()).toContain('no-such/thing');
      const r = await call(conn.client, pinned[0]!.name, { message: 'pinned!' });
      expect(r.isError, r.text).toBeFalsy();
      expect(JSON.stringify(r.data)).toContain('pinned!');
      const bad = await call(conn.client, pinned[0]!.name, { repeat: 'x' });
      expect(bad.isError).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('portableSchema inlines $ref, drops $defs and merges top-level combinators', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { addr: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      anyOf: [
        { properties: { to: { $ref: '#/$defs/addr' }, kind: { const: 'a' } }, required: ['to', 'kind'] },
        { properties: { to: { $ref: '#/$defs/addr' }, note: { type: 'string' } }, required: ['to'] },
      ],
    };
    const out = portableSchema(schema);
    assertPortable(out);
    expect(out.required).toEqual(['to']);
    expect((out.properties as Record<string, { properties: unknown }>).to!.properties).toEqual({ city: { type: 'string' } });
    expect(pinToolName('a'.repeat(60), 'b'.repeat(20))).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });
});
