import type { Config } from '../../config.js';
import type { PlatformEntry, PlatformIdentity } from '../../core/platform.js';

export const AGENTRUNTIME: PlatformIdentity<Config> = {
  id: 'agentruntime',
  title: 'AgentRuntime',
  configured: (config) => config.agentruntimeToken !== undefined,
  howToEnable: 'set AGENTRUNTIME_TOKEN (and AGENTRUNTIME_TENANT_ID, AGENTRUNTIME_PROJECT_ID)',
};

export const agentruntimeEntry: PlatformEntry<Config> = { ...AGENTRUNTIME, load: async () => (await import('./platform.js')).agentruntime };
