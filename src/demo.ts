import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSandbox } from './sandbox/index.js';

const out = (s = '') => process.stdout.write(s + '\n');
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function firstLine(res: CallToolResult): string {
  const text = res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  const lines = text.split('\n');
  return (res.isError ? lines.slice(0, 2) : lines.slice(0, 1)).join('\n   ').slice(0, 400);
}

/**
 * A scripted agent session: the built server over stdio, talking to a fresh
 * in-process sandbox, showing what a new user should see, step by step.
 */
export async function runDemo(): Promise<number> {
  const sandbox = await startSandbox({ runDurationMs: 1500 });
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

    await show('Is the platform up?', 'platform_health');
    const balance = await show('How many credits does the account have?', 'account_credits_balance');
    const list = await show('Which tools can the budget use?', 'account_products_list', { page_size: 3 });
    const first = ((list.structuredContent as { tools?: { product_id: string; display_name?: string; actions?: { name: string }[] }[] }).tools ?? [])[0];
    if (first) out(dim(`   first tool: ${first.display_name ?? first.product_id} (${first.product_id})`));
    await show('Call a cheap tool, paid with credits', 'account_products_purchase', {
      product_id: sandbox.ids.product,
      action: (await firstActionOf(client, sandbox.ids.product)) ?? 'run',
      parameters: {},
    });
    await show('Credits after the purchase', 'account_credits_balance');
    void balance;

    const trig = await show('Start a workflow run', 'workflow_run_trigger', { workflow_id: sandbox.ids.workflow, prompt: 'Summarize the status of open orders' });
    const sc = trig.structuredContent as { request_id?: string; data?: { run?: { run_id?: string } } };
    const runId = sc.data?.run?.run_id;
    await show('Retrying with the same request_id does not start a second run', 'workflow_run_trigger', {
      workflow_id: sandbox.ids.workflow,
      prompt: 'Summarize the status of open orders',
      request_id: sc.request_id,
    });
    if (runId) {
      for (let i = 0; i < 30; i++) {
        const s = await show('Poll the run', 'workflow_run_status', { run_id: runId });
        const status = (s.structuredContent as { data?: { run?: { status?: string } } }).data?.run?.status;
        if (status && !['queued', 'running'].includes(status)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await show('Embed the workflow chat on a website', 'embed_workflow', { workflow_id: sandbox.ids.workflow });

    out(`\n${bold('What failures look like')} ${dim('(each names the problem and the next step)')}`);
    await show('A workflow that is not on the budget', 'workflow_run_trigger', { workflow_id: sandbox.ids.notOnBudgetWorkflow, prompt: 'go' });
    await show('A tool that costs more than the balance', 'account_products_purchase', {
      product_id: sandbox.ids.expensiveProduct,
      action: (await firstActionOf(client, sandbox.ids.expensiveProduct)) ?? 'run',
    });
    await show('An id that tries to escape its URL path', 'workflow_run_status', { run_id: '../admin' });

    out(`\n${bold('Done.')} Next: run ${bold('npm test')}, or point Claude Desktop at agentpmt-mcp (see README).`);
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

/** Finds the product's first action name by paging the account catalog, as an agent would. */
async function firstActionOf(client: Client, productId: string): Promise<string | undefined> {
  for (let page = 1; page <= 5; page++) {
    const res = (await client.callTool({ name: 'account_products_list', arguments: { page, page_size: 100 } })) as CallToolResult;
    const tools = (res.structuredContent as { tools?: { product_id: string; actions?: { name: string }[] }[] } | undefined)?.tools ?? [];
    const hit = tools.find((t) => t.product_id === productId);
    if (hit) return hit.actions?.[0]?.name;
    if (tools.length < 100) return undefined;
  }
  return undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runDemo().then((code) => {
    process.exitCode = code;
  });
}
