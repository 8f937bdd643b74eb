import { z } from 'zod';
import { pathSegmentArg } from '../../../core/shared/path-segment.js';

/** An id that goes into a URL path (the core's check). */
export const idArg = pathSegmentArg;

export const workflowId = () => idArg('Workflow id (UUID) from agentruntime_workflows_list.');
export const runId = () => idArg('Run id from agentruntime_workflows_run, _command start or agentruntime_runs_list.');

export const limit = () => z.number().int().min(1).max(200).optional().describe('Most items to return.');

export const NEEDS = 'Needs AGENTRUNTIME_TOKEN, AGENTRUNTIME_TENANT_ID and AGENTRUNTIME_PROJECT_ID.';
