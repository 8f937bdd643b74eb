import { catalog } from './tools/index.js';
import type { AnyTool, Toolset } from './tools/types.js';
import { ConfigError, type Config } from '../../config.js';

export const TOOLSETS: readonly Toolset[] = ['account', 'marketplace', 'payments', 'wallet', 'workflows', 'schedules', 'jobs', 'embed', 'platform'];

/** What a typical agent needs: its wallet, the marketplace, workflows, the account and status. Jobs, schedules and embeds are opt-in. */
export const DEFAULT_TOOLSETS: readonly Toolset[] = ['account', 'marketplace', 'payments', 'wallet', 'workflows', 'platform'];

/**
 * The tools this server exposes: the named toolsets plus single tools, and then,
 * if read-only is on, only tools that declare readOnlyHint (it overrides the rest).
 * Unknown names stop start-up rather than silently exposing less than asked.
 */
export function selectTools(config: Pick<Config, 'toolsets' | 'tools' | 'readOnly'>, all: readonly AnyTool[] = catalog): AnyTool[] {
  const sets = new Set<string>();
  for (const name of config.toolsets) {
    if (name === 'all') TOOLSETS.forEach((t) => sets.add(t));
    else if (name === 'default') DEFAULT_TOOLSETS.forEach((t) => sets.add(t));
    else if ((TOOLSETS as readonly string[]).includes(name)) sets.add(name);
    else throw new ConfigError(`Invalid setting:\n  AGENTPMT_TOOLSETS (--toolsets): unknown toolset "${name}". Known: ${TOOLSETS.join(', ')}, default, all.`);
  }
  const byName = new Map(all.map((d) => [d.name, d]));
  for (const tool of config.tools) {
    if (!byName.has(tool)) throw new ConfigError(`Invalid setting:\n  AGENTPMT_TOOLS (--tools): unknown tool "${tool}". Run with --toolsets all to list every tool.`);
  }
  const extra = new Set(config.tools);
  return all.filter((d) => (sets.has(d.toolset) || extra.has(d.name)) && (!config.readOnly || d.annotations.readOnlyHint === true));
}
