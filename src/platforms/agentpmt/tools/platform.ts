import { defineEndpoint } from './types.js';

export const platformEndpoints = [
  defineEndpoint({
    name: 'platform_health',
    title: 'Platform health',
    description: 'Check that the AgentPMT API is up (status "ok"). Use it when other calls fail with network or 5xx errors. No credentials needed.',
    toolset: 'platform',
    method: 'GET',
    origin: 'api',
    path: '/health',
    auth: 'none',
    input: () => ({}),
    summary: (data) => `AgentPMT API: ${typeof data.status === 'string' ? data.status : 'answered (no status field)'}.`,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'platform_jwt_public_key',
    title: 'JWT verification key',
    description: 'The PEM public key and algorithm AgentPMT signs vendor access tokens with (to verify AgentPMT-issued JWTs in a vendor tool). No credentials needed.',
    toolset: 'platform',
    method: 'GET',
    origin: 'api',
    path: '/public/jwt-public-key',
    auth: 'none',
    input: () => ({}),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
];
