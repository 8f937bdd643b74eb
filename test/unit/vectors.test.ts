import { readFileSync } from 'node:fs';
import { recoverMessageAddress, recoverTypedDataAddress } from 'viem';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { describe, expect, it, vi } from 'vitest';
import {
  buildSignedMessage,
  buildX402Envelope,
  canonicalJson,
  encodeX402Envelope,
  invokePath,
  payloadHash,
  pickPayload,
  sha256Hex,
  signMessageWithKey,
  signTransferWithAuthorization,
  transferDomainFromRequirement,
  authorizationForRequirement,
  addressFromPrivateKey,
  accountFromPrivateKey,
  newRequestId,
  type SigningScope,
  type TransferAuthorization,
  type X402PaymentEnvelope,
  type X402PaymentRequirement,
  type X402Resource,
} from '../../src/platforms/agentpmt/wallet/index.js';

type Hex = `0x${string}`;

interface VectorCase {
  name: string;
  request_id: string;
  shape: 'scoped' | 'path';
  action?: string;
  product?: string;
  method?: 'POST';
  path?: string;
  payload_object: Record<string, unknown> | null;
  canonical_json: string | null;
  payload_hash: string;
  message: string;
  signature: Hex;
}

interface Vectors {
  private_key: Hex;
  address: Hex;
  session_nonce: string;
  cases: VectorCase[];
  x402: {
    domain: { name: string; version: string; chainId: number; verifyingContract: Hex };
    primaryType: string;
    authorization: TransferAuthorization;
    signature: Hex;
    payment_required: { x402Version: number; error: string; resource: X402Resource; accepts: X402PaymentRequirement[] };
    envelope: X402PaymentEnvelope;
    x_payment_header: string;
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8'),
) as Vectors;

const EMPTY_OBJECT_HASH = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

function scopeOf(c: VectorCase): SigningScope {
  if (c.shape === 'scoped') {
    if (c.action === undefined || c.product === undefined) throw new Error(`case ${c.name}: missing action/product`);
    return { shape: 'scoped', action: c.action, product: c.product, payload: c.payload_object };
  }
  if (c.method !== 'POST' || c.path === undefined || c.payload_object === null) {
    throw new Error(`case ${c.name}: malformed path case`);
  }
  return { shape: 'path', method: c.method, path: c.path, payload: c.payload_object };
}

const baseMessageInput = {
  wallet: vectors.address,
  sessionNonce: vectors.session_nonce,
  requestId: 'req-x',
  scope: { shape: 'scoped', action: 'balance', product: '-', payload: null } as SigningScope,
};

describe('golden vectors: signed messages', () => {
  it('covers every row of the contracts table', () => {
    expect(vectors.cases.map((c) => c.name)).toEqual([
      'credits_balance',
      'job_list',
      'job_reserve',
      'job_status',
      'job_complete',
      'workflow_start',
      'workflow_fetch',
      'workflow_end',
      'workflow_active',
      'tool_invoke',
    ]);
  });

  it('the fixed key derives the vector address', () => {
    expect(addressFromPrivateKey(vectors.private_key)).toBe(vectors.address);
  });

  describe.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('canonical JSON', () => {
      if (c.canonical_json === null) {
        expect(c.payload_object).toBeNull();
      } else {
        expect(canonicalJson(c.payload_object)).toBe(c.canonical_json);
      }
    });

    it('payload hash', () => {
      expect(payloadHash(c.payload_object)).toBe(c.payload_hash);
      if (c.canonical_json !== null) expect(sha256Hex(c.canonical_json)).toBe(c.payload_hash);
    });

    it('message text', () => {
      const message = buildSignedMessage({
        wallet: vectors.address,
        sessionNonce: vectors.session_nonce,
        requestId: c.request_id,
        scope: scopeOf(c),
      });
      expect(message).toBe(c.message);
      expect(message.endsWith('\n')).toBe(false);
    });

    it('signature and recovery', async () => {
      const signature = await signMessageWithKey(vectors.private_key, c.message);
      expect(signature).toBe(c.signature);
      const recovered = await recoverMessageAddress({ message: c.message, signature: c.signature });
      expect(recovered).toBe(vectors.address);
    });
  });
});

describe('golden vectors: x402', () => {
  const x = vectors.x402;
  const accepted = x.payment_required.accepts[0];
  if (!accepted) throw new Error('vector has no accepts entry');

  it('EIP-3009 typed-data signature', async () => {
    const signature = await signTransferWithAuthorization({
      privateKey: vectors.private_key,
      domain: x.domain,
      authorization: x.authorization,
    });
    expect(signature).toBe(x.signature);
    const recovered = await recoverTypedDataAddress({
      domain: x.domain,
      types: {
        TransferWithAuthorization: [
          { name: 'from', type: 'address' },
          { name: 'to', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'validAfter', type: 'uint256' },
          { name: 'validBefore', type: 'uint256' },
          { name: 'nonce', type: 'bytes32' },
        ],
      },
      primaryType: 'TransferWithAuthorization',
      message: {
        ...x.authorization,
        value: BigInt(x.authorization.value),
        validAfter: BigInt(x.authorization.validAfter),
        validBefore: BigInt(x.authorization.validBefore),
      },
      signature: x.signature,
    });
    expect(recovered).toBe(vectors.address);
  });

  it('X-PAYMENT header encoding', () => {
    expect(encodeX402Envelope(x.envelope)).toBe(x.x_payment_header);
    const decoded: unknown = JSON.parse(Buffer.from(x.x_payment_header, 'base64').toString('utf8'));
    expect(decoded).toEqual(x.envelope);
  });

  it('envelope built from the challenge matches the vector', () => {
    const envelope = buildX402Envelope({
      resource: x.payment_required.resource,
      accepted,
      authorization: x.authorization,
      signature: x.signature,
    });
    expect(envelope).toEqual(x.envelope);
    expect(encodeX402Envelope(envelope)).toBe(x.x_payment_header);
  });

  it('domain and authorization derived from the requirement match the vector', () => {
    expect(transferDomainFromRequirement(accepted)).toEqual(x.domain);
    const authorization = authorizationForRequirement(accepted, vectors.address, {
      nowSeconds: Number(x.authorization.validBefore) - accepted.maxTimeoutSeconds,
      nonce: x.authorization.nonce,
    });
    expect(authorization).toEqual(x.authorization);
  });

  it('refuses a requirement without the token domain name/version', () => {
    expect(() => transferDomainFromRequirement({ ...accepted, extra: { name: 'USD Coin' } })).toThrow(/name and version/);
    expect(() => transferDomainFromRequirement({ ...accepted, extra: undefined })).toThrow(/name and version/);
    expect(() => transferDomainFromRequirement({ ...accepted, network: 'base' })).toThrow(/eip155/);
  });

  it('refuses to sign for a from address that is not the key', async () => {
    await expect(
      signTransferWithAuthorization({
        privateKey: vectors.private_key,
        domain: x.domain,
        authorization: { ...x.authorization, from: x.authorization.to },
      }),
    ).rejects.toThrow(/does not match/);
  });

  it('key order of the header does not depend on the input object order', () => {
    const { payload, accepted: acc, resource, x402Version } = x.envelope;
    const shuffled = {
      payload: { authorization: { ...payload.authorization }, signature: payload.signature },
      accepted: acc,
      resource,
      x402Version,
    } as X402PaymentEnvelope;
    expect(encodeX402Envelope(shuffled)).toBe(x.x_payment_header);
  });

  // We keep our own builder (see the header of x402-authorization.ts); this keeps it in
  // agreement with the reference client. ExactEvmScheme.createPaymentPayload takes no nonce or
  // clock, so the test pins the two globals it reads: Date.now() and crypto.getRandomValues.
  it("@x402/evm's ExactEvmScheme client builds the same payload from the vector's inputs", async () => {
    const nowSeconds = Number(x.authorization.validBefore) - accepted.maxTimeoutSeconds;
    const nonceByte = Number.parseInt(x.authorization.nonce.slice(2, 4), 16);
    expect(x.authorization.nonce).toBe(`0x${x.authorization.nonce.slice(2, 4).repeat(32)}`);
    const clock = vi.spyOn(Date, 'now').mockReturnValue(nowSeconds * 1000);
    const random = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      if (array instanceof Uint8Array) array.fill(nonceByte);
      return array;
    });
    try {
      const reference = await new ExactEvmScheme(accountFromPrivateKey(vectors.private_key)).createPaymentPayload(2, { ...accepted, network: accepted.network as `${string}:${string}`, extra: accepted.extra ?? {} });
      expect(reference).toEqual({ x402Version: 2, payload: { authorization: x.authorization, signature: x.signature } });
      const authorization = authorizationForRequirement(accepted, vectors.address, { nowSeconds, nonce: x.authorization.nonce });
      const signature = await signTransferWithAuthorization({ privateKey: vectors.private_key, domain: transferDomainFromRequirement(accepted), authorization });
      expect({ x402Version: 2, payload: { authorization, signature } }).toEqual(reference);
    } finally {
      clock.mockRestore();
      random.mockRestore();
    }
  });
});

describe('canonical JSON', () => {
  it('hash of {} is the documented constant', () => {
    expect(canonicalJson({})).toBe('{}');
    expect(payloadHash({})).toBe(EMPTY_OBJECT_HASH);
    expect(sha256Hex('{}')).toBe(EMPTY_OBJECT_HASH);
  });

  it('null payload gives an empty hash', () => {
    expect(payloadHash(null)).toBe('');
  });

  it('sorts keys recursively, keeps array order, no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 2 }], a: 'x' })).toBe('{"a":"x","b":[3,{"a":2,"z":1}]}');
  });

  it('rejects values it cannot encode', () => {
    expect(() => canonicalJson(undefined)).toThrow(/undefined/);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite.*\$\.a/);
    expect(() => canonicalJson({ a: [Infinity] })).toThrow(/non-finite/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/BigInt/);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(/function/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
  });

  it('omits undefined object members like JSON does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('pickPayload', () => {
  it('keeps only the listed fields the body carries', () => {
    const body = { wallet_address: '0x', limit: 10, skip: undefined, extra: 'ignored' };
    expect(pickPayload(body, ['limit', 'skip'])).toEqual({ limit: 10 });
    expect(Object.keys(pickPayload(body, ['limit', 'skip']) ?? {})).toEqual(['limit']);
  });

  it('gives {} when none of the listed fields is sent', () => {
    const picked = pickPayload({ wallet_address: '0x' }, ['instance_id']);
    expect(picked).toEqual({});
    expect(payloadHash(picked)).toBe(EMPTY_OBJECT_HASH);
  });

  it('keeps explicit null values, which are sent on the wire', () => {
    expect(pickPayload({ instance_id: null }, ['instance_id'])).toEqual({ instance_id: null });
  });

  it('null field list means an empty payload line', () => {
    expect(pickPayload({ limit: 1 }, null)).toBeNull();
  });

  it('does not pick inherited properties', () => {
    const body = Object.create({ limit: 5 }) as Record<string, unknown>;
    expect(pickPayload(body, ['limit'])).toEqual({});
  });
});

describe('buildSignedMessage input validation', () => {
  it.each(['sn\nrequest:evil', 'sn\r', 'sn\u2028x', 'sn\u0000', ''])('rejects session nonce %j', (nonce) => {
    expect(() => buildSignedMessage({ ...baseMessageInput, sessionNonce: nonce })).toThrow(/session nonce/);
  });

  it.each(['r\npayload:', 'r\t', 'r\u0085', ''])('rejects request id %j', (requestId) => {
    expect(() => buildSignedMessage({ ...baseMessageInput, requestId })).toThrow(/request id/);
  });

  it.each([
    '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226',
    'f39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    '0xg39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n',
    '',
  ])('rejects wallet %j', (wallet) => {
    expect(() => buildSignedMessage({ ...baseMessageInput, wallet })).toThrow(/wallet/);
  });

  it('lowercases the wallet', () => {
    const message = buildSignedMessage({ ...baseMessageInput, wallet: vectors.address });
    expect(message.split('\n')[1]).toBe(`wallet:${vectors.address.toLowerCase()}`);
  });

  it('rejects line breaks in scope fields', () => {
    expect(() =>
      buildSignedMessage({ ...baseMessageInput, scope: { shape: 'scoped', action: 'balance\nx', product: '-', payload: null } }),
    ).toThrow(/action/);
    expect(() =>
      buildSignedMessage({ ...baseMessageInput, scope: { shape: 'scoped', action: 'balance', product: '', payload: null } }),
    ).toThrow(/product/);
    expect(() =>
      buildSignedMessage({
        ...baseMessageInput,
        scope: { shape: 'path', method: 'POST', path: '/external/tools/a/actions/b/invoke\npayload:', payload: {} },
      }),
    ).toThrow(/path/);
  });

  it('rejects path forms the contract excludes', () => {
    for (const path of ['https://www.agentpmt.com/external/x', '/external/x?y=1', '/external/x/']) {
      expect(() =>
        buildSignedMessage({ ...baseMessageInput, scope: { shape: 'path', method: 'POST', path, payload: {} } }),
      ).toThrow(/path/);
    }
  });
});

describe('invokePath', () => {
  it('builds the signed external form by default', () => {
    expect(invokePath('weather-lookup', 'get-forecast')).toBe('/external/tools/weather-lookup/actions/get-forecast/invoke');
  });

  it('builds the /api variant', () => {
    expect(invokePath('weather-lookup', 'get-forecast', 'api')).toBe(
      '/api/external/tools/weather-lookup/actions/get-forecast/invoke',
    );
  });

  it('percent-encodes slugs', () => {
    expect(invokePath('a b', 'c&d?é')).toBe('/external/tools/a%20b/actions/c%26d%3F%C3%A9/invoke');
  });

  it.each(['', 'a/b', '..', 'a..b', '.', 'a\nb'])('rejects unsafe slug %j', (slug) => {
    expect(() => invokePath(slug, 'ok')).toThrow(/product slug/);
    expect(() => invokePath('ok', slug)).toThrow(/action slug/);
  });
});

describe('signer', () => {
  it('newRequestId is a fresh UUID v4', () => {
    const a = newRequestId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newRequestId()).not.toBe(a);
  });

  it('never echoes the private key in errors', async () => {
    const badKey = `0x${'ab'.repeat(31)}zz` as Hex;
    const zeroKey = `0x${'00'.repeat(32)}` as Hex;
    for (const key of [badKey, zeroKey]) {
      const error = await signMessageWithKey(key, 'hello').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).not.toContain(key.slice(2, 20));
      expect((error as Error).cause).toBeUndefined();
    }
  });
});
