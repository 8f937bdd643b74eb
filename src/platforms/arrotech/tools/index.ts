import { agentsEndpoints } from './agents.js';
import { connectionsEndpoints } from './connections.js';
import { conversationsEndpoints } from './conversations.js';
import { diagnosticsEndpoints } from './diagnostics.js';
import { mcpEndpoints } from './mcp.js';
import { templatesEndpoints } from './templates.js';
import type { AnyTool } from './types.js';
import { workflowDiagnostics, workflowsEndpoints } from './workflows.js';

/** Every Arrotech Hub tool, in the order tools/list shows them. */
export const catalog: readonly AnyTool[] = [
  ...mcpEndpoints,
  ...workflowsEndpoints,
  ...conversationsEndpoints,
  ...connectionsEndpoints,
  ...agentsEndpoints,
  ...templatesEndpoints,
  ...diagnosticsEndpoints,
  ...workflowDiagnostics,
];
