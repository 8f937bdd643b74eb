import type { Config } from '../../config.js';
import { toolsetsOffNote } from '../../core/inventory.js';
import type { PlatformIdentity } from '../../core/platform.js';
import { DEFAULT_TOOLSETS, TOOLSETS } from './toolsets.js';
import { authMode } from './settings.js';

/** What the registry knows of arrotech before loading it (its entry.ts and platform.ts share it). */
export const ARROTECH: PlatformIdentity<Config> = {
  id: 'arrotech',
  title: 'Arrotech Hub',
  configured: (config) => authMode(config) !== 'none',
  howToEnable: 'set ARROTECH_API_KEY, or ARROTECH_EMAIL and ARROTECH_PASSWORD',
  toolsets: { known: TOOLSETS, defaults: DEFAULT_TOOLSETS },
  instructions: (served) =>
    [
      'The arrotech_* tools drive Arrotech Hub: workflows built from plain-English descriptions, autonomous agents, AI conversations, connected platforms and its integration tools (arrotech_mcp_tool_call).',
      'Arrotech Hub allows 100 requests a day on the free tier: prefer one arrotech_workflows_run over polling, and on rate_limited wait as told.',
      toolsetsOffNote(TOOLSETS, served),
    ]
      .filter(Boolean)
      .join(' '),
};
