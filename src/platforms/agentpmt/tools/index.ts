import { accountEndpoints } from './account.js';
import { embedEndpoints } from './embed.js';
import { externalEndpoints } from './external.js';
import { identityEndpoints } from './identity.js';
import { marketplaceEndpoints } from './marketplace.js';
import { paymentEndpoints } from './payments.js';
import { platformEndpoints } from './platform.js';
import type { AnyTool } from './types.js';
import { scheduleEndpoints } from './schedules.js';
import { webhookEndpoints } from './webhooks.js';
import { workflowRunEndpoints } from './workflow-run.js';

/** The whole API surface an agent can reach, in one list. */
export const catalog: readonly AnyTool[] = [
  ...accountEndpoints,
  ...platformEndpoints,
  ...webhookEndpoints,
  ...workflowRunEndpoints,
  ...scheduleEndpoints,
  ...embedEndpoints,
  ...identityEndpoints,
  ...marketplaceEndpoints,
  ...externalEndpoints,
  ...paymentEndpoints,
];
