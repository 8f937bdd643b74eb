import type { Config } from '../../config.js';
import { toolsetsOffNote } from '../../core/inventory.js';
import type { PlatformIdentity } from '../../core/platform.js';
import { DEFAULT_TOOLSETS, TOOLSETS } from './toolsets.js';

/** What the registry knows of agentruntime before loading it (its entry.ts and platform.ts share it). */
export const AGENTRUNTIME: PlatformIdentity<Config> = {
  id: 'agentruntime',
  title: 'AgentRuntime',
  configured: (config) => config.agentruntimeToken !== undefined,
  howToEnable: 'set AGENTRUNTIME_TOKEN (and AGENTRUNTIME_TENANT_ID, AGENTRUNTIME_PROJECT_ID)',
  toolsets: { known: TOOLSETS, defaults: DEFAULT_TOOLSETS },
  instructions: (served) =>
    [
      'The agentruntime_* tools drive AgentRuntime (workflows, runs, human tasks, webhooks, connections, MCP servers, tokens, billing).',
      'To run a workflow: create, publish a version, then agentruntime_workflows_run; when it stops at a human task, ask the user before approving with agentruntime_tasks_complete.',
      'Secrets AgentRuntime shows once (webhook signing secrets, new PAT tokens) are stored locally and never returned.',
      toolsetsOffNote(TOOLSETS, served),
    ]
      .filter(Boolean)
      .join(' '),
};
