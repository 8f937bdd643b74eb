import type { Toolset } from './tools/types.js';

// hosted: the tools of AgentPMT's hosted MCP endpoint (hosted/), known only once it answers.
export const TOOLSETS: readonly Toolset[] = ['account', 'marketplace', 'payments', 'wallet', 'workflows', 'schedules', 'jobs', 'embed', 'platform', 'hosted'];

/** What a typical agent needs: its wallet, the marketplace, workflows, the account and status. Jobs, schedules and embeds are opt-in. */
export const DEFAULT_TOOLSETS: readonly Toolset[] = ['account', 'marketplace', 'payments', 'wallet', 'workflows', 'platform', 'hosted'];
