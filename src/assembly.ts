import { ConfigError, type Config } from './config.js';
import type { Platform, PlatformEntry, PlatformIndex, ToolSurface } from './core/platform.js';
import { selectTools, SelectionError } from './core/inventory.js';
import { PRECOMPUTED_CATALOGS } from './core/precomputed-listings.js';
import { PLATFORM_ENTRIES } from './platforms/registry.js';

/** A platform this run serves and the tools it serves of it. */
export interface ServedOf<P extends PlatformIndex<Config>> {
  platform: P;
  tools: P['catalog'][number][];
}

export type Served = ServedOf<Platform<Config>>;

const invalid = (where: string, message: string) => new ConfigError(`Invalid setting:\n  ${where}: ${message}`);

/** The entries this run serves: AGENTPMT_PLATFORMS, or every configured one; an unknown name stops start-up. */
export function servedEntries<E extends Pick<PlatformEntry<Config>, 'id' | 'configured'>>(config: Config, all: readonly E[]): E[] {
  for (const name of config.platforms ?? []) {
    if (!all.some((p) => p.id === name)) throw invalid('AGENTPMT_PLATFORMS (--platforms)', `unknown platform "${name}". Known: ${all.map((p) => p.id).join(', ')}.`);
  }
  return all.filter((p) => (config.platforms ? config.platforms.includes(p.id) : p.configured(config)));
}

/**
 * Loads the platforms this run serves (only those: start-up does not pay for the others)
 * and picks each one's tools. A toolset or tool name that belongs to an unserved platform
 * is rare and an error, so only then are the others loaded, to say how to serve it.
 */
export async function loadServed(config: Config, entries: readonly PlatformEntry<Config>[] = PLATFORM_ENTRIES): Promise<Served[]> {
  return selectAmong(config, entries, (e) => e.load());
}

/**
 * What this run serves, from each platform's index: the catalog the bundle carries when
 * it was built, so nothing of a platform's code loads (a build from sources loads it).
 * The same selection and the same errors as loadServed.
 */
export async function servedIndex(config: Config, entries: readonly PlatformEntry<Config>[] = PLATFORM_ENTRIES): Promise<ServedOf<PlatformIndex<Config>>[]> {
  return selectAmong(config, entries, async (e) => {
    const catalog = PRECOMPUTED_CATALOGS?.[e.id];
    return catalog ? { ...e, catalog } : e.load();
  });
}

async function selectAmong<P extends PlatformIndex<Config>>(config: Config, entries: readonly PlatformEntry<Config>[], open: (e: PlatformEntry<Config>) => Promise<P>): Promise<ServedOf<P>[]> {
  const opened = await Promise.all(servedEntries(config, entries).map(open));
  try {
    return servedPlatforms(config, opened);
  } catch (err) {
    if (!(err instanceof ConfigError) || opened.length === entries.length) throw err;
    return servedPlatforms(config, await Promise.all(entries.map(open)));
  }
}

/**
 * The platforms this run serves among `all` (loaded) and each one's tools for the chosen
 * toolsets; an unknown or unserved name stops start-up naming the setting and the fix.
 */
export function servedPlatforms<P extends PlatformIndex<Config>>(config: Config, all: readonly P[]): ServedOf<P>[] {
  const served = servedEntries(config, all);
  const catalog: P['catalog'][number][] = served.flatMap((p) => p.catalog);
  const known = served.flatMap((p) => p.toolsets.known);
  let selected: P['catalog'][number][];
  try {
    selected = selectTools(catalog, config, { known, defaults: served.flatMap((p) => p.toolsets.defaults) });
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    throw invalid(err.setting === 'toolsets' ? 'AGENTPMT_TOOLSETS (--toolsets)' : 'AGENTPMT_TOOLS (--tools)', unservedHint(err, served, all) ?? err.message);
  }
  const chosen = new Set(selected);
  return served.map((platform) => ({ platform, tools: platform.catalog.filter((t) => chosen.has(t)) }));
}

/** A name that belongs to a platform this run does not serve: say how to serve it. */
function unservedHint(err: SelectionError, served: readonly PlatformIndex<Config>[], all: readonly PlatformIndex<Config>[]): string | undefined {
  const name = /"([^"]+)"/.exec(err.message)?.[1];
  if (name === undefined) return undefined;
  const owner = all.find((p) => !served.includes(p) && (err.setting === 'toolsets' ? p.toolsets.known.includes(name) : p.catalog.some((t) => t.name === name)));
  return owner ? `"${name}" belongs to ${owner.title}, which this run does not serve. To serve it: ${owner.howToEnable}.` : undefined;
}
