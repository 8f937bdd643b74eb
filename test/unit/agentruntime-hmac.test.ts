import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressSignature } from '../../src/platforms/agentruntime/executor.js';
import { startAgentruntimeSandbox, type ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { knownSecrets } from '../helpers.js';

// Computed once, independently, with:
//   printf '%s' '{"order":1001,"note":"café"}' | openssl dgst -sha256 -hmac 'whsec_test_vector_0123456789abcdef'
const VECTOR = {
  secret: 'whsec_test_vector_0123456789abcdef',
  body: '{"order":1001,"note":"café"}',
  hex: '1af164672b665d9fa93df5debb018234562456ec3d259140f7562aa0e8f7b414',
  // The same body with "cafe": one character changed.
  changedBody: '{"order":1001,"note":"cafe"}',
  changedHex: 'a4aff8834a4104a8f84656e320b5dbb9b14fb51f2800bbae6054820453e09d6a',
};

describe('inbound webhook signature', () => {
  it('matches the openssl test vector (UTF-8 body bytes, lowercase hex, sha256= prefix)', () => {
    expect(ingressSignature(VECTOR.secret, VECTOR.body)).toBe(`sha256=${VECTOR.hex}`);
    expect(ingressSignature(VECTOR.secret, VECTOR.changedBody)).toBe(`sha256=${VECTOR.changedHex}`);
  });
});

describe('the sandbox verifies the ingress with its own code', () => {
  let sb: ArSandbox;
  let subscription: string;
  let secret: string;
  const headers = { authorization: '', 'x-tenant-id': '', 'x-project-id': '', 'content-type': 'application/json' };

  beforeAll(async () => {
    sb = await startAgentruntimeSandbox({ stepMs: 20 });
    Object.assign(headers, { authorization: `Bearer ${sb.tokens.admin}`, 'x-tenant-id': sb.tenant, 'x-project-id': sb.project });
    const res = await fetch(`${sb.url}/v1/inbound-webhooks`, { method: 'POST', headers, body: JSON.stringify({ workflow_id: sb.ids.echoWorkflow, name: 'vector' }) });
    const body = (await res.json()) as { subscription: { id: string }; signing_secret: string };
    subscription = body.subscription.id;
    secret = body.signing_secret;
    knownSecrets.add(secret);
    expect(secret).toMatch(/^whsec_/);
  });
  afterAll(() => sb?.close());

  const send = (body: string, signature: string | undefined, token = sb.tokens.admin) =>
    fetch(`${sb.url}/v1/inbound-webhooks/${subscription}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(signature ? { 'x-agentruntime-signature': signature } : {}) },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string; run_id?: string } }));

  it('accepts the right signature and starts a run', async () => {
    const r = await send(VECTOR.body, ingressSignature(secret, VECTOR.body));
    expect(r.status).toBe(202);
    expect(r.body.run_id).toMatch(/^run_/);
  });

  it('rejects a missing, malformed or wrong signature, a replay with a changed body, and a bad PAT', async () => {
    const good = ingressSignature(secret, VECTOR.body);
    expect(await send(VECTOR.body, undefined)).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    expect(await send(VECTOR.body, good.slice(7))).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    expect(await send(VECTOR.body, `sha256=${VECTOR.hex}`)).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    expect(await send(VECTOR.changedBody, good)).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    expect(await send(`${VECTOR.body} `, good)).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    expect(await send(VECTOR.body, good, 'pat_unknown_token_0000')).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await send(VECTOR.body, good, sb.tokens.otherTenant)).toMatchObject({ status: 401 });
    expect(await send(VECTOR.body, good, sb.tokens.viewer)).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
  });
});
