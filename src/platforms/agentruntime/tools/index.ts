import { analyticsEndpoints } from './analytics.js';
import { billingEndpoints } from './billing.js';
import { connectionEndpoints } from './connections.js';
import { agentEndpoints } from './agents.js';
import { mcpEndpoints, mcpExtraEndpoints } from './mcp.js';
import { memoryEndpoints } from './memory.js';
import { principalEndpoints } from './principals.js';
import { patEndpoints } from './pats.js';
import { workflowsRun, workflowsRunWait } from './run.js';
import { runEndpoints } from './runs.js';
import type { AnyArTool } from './types.js';
import { webhookEndpoints } from './webhooks.js';
import { workflowEndpoints } from './workflows.js';

/** Every AgentRuntime tool, in listing order. */
export const catalog: readonly AnyArTool[] = [
  ...workflowEndpoints,
  workflowsRun,
  workflowsRunWait,
  ...runEndpoints,
  ...webhookEndpoints,
  ...connectionEndpoints,
  ...mcpEndpoints,
  ...mcpExtraEndpoints,
  ...patEndpoints,
  ...billingEndpoints,
  ...analyticsEndpoints,
  ...memoryEndpoints,
  ...agentEndpoints,
  ...principalEndpoints,
];
