import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../src/platforms/agentpmt/sandbox/index.js';
import { SANDBOX as AR_SANDBOX } from '../src/platforms/agentruntime/sandbox/index.js';
import { ARROTECH_SANDBOX_CREDENTIALS } from '../src/platforms/arrotech/sandbox/index.js';
import { captured, expectNoSecretsCaptured, knownSecrets } from './helpers.js';

// Every test file ends with the same check: nothing it captured (tool results, errors,
// the server's stderr and log lines) contains a private key, mnemonic, passphrase or token.
const vectors = JSON.parse(readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8')) as { private_key: string };
knownSecrets.add(vectors.private_key.slice(2));
knownSecrets.add(SANDBOX_CREDENTIALS.bearerToken);
knownSecrets.add(SANDBOX_CREDENTIALS.apiKey);
knownSecrets.add(SANDBOX_CREDENTIALS.budgetKey);
// AgentRuntime's sandbox PATs; the signing secrets, new PAT tokens and connection credentials a test makes are added by that test.
for (const t of [AR_SANDBOX.adminToken, AR_SANDBOX.contributorToken, AR_SANDBOX.viewerToken, AR_SANDBOX.readScopeToken, AR_SANDBOX.otherTenantToken]) knownSecrets.add(t);
knownSecrets.add(Buffer.from(`${SANDBOX_CREDENTIALS.apiKey}:${SANDBOX_CREDENTIALS.budgetKey}`).toString('base64'));
// Arrotech Hub: both API keys, the login password, and the WhatsApp token its diagnostics echo (whole and as a preview).
// The JWTs its sandbox issues are added by the tests that start one (sandbox.issuedTokens).
knownSecrets.add(ARROTECH_SANDBOX_CREDENTIALS.apiKey);
knownSecrets.add(ARROTECH_SANDBOX_CREDENTIALS.otherApiKey);
knownSecrets.add(ARROTECH_SANDBOX_CREDENTIALS.password);
knownSecrets.add(ARROTECH_SANDBOX_CREDENTIALS.whatsappToken);
knownSecrets.add(`${ARROTECH_SANDBOX_CREDENTIALS.whatsappToken.slice(0, 8)}...${ARROTECH_SANDBOX_CREDENTIALS.whatsappToken.slice(-4)}`);

afterAll(() => {
  if (captured.length > 0) expectNoSecretsCaptured(knownSecrets);
});
