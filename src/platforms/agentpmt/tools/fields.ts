import { z } from 'zod';
import { pathSegmentProblem } from '../../../core/shared/path-segment.js';

/**
 * An id that goes into a URL path, refused here, before any request, when it
 * could change which resource the path names.
 */
export function pathSegment(description: string) {
  return z
    .string()
    .max(200, 'must be at most 200 characters')
    .superRefine((v, ctx) => {
      const problem = pathSegmentProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description);
}

export const httpsUrl = () =>
  z
    .string()
    .url('must be an absolute URL')
    .refine((v) => v.startsWith('https://'), 'must use https://');

export const NEEDS_ACCOUNT_TOKEN = 'Needs AGENTPMT_BEARER_TOKEN (or AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY).';
