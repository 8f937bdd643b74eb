import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from '@ethereumjs/wallet';
import { describe, expect, it } from 'vitest';
import { ToolFailureError } from '../../src/core/errors.js';
import { decryptKeystoreFile, writeKeystoreFile } from '../../src/platforms/agentpmt/wallet/keystore.js';

/**
 * The keystore is standard Web3 Secret Storage v3: files we write open with
 * @ethereumjs/wallet (what this project used before) and the other way round, for
 * both KDFs, and geth/Foundry's parameters (scrypt n = 262144, r = 8, p = 1) open.
 */
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: `0x${string}`; address: string };
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'agentpmt-keystore-'));
const PASS = 'interop pässphrase ✓'; // non-ASCII: both sides must encode it as UTF-8

async function failureCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ToolFailureError);
    return (e as ToolFailureError).failure.code;
  }
  throw new Error('expected a failure');
}

describe('keystore interop with @ethereumjs/wallet', () => {
  it.each([
    ['scrypt', { n: 4096 }, { n: 4096 }],
    ['scrypt, r = 1 and p = 2', { n: 2048, r: 1, p: 2 }, { n: 2048, r: 1, p: 2 }],
    ['pbkdf2', { kdf: 'pbkdf2', c: 4096 } as const, { kdf: 'pbkdf2', c: 4096 }],
  ])('%s: ours opens with @ethereumjs/wallet, and @ethereumjs/wallet\'s opens with ours', async (_name, ours, theirs) => {
    const dir = tmp();
    const mine = path.join(dir, 'ours.json');
    const { address } = await writeKeystoreFile(mine, vectors.private_key, PASS, ours);
    expect(address).toBe(vectors.address);
    const json = JSON.parse(readFileSync(mine, 'utf8'));
    expect(json.crypto.cipher).toBe('aes-128-ctr');
    expect(json.address).toBe(vectors.address.slice(2).toLowerCase());
    const w = await Wallet.fromV3(json, PASS);
    expect(w.getPrivateKeyString()).toBe(vectors.private_key);
    await expect(Wallet.fromV3(json, 'not it')).rejects.toThrow(/passphrase/);

    const other = path.join(dir, 'theirs.json');
    const v3 = await Wallet.fromPrivateKey(Buffer.from(vectors.private_key.slice(2), 'hex')).toV3(PASS, theirs);
    writeFileSync(other, JSON.stringify(v3));
    expect(await decryptKeystoreFile(other, PASS)).toEqual({ key: vectors.private_key, address: vectors.address });
    expect(await failureCode(decryptKeystoreFile(other, 'not it'))).toBe('keystore_wrong_password');
  });

  it('geth / Foundry parameters (scrypt n = 262144, r = 8, p = 1, above node\'s default 32 MB maxmem) in both directions', async () => {
    const dir = tmp();
    const theirs = path.join(dir, 'geth-style.json');
    const v3 = await Wallet.fromPrivateKey(Buffer.from(vectors.private_key.slice(2), 'hex')).toV3(PASS, { kdf: 'scrypt', n: 262144, r: 8, p: 1 });
    writeFileSync(theirs, JSON.stringify(v3));
    expect((await decryptKeystoreFile(theirs, PASS)).key).toBe(vectors.private_key);

    // Our default is the same: no kdf option.
    const mine = path.join(dir, 'default.json');
    await writeKeystoreFile(mine, vectors.private_key, PASS);
    const json = JSON.parse(readFileSync(mine, 'utf8'));
    expect(json.crypto.kdfparams).toMatchObject({ n: 262144, r: 8, p: 1, dklen: 32 });
    expect((await decryptKeystoreFile(mine, PASS)).key).toBe(vectors.private_key);
  }, 120_000);

  it('opens the Web3 Secret Storage specification\'s test vectors (PBKDF2-SHA-256 and scrypt)', async () => {
    const dir = tmp();
    const key = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
    const pbkdf2 = {
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
        ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
        kdf: 'pbkdf2',
        kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
        mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
      },
      id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
      version: 3,
    };
    const scrypt = {
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
        ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
        kdf: 'scrypt',
        kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
        mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
      },
      id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
      version: 3,
    };
    for (const [name, v] of [['pbkdf2', pbkdf2], ['scrypt', scrypt]] as const) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(v));
      expect((await decryptKeystoreFile(file, 'testpassword')).key).toBe(key);
    }
  }, 120_000);

  it('parameters it cannot honour are a corrupt keystore, not a crash or a wrong passphrase', async () => {
    const dir = tmp();
    const file = path.join(dir, 'ok.json');
    await writeKeystoreFile(file, vectors.private_key, PASS, { n: 1024 });
    const good = JSON.parse(readFileSync(file, 'utf8'));
    const variants: Record<string, unknown>[] = [
      { ...good.crypto, cipher: 'aes-256-gcm' },
      { ...good.crypto, kdf: 'argon2' },
      { ...good.crypto, kdfparams: { ...good.crypto.kdfparams, n: 1000 } }, // not a power of two
      { ...good.crypto, kdfparams: { ...good.crypto.kdfparams, n: 2 ** 30 } }, // would need 1 TB
      { ...good.crypto, kdfparams: { ...good.crypto.kdfparams, dklen: 16 } },
      { ...good.crypto, kdfparams: { ...good.crypto.kdfparams, prf: 'hmac-md5' }, kdf: 'pbkdf2' },
      { ...good.crypto, ciphertext: 'zz' },
      { ...good.crypto, cipherparams: { iv: 'abcd' } },
      { ...good.crypto, kdfparams: undefined },
    ];
    for (const [i, c] of variants.entries()) {
      const f = path.join(dir, `bad-${i}.json`);
      writeFileSync(f, JSON.stringify({ ...good, crypto: c }));
      expect(await failureCode(decryptKeystoreFile(f, PASS)), `variant ${i}`).toBe('keystore_corrupt');
    }
  });
});
