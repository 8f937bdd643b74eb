/**
 * Hosted tools this server already implements against the same AgentPMT endpoint, with local
 * policy (spend limits, the ledger, typed errors): the local tool is preferred and the hosted
 * one is not re-exported. Keys are upstream tool names, values the local tool that covers them.
 *
 * The hosted endpoint does not publish its catalog; these are the names its account and
 * status tools are known or expected to use. An upstream tool missing here is simply exported
 * as hosted_<name>: a wrong guess duplicates a tool, it never hides one.
 */
export const LOCAL_EQUIVALENTS: Readonly<Record<string, string>> = {
  get_credit_balance: 'account_credits_balance',
  credits_balance: 'account_credits_balance',
  get_credit_history: 'account_credits_history',
  credits_history: 'account_credits_history',
  list_workflows: 'workflows_list',
  get_workflow_run_status: 'workflow_run_status',
  cancel_workflow_run: 'workflow_run_cancel',
  platform_health: 'platform_health',
  health: 'platform_health',
};

/** The local tool that replaces upstream `name`, if any (names compared without case and separators). */
export function localEquivalent(name: string, enabledLocal: ReadonlySet<string>): string | undefined {
  const key = name.toLowerCase().replace(/[-\s.]/g, '_');
  const local = LOCAL_EQUIVALENTS[key];
  // Only when the local tool is actually offered: with its toolset off, the hosted one is the only way.
  return local !== undefined && enabledLocal.has(local) ? local : undefined;
}

export const HOSTED_PREFIX = 'hosted_';

/** The name a hosted tool is exported under: prefixed, and within MCP's tool-name alphabet and length. */
export function exportedName(upstream: string): string {
  return `${HOSTED_PREFIX}${upstream.replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 128);
}
