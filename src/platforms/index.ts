import type { Config } from '../config.js';
import type { Platform } from '../core/platform.js';
import { agentpmt } from './agentpmt/platform.js';
import { agentruntime } from './agentruntime/platform.js';
import { arrotech } from './arrotech/platform.js';

/**
 * Every platform, loaded: for the sandbox, the manifest and tests. The server itself goes
 * through ./registry.ts, which loads only what a run serves; a test checks both list the
 * same platforms in the same order.
 */
export const PLATFORMS: readonly Platform<Config>[] = [agentpmt, agentruntime, arrotech];
