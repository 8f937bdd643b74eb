import type { Config } from '../../config.js';
import { toolsetsOffNote } from '../../core/inventory.js';
import type { ToolSurface } from '../../core/platform.js';
import type { Toolset } from './tools/types.js';
import { TOOLSETS } from './toolsets.js';

// A light module (no tool code): the server answers initialize before the platform loads.

/** The claim protocol, said once: in the server instructions whenever these tools are served. */
export const SCHEDULES_PROTOCOL =
  'BYO-agent schedules: schedules_claim → do the work yourself → schedules_advance with the same schedule_id, due_at and claim_token (outcome success|failed|skipped); schedules_release instead if you give up, so another worker can take it. The platform never runs these itself.';

/** What each toolset is for, in the instructions' list of what is on and off. */
const TOOLSET_PURPOSE: Record<Toolset, string> = {
  account: "the account's credits and purchases",
  marketplace: 'find and call marketplace tools',
  payments: 'the payment ledger, buying wallet credits',
  wallet: 'the agent wallet',
  workflows: 'workflow runs and sessions',
  schedules: 'BYO-agent schedules you work on',
  jobs: 'jobs that earn wallet credits',
  embed: 'website embed snippets',
  platform: 'platform health',
  hosted: "AgentPMT's hosted tools, federated",
};

export function instructions(served: readonly Pick<ToolSurface, 'name' | 'toolset'>[], config: Pick<Config, 'readOnly'>): string {
  const on = new Set(served.map((t) => t.toolset));
  const has = (name: string) => served.some((t) => t.name === name);
  const paths = [
    has('workflow_run') ? 'run a workflow → workflow_run (waits with progress; workflow_run_wait keeps waiting)' : undefined,
    has('marketplace_invoke') ? 'use a marketplace tool → marketplace_search → marketplace_describe → marketplace_invoke' : undefined,
  ].filter(Boolean);
  return [
    'agentpmt-mcp connects you to the AgentPMT platform: the marketplace, the account (credits, tool purchases), workflow runs, embeds, platform status, and an agent wallet of its own.',
    paths.length ? `Simplest paths: ${paths.join('; ')}.` : '',
    'Tools cost nothing unless their description says they pay or spend credits.',
    'Two separate credit pools: "Account tool." marks tools that use the AgentPMT account (its token and its credits: account_credits_balance); they need AGENTPMT_BEARER_TOKEN (or AGENTPMT_API_KEY + AGENTPMT_BUDGET_KEY), and if one returns missing_credential, tell the user which setting to add instead of retrying. "Wallet tool." marks tools that use the agent wallet (its own credits: credits_balance, wallet_status), signed automatically; the key never leaves the server and no account token is needed.',
    on.has('schedules') ? SCHEDULES_PROTOCOL : '',
    toolsetsOffNote(TOOLSETS, served, TOOLSET_PURPOSE),
    config.readOnly ? 'Read-only mode: tools that change something are hidden.' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

