import type { Toolset } from './tools/types.js';

export const TOOLSETS: readonly Toolset[] = ['arrotech_mcp', 'arrotech_workflows', 'arrotech_conversations', 'arrotech_connections', 'arrotech_agents', 'arrotech_templates', 'arrotech_diagnostics'];

/**
 * What an agent needs first: the tool bridge and workflows. The rest is opt-in, so the
 * default tools/list for Arrotech stays under ~4,000 tokens (README states the figure).
 */
export const DEFAULT_TOOLSETS: readonly Toolset[] = ['arrotech_mcp', 'arrotech_workflows'];
