import { defineEndpoint } from './types.js';

export const platformEndpoints = [
  defineEndpoint({
    name: 'platform_health',
    title: 'Platform health',
    description: 'Check that the AgentPMT API is up (status "ok"). Use it when other calls fail with network or 5xx errors. Free, no credentials needed.',
    toolset: 'platform',
    method: 'GET',
    origin: 'api',
    path: '/health',
    auth: 'none',
    input: {},
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
  defineEndpoint({
    name: 'platform_jwt_public_key',
    title: 'JWT verification key',
    description: 'The PEM public key and algorithm AgentPMT uses to sign vendor access tokens. Use it when building a vendor tool that must verify AgentPMT-issued JWTs. Free, no credentials needed.',
    toolset: 'platform',
    method: 'GET',
    origin: 'api',
    path: '/public/jwt-public-key',
    auth: 'none',
    input: {},
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
];
