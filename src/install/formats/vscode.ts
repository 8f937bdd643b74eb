import { appendToArray, parseJsonDoc, removeFromArray, removeProperty, reparseDoc, valueAt, type JsonDoc } from '../json-text.js';
import { ENTRY_NAME, isRecord, SECRET_ENV, specOf, type HostFormat, type ServerSpec } from '../types.js';
import { applyEntry, checkShape, entryFor, findRouters, restOf } from './mcp-servers-json.js';
import { InvalidConfigError, lineColumn } from '../errors.js';
import { nodeAt } from '../json-text.js';

const CONTAINER = 'servers';

/** The prompt id VS Code stores a secret under: agentpmt-token, agentpmt-api-key, … */
export function inputId(envName: string): string {
  return envName === 'AGENTPMT_BEARER_TOKEN' ? 'agentpmt-token' : `agentpmt-${envName.replace(/^AGENTPMT_/, '').toLowerCase().replace(/_/g, '-')}`;
}

const DESCRIPTIONS: Record<string, string> = {
  AGENTPMT_BEARER_TOKEN: 'AgentPMT Agent Group Bearer Token',
  AGENTPMT_API_KEY: 'AgentPMT API key (legacy)',
  AGENTPMT_BUDGET_KEY: 'AgentPMT budget key (legacy)',
  AGENTPMT_PRIVATE_KEY: 'AgentPMT agent wallet private key',
  AGENTPMT_KEYSTORE_PASSWORD: 'AgentPMT wallet keystore passphrase',
};

/**
 * Secrets never go into the file: each becomes a `${input:…}` reference that VS Code asks for
 * once and keeps in its secret storage. The bearer token is always asked for.
 */
export function vscodeEntry(spec: ServerSpec): { entry: Record<string, unknown>; inputs: Record<string, unknown>[] } {
  const secrets = new Set<string>(['AGENTPMT_BEARER_TOKEN']);
  for (const k of SECRET_ENV) if (spec.env[k] !== undefined) secrets.add(k);
  // A legacy key pair instead of a token: ask for the pair, not for a token the user does not have.
  if (spec.env.AGENTPMT_API_KEY !== undefined && spec.env.AGENTPMT_BEARER_TOKEN === undefined) secrets.delete('AGENTPMT_BEARER_TOKEN');
  const env: Record<string, string> = { ...spec.env };
  for (const k of secrets) env[k] = `\${input:${inputId(k)}}`;
  const inputs = [...secrets].map((k) => ({ type: 'promptString', id: inputId(k), description: DESCRIPTIONS[k] ?? k, password: true }));
  return { entry: entryFor({ typeField: true }, { ...spec, env }), inputs };
}

function ourInputIds(doc: JsonDoc): Set<string> {
  const entry = valueAt(doc, [CONTAINER, ENTRY_NAME]);
  const env = isRecord(entry) && isRecord(entry.env) ? entry.env : {};
  const ids = new Set<string>();
  for (const v of Object.values(env)) {
    const m = typeof v === 'string' ? /^\$\{input:(agentpmt-[a-z-]+)\}$/.exec(v) : null;
    if (m?.[1]) ids.add(m[1]);
  }
  return ids;
}

const isInput = (ids: Set<string>) => (item: unknown) => isRecord(item) && typeof item.id === 'string' && ids.has(item.id);

/** VS Code's user mcp.json: `{ "servers": { name: { type, command, args, env } }, "inputs": [ promptString… ] }` (JSONC). */
export function vscodeFormat(): HostFormat {
  const parse = (file: string, text: string): JsonDoc => {
    const doc = parseJsonDoc(file, text, { jsonc: true });
    checkShape(file, doc, CONTAINER);
    const inputs = nodeAt(doc, ['inputs']);
    if (inputs && inputs.type !== 'array') throw new InvalidConfigError(file, lineColumn(text, inputs.offset), '"inputs" must be an array');
    return doc;
  };
  const withoutInputs = (doc: JsonDoc, ids: Set<string>): JsonDoc => (ids.size ? reparseDoc(doc, removeFromArray(doc, ['inputs'], isInput(ids))) : doc);
  return {
    secretStore: true,
    inspect(file, text) {
      const doc = parse(file, text);
      const ours = specOf(valueAt(doc, [CONTAINER, ENTRY_NAME]));
      // The router wrote its entries under mcpServers, which VS Code does not read; they are migrated all the same.
      return { ours, routers: findRouters(doc, [CONTAINER, 'mcpServers']) };
    },
    install(file, text, spec, drop) {
      const { entry, inputs } = vscodeEntry(spec);
      let doc = parse(file, text ?? '{}\n');
      doc = withoutInputs(doc, ourInputIds(doc));
      doc = applyEntry(doc, CONTAINER, entry, drop);
      for (const input of inputs) doc = reparseDoc(doc, appendToArray(doc, ['inputs'], input));
      return doc.text;
    },
    uninstall(file, text) {
      const doc = parse(file, text);
      const ids = ourInputIds(doc);
      const d = reparseDoc(doc, removeProperty(doc, [CONTAINER], ENTRY_NAME));
      return withoutInputs(d, ids).text;
    },
    rest(file, text, drop) {
      const doc = parse(file, text);
      const out = restOf(withoutInputs(doc, ourInputIds(doc)), CONTAINER, drop);
      if (Array.isArray(out.inputs) && out.inputs.length === 0) delete out.inputs;
      return out;
    },
    expected(spec) {
      const { entry, inputs } = vscodeEntry(spec);
      return { entry, inputs };
    },
    actual(file, text) {
      const doc = parse(file, text);
      const ids = ourInputIds(doc);
      const inputs = valueAt(doc, ['inputs']);
      return { entry: valueAt(doc, [CONTAINER, ENTRY_NAME]), inputs: Array.isArray(inputs) ? inputs.filter(isInput(ids)) : [] };
    },
  };
}
