import type { Config } from '../../config.js';
import type { PlatformIdentity } from '../../core/platform.js';
import { hostedEnabled } from './hosted/enabled.js';
import { instructions } from './instructions.js';
import { DEFAULT_TOOLSETS, TOOLSETS } from './toolsets.js';

/** What the registry knows of agentpmt before loading it (its entry.ts and platform.ts share it). */
export const AGENTPMT: PlatformIdentity<Config> = {
  id: 'agentpmt',
  title: 'AgentPMT',
  // Public and wallet tools work with no account at all.
  configured: () => true,
  howToEnable: 'nothing (AgentPMT is always available; set AGENTPMT_BEARER_TOKEN for the account tools)',
  toolsets: { known: TOOLSETS, defaults: DEFAULT_TOOLSETS },
  instructions,
  // Pinned marketplace actions (resolved at start-up) and the hosted endpoint's tools join the list at run time.
  listIsCatalog: (config) => config.pin.length === 0 && !hostedEnabled(config),
};
