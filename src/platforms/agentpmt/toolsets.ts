import { catalog } from './tools/index.js';
import type { AnyTool, Toolset } from './tools/types.js';
import { ConfigError, type Config } from '../../config.js';
import { selectTools as select, SelectionError } from '../../core/inventory.js';

// hosted: the tools of AgentPMT's hosted MCP endpoint (hosted/), known only once it answers.
export const TOOLSETS: readonly Toolset[] = ['account', 'marketplace', 'payments', 'wallet', 'workflows', 'schedules', 'jobs', 'embed', 'platform', 'hosted'];

/** What a typical agent needs: its wallet, the marketplace, workflows, the account and status. Jobs, schedules and embeds are opt-in. */
export const DEFAULT_TOOLSETS: readonly Toolset[] = ['account', 'marketplace', 'payments', 'wallet', 'workflows', 'platform', 'hosted'];

/** AgentPMT's tools for the configured toolsets, tools and read-only mode; an unknown name stops start-up naming the setting. */
export function selectTools(config: Pick<Config, 'toolsets' | 'tools' | 'readOnly'>, all: readonly AnyTool[] = catalog): AnyTool[] {
  try {
    return select(all, config, { known: TOOLSETS, defaults: DEFAULT_TOOLSETS });
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    const where = err.setting === 'toolsets' ? 'AGENTPMT_TOOLSETS (--toolsets)' : 'AGENTPMT_TOOLS (--tools)';
    throw new ConfigError(`Invalid setting:\n  ${where}: ${err.message}`);
  }
}
