#!/usr/bin/env node
import { ConfigError, loadConfig, parseCli, secretValues, SETTINGS, type Config } from './config.js';
import { log } from './core/log.js';
import { loadServed, type Served } from './assembly.js';
import { earlyAnswers } from './early-answers.js';
import { VERSION } from './version.js';
import { INSTALL_USAGE } from './install/usage.js';

function helpText(): string {
  const rows = Object.values(SETTINGS).map((s) => `  --${s.flag.padEnd(16)} ${s.env.padEnd(30)} ${s.doc}`);
  return [
    `agentpmt-mcp ${VERSION} — MCP server for the AgentPMT marketplace`,
    '',
    'Usage:',
    '  agentpmt-mcp                          serve MCP over stdio (for Claude Desktop and other hosts)',
    '  agentpmt-mcp --transport http         serve Streamable HTTP at http://127.0.0.1:3333/mcp',
    '  agentpmt-mcp sandbox [--port N]       run the local AgentPMT sandbox (offline, no money)',
    '  agentpmt-mcp demo                     scripted agent session against a built-in sandbox',
    '  agentpmt-mcp doctor                   check settings, credentials, wallet, payment ledger and platform reachability',
    '  agentpmt-mcp doctor --repair-ledger   keep every readable payment of a damaged ledger, move the damaged file aside',
    ...INSTALL_USAGE,
    '  agentpmt-mcp --help | --version',
    '',
    'Settings (flag, env var; flags win):',
    ...rows,
    '',
  ].join('\n');
}

/** The server and every served platform, running (only now does their code and the MCP SDK load). */
async function startServer(config: Config, served?: readonly Served[]) {
  const { createMcpServer, createSharedRuntime } = await import('./server.js');
  const shared = await createSharedRuntime(config, served);
  await shared.start();
  return { shared, createMcpServer: () => createMcpServer(shared) };
}

async function serve(config: Config): Promise<void> {
  if (config.transport === 'stdio') {
    // The host's first two requests are answered from the settings and the bundle's catalog while the rest loads.
    const [{ serveStdio }, early] = await Promise.all([import('./transports/stdio.js'), earlyAnswers(config)]);
    await serveStdio({
      early,
      graceMs: config.shutdownSeconds * 1000,
      build: async () => {
        const { shared, createMcpServer } = await startServer(config);
        return { server: createMcpServer(), inflight: shared.inflight, stopPayments: shared.stopPayments, close: () => shared.close() };
      },
    });
    return;
  }
  const { shared, createMcpServer } = await startServer(config, await loadServed(config));
  const { serveHttp } = await import('./transports/http.js');
  // Listen for SIGTERM before announcing the port: a supervisor may stop us as soon as it reads it.
  const { drain, onStopSignal } = await import('./transports/shutdown.js');
  const stopRequested = new Promise<void>((resolve) => onStopSignal(() => resolve()));
  const auth = await httpAuth(config);
  const running = await serveHttp({
    host: config.host,
    port: config.port,
    ...auth,
    allowedHosts: config.httpAllowedHosts,
    maxBodyBytes: config.httpMaxBodyBytes,
    maxSessions: config.httpMaxSessions,
    sessionIdleMs: config.httpSessionIdleSeconds * 1000,
    maxConnections: config.httpMaxConnections,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    bodyTimeoutMs: config.httpBodyTimeoutMs,
    createServer: createMcpServer,
  });
  process.stderr.write(`agentpmt-mcp listening on ${running.url}\n`);
  await stopRequested;
  log.info('shutting down: finishing in-flight requests');
  const closing = running.close(config.shutdownSeconds * 1000);
  await drain(shared.inflight, config.shutdownSeconds * 1000, shared.stopPayments, 'signal');
  await closing;
  await shared.close();
}

/**
 * HTTP is authenticated unless the user names the one flag that turns it off: this
 * server spends money, and on a shared machine every local user can reach loopback.
 */
async function httpAuth(config: Config): Promise<{ token: string } | { insecureNoAuth: true }> {
  if (config.httpToken) return { token: config.httpToken };
  const { isLoopbackHost } = await import('./core/shared/loopback.js');
  if (!isLoopbackHost(config.host)) {
    throw new ConfigError(`Refusing to bind ${config.host}: a non-loopback address needs AGENTPMT_HTTP_TOKEN (at least 16 characters), chosen by you and given to your clients.`);
  }
  if (config.httpInsecureNoAuth) {
    log.warn('HTTP AUTHENTICATION IS OFF (AGENTPMT_HTTP_INSECURE_NO_AUTH): every local user and process can call this server and spend from its wallet');
    return { insecureNoAuth: true };
  }
  const { writeHttpTokenFile } = await import('./transports/http-token.js');
  const { token, file } = await writeHttpTokenFile(config.home);
  log.addSecrets([token]);
  process.stderr.write(`agentpmt-mcp: AGENTPMT_HTTP_TOKEN is not set, so a new HTTP token was generated and written to ${file} (readable only by you). Clients send "Authorization: Bearer <that file's content>". A new one is written at every start.\n`);
  return { token };
}

async function main(argv: string[]): Promise<number> {
  // The installer has its own flags (not the server's settings), so it is dispatched before parseCli.
  if (argv[0] === 'install' || argv[0] === 'uninstall') {
    const { runInstallCommand } = await import('./install/cli.js');
    return runInstallCommand(argv[0], argv.slice(1), { env: process.env, out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) });
  }
  const inv = parseCli(argv);
  if (inv.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (inv.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (inv.command === 'sandbox') {
    const { runSandboxCommand } = await import('./sandbox-command.js');
    return runSandboxCommand(inv.sandboxPort);
  }
  if (inv.command === 'doctor') {
    const { runDoctor } = await import('./doctor.js');
    return runDoctor(inv.flags, process.env, process.stdout, { ...(inv.repairLedger ? { repairLedger: true } : {}) });
  }
  if (inv.command === 'demo') {
    const { runDemo } = await import('./demo.js');
    return runDemo();
  }
  const config = loadConfig(inv.flags);
  log.setLevel(config.logLevel);
  log.addSecrets(secretValues(config));
  await serve(config); // unknown platform, toolset or tool names stop start-up before serving, naming the setting
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Keep-alive sockets or a lock refresher must not hold a stopped server past its documented bound.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (err: unknown) => {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`agentpmt-mcp: ${log.scrub(message)}\n`);
    process.exitCode = err instanceof ConfigError ? 2 : 1;
    // Nothing may keep a server that failed to start alive (stdin read for the early answers, a pool, a timer).
    setTimeout(() => process.exit(process.exitCode), 500).unref();
  },
);
