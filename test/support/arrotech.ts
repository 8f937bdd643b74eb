import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ArrotechSandbox } from '../../src/platforms/arrotech/sandbox/index.js';

/** The server's settings against an Arrotech sandbox: managed login by default, every toolset, a temp state directory. */
export function arrotechEnv(sandbox: ArrotechSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AGENTPMT_PLATFORMS: 'arrotech',
    AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'arrotech-home-')),
    AGENTPMT_TOOLSETS: 'all',
    AGENTPMT_TIMEOUT_MS: '3000',
    AGENTPMT_LOG_LEVEL: 'debug',
    ARROTECH_API_URL: sandbox.url,
    ARROTECH_EMAIL: sandbox.credentials.email,
    ARROTECH_PASSWORD: sandbox.credentials.password,
    ...extra,
  };
}
