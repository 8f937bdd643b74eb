import type { Config } from '../../config.js';
import type { PlatformIdentity } from '../../core/platform.js';
import { authMode } from './settings.js';

/** What the registry knows of arrotech before loading it (its entry.ts and platform.ts share it). */
export const ARROTECH: PlatformIdentity<Config> = {
  id: 'arrotech',
  title: 'Arrotech Hub',
  configured: (config) => authMode(config) !== 'none',
  howToEnable: 'set ARROTECH_API_KEY, or ARROTECH_EMAIL and ARROTECH_PASSWORD',
};
