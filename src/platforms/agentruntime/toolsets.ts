import type { ArToolset } from './tools/types.js';

export const TOOLSETS: readonly ArToolset[] = [
  'agentruntime_workflows',
  'agentruntime_runs',
  'agentruntime_webhooks',
  'agentruntime_connections',
  'agentruntime_mcp',
  'agentruntime_tokens',
  'agentruntime_billing',
  'agentruntime_analytics',
  'agentruntime_memory',
  'agentruntime_agents',
  'agentruntime_principals',
];

/** Build, run and supervise workflows (human tasks included); the rest is opt-in so the default tools/list stays small. */
export const DEFAULT_TOOLSETS: readonly ArToolset[] = ['agentruntime_workflows', 'agentruntime_runs'];
