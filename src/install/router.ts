import { isRecord, specOf, type RouterEntry } from './types.js';

/** The vendor's relay runs as `npx --package=@agentpmt/mcp-router@… agentpmt-router` (or a global `agentpmt-router`). */
export function isRouterEntry(entry: unknown): boolean {
  const spec = specOf(entry);
  if (!spec) return false;
  return [spec.command, ...spec.args].some((a) => /@agentpmt\/mcp-router\b|(^|[\\/])agentpmt-router(\.c?js)?$/.test(a));
}

export function routerEntries(container: string, servers: unknown): RouterEntry[] {
  if (!isRecord(servers)) return [];
  return Object.entries(servers)
    .filter(([, v]) => isRouterEntry(v))
    .map(([name, v]) => ({ container, name, env: specOf(v)?.env ?? {} }));
}

const first = (env: Record<string, string>, names: string[]): string | undefined => names.map((n) => env[n]?.trim()).find((v) => v);

/**
 * Our settings for the credentials a router entry holds. The router reads several spellings
 * (AGENTPMT_BEARER_TOKEN, AGENTPMT-BEARER-TOKEN, X_BEARER_TOKEN, or an API key + budget key pair)
 * and a custom endpoint; we keep the same credentials under our names.
 */
export function routerSettings(entry: RouterEntry): Record<string, string> {
  const out: Record<string, string> = {};
  const bearer = first(entry.env, ['AGENTPMT_BEARER_TOKEN', 'AGENTPMT-BEARER-TOKEN', 'X_BEARER_TOKEN'])?.replace(/^bearer\s+/i, '');
  if (bearer) out.AGENTPMT_BEARER_TOKEN = bearer;
  const apiKey = first(entry.env, ['X_API_KEY', 'AGENTPMT_API_KEY', 'x-api-key', 'X-API-KEY']);
  const budgetKey = first(entry.env, ['X_BUDGET_KEY', 'AGENTPMT_BUDGET_KEY', 'x-budget-key', 'X-BUDGET-KEY']);
  if (!bearer && apiKey && budgetKey) {
    out.AGENTPMT_API_KEY = apiKey;
    out.AGENTPMT_BUDGET_KEY = budgetKey;
  }
  const endpoint = first(entry.env, ['AGENTPMT_MCP_ENDPOINT']);
  if (endpoint) out.AGENTPMT_HOSTED_MCP_URL = endpoint;
  return out;
}
