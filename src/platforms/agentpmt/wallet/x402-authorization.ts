import { randomBytes } from 'node:crypto';
import { isAddress } from 'viem';
import { accountFromPrivateKey } from './signer.js';

type Hex = `0x${string}`;

// Why our own builder and not @x402/evm's client scheme (checked against @x402/evm 2.27.0;
// size is no longer a reason: the shipped bundle has no runtime dependencies and already
// carries @x402/evm in the sandbox's lazy chunk). `new ExactEvmScheme(signer)
// .createPaymentPayload(x402Version, requirements, context?)` from `@x402/evm/exact/client`
// does produce this very payload: test/unit/vectors.test.ts checks that it reproduces the
// golden vector field for field. We still do not build payments with it, because:
// - No nonce or clock can be passed in. The constructor's second argument is RPC config
//   (`EvmSchemeOptions`); the EIP-3009 path (`createEIP3009Payload`, not exported) takes the
//   nonce from `createNonce()` (globalThis.crypto.getRandomValues) and validBefore from
//   `Date.now()`. Reproducing vectors.json through it means stubbing those two globals.
// - The server picks what gets signed: `requirements.extra.assetTransferMethod === 'permit2'`
//   switches it to a Permit2 `PermitWitnessTransferFrom` for the x402 proxy as spender, plus
//   EIP-2612 / ERC-20 approval signatures when `context` declares those extensions. Its
//   signer is a general `signTypedData({ domain, types, primaryType, message })`. Our wallet
//   signs only TransferWithAuthorization, with the key kept in WalletManager
//   (`signTransfer(domain, authorization)`), and the payer decides what to pay (contracts §4).
// - It does not check its inputs: `amount` goes to `BigInt()` and onto the wire unchanged
//   (hex "0x10" is signed as 16 and sent as "0x10"), and a string `maxTimeoutSeconds` is
//   concatenated onto now. We would keep every check below in front of it, so the call would
//   replace only the authorization literal and the typed-data call, about 20 lines.
// - Minor: it checksums `to` with getAddress; we echo `payTo` as offered (same signature).
// The client around it (@x402/core) does not fit this platform either (contracts §4: the v2
// challenge may come in the 402 body, the envelope goes out as X-PAYMENT): `x402HTTPClient
// .getPaymentRequiredResponse` reads v2 only from the PAYMENT-REQUIRED header, and
// `encodePaymentSignatureHeader` sends v2 only as PAYMENT-SIGNATURE. `x402Client`'s
// `spendControls` default to its known assets and "$1" a payment; our spend policy decides
// instead (EURC, larger amounts). vectors.json pins our payload, the vectors test compares it
// with the reference client, and the sandbox verifies every envelope we send with the
// reference facilitator (`@x402/evm/exact/facilitator`).

// EIP-712 domain of the token contract (contracts §4: name/version come from the
// requirement's `extra`, verifyingContract is its `asset`).
export interface TransferDomain {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: Hex;
}

// All integers travel as decimal strings, which is the wire form of the envelope.
export interface TransferAuthorization {
  from: Hex;
  to: Hex;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: Hex;
}

export interface X402Resource {
  url: string;
  description?: string;
  mimeType?: string;
  [key: string]: unknown;
}

export interface X402PaymentRequirement {
  scheme: string;
  network: string;
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface X402PaymentEnvelope {
  x402Version: 2;
  resource: X402Resource;
  accepted: X402PaymentRequirement;
  payload: {
    signature: Hex;
    authorization: TransferAuthorization;
  };
}

export interface SignTransferWithAuthorizationInput {
  privateKey: Hex;
  domain: TransferDomain;
  authorization: TransferAuthorization;
}

export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

const UINT256_MAX = (1n << 256n) - 1n;

export async function signTransferWithAuthorization({
  privateKey,
  domain,
  authorization,
}: SignTransferWithAuthorizationInput): Promise<Hex> {
  assertAddress(domain.verifyingContract, 'domain.verifyingContract');
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId <= 0) {
    throw new Error('domain.chainId must be a positive integer');
  }
  if (!domain.name || !domain.version) {
    throw new Error('domain name and version are required (the token EIP-712 domain)');
  }
  assertAddress(authorization.from, 'authorization.from');
  assertAddress(authorization.to, 'authorization.to');
  if (!/^0x[0-9a-fA-F]{64}$/.test(authorization.nonce)) {
    throw new Error('authorization.nonce must be 32 bytes of hex (0x + 64 hex digits)');
  }
  const account = accountFromPrivateKey(privateKey);
  // A signature from a different key than `from` is worthless on-chain and would only
  // surface later as an opaque facilitator rejection.
  if (account.address.toLowerCase() !== authorization.from.toLowerCase()) {
    throw new Error('authorization.from does not match the signing key address');
  }
  const message = {
    from: authorization.from,
    to: authorization.to,
    value: parseUint256(authorization.value, 'authorization.value'),
    validAfter: parseUint256(authorization.validAfter, 'authorization.validAfter'),
    validBefore: parseUint256(authorization.validBefore, 'authorization.validBefore'),
    nonce: authorization.nonce,
  };
  try {
    return await account.signTypedData({
      domain: {
        name: domain.name,
        version: domain.version,
        chainId: domain.chainId,
        verifyingContract: domain.verifyingContract,
      },
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      primaryType: 'TransferWithAuthorization',
      message,
    });
  } catch {
    throw new Error('signing the transfer authorization failed');
  }
}

// Contracts §4: refuse a requirement whose `extra` lacks the token's EIP-712 name or
// version rather than guessing a domain, since a wrong guess yields an invalid payment.
export function transferDomainFromRequirement(requirement: X402PaymentRequirement): TransferDomain {
  const network = /^eip155:([1-9][0-9]*)$/.exec(requirement.network);
  if (!network?.[1]) {
    throw new Error(`unsupported x402 network '${requirement.network}' (expected eip155:<chainId>)`);
  }
  const chainId = Number(network[1]);
  if (!Number.isSafeInteger(chainId)) {
    throw new Error(`x402 network chain id out of range: ${requirement.network}`);
  }
  const name = requirement.extra?.['name'];
  const version = requirement.extra?.['version'];
  if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
    throw new Error('x402 requirement extra must carry the token EIP-712 name and version');
  }
  assertAddress(requirement.asset, 'requirement.asset');
  return { name, version, chainId, verifyingContract: requirement.asset };
}

export function newAuthorizationNonce(): Hex {
  return `0x${randomBytes(32).toString('hex')}`;
}

// Contracts §4: to = payTo, value = amount, validAfter = "0",
// validBefore = now + maxTimeoutSeconds, nonce = 32 random bytes.
export function authorizationForRequirement(
  requirement: X402PaymentRequirement,
  from: Hex,
  options: { nowSeconds?: number; nonce?: Hex } = {},
): TransferAuthorization {
  assertAddress(from, 'from');
  assertAddress(requirement.payTo, 'requirement.payTo');
  parseUint256(requirement.amount, 'requirement.amount');
  if (!Number.isSafeInteger(requirement.maxTimeoutSeconds) || requirement.maxTimeoutSeconds <= 0) {
    throw new Error('requirement.maxTimeoutSeconds must be a positive integer');
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  return {
    from,
    to: requirement.payTo,
    value: requirement.amount,
    validAfter: '0',
    validBefore: String(now + requirement.maxTimeoutSeconds),
    nonce: options.nonce ?? newAuthorizationNonce(),
  };
}

// `accepted` is echoed exactly as the server offered it so it matches the server's copy.
export function buildX402Envelope(input: {
  resource: X402Resource;
  accepted: X402PaymentRequirement;
  authorization: TransferAuthorization;
  signature: Hex;
}): X402PaymentEnvelope {
  return {
    x402Version: 2,
    resource: input.resource,
    accepted: input.accepted,
    payload: {
      signature: input.signature,
      authorization: orderedAuthorization(input.authorization),
    },
  };
}

// Key order is fixed (as in the golden vectors) so the same envelope always encodes to
// the same header; re-sending an identical header is what makes retries safe.
export function encodeX402Envelope(envelope: X402PaymentEnvelope): string {
  const ordered = {
    x402Version: envelope.x402Version,
    resource: envelope.resource,
    accepted: envelope.accepted,
    payload: {
      signature: envelope.payload.signature,
      authorization: orderedAuthorization(envelope.payload.authorization),
    },
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64');
}

function orderedAuthorization(a: TransferAuthorization): TransferAuthorization {
  return {
    from: a.from,
    to: a.to,
    value: a.value,
    validAfter: a.validAfter,
    validBefore: a.validBefore,
    nonce: a.nonce,
  };
}

function parseUint256(text: string, label: string): bigint {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]*)$/.test(text)) {
    throw new Error(`${label} must be a non-negative decimal integer string`);
  }
  const value = BigInt(text);
  if (value > UINT256_MAX) {
    throw new Error(`${label} exceeds uint256`);
  }
  return value;
}

function assertAddress(value: unknown, label: string): asserts value is Hex {
  if (typeof value !== 'string' || !isAddress(value)) {
    throw new Error(`${label} must be a valid 0x address (checksummed or all one case)`);
  }
}
