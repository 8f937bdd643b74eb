import type { DemoScript, RunningSandbox, SandboxLauncher } from '../../../core/platform.js';
import { startSandbox, type Sandbox } from './index.js';
import { startHostedMcp } from './hosted-mcp.js';

/** `agentpmt-mcp sandbox` and the demo: the local AgentPMT, its settings, and the demo's opening chapters. */
export const launcher: SandboxLauncher = {
  async start({ port, host, fast }) {
    const sandbox = await startSandbox({ ...(port !== undefined ? { port } : {}), ...(host ? { host } : {}), ...(fast ? { runDurationMs: 2500 } : {}) });
    // A stand-in for AgentPMT's hosted MCP endpoint, so the hosted_* tools work offline too.
    const hosted = await startHostedMcp({ bearerToken: sandbox.credentials.bearerToken }).catch(async (err: unknown) => {
      await sandbox.close();
      throw err;
    });
    const running: RunningSandbox = {
      title: 'AgentPMT',
      url: sandbox.url,
      env: {
        AGENTPMT_API_URL: sandbox.url,
        AGENTPMT_WEB_URL: sandbox.url,
        AGENTPMT_BEARER_TOKEN: sandbox.credentials.bearerToken,
        AGENTPMT_HOSTED_MCP_URL: hosted.url,
      },
      notes: [
        `AGENTPMT_BEARER_TOKEN is a sandbox-only token.`,
        `Sample ids: workflow ${sandbox.ids.workflow}, product ${sandbox.ids.product}, bundle ${sandbox.ids.bundle}`,
        `A stand-in for the hosted MCP endpoint is at ${hosted.url} (its tools appear as hosted_*).`,
      ],
      demo: (script) => demoChapter(script, sandbox),
      demoToolsets: ['embed'],
      close: async () => void (await Promise.all([sandbox.close(), hosted.close()])),
    };
    return running;
  },
};

async function demoChapter({ heading, show }: DemoScript, sandbox: Sandbox): Promise<void> {
  heading('The account', '(account bearer token)');
  await show('Is the platform up?', 'platform_health');
  await show('How many credits does the account have?', 'account_credits_balance');
  await show('Which tools can the budget use?', 'account_products_list', { page_size: 3 });

  heading('The agent wallet', '(no account needed; the key never reaches the model)');
  await show("Create the agent's own wallet (encrypted into the local keystore)", 'wallet_create');
  await show("Wallet, credits, spend policy and today's spend", 'wallet_status');

  heading('Find and use a marketplace tool');
  const found = await show('Search the marketplace', 'marketplace_search', { query: 'echo a message' });
  const product = ((found.structuredContent as { results?: { product: string; actions: { action: string }[] }[] } | undefined)?.results ?? [])[0];
  const slug = product?.product ?? sandbox.ids.productSlug;
  const action = product?.actions[0]?.action ?? sandbox.ids.actionSlug;
  await show('See its parameters and price', 'marketplace_describe', { product: slug, action });
  await show("Call it, paid with the wallet's credits (signed request)", 'marketplace_invoke', { product: slug, action, parameters: { message: 'hello from the demo' } });
  await show('Call it again, paid on-chain with x402 inside the spend policy', 'marketplace_invoke', { product: slug, action, parameters: { message: 'paid with x402' }, payment: 'x402' });
  await show('The payment ledger', 'payments_list');

  heading('A hosted tool beside the local ones', "(AgentPMT's hosted MCP endpoint, federated as hosted_*)");
  await show('Search the marketplace through the hosted endpoint', 'hosted_search_tools', { query: 'pdf' });

  heading('Long-running work');
  await show('Run a workflow and wait, with progress', 'workflow_run', { workflow_id: sandbox.ids.workflow, prompt: 'Summarize the status of open orders' }, { progress: true });
  await show('Embed the workflow chat on a website', 'embed_workflow', { workflow_id: sandbox.ids.workflow });

  heading('What failures look like', '(each names the problem and the next step; nothing is paid)');
  await show('Parameters that do not match the schema are refused before any payment', 'marketplace_invoke', { product: slug, action, parameters: { repeat: 'lots' }, payment: 'x402' });
  await show('A price over the per-payment cap is refused before signing', 'marketplace_invoke', {
    product: sandbox.ids.expensiveProductSlug,
    action: sandbox.ids.expensiveActionSlug,
    parameters: {},
    payment: 'x402',
  });
  await show('A workflow that is not on the budget', 'workflow_run_trigger', { workflow_id: sandbox.ids.notOnBudgetWorkflow, prompt: 'go' });
  await show('An id that tries to escape its URL path', 'workflow_run_status', { run_id: '../admin' });
}
