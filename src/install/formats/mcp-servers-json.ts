import { InvalidConfigError, lineColumn } from '../errors.js';
import { docValue, nodeAt, parseJsonDoc, removeProperty, reparseDoc, setProperty, valueAt, type JsonDoc } from '../json-text.js';
import { routerEntries } from '../router.js';
import { ENTRY_NAME, isRecord, specOf, type HostFormat, type Inspection, type RouterEntry, type ServerSpec } from '../types.js';

export interface JsonHostShape {
  /** The top-level object that holds servers by name. */
  container: string;
  /** Containers an older tool may have written router entries into (VS Code: the router used mcpServers). */
  routerContainers?: string[];
  /** The host reads JSON with comments and trailing commas. */
  jsonc: boolean;
  /** The host's own entries carry "type": "stdio". */
  typeField: boolean;
}

/** An empty new file: the container is created inside it by the same edit as for an existing file. */
const NEW_FILE = '{}\n';

export function entryFor(shape: Pick<JsonHostShape, 'typeField'>, spec: ServerSpec): Record<string, unknown> {
  return {
    ...(shape.typeField ? { type: 'stdio' } : {}),
    command: spec.command,
    args: spec.args,
    ...(Object.keys(spec.env).length ? { env: spec.env } : {}),
  };
}

export function checkShape(file: string, doc: JsonDoc, container: string): void {
  const node = nodeAt(doc, [container]);
  if (node && node.type !== 'object') throw new InvalidConfigError(file, lineColumn(doc.text, node.offset), `"${container}" must be an object`);
  const ours = nodeAt(doc, [container, ENTRY_NAME]);
  if (ours && ours.type !== 'object') throw new InvalidConfigError(file, lineColumn(doc.text, ours.offset), `"${container}.${ENTRY_NAME}" must be an object`);
}

export function findRouters(doc: JsonDoc, containers: string[]): RouterEntry[] {
  return containers.flatMap((c) => routerEntries(c, valueAt(doc, [c])));
}

/** Removes `drop` then sets our entry, each edit on a fresh parse (offsets move). */
export function applyEntry(doc: JsonDoc, container: string, entry: unknown, drop: readonly RouterEntry[]): JsonDoc {
  let d = doc;
  for (const r of drop) if (r.name !== ENTRY_NAME || r.container !== container) d = reparseDoc(d, removeProperty(d, [r.container], r.name));
  return reparseDoc(d, setProperty(d, [container], ENTRY_NAME, entry));
}

/** The document's value with our entry and `drop` removed, and a container left empty by that removed too. */
export function restOf(doc: JsonDoc, container: string, drop: readonly RouterEntry[]): Record<string, unknown> {
  const value = docValue(doc);
  if (!isRecord(value)) return {};
  const out: Record<string, unknown> = { ...value };
  for (const [c, name] of [[container, ENTRY_NAME] as const, ...drop.map((r) => [r.container, r.name] as const)]) {
    const servers = out[c];
    if (!isRecord(servers)) continue;
    const { [name]: _gone, ...kept } = servers;
    out[c] = kept;
  }
  for (const c of new Set([container, ...drop.map((r) => r.container)])) {
    const servers = out[c];
    if (isRecord(servers) && Object.keys(servers).length === 0) delete out[c];
  }
  return out;
}

/** Claude Desktop, Claude Code, Cursor, Windsurf, Gemini CLI: `{ "mcpServers": { name: { command, args, env } } }`. */
export function mcpServersJson(shape: JsonHostShape): HostFormat {
  const parse = (file: string, text: string): JsonDoc => {
    const doc = parseJsonDoc(file, text, { jsonc: shape.jsonc });
    checkShape(file, doc, shape.container);
    return doc;
  };
  const routerContainers = [shape.container, ...(shape.routerContainers ?? [])];
  return {
    secretStore: false,
    inspect(file, text): Inspection {
      const doc = parse(file, text);
      return { ours: specOf(valueAt(doc, [shape.container, ENTRY_NAME])), routers: findRouters(doc, routerContainers) };
    },
    install(file, text, spec, drop) {
      return applyEntry(parse(file, text ?? NEW_FILE), shape.container, entryFor(shape, spec), drop).text;
    },
    uninstall(file, text) {
      const doc = parse(file, text);
      return removeProperty(doc, [shape.container], ENTRY_NAME);
    },
    rest(file, text, drop) {
      return restOf(parse(file, text), shape.container, drop);
    },
    expected(spec) {
      return entryFor(shape, spec);
    },
    actual(file, text) {
      return valueAt(parse(file, text), [shape.container, ENTRY_NAME]);
    },
  };
}
