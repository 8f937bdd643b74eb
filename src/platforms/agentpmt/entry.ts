import type { Config } from '../../config.js';
import type { PlatformEntry, PlatformIdentity } from '../../core/platform.js';

export const AGENTPMT: PlatformIdentity<Config> = {
  id: 'agentpmt',
  title: 'AgentPMT',
  // Public and wallet tools work with no account at all.
  configured: () => true,
  howToEnable: 'nothing (AgentPMT is always available; set AGENTPMT_BEARER_TOKEN for the account tools)',
};

export const agentpmtEntry: PlatformEntry<Config> = { ...AGENTPMT, load: async () => (await import('./platform.js')).agentpmt };
