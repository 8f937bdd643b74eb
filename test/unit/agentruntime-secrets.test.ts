import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { log } from '../../src/core/log.js';
import { callKey, ConsentBook } from '../../src/platforms/agentruntime/consent.js';
import { SecretStore } from '../../src/platforms/agentruntime/secrets.js';
import { knownSecrets } from '../helpers.js';

describe('AgentRuntime secret store', () => {
  it('one 0600 file per secret under <home>/agentruntime, in a 0700 folder; odd ids are hashed into a file name', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'ar-secrets-'));
    const store = new SecretStore(home);
    const secret = 'whsec_unit_0123456789abcdef0123';
    knownSecrets.add(secret);
    const file = await store.put({ kind: 'webhook', subscription_id: 'iwh_1', signing_secret: secret, created_at: 'now' });
    expect(file).toBe(path.join(home, 'agentruntime', 'webhooks', 'iwh_1.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect((await store.webhook('iwh_1'))?.signing_secret).toBe(secret);
    const odd = store.fileFor('pat', '../../etc/passwd');
    expect(path.dirname(odd)).toBe(path.join(home, 'agentruntime', 'pats'));
    expect(path.basename(odd)).toMatch(/^h_[0-9a-f]{32}\.json$/);
    expect(await store.webhook('iwh_2')).toBeUndefined();
    expect(await store.remove('webhook', 'iwh_1')).toBe(true);
    expect(readdirSync(path.join(home, 'agentruntime', 'webhooks'))).toEqual([]);
  });

  it('stored secrets join the log scrubber at start-up', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'ar-secrets-'));
    const token = 'pat_unit_stored_token_9f8e7d6c5b4a';
    knownSecrets.add(token);
    await new SecretStore(home).put({ kind: 'pat', pat_id: 'pat_1', token, created_at: 'now' });
    await new SecretStore(home).scrubAll();
    expect(log.scrub(`echo ${token}`)).not.toContain(token);
  });
});

describe('AgentRuntime consent tokens', () => {
  it('bind one call, serve once, expire after 5 minutes', () => {
    let now = 0;
    const book = new ConsentBook(() => now);
    const key = callKey('agentruntime_billing_subscribe', { stripe_price_id: 'p1' });
    expect(callKey('agentruntime_billing_subscribe', { stripe_price_id: 'p1', confirm_token: 'x' })).toBe(key);
    const a = book.issue(key).confirm_token;
    expect(book.redeem(a, callKey('agentruntime_billing_subscribe', { stripe_price_id: 'p2' }))).toMatch(/different call/);
    expect(book.redeem(a, key)).toBeUndefined();
    expect(book.redeem(a, key)).toMatch(/already used/);
    const b = book.issue(key).confirm_token;
    now += 5 * 60_000;
    expect(book.redeem(b, key)).toMatch(/expired/);
  });
});
