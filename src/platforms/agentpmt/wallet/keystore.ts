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

// The keystore library is loaded only when a keystore is actually used: it pulls in
// scrypt and friends, which would slow every start-up for nothing.
async function walletLib() {
  return (await import('@ethereumjs/wallet')).Wallet;
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
  const Wallet = await walletLib();
  let wallet;
  try {
    wallet = await Wallet.fromV3(json as never, password, true);
  } catch (err) {
    const wrong = /passphrase|mac|derivation/i.test((err as Error).message);
    return fail({
      code: wrong ? 'keystore_wrong_password' : 'keystore_corrupt',
      message: wrong ? `AGENTPMT_KEYSTORE_PASSWORD does not unlock the keystore at ${file}.` : `The keystore at ${file} could not be decrypted (damaged or unsupported parameters).`,
      next_step: wrong ? 'Ask the user to correct AGENTPMT_KEYSTORE_PASSWORD and restart the server.' : 'Restore it from a backup or point AGENTPMT_KEYSTORE at a good keystore.',
    });
  }
  const key = `0x${Buffer.from(wallet.getPrivateKey()).toString('hex')}` as Hex;
  const address = wallet.getChecksumAddressString() as Hex;
  if (typeof json.address === 'string' && json.address.replace(/^0x/, '').toLowerCase() !== address.slice(2).toLowerCase()) {
    fail({ code: 'keystore_corrupt', message: `The keystore at ${file} decrypts to a different address than it claims.`, next_step: 'Restore it from a backup.' });
  }
  return { key, address };
}

/**
 * Encrypts a key into a new keystore at `file`. An existing file is never
 * overwritten: it is first moved aside under a timestamped name.
 */
export async function writeKeystoreFile(file: string, key: Hex, password: string, kdf?: { n: number }): Promise<{ address: Hex; previous?: string }> {
  const Wallet = await walletLib();
  const wallet = Wallet.fromPrivateKey(Buffer.from(key.slice(2), 'hex'));
  const v3 = await wallet.toV3(password, kdf ? { n: kdf.n } : {});
  const previous = await moveAside(file);
  await writeFileAtomic(file, JSON.stringify(v3, null, 2), 0o600);
  return { address: wallet.getChecksumAddressString() as Hex, ...(previous ? { previous } : {}) };
}
