import type { Config } from '../../config.js';
import type { PlatformEntry, PlatformIdentity } from '../../core/platform.js';
import { authMode } from './settings.js';

export const ARROTECH: PlatformIdentity<Config> = {
  id: 'arrotech',
  title: 'Arrotech Hub',
  configured: (config) => authMode(config) !== 'none',
  howToEnable: 'set ARROTECH_API_KEY, or ARROTECH_EMAIL and ARROTECH_PASSWORD',
};

export const arrotechEntry: PlatformEntry<Config> = { ...ARROTECH, load: async () => (await import('./platform.js')).arrotech };
