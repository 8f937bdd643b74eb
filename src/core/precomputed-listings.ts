/**
 * The tools/list entry of every catalog tool, by name, computed when the shipped bundle is
 * built (scripts/bundle.mjs replaces this module with them); undefined in a build from
 * sources, which computes each listing at start-up instead. The bundle tests check that
 * both give the same tools/list.
 */
export const PRECOMPUTED_LISTINGS: Readonly<Record<string, unknown>> | undefined = undefined;
