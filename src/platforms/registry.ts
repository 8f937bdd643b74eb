import type { Config } from '../config.js';
import type { PlatformEntry } from '../core/platform.js';
import { agentpmtEntry } from './agentpmt/entry.js';
import { agentruntimeEntry } from './agentruntime/entry.js';
import { arrotechEntry } from './arrotech/entry.js';

/**
 * Every platform this server knows, in the order their tools are listed, each behind a
 * dynamic import: a start-up loads only the platforms it serves (AgentRuntime and Arrotech
 * cost ~50–70 ms each to load). Adding one: its folder exports an entry (entry.ts) and a
 * Platform (platform.ts), its settings are merged in src/config.ts; list the entry here
 * and the platform in ./index.ts. CONTRIBUTING.md walks through it.
 */
export const PLATFORM_ENTRIES: readonly PlatformEntry<Config>[] = [agentpmtEntry, agentruntimeEntry, arrotechEntry];
