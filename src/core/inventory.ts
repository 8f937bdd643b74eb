/** What the inventory needs of a tool: its name, its toolset and whether it only reads. */
export interface InventoryItem {
  name: string;
  toolset: string;
  annotations: { readOnlyHint?: boolean };
}

export interface Selection {
  /** Toolset names, plus "default" and "all". */
  toolsets: readonly string[];
  /** Single tools on top of the toolsets. */
  tools: readonly string[];
  /** Keep only tools that declare readOnlyHint: true (overrides everything else). */
  readOnly: boolean;
}

/** A selection naming something that does not exist: start-up stops rather than silently exposing less than asked. */
export class SelectionError extends Error {
  constructor(
    readonly setting: 'toolsets' | 'tools',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The tools a server exposes (github-mcp-server's inventory): the named
 * toolsets plus single tools, then, if read-only is on, only tools that say
 * they only read.
 */
export function selectTools<T extends InventoryItem>(all: readonly T[], selection: Selection, toolsets: { known: readonly string[]; defaults: readonly string[] }): T[] {
  const sets = new Set<string>();
  for (const name of selection.toolsets) {
    if (name === 'all') toolsets.known.forEach((t) => sets.add(t));
    else if (name === 'default') toolsets.defaults.forEach((t) => sets.add(t));
    else if (toolsets.known.includes(name)) sets.add(name);
    else throw new SelectionError('toolsets', `unknown toolset "${name}". Known: ${toolsets.known.join(', ')}, default, all.`);
  }
  const byName = new Set(all.map((d) => d.name));
  for (const tool of selection.tools) {
    if (!byName.has(tool)) throw new SelectionError('tools', `unknown tool "${tool}". Run with --toolsets all to list every tool.`);
  }
  const extra = new Set(selection.tools);
  return all.filter((d) => (sets.has(d.toolset) || extra.has(d.name)) && (!selection.readOnly || d.annotations.readOnlyHint === true));
}

/** The instructions' sentence on what is switched off and how to turn it on (one wording for every platform). */
export function toolsetsOffNote(known: readonly string[], served: readonly { toolset: string }[], purpose: Readonly<Record<string, string>> = {}): string {
  const on = new Set(served.map((t) => t.toolset));
  const off = known.filter((t) => !on.has(t));
  if (!off.length) return '';
  return `Toolsets off in this server: ${off.map((t) => (purpose[t] ? `${t} (${purpose[t]})` : t)).join(', ')}; the user turns them on with AGENTPMT_TOOLSETS.`;
}
