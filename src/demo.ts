import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSandbox } from './platforms/agentpmt/sandbox/index.js';

const out = (s = '') => process.stdout.write(s + '\n');
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function firstLine(res: CallToolResult): string {
  const text = res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  const lines = text.split('\n');
  // Errors show their "Next step" line; a result that ends its first line with ':' shows what follows (a snippet).
  const shown = res.isError || lines[0]?.endsWith(':') ? lines.slice(0, 2) : lines.slice(0, 1);
  // Plain pass-through results say little in their first line: show the start of the platform's JSON instead.
  if (!res.isError && /: HTTP \d+\.$/.test(lines[0] ?? '')) shown.push(dim(JSON.stringify(res.structuredContent ?? {}).slice(0, 160) + '…'));
  return shown.join('\n   ').slice(0, 400);
}

/**
 * A scripted agent session: the built server over stdio, talking to a fresh
 * in-process sandbox, showing what a new user should see, step by step.
 */
export async function runDemo(): Promise<number> {
  const sandbox = await startSandbox({ runDurationMs: 2500 });
  const home = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-demo-'));
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli],
    env: {
      PATH: process.env.PATH ?? '',
      AGENTPMT_API_URL: sandbox.url,
      AGENTPMT_WEB_URL: sandbox.url,
      AGENTPMT_BEARER_TOKEN: sandbox.credentials.bearerToken,
      AGENTPMT_HOME: home,
      // A throwaway passphrase for the demo's throwaway keystore in a temporary directory.
      AGENTPMT_KEYSTORE_PASSWORD: 'demo-only-passphrase',
      AGENTPMT_TOOLSETS: 'default,embed',
      AGENTPMT_LOG_LEVEL: 'warn',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'agentpmt-demo', version: '1.0.0' });
  let step = 0;
  const show = async (title: string, tool: string, args: Record<string, unknown> = {}) => {
    step++;
    out(`\n${bold(`${step}. ${title}`)}`);
    out(dim(`   → ${tool} ${JSON.stringify(args)}`));
    const res = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    out(`   ${res.isError ? '✗' : '✓'} ${firstLine(res)}`);
    return res;
  };

  try {
    out(bold('agentpmt-mcp demo') + dim(` — a scripted agent session against the built-in sandbox at ${sandbox.url} (no network, no money)`));
    await client.connect(transport);
    const info = client.getServerVersion();
    out(`\nConnected to ${info?.name} ${info?.version} over stdio.`);
    const { tools } = await client.listTools();
    out(`The server offers ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}`);

    out(`\n${bold('The account')} ${dim('(account bearer token)')}`);
    await show('Is the platform up?', 'platform_health');
    await show('How many credits does the account have?', 'account_credits_balance');
    await show('Which tools can the budget use?', 'account_products_list', { page_size: 3 });

    out(`\n${bold('The agent wallet')} ${dim('(no account needed; the key never reaches the model)')}`);
    await show("Create the agent's own wallet (encrypted into the local keystore)", 'wallet_create');
    await show('Wallet, credits, spend policy and today\'s spend', 'wallet_status');

    out(`\n${bold('Find and use a marketplace tool')}`);
    const found = await show('Search the marketplace', 'marketplace_search', { query: 'echo a message' });
    const product = ((found.structuredContent as { results?: { product: string; actions: { action: string }[] }[] }).results ?? [])[0];
    const slug = product?.product ?? sandbox.ids.productSlug;
    const action = product?.actions[0]?.action ?? sandbox.ids.actionSlug;
    await show('See its parameters and price', 'marketplace_describe', { product: slug, action });
    await show('Call it, paid with the wallet\'s credits (signed request)', 'marketplace_invoke', { product: slug, action, parameters: { message: 'hello from the demo' } });
    await show('Call it again, paid on-chain with x402 inside the spend policy', 'marketplace_invoke', { product: slug, action, parameters: { message: 'paid with x402' }, payment: 'x402' });
    await show('The payment ledger', 'payments_list');

    out(`\n${bold('Long-running work')}`);
    step++;
    out(`\n${bold(`${step}. Run a workflow and wait, with progress`)}`);
    out(dim(`   → workflow_run {"workflow_id":"${sandbox.ids.workflow}","prompt":"Summarize the status of open orders"}`));
    const run = (await client.callTool({ name: 'workflow_run', arguments: { workflow_id: sandbox.ids.workflow, prompt: 'Summarize the status of open orders' } }, undefined, {
      onprogress: (p) => out(dim(`   … ${p.message ?? p.progress}`)),
    })) as CallToolResult;
    out(`   ${run.isError ? '✗' : '✓'} ${firstLine(run)}`);
    await show('Embed the workflow chat on a website', 'embed_workflow', { workflow_id: sandbox.ids.workflow });

    out(`\n${bold('What failures look like')} ${dim('(each names the problem and the next step; nothing is paid)')}`);
    await show('Parameters that do not match the schema are refused before any payment', 'marketplace_invoke', { product: slug, action, parameters: { repeat: 'lots' }, payment: 'x402' });
    await show('A price over the per-payment cap is refused before signing', 'marketplace_invoke', {
      product: sandbox.ids.expensiveProductSlug,
      action: sandbox.ids.expensiveActionSlug,
      parameters: {},
      payment: 'x402',
    });
    await show('A workflow that is not on the budget', 'workflow_run_trigger', { workflow_id: sandbox.ids.notOnBudgetWorkflow, prompt: 'go' });
    await show('An id that tries to escape its URL path', 'workflow_run_status', { run_id: '../admin' });

    out(`\n${bold('Done.')} Next: run ${bold('npm test')}, or install agentpmt-mcp in Claude Desktop (see README).`);
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => undefined);
    await sandbox.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runDemo().then((code) => {
    process.exitCode = code;
  });
}
