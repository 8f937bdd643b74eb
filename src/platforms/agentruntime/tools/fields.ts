import { z } from 'zod';
import { pathSegmentProblem } from '../../../core/shared/path-segment.js';

/** An id that goes into a URL path: refused before any request when it could change which resource the path names. */
export function idArg(description: string) {
  return z
    .string()
    .max(200, 'must be at most 200 characters')
    .superRefine((v, ctx) => {
      const problem = pathSegmentProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description);
}

export const workflowId = () => idArg('Workflow id (UUID) from agentruntime_workflows_list.');
export const runId = () => idArg('Run id from agentruntime_workflows_run, _command start or agentruntime_runs_list.');

export const limit = () => z.number().int().min(1).max(200).optional().describe('Most items to return.');

export const NEEDS = 'Needs AGENTRUNTIME_TOKEN, AGENTRUNTIME_TENANT_ID and AGENTRUNTIME_PROJECT_ID.';
