import type { Config } from '../../config.js';
import type { PlatformIdentity } from '../../core/platform.js';

/** What the registry knows of agentruntime before loading it (its entry.ts and platform.ts share it). */
export const AGENTRUNTIME: PlatformIdentity<Config> = {
  id: 'agentruntime',
  title: 'AgentRuntime',
  configured: (config) => config.agentruntimeToken !== undefined,
  howToEnable: 'set AGENTRUNTIME_TOKEN (and AGENTRUNTIME_TENANT_ID, AGENTRUNTIME_PROJECT_ID)',
};
