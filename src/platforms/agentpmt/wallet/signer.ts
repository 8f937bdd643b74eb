import { randomUUID } from 'node:crypto';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

// Errors here never carry the key or the underlying library error: some of those
// messages quote parts of the input they rejected.
// Deriving the account (the public key) costs ~0.2 ms, as much as the signature itself:
// keep the last one rather than redo it for every signed request.
let lastAccount: { key: string; account: PrivateKeyAccount } | undefined;

export function accountFromPrivateKey(privateKey: `0x${string}`): PrivateKeyAccount {
  if (typeof privateKey !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new Error('private key must be 0x followed by 64 hex digits');
  }
  if (lastAccount?.key === privateKey) return lastAccount.account;
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(privateKey);
  } catch {
    throw new Error('private key is not a valid secp256k1 key');
  }
  lastAccount = { key: privateKey, account };
  return account;
}

export function addressFromPrivateKey(privateKey: `0x${string}`): `0x${string}` {
  return accountFromPrivateKey(privateKey).address;
}

// EIP-191 personal_sign over the UTF-8 text of the message (contracts §2).
export async function signMessageWithKey(privateKey: `0x${string}`, message: string): Promise<`0x${string}`> {
  const account = accountFromPrivateKey(privateKey);
  try {
    return await account.signMessage({ message });
  } catch {
    throw new Error('signing the message failed');
  }
}

// The server rejects a reused (session_nonce, request_id) pair, so every call,
// including each retry after a replay error, needs a fresh one.
export function newRequestId(): string {
  return randomUUID();
}
