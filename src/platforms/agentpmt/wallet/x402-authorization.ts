import { randomBytes } from 'node:crypto';
import { isAddress } from 'viem';
import { accountFromPrivateKey } from './signer.js';

type Hex = `0x${string}`;

// Why viem directly and not the @x402/core + @x402/evm client: their stock client reads v2
// challenges only from the PAYMENT-REQUIRED header, sends only PAYMENT-SIGNATURE, and applies
// its own spend rules (no EURC, nothing above 1 USD), none of which fit this platform or our
// policy (contracts §4). Their scheme function alone would build this same payload, but it
// would make @x402/evm a runtime dependency again: 18 MB with a second copy of zod, which the
// footprint work moved to devDependencies (only the sandbox's reference facilitator uses it).
// The payload is small and fully pinned by vectors.json, and the sandbox checks every
// envelope we build with the reference facilitator's verify, so the two stay in agreement.

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
