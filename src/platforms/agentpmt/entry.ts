import type { Config } from '../../config.js';
import type { PlatformEntry } from '../../core/platform.js';
import { AGENTPMT } from './identity.js';

export const agentpmtEntry: PlatformEntry<Config> = { ...AGENTPMT, load: async () => (await import('./platform.js')).agentpmt };
