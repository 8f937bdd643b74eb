import type { Config } from './config.js';
import { servedIndex, loadServed } from './assembly.js';
import { PRECOMPUTED_LISTINGS } from './core/precomputed-listings.js';
import { initializeResult, serverInstructions } from './core/server-identity.js';
import type { EarlyAnswers } from './transports/stdio-early.js';

/**
 * initialize and tools/list as the server will answer them, from the settings and each
 * served platform's index alone: the shipped bundle carries every catalog tool's listing,
 * so a launch answers the host before any platform code or the MCP SDK loads. A build
 * from sources computes the same answers by loading the platforms (slower, same path).
 * Unknown platform, toolset or tool names stop start-up here, naming the setting.
 */
export async function earlyAnswers(config: Config): Promise<EarlyAnswers> {
  const index = await servedIndex(config);
  const titles = index.map((s) => s.platform.title);
  const instructions = serverInstructions(index.map((s) => s.platform.instructions(s.tools, config)));
  const listIsCatalog = index.every((s) => s.platform.listIsCatalog?.(config) ?? true);
  return {
    initialize: (requested) => initializeResult(requested, titles, instructions),
    ...(listIsCatalog ? { tools: { tools: await listings(config, index.flatMap((s) => s.tools.map((t) => t.name))) } } : {}),
  };
}

async function listings(config: Config, names: readonly string[]): Promise<unknown[]> {
  const built = names.map((name) => PRECOMPUTED_LISTINGS?.[name]);
  if (built.every((l) => l !== undefined)) return built;
  const [{ listingOf }, served] = await Promise.all([import('./server.js'), loadServed(config)]);
  return served.flatMap((s) => s.tools.map(listingOf));
}
