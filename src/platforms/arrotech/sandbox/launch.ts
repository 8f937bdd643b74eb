import type { DemoScript, RunningSandbox, SandboxLauncher } from '../../../core/platform.js';
import { startArrotechSandbox, type ArrotechSandbox } from './index.js';

/** `agentpmt-mcp sandbox` and the demo: the local Arrotech Hub, its settings, and its demo chapter. */
export const launcher: SandboxLauncher = {
  async start({ port, host, fast }) {
    const sandbox = await startArrotechSandbox({ ...(port !== undefined ? { port } : {}), ...(host ? { host } : {}), ...(fast ? { stepMs: 250, streamIntervalMs: 80 } : {}) });
    const running: RunningSandbox = {
      title: 'Arrotech Hub',
      url: sandbox.url,
      env: {
        ARROTECH_API_URL: sandbox.url,
        ARROTECH_EMAIL: sandbox.credentials.email,
        ARROTECH_PASSWORD: sandbox.credentials.password,
      },
      notes: [
        'ARROTECH_EMAIL / ARROTECH_PASSWORD are a sandbox-only account (managed login, 30-minute JWTs).',
        `Or use the sandbox API key instead: ARROTECH_API_KEY=${sandbox.credentials.apiKey}`,
        `Sample ids: workflow ${sandbox.ids.workflow}, failing workflow ${sandbox.ids.failingWorkflow}, conversation ${sandbox.ids.conversation}, connection ${sandbox.ids.connection}`,
      ],
      demo: (script) => demoChapter(script, sandbox),
      demoToolsets: ['arrotech_connections'],
      close: () => sandbox.close(),
    };
    return running;
  },
};

async function demoChapter({ heading, show }: DemoScript, sandbox: ArrotechSandbox): Promise<void> {
  heading('Arrotech Hub', '(managed login: the password and the JWT never reach the model)');
  await show('Connect Slack so its tools become available', 'arrotech_connections_create', { platform: 'slack', name: 'Team Slack', config: { bot_token: 'xoxb-demo-only' } });
  const created = await show('Create a workflow from a plain-English description', 'arrotech_workflows_create', {
    description: 'Fetch my last 10 HubSpot deals and post a summary to Slack #sales-updates',
    name: 'Deals to Slack',
  });
  const id = (created.structuredContent as { id?: number } | undefined)?.id ?? sandbox.ids.workflow;
  await show('Run it and follow the execution, with progress', 'arrotech_workflows_run', { workflow_id: id }, { progress: true });
  await show('Call a bridged tool, streamed as progress', 'arrotech_mcp_tool_call', { name: 'slack_send_message', arguments: { channel: '#sales-updates', text: 'Deals posted' } }, { progress: true });
  await show('A bridged tool that fails answers HTTP 200 with success:false: still an error for the model', 'arrotech_mcp_tool_call', { name: 'slack_send_message', arguments: { channel: '#x' } });
}
