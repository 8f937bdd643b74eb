import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/platforms/agentpmt/sandbox/index.js';
import { call, connectStdio, sandboxEnv, withSandbox, type Connected } from '../helpers.js';

const LONE_SURROGATE = 'run-\ud800-1';

describe('ids that are not valid Unicode', () => {
  let sandbox: Sandbox;
  let conn: Connected;
  beforeAll(async () => {
    sandbox = await withSandbox();
    conn = await connectStdio(sandboxEnv(sandbox));
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  it('are refused naming the field, by every tool with a string argument, and never become internal_error', async () => {
    const { tools } = await conn.client.listTools();
    const refusedIds: string[] = [];
    for (const tool of tools) {
      const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string; enum?: unknown[] }>;
      for (const [field, schema] of Object.entries(props)) {
        if (schema.type !== 'string' || schema.enum) continue;
        const args: Record<string, unknown> = {};
        for (const r of tool.inputSchema.required ?? []) {
          const p = props[r]!;
          args[r] = p.enum ? p.enum[0] : p.type === 'string' ? 'abc' : p.type === 'number' || p.type === 'integer' ? 1 : p.type === 'boolean' ? false : p.type === 'array' ? [] : {};
        }
        args[field] = LONE_SURROGATE;
        const r = await call(conn.client, tool.name, args);
        expect(r.text, `${tool.name}.${field}`).not.toMatch(/internal_error|URI malformed/);
        if (/valid Unicode/.test(r.text)) {
          expect(r.isError).toBe(true);
          expect(r.text, `${tool.name}.${field}`).toContain(field);
          refusedIds.push(`${tool.name}.${field}`);
        }
      }
    }
    // The ids that go into URL paths (the ones that used to crash) are among those refused.
    for (const id of ['workflow_run_status.run_id', 'workflow_run_trigger.workflow_id', 'embed_product.product_id', 'jobs_status.job_id', 'schedules_release.schedule_id']) {
      expect(refusedIds).toContain(id);
    }
  }, 60_000);
});
