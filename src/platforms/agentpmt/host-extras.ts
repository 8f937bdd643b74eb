import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AnyTool } from './tools/types.js';
import type { RuntimeContext } from './context.js';
import { execute } from './executor.js';
import { describePolicy } from './payments/policy.js';
import { paymentSummary, readLedger } from './payments/payer.js';
import { walletStatus } from './tools/payments.js';

type Ctx = Omit<RuntimeContext, 'signal' | 'progress'>;

const json = (uri: string, value: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] });

/**
 * Resources and prompts, for hosts that show them: the wallet and policy a user
 * wants to glance at, and the journeys people most often ask an agent for.
 */
export function registerHostExtras(server: McpServer, ctx: Ctx, declarations: readonly AnyTool[], all: readonly AnyTool[]): void {
  server.registerResource('spend-policy', 'agentpmt://policy', { title: 'Spend policy', description: 'The limits every x402 payment must fit: caps, daily budget, allowed networks, assets and payees, approval threshold.', mimeType: 'application/json' }, async (uri) =>
    json(uri.href, describePolicy(ctx.payments.policy)),
  );
  server.registerResource('recent-payments', 'agentpmt://payments/recent', { title: 'Recent payments', description: 'The 20 newest entries of the local payment ledger.', mimeType: 'application/json' }, async (uri) => {
    const { entries, problem } = await readLedger(ctx);
    const rows = entries
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .slice(0, 20)
      .map((e) => ({ ...paymentSummary(e), created_at: e.created_at, description: e.description }));
    return json(uri.href, problem ? { ledger_problem: problem, payments: rows } : rows);
  });
  server.registerResource('toolsets', 'agentpmt://toolsets', { title: 'Enabled toolsets', description: 'Which toolsets and tools this server exposes, and which exist but are switched off.', mimeType: 'application/json' }, async (uri) => {
    const enabled = new Set(declarations.map((d) => d.name));
    const sets: Record<string, { enabled: string[]; disabled: string[] }> = {};
    for (const d of all) {
      sets[d.toolset] ??= { enabled: [], disabled: [] };
      sets[d.toolset]![enabled.has(d.name) ? 'enabled' : 'disabled'].push(d.name);
    }
    return json(uri.href, { read_only: ctx.config.readOnly, toolsets: sets });
  });
  server.registerResource('wallet-status', 'agentpmt://wallet/status', { title: 'Wallet status', description: "The agent wallet's address, credits, today's spend and unresolved payments.", mimeType: 'application/json' }, async (uri) => {
    const res = await execute(walletStatus, {}, { ...ctx, progress: async () => undefined });
    return json(uri.href, res.structuredContent ?? {});
  });

  server.registerPrompt(
    'use-marketplace-tool',
    { title: 'Find and use a marketplace tool', description: 'Find the right AgentPMT marketplace action for a task, check its price, and run it.', argsSchema: { task: z.string().describe('What you want done, in plain words.') } },
    ({ task }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Task: ${task}\n\nUse the AgentPMT tools: 1) marketplace_list with a query to find candidate products and actions; 2) pick the best action and read its parameter schema and price; 3) check wallet_status (credits and spend policy); 4) call marketplace_invoke with exactly the schema's parameters (payment "credits", or "x402" if credits are short and the price fits the policy); 5) report the result and what it cost. If a call needs approval, show me the price and ask before confirming the quote.`,
          },
        },
      ],
    }),
  );
  server.registerPrompt(
    'buy-credits',
    { title: 'Buy credits', description: 'Buy AgentPMT credits for the agent wallet with x402, within the spend policy.', argsSchema: { credits: z.string().describe('How many credits (a multiple of 500; 500 = 5 USD).') } },
    ({ credits }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Buy ${credits} AgentPMT credits for the agent wallet. First show me wallet_status (balance, today's spend, the policy). Then call credits_purchase with credits ${credits}. If it needs approval, tell me the exact price and wait for my OK. Finish with credits_balance.` },
        },
      ],
    }),
  );
  server.registerPrompt(
    'run-workflow',
    { title: 'Run a workflow and report', description: 'Run an AgentPMT workflow, follow it to the end, and report its result.', argsSchema: { workflow_id: z.string().describe('The workflow id.'), prompt: z.string().describe('What the workflow should do.') } },
    ({ workflow_id, prompt }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Run AgentPMT workflow ${workflow_id} with this prompt: "${prompt}". Use workflow_run; if it returns still running, keep calling workflow_run_wait with the run_id until it is done. Then summarize the final response for me, or, if it failed or needs setup, tell me exactly what to do.`,
          },
        },
      ],
    }),
  );
}
