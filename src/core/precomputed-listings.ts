import type { ToolIndexEntry } from './platform.js';

/**
 * The tools/list entry of every catalog tool, by name, computed when the shipped bundle is
 * built (scripts/bundle.mjs replaces this module with them); undefined in a build from
 * sources, which computes each listing at start-up instead. The bundle tests check that
 * both give the same tools/list.
 */
export const PRECOMPUTED_LISTINGS: Readonly<Record<string, unknown>> | undefined = undefined;

/** Each platform's catalog as the assembly selects from it (indexEntry), by platform id: computed with the listings. */
export const PRECOMPUTED_CATALOGS: Readonly<Record<string, readonly ToolIndexEntry[]>> | undefined = undefined;

/** What the selection reads of a tool, and nothing else: the bundle carries this for every catalog tool. */
export function indexEntry(tool: ToolIndexEntry): ToolIndexEntry {
  return { name: tool.name, toolset: tool.toolset, annotations: tool.annotations.readOnlyHint === true ? { readOnlyHint: true } : {} };
}
