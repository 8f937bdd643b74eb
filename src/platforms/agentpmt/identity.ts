import type { Config } from '../../config.js';
import type { PlatformIdentity } from '../../core/platform.js';

/** What the registry knows of agentpmt before loading it (its entry.ts and platform.ts share it). */
export const AGENTPMT: PlatformIdentity<Config> = {
  id: 'agentpmt',
  title: 'AgentPMT',
  // Public and wallet tools work with no account at all.
  configured: () => true,
  howToEnable: 'nothing (AgentPMT is always available; set AGENTPMT_BEARER_TOKEN for the account tools)',
};
