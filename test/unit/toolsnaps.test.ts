import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, withInMemoryClient } from '../helpers.js';
import { PLATFORMS } from '../../src/platforms/index.js';

/**
 * Toolsnaps: what the model sees of every tool (name, title, description,
 * annotations, input schema), one committed file per tool. A change to any of
 * them fails here until the snapshots are updated on purpose with
 * `npm run toolsnaps`, so a reviewer sees in the diff exactly what the model
 * will see differently.
 */
const UPDATE = process.env.UPDATE_TOOLSNAPS === '1';

/** Every platform served, every toolset on: the whole surface, one folder per platform. */
function listTools() {
  const env = { AGENTPMT_PLATFORMS: PLATFORMS.map((p) => p.id).join(','), AGENTPMT_TOOLSETS: 'all', AGENTPMT_HOME: path.join(os.tmpdir(), 'agentpmt-toolsnaps') };
  return withInMemoryClient(env, async (client) => (await client.listTools()).tools);
}

const render = (tool: unknown) => JSON.stringify(tool, null, 2) + '\n';

describe('toolsnaps', () => {
  it.each(PLATFORMS.map((p) => [p.id, p] as const))('every %s tool the model sees matches its committed snapshot', async (id, platform) => {
    const DIR = path.join(ROOT, 'test', 'toolsnaps', id);
    const own = new Set(platform.catalog.map((t) => t.name));
    const tools = (await listTools()).filter((t) => own.has(t.name));
    if (UPDATE) {
      rmSync(DIR, { recursive: true, force: true });
      mkdirSync(DIR, { recursive: true });
      for (const t of tools) writeFileSync(path.join(DIR, `${t.name}.snap.json`), render(t));
    }
    expect(existsSync(DIR), 'no toolsnaps yet: run `npm run toolsnaps`').toBe(true);
    const committed = readdirSync(DIR).filter((f) => f.endsWith('.snap.json')).map((f) => f.replace(/\.snap\.json$/, '')).sort();
    expect(tools.map((t) => t.name).sort(), 'a tool was added or removed: run `npm run toolsnaps` and commit the change').toEqual(committed);
    const drift = tools.filter((t) => readFileSync(path.join(DIR, `${t.name}.snap.json`), 'utf8') !== render(t)).map((t) => t.name);
    expect(drift, `what the model sees changed for these tools: review, then run \`npm run toolsnaps\` and commit the snapshots`).toEqual([]);
  });
});
