import type { Config } from '../config.js';
import type { Platform } from '../core/platform.js';
import { agentpmt } from './agentpmt/platform.js';
import { agentruntime } from './agentruntime/platform.js';
import { arrotech } from './arrotech/platform.js';

/**
 * Every platform this server knows, in the order their tools are listed. Adding
 * one: its folder exports a Platform (platform.ts) and its settings (settings.ts,
 * merged in src/config.ts); list it here. CONTRIBUTING.md walks through it.
 */
export const PLATFORMS: readonly Platform<Config>[] = [agentpmt, agentruntime, arrotech];
