import type { Config } from '../../config.js';
import type { PlatformEntry } from '../../core/platform.js';
import { AGENTRUNTIME } from './identity.js';

export const agentruntimeEntry: PlatformEntry<Config> = { ...AGENTRUNTIME, load: async () => (await import('./platform.js')).agentruntime };
