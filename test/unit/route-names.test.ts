import { describe, expect, it } from 'vitest';
import { normalizePlatformError, routesAsTools } from '../../src/platforms/agentpmt/errors.js';
import '../../src/platforms/agentpmt/platform.js';

describe('platform messages name tools, not routes', () => {
  it('a documented route in a platform message becomes the tool that calls it; unknown routes stay', () => {
    expect(routesAsTools("No tool with slug 'x'. List tools with GET /api/external/tools.")).toBe("No tool with slug 'x'. List tools with marketplace_list.");
    expect(routesAsTools('Start one with POST /api/external/workflows/abc123/start.')).toBe('Start one with workflow_session_start.');
    expect(routesAsTools('Use a product_id returned by GET /products/fetch.')).toBe('Use a product_id returned by account_products_list.');
    expect(routesAsTools('See GET /not/a/route for more.')).toBe('See GET /not/a/route for more.');
  });

  it('errors from the platform reach the model with the tool names', () => {
    const f = normalizePlatformError(404, { success: false, error: "Job 'j1' was not found. List jobs with POST /api/external/jobs/list.", code: 'JOB_NOT_FOUND' }, undefined, { tool: 'jobs_reserve' });
    expect(f.message).toBe("Job 'j1' was not found. List jobs with jobs_list.");
    expect(f).toMatchObject({ code: 'job_not_found', platform_code: 'JOB_NOT_FOUND' });
    expect(f.next_step).toMatch(/jobs_list/);
  });
});
