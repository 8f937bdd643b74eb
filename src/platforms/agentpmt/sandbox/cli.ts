import { startSandbox } from './index.js';

/** `agentpmt-mcp sandbox [--port N]`: the local platform, in the foreground until Ctrl-C. */
export async function runSandboxCommand(portFlag: string | undefined): Promise<number> {
  const port = portFlag === undefined ? 4020 : Number(portFlag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`agentpmt-mcp sandbox: --port must be a whole number from 0 to 65535, got "${portFlag}"\n`);
    return 2;
  }
  const sandbox = await startSandbox({ port });
  const lines = [
    `AgentPMT sandbox listening on ${sandbox.url}`,
    '',
    'Point the server at it:',
    `  AGENTPMT_API_URL=${sandbox.url}`,
    `  AGENTPMT_WEB_URL=${sandbox.url}`,
    `  AGENTPMT_BEARER_TOKEN=${sandbox.credentials.bearerToken}   (a sandbox-only token)`,
    '',
    `Sample ids: workflow ${sandbox.ids.workflow}, product ${sandbox.ids.product}, bundle ${sandbox.ids.bundle}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  return 0;
}
