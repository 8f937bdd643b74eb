import type { RunningSandbox } from './core/platform.js';
import { PLATFORMS } from './platforms/index.js';

/** Starts every platform's sandbox: the first on `port` (default 4020), the others on the ports after it (or random ones with port 0). */
export async function startAllSandboxes(opts: { port?: number; fast?: boolean } = {}): Promise<RunningSandbox[]> {
  const running: RunningSandbox[] = [];
  try {
    let i = 0;
    for (const p of PLATFORMS) {
      if (!p.sandbox) continue;
      const launcher = await p.sandbox();
      const port = opts.port === undefined || opts.port === 0 ? 0 : opts.port + i;
      running.push(await launcher.start({ port, ...(opts.fast ? { fast: true } : {}) }));
      i++;
    }
    return running;
  } catch (err) {
    await Promise.all(running.map((s) => s.close()));
    throw err;
  }
}

/** `agentpmt-mcp sandbox [--port N]`: every platform's local sandbox, in the foreground until Ctrl-C. */
export async function runSandboxCommand(portFlag: string | undefined): Promise<number> {
  const port = portFlag === undefined ? 4020 : Number(portFlag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`agentpmt-mcp sandbox: --port must be a whole number from 0 to 65535, got "${portFlag}"\n`);
    return 2;
  }
  const sandboxes = await startAllSandboxes({ port });
  const lines: string[] = [];
  for (const s of sandboxes) {
    lines.push(`${s.title} sandbox listening on ${s.url}`);
  }
  lines.push('', 'Point the server at them (every setting below; sandbox-only credentials):');
  for (const s of sandboxes) for (const [k, v] of Object.entries(s.env)) lines.push(`  ${k}=${v}`);
  for (const s of sandboxes) if (s.notes.length) lines.push('', `${s.title}:`, ...s.notes.map((n) => `  ${n}`));
  lines.push('', 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all(sandboxes.map((s) => s.close()));
  return 0;
}
