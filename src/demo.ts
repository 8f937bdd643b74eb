import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonSchemaValidatorReady } from './core/json-schema-validator.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { DemoScript, RunningSandbox } from './core/platform.js';
import { startAllSandboxes } from './sandbox-command.js';

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
 * A scripted agent session: the built server over stdio, talking to every
 * platform's sandbox started in-process, one chapter per platform, showing what
 * a new user should see, step by step.
 */
export async function runDemo(): Promise<number> {
  let sandboxes: RunningSandbox[] = [];
  const home = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-demo-'));
  const client = new Client({ name: 'agentpmt-demo', version: '1.0.0' }, { jsonSchemaValidator: await jsonSchemaValidatorReady() });
  try {
    sandboxes = await startAllSandboxes({ port: 0, fast: true });
    const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli],
      env: {
        PATH: process.env.PATH ?? '',
        ...Object.assign({}, ...sandboxes.map((s) => s.env)),
        AGENTPMT_HOME: home,
        // A throwaway passphrase for the demo's throwaway keystore in a temporary directory.
        AGENTPMT_KEYSTORE_PASSWORD: 'demo-only-passphrase',
        AGENTPMT_TOOLSETS: ['default', ...sandboxes.flatMap((s) => s.demoToolsets ?? [])].join(','),
        AGENTPMT_LOG_LEVEL: 'warn',
      },
      stderr: 'inherit',
    });
    let step = 0;
    const script: DemoScript = {
      client,
      heading: (title, note) => out(`\n${bold(title)}${note ? ` ${dim(note)}` : ''}`),
      async show(title, tool, args = {}, opts = {}) {
        step++;
        out(`\n${bold(`${step}. ${title}`)}`);
        out(dim(`   → ${tool} ${JSON.stringify(args)}`));
        const res = (await client.callTool({ name: tool, arguments: args }, undefined, opts.progress ? { onprogress: (p) => out(dim(`   … ${p.message ?? p.progress}`)) } : undefined)) as CallToolResult;
        out(`   ${res.isError ? '✗' : '✓'} ${firstLine(res)}`);
        return res;
      },
    };
    out(bold('agentpmt-mcp demo') + dim(` — a scripted agent session against the built-in sandboxes (${sandboxes.map((s) => `${s.title} at ${s.url}`).join(', ')}; no network, no money)`));
    await client.connect(transport);
    const info = client.getServerVersion();
    out(`\nConnected to ${info?.name} ${info?.version} over stdio.`);
    const { tools } = await client.listTools();
    out(`The server offers ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}`);
    for (const s of sandboxes) {
      if (!s.demo) continue;
      if (sandboxes.length > 1) out(`\n${bold(`── ${s.title} ──`)}`);
      await s.demo(script);
    }
    out(`\n${bold('Done.')} Next: run ${bold('npm test')}, or install agentpmt-mcp in Claude Desktop (see README).`);
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => undefined);
    await Promise.all(sandboxes.map((s) => s.close()));
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runDemo().then((code) => {
    process.exitCode = code;
  });
}
