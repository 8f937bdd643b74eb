import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ToolFailureError } from '../../src/core/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/core/http-client.js';
import { decryptKeystoreFile, parsePrivateKey, writeKeystoreFile } from '../../src/platforms/agentpmt/wallet/keystore.js';
import { WalletManager } from '../../src/platforms/agentpmt/wallet/manager.js';
import { SessionNonces } from '../../src/platforms/agentpmt/wallet/session.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as {
  private_key: `0x${string}`;
  address: string;
  cases: { message: string; signature: string }[];
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'agentpmt-wallet-'));
const digest = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

async function failureOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ToolFailureError);
    return (e as ToolFailureError).failure;
  }
  throw new Error('expected a failure');
}

describe('keystore', () => {
  it('writes a v3 keystore with mode 0600 that decrypts back to the key', async () => {
    const dir = tmp();
    const file = path.join(dir, 'keystore.json');
    const { address } = await writeKeystoreFile(file, vectors.private_key, 'correct horse', { n: 4096 });
    expect(address).toBe(vectors.address);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(vectors.private_key.slice(2));
    expect(JSON.parse(text).version).toBe(3);
    const back = await decryptKeystoreFile(file, 'correct horse');
    expect(back.key).toBe(vectors.private_key);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never overwrites an existing keystore: the old one is kept under a new name', async () => {
    const dir = tmp();
    const file = path.join(dir, 'keystore.json');
    await writeKeystoreFile(file, vectors.private_key, 'pw-one', { n: 4096 });
    const before = digest(file);
    const second = await writeKeystoreFile(file, `0x${'11'.repeat(32)}`, 'pw-two', { n: 4096 });
    expect(second.previous).toBeTruthy();
    expect(digest(second.previous!)).toBe(before);
    expect((await decryptKeystoreFile(second.previous!, 'pw-one')).key).toBe(vectors.private_key);
  });

  it('wrong passphrase, missing passphrase, corrupt, not-v3, bad address and unreadable files each name the setting and modify nothing', async () => {
    const dir = tmp();
    const file = path.join(dir, 'keystore.json');
    await writeKeystoreFile(file, vectors.private_key, 'right', { n: 4096 });
    const before = digest(file);
    const wrong = await failureOf(decryptKeystoreFile(file, 'wrong'));
    expect(wrong.code).toBe('keystore_wrong_password');
    expect(wrong.message + wrong.next_step).toContain('AGENTPMT_KEYSTORE_PASSWORD');
    expect((await failureOf(decryptKeystoreFile(file, undefined))).code).toBe('keystore_password_missing');
    expect(digest(file)).toBe(before);

    const corrupt = path.join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"version":3,');
    expect((await failureOf(decryptKeystoreFile(corrupt, 'x'))).code).toBe('keystore_corrupt');
    const notV3 = path.join(dir, 'v1.json');
    writeFileSync(notV3, '{"version":1}');
    expect((await failureOf(decryptKeystoreFile(notV3, 'x'))).code).toBe('keystore_corrupt');
    const badAddr = path.join(dir, 'addr.json');
    writeFileSync(badAddr, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), address: 'zz-not-hex' }));
    const addrFail = await failureOf(decryptKeystoreFile(badAddr, 'right'));
    expect(addrFail.code).toBe('keystore_corrupt');
    expect(addrFail.message).toContain('address');
    const aDir = path.join(dir, 'a-directory');
    mkdirSync(aDir);
    const unreadable = await failureOf(decryptKeystoreFile(aDir, 'x'));
    expect(unreadable.code).toBe('keystore_unreadable');
    expect(unreadable.next_step).toContain('AGENTPMT_KEYSTORE');
  });

  it('an invalid private key names the setting and never echoes the value', async () => {
    for (const bad of ['0x1234', 'not-hex-'.repeat(8), `0x${'00'.repeat(32)}`]) {
      try {
        parsePrivateKey(bad, 'AGENTPMT_PRIVATE_KEY');
        throw new Error('accepted');
      } catch (e) {
        const f = (e as ToolFailureError).failure;
        expect(f.code).toBe('invalid_private_key');
        expect(f.message).toContain('AGENTPMT_PRIVATE_KEY');
        expect(JSON.stringify(f)).not.toContain(bad);
      }
    }
  });
});

describe('WalletManager', () => {
  it('signs exactly the golden vectors and never exposes the key', async () => {
    const m = new WalletManager({ privateKey: vectors.private_key, keystore: '/nonexistent', keystorePassword: undefined });
    expect(await m.address()).toBe(vectors.address);
    for (const c of vectors.cases) expect(await m.signMessage(c.message)).toBe(c.signature);
    const bare = vectors.private_key.slice(2);
    expect(JSON.stringify(m)).not.toContain(bare);
    expect(inspect(m, { depth: 10, showHidden: true })).not.toContain(bare);
    expect(JSON.stringify(Object.entries(m))).not.toContain(bare);
  });

  it('loads a keystore once for concurrent callers', async () => {
    const dir = tmp();
    const file = path.join(dir, 'keystore.json');
    await writeKeystoreFile(file, vectors.private_key, 'pw', { n: 4096 });
    const m = new WalletManager({ privateKey: undefined, keystore: file, keystorePassword: 'pw' });
    const addrs = await Promise.all(Array.from({ length: 10 }, () => m.address()));
    expect(new Set(addrs)).toEqual(new Set([vectors.address]));
    expect(m.source).toBe('keystore');
  });

  it('without any wallet says how to get one', async () => {
    const m = new WalletManager({ privateKey: undefined, keystore: path.join(tmp(), 'none.json'), keystorePassword: undefined });
    const f = await failureOf(m.address());
    expect(f.code).toBe('wallet_not_configured');
    expect(f.next_step).toContain('wallet_create');
    expect(await m.isConfigured()).toBe(false);
  });
});

describe('SessionNonces', () => {
  function fakeHttp(delayMs: number, body: (n: number) => unknown) {
    let calls = 0;
    const http = {
      async request(_req: HttpRequest): Promise<HttpResponse> {
        calls++;
        const n = calls;
        await new Promise((r) => setTimeout(r, delayMs));
        return { status: 200, headers: {}, contentType: 'application/json', kind: 'json', json: body(n), text: '' };
      },
    } as unknown as HttpClient;
    return { http, calls: () => calls };
  }

  it('50 concurrent callers share one fetch', async () => {
    const f = fakeHttp(30, (n) => ({ data: { session_nonce: `sn_${n}` } }));
    const s = new SessionNonces(f.http, 'http://x');
    const got = await Promise.all(Array.from({ length: 50 }, () => s.get('0xabc')));
    expect(f.calls()).toBe(1);
    expect(new Set(got.map((g) => g.nonce))).toEqual(new Set(['sn_1']));
  });

  it('reads the nonce at the top level or under data, honours a stated expiry, and forgets a rejected nonce', async () => {
    let now = 1_000_000;
    const f = fakeHttp(0, (n) => (n === 1 ? { session_nonce: 'top', expires_in: 10 } : { data: { session_nonce: `d${n}`, expires_at: new Date(now + 60_000).toISOString() } }));
    const s = new SessionNonces(f.http, 'http://x', () => now);
    expect((await s.get('0xA')).nonce).toBe('top');
    now += 5_000;
    expect((await s.get('0xa')).nonce).toBe('top');
    now += 4_000; // inside the refresh margin before the stated expiry
    expect((await s.get('0xa')).nonce).toBe('d2');
    s.invalidate('0xa', 'stale-other');
    expect((await s.get('0xa')).nonce).toBe('d2');
    s.invalidate('0xa', 'd2');
    expect((await s.get('0xa')).nonce).toBe('d3');
  });

  it('an answer without a nonce is an actionable error', async () => {
    const f = fakeHttp(0, () => ({ success: true }));
    const s = new SessionNonces(f.http, 'http://x');
    expect((await failureOf(s.get('0xa'))).code).toBe('session_nonce_missing');
  });
});
