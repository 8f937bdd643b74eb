import { z } from 'zod';
import { errorResult, okResult } from '../../../core/results.js';
import { fail } from '../../../core/errors.js';
import { requestFor } from '../executor.js';
import { log } from '../../../core/log.js';
import { defineEndpoint, defineTool } from './types.js';

interface AgentAddressResponse {
  data?: { evmAddress?: unknown; evmPrivateKey?: unknown; mnemonic?: unknown };
}

export const walletCreate = defineEndpoint({
    name: 'wallet_create',
    title: 'Create the agent wallet',
    description:
      "Create the agent's own wallet (an AgentAddress; no account needed). The key is encrypted into the local keystore and never shown; the result gives the address and keystore path. Refuses if a wallet exists unless replace is true (the old keystore is kept, renamed). One new wallet per minute. Needs AGENTPMT_KEYSTORE_PASSWORD.",
    toolset: 'wallet',
    method: 'POST',
    origin: 'web',
    path: '/api/external/agentaddress',
    auth: 'none',
    input: () => ({
      replace: z.boolean().default(false).describe('Set true to create a new wallet even though one is configured. The old keystore file is kept, renamed.'),
    }),
    run: async (args, ctx) => {
      const passphrase = ctx.config.keystorePassword;
      if (!passphrase) {
        return errorResult({
          code: 'keystore_password_missing',
          message: 'wallet_create needs a passphrase to encrypt the new key, and AGENTPMT_KEYSTORE_PASSWORD is not set. Nothing was created.',
          next_step: 'Ask the user to set AGENTPMT_KEYSTORE_PASSWORD in the server settings, restart the server, then call wallet_create again.',
        });
      }
      if (!args.replace && (await ctx.wallet.isConfigured())) {
        const address = await ctx.wallet.address().catch(() => undefined);
        return errorResult({
          code: 'wallet_exists',
          message: `A wallet is already configured${address ? ` (${address})` : ''}. Nothing was created.`,
          next_step: 'Use the existing wallet. Only if the user explicitly wants a new one, call wallet_create with replace: true (the old keystore is kept under a new name).',
        });
      }
      // This declaration's own request (no body; a 429 becomes the error model with its wait time).
      const res = await requestFor(walletCreate, {}, ctx);
      const data = (res.json as AgentAddressResponse | undefined)?.data;
      const key = typeof data?.evmPrivateKey === 'string' ? data.evmPrivateKey : undefined;
      // Register before anything else can touch them, so no log line or result can carry them.
      log.addSecrets([key, typeof data?.mnemonic === 'string' ? data.mnemonic : undefined].filter((v): v is string => !!v));
      if (!key || typeof data?.evmAddress !== 'string') {
        fail({ status: res.status, code: 'unexpected_response', message: 'The platform created a wallet but the response lacks the address or key.', next_step: 'Try again in a minute; report it if it persists.' });
      }
      const stored = await ctx.wallet.storeNewKey(key, passphrase);
      if (stored.address.toLowerCase() !== data.evmAddress.toLowerCase()) {
        fail({ code: 'unexpected_response', message: 'The key the platform returned does not belong to the address it returned; the keystore was written but should not be trusted.', next_step: 'Ask the user to check the keystore file and create a wallet again.' });
      }
      const envOverrides = Boolean(ctx.config.privateKey);
      return okResult(
        {
          address: stored.address,
          keystore: stored.keystore,
          ...(stored.previous ? { previous_keystore: stored.previous } : {}),
          active: true,
          ...(envOverrides ? { warning: 'AGENTPMT_PRIVATE_KEY is set and will take precedence over this keystore after a restart.' } : {}),
        },
        `Wallet ${stored.address} created; its key is encrypted in ${stored.keystore}${stored.previous ? ` (the previous keystore was kept as ${stored.previous})` : ''}. The recovery phrase was not stored or shown. Next: fund it with credits, then check credits_balance.`,
        [{ tool: 'wallet_status', why: "the new wallet's credits, spend policy and what credits_purchase may cost under it" }],
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  });

export const identityEndpoints = [
  walletCreate,
  defineTool({
    name: 'wallet_session',
    needs: ['wallet'],
    title: 'Open a wallet session',
    description:
      'A fresh session nonce for the agent wallet. Signed tools get one automatically: call it only to test the wallet against the platform or to force a new session.',
    toolset: 'wallet',
    input: () => ({}),
    run: async (_args, ctx) => {
      const address = await ctx.wallet.address();
      const session = await ctx.sessions.get(address, { fresh: true, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      return okResult(
        {
          wallet_address: address,
          session_nonce: session.nonce,
          expires_at: session.expiresAt ? new Date(session.expiresAt).toISOString() : null,
        },
        `Session ready for ${address}${session.expiresAt ? `, valid until ${new Date(session.expiresAt).toISOString()}` : ''}. Signed tools will use it automatically.`,
      );
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  }),
];
