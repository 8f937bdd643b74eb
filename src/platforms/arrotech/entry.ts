import type { Config } from '../../config.js';
import type { PlatformEntry } from '../../core/platform.js';
import { ARROTECH } from './identity.js';

export const arrotechEntry: PlatformEntry<Config> = { ...ARROTECH, load: async () => (await import('./platform.js')).arrotech };
