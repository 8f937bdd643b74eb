import nodeCrypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import { fail } from '../../../core/errors.js';
import { moveAside, writeFileAtomic } from '../../../core/state/files.js';

export type Hex = `0x${string}`;

const KEY_RE = /^(0x)?[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^(0x)?[0-9a-fA-F]{40}$/;

/** Parses a raw private key setting; the error names the setting and never echoes the value. */
export function parsePrivateKey(raw: string, setting: string): Hex {
  const v = raw.trim();
  if (!KEY_RE.test(v)) {
    fail({
      code: 'invalid_private_key',
      message: `${setting} is not a valid private key (expected 64 hex characters, optionally 0x-prefixed).`,
      next_step: `Ask the user to fix ${setting} in the server settings (or remove it and use a keystore), then restart the server.`,
    });
  }
  const hex = v.startsWith('0x') ? v.slice(2) : v;
  if (/^0+$/.test(hex)) fail({ code: 'invalid_private_key', message: `${setting} is all zeros, which is not a usable key.`, next_step: `Ask the user to fix ${setting}.` });
  return `0x${hex.toLowerCase()}`;
}

// Web3 Secret Storage v3 (the format geth, Foundry and @ethereumjs/wallet read and write),
// with node:crypto's scrypt/PBKDF2 and AES and noble's keccak-256. The key derivation runs
// on libuv's thread pool, so unlocking neither blocks the event loop nor pays for a
// JavaScript scrypt (about 1.6× slower at the default n = 262144).

const DEFAULT_SCRYPT = { n: 262144, r: 8, p: 1 } as const; // geth's "standard" parameters, also @ethereumjs/wallet's default
/** Upper bound on the scrypt work area we agree to allocate for a keystore we are asked to open. */
const MAX_SCRYPT_MEMORY = 2 ** 30 + 2 ** 26;

type ScryptParams = { n: number; r: number; p: number };
/** Options for writing a keystore; the default is scrypt with n = 262144, r = 8, p = 1 (what geth writes). */
export type KeystoreKdfOptions = Partial<ScryptParams> | { kdf: 'pbkdf2'; c: number };

class UnsupportedKeystore extends Error {}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const hexBytes = (v: unknown, what: string, length?: number): Buffer => {
  if (typeof v !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(v)) throw new UnsupportedKeystore(`${what} is not hex`);
  const b = Buffer.from(v.replace(/^0x/, ''), 'hex');
  if (length !== undefined && b.length !== length) throw new UnsupportedKeystore(`${what} has the wrong length`);
  return b;
};

/** The memory node:crypto's scrypt needs for these parameters (OpenSSL's own estimate), with room to spare. */
function scryptMaxmem({ n, r, p }: ScryptParams): number {
  return 128 * r * (n + 2) + 128 * r * p + 2 ** 20;
}

function scryptAsync(password: Buffer, salt: Buffer, dklen: number, params: ScryptParams): Promise<Buffer> {
  const { n, r, p } = params;
  if (!isPosInt(n) || n < 2 || (n & (n - 1)) !== 0 || !isPosInt(r) || !isPosInt(p)) throw new UnsupportedKeystore('bad scrypt parameters');
  const maxmem = scryptMaxmem(params);
  if (maxmem > MAX_SCRYPT_MEMORY) throw new UnsupportedKeystore('scrypt parameters need too much memory');
  if (16 * r < 53 && n >= 2 ** (16 * r)) {
    // RFC 7914 asks for N < 2^(16·r) and OpenSSL enforces it; some files break the rule (the
    // Web3 Secret Storage specification's own scrypt example: n = 262144 with r = 1). Those
    // take noble's JavaScript scrypt (viem's dependency), slower but standard.
    return import('@noble/hashes/scrypt.js').then(({ scryptAsync: nobleScrypt }) =>
      nobleScrypt(password, salt, { N: n, r, p, dkLen: dklen, maxmem }).then((k) => Buffer.from(k)),
    );
  }
  return new Promise((resolve, reject) => {
    // Node's default maxmem (32 MB) is below what n = 262144, r = 8 needs (256 MB).
    try {
      nodeCrypto.scrypt(password, salt, dklen, { N: n, r, p, maxmem }, (err, key) => (err ? reject(new UnsupportedKeystore(err.message)) : resolve(key)));
    } catch (err) {
      reject(new UnsupportedKeystore((err as Error).message)); // parameters OpenSSL refuses are thrown, not passed to the callback
    }
  });
}

function pbkdf2Async(password: Buffer, salt: Buffer, c: number, dklen: number): Promise<Buffer> {
  if (!isPosInt(c)) throw new UnsupportedKeystore('bad pbkdf2 parameters');
  return new Promise((resolve, reject) => {
    try {
      nodeCrypto.pbkdf2(password, salt, c, dklen, 'sha256', (err, key) => (err ? reject(new UnsupportedKeystore(err.message)) : resolve(key)));
    } catch (err) {
      reject(new UnsupportedKeystore((err as Error).message));
    }
  });
}

// noble's keccak-256 (viem's own dependency), loaded with the first keystore rather than at start-up.
type Keccak = (data: Uint8Array) => Uint8Array;
const loadKeccak = (): Promise<Keccak> => import('@noble/hashes/sha3.js').then((m) => m.keccak_256);
const macOf = (keccak: Keccak, derived: Buffer, ciphertext: Buffer): Buffer => Buffer.from(keccak(Buffer.concat([derived.subarray(16, 32), ciphertext])));

function aes128ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = nodeCrypto.createCipheriv('aes-128-ctr', key, iv); // CTR: encryption and decryption are the same operation
  return Buffer.concat([c.update(data), c.final()]);
}

type V3Crypto = { cipher?: unknown; cipherparams?: { iv?: unknown }; ciphertext?: unknown; kdf?: unknown; kdfparams?: Record<string, unknown>; mac?: unknown };

/** Derives the key from a v3 crypto section. Throws UnsupportedKeystore for parameters it cannot use. */
async function deriveV3(c: V3Crypto, password: string): Promise<Buffer> {
  const kp = c.kdfparams;
  if (!kp || typeof kp !== 'object') throw new UnsupportedKeystore('no kdfparams');
  const salt = hexBytes(kp.salt, 'salt');
  const dklen = kp.dklen;
  if (!isPosInt(dklen) || dklen < 32) throw new UnsupportedKeystore('dklen below 32');
  const pw = Buffer.from(password, 'utf8');
  if (c.kdf === 'scrypt') return scryptAsync(pw, salt, dklen, { n: kp.n as number, r: kp.r as number, p: kp.p as number });
  if (c.kdf === 'pbkdf2') {
    if (kp.prf !== 'hmac-sha256') throw new UnsupportedKeystore('unsupported pbkdf2 prf');
    return pbkdf2Async(pw, salt, kp.c as number, dklen);
  }
  throw new UnsupportedKeystore('unsupported kdf');
}

/** The private key in a v3 crypto section; 'wrong_password' when the MAC does not match. */
async function decryptV3(c: V3Crypto, password: string): Promise<Buffer | 'wrong_password'> {
  if (c.cipher !== 'aes-128-ctr') throw new UnsupportedKeystore('unsupported cipher');
  const iv = hexBytes(c.cipherparams?.iv, 'iv', 16);
  const ciphertext = hexBytes(c.ciphertext, 'ciphertext', 32);
  const mac = hexBytes(c.mac, 'mac', 32);
  const keccakLoading = loadKeccak();
  keccakLoading.catch(() => undefined);
  const derived = await deriveV3(c, password);
  try {
    if (!nodeCrypto.timingSafeEqual(macOf(await keccakLoading, derived, ciphertext), mac)) return 'wrong_password';
    return aes128ctr(derived.subarray(0, 16), iv, ciphertext);
  } finally {
    derived.fill(0);
  }
}

/** A v3 keystore object for `key` (what geth writes; @ethereumjs/wallet's toV3 writes the same shape). */
async function encryptV3(key: Buffer, password: string, opts: KeystoreKdfOptions = {}): Promise<{ version: 3; id: string; crypto: Record<string, unknown> }> {
  const salt = nodeCrypto.randomBytes(32);
  const iv = nodeCrypto.randomBytes(16);
  const pw = Buffer.from(password, 'utf8');
  const keccakLoading = loadKeccak();
  keccakLoading.catch(() => undefined);
  let kdf: 'scrypt' | 'pbkdf2';
  let kdfparams: Record<string, unknown>;
  let derived: Buffer;
  if ('kdf' in opts && opts.kdf === 'pbkdf2') {
    kdf = 'pbkdf2';
    kdfparams = { dklen: 32, salt: salt.toString('hex'), c: opts.c, prf: 'hmac-sha256' };
    derived = await pbkdf2Async(pw, salt, opts.c, 32);
  } else {
    const s = opts as Partial<ScryptParams>;
    const params = { n: s.n ?? DEFAULT_SCRYPT.n, r: s.r ?? DEFAULT_SCRYPT.r, p: s.p ?? DEFAULT_SCRYPT.p };
    kdf = 'scrypt';
    kdfparams = { dklen: 32, salt: salt.toString('hex'), n: params.n, r: params.r, p: params.p };
    derived = await scryptAsync(pw, salt, 32, params);
  }
  try {
    const ciphertext = aes128ctr(derived.subarray(0, 16), iv, key);
    return {
      version: 3 as const,
      id: nodeCrypto.randomUUID(),
      crypto: {
        ciphertext: ciphertext.toString('hex'),
        cipherparams: { iv: iv.toString('hex') },
        cipher: 'aes-128-ctr',
        kdf,
        kdfparams,
        mac: macOf(await keccakLoading, derived, ciphertext).toString('hex'),
      },
    };
  } finally {
    derived.fill(0);
  }
}

// viem (for the address) is loaded on first use, as the wallet manager does: it is not start-up material.
async function addressOfKey(key: Hex): Promise<Hex> {
  return (await import('./signer.js')).addressFromPrivateKey(key);
}

/**
 * Reads and decrypts a Web3 Secret Storage (v3) keystore, the format geth and
 * Foundry write. Every failure names the setting to fix.
 */
export async function decryptKeystoreFile(file: string, password: string | undefined): Promise<{ key: Hex; address: Hex }> {
  if (!password) {
    fail({
      code: 'keystore_password_missing',
      message: `A keystore exists at ${file} but AGENTPMT_KEYSTORE_PASSWORD is not set, so it cannot be unlocked.`,
      next_step: 'Ask the user to set AGENTPMT_KEYSTORE_PASSWORD in the server settings and restart it.',
    });
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail({
      code: code === 'ENOENT' ? 'keystore_missing' : 'keystore_unreadable',
      message: code === 'ENOENT' ? `No keystore file at ${file}.` : `The keystore at ${file} cannot be read (${code ?? 'error'}).`,
      next_step: 'Check AGENTPMT_KEYSTORE (path and file permissions), or create a wallet with wallet_create.',
    });
  }
  let json: { version?: unknown; address?: unknown; crypto?: unknown; Crypto?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return fail({ code: 'keystore_corrupt', message: `The keystore at ${file} is not valid JSON.`, next_step: 'Restore it from a backup or point AGENTPMT_KEYSTORE at a good keystore file.' });
  }
  if (json.version !== 3 || typeof (json.crypto ?? json.Crypto) !== 'object') {
    fail({ code: 'keystore_corrupt', message: `The file at ${file} is not a version 3 keystore.`, next_step: 'Point AGENTPMT_KEYSTORE at a Web3 Secret Storage (v3) file, as geth or Foundry write.' });
  }
  if (json.address !== undefined && (typeof json.address !== 'string' || !ADDRESS_RE.test(json.address))) {
    fail({ code: 'keystore_corrupt', message: `The keystore at ${file} has an address field that is not a hex address.`, next_step: 'Restore the keystore from a backup, or fix AGENTPMT_KEYSTORE.' });
  }
  const corrupt = (): never =>
    fail({
      code: 'keystore_corrupt',
      message: `The keystore at ${file} could not be decrypted (damaged or unsupported parameters).`,
      next_step: 'Restore it from a backup or point AGENTPMT_KEYSTORE at a good keystore.',
    });
  // The key derivation runs on the thread pool: load viem (for the address) on this thread meanwhile.
  const signerLoading = import('./signer.js');
  signerLoading.catch(() => undefined);
  let plain: Buffer | 'wrong_password';
  try {
    plain = await decryptV3((json.crypto ?? json.Crypto) as V3Crypto, password);
  } catch (err) {
    if (err instanceof UnsupportedKeystore) return corrupt();
    throw err;
  }
  if (plain === 'wrong_password') {
    return fail({
      code: 'keystore_wrong_password',
      message: `AGENTPMT_KEYSTORE_PASSWORD does not unlock the keystore at ${file}.`,
      next_step: 'Ask the user to correct AGENTPMT_KEYSTORE_PASSWORD and restart the server.',
    });
  }
  const key = `0x${plain.toString('hex')}` as Hex;
  plain.fill(0);
  let address: Hex;
  try {
    address = (await signerLoading).addressFromPrivateKey(key);
  } catch {
    return corrupt(); // decrypts (the MAC matched) to something that is not a secp256k1 key
  }
  if (typeof json.address === 'string' && json.address.replace(/^0x/, '').toLowerCase() !== address.slice(2).toLowerCase()) {
    fail({ code: 'keystore_corrupt', message: `The keystore at ${file} decrypts to a different address than it claims.`, next_step: 'Restore it from a backup.' });
  }
  return { key, address };
}

/**
 * Encrypts a key into a new keystore at `file`. An existing file is never
 * overwritten: it is first moved aside under a timestamped name.
 */
export async function writeKeystoreFile(file: string, key: Hex, password: string, kdf?: KeystoreKdfOptions): Promise<{ address: Hex; previous?: string }> {
  const [address, v3] = await (async () => {
    const encrypting = encryptV3(Buffer.from(key.slice(2), 'hex'), password, kdf); // on the thread pool
    encrypting.catch(() => undefined);
    const a = await addressOfKey(key); // meanwhile, on this thread
    const { version, id, crypto } = await encrypting;
    return [a, { version, id, address: a.slice(2).toLowerCase(), crypto }] as const; // the field order geth writes
  })();
  const previous = await moveAside(file);
  await writeFileAtomic(file, JSON.stringify(v3, null, 2), 0o600);
  return { address, ...(previous ? { previous } : {}) };
}
