import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig, secretValues } from '../src/config.js';
import { log } from '../src/core/log.js';
import { createMcpServer, createSharedRuntime, RESULT_SCHEMA } from '../src/server.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { serveHttp, type RunningHttpServer } from '../src/transports/http.js';
import { startSandbox, variantsForRun, type Sandbox, type SandboxOptions, type SandboxVariant } from '../src/platforms/agentpmt/sandbox/index.js';

const validResult = new Ajv2020({ strict: false }).compile(RESULT_SCHEMA);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export type TransportKind = 'stdio' | 'http';

/** Every captured output of a test run, so a secrets test can scan all of it. */
export const captured: string[] = [];

/** Secrets a test file handles; test/setup-secrets.ts checks none of them reached `captured`. Tests add the ones they create. */
export const knownSecrets = new Set<string>();

/**
 * The seed of this run's random sandbox variant: set once per run by vitest.config.ts (or by
 * the caller: AGENTPMT_SANDBOX_SEED replays one), printed in the variant's name.
 */
export const RUN_SEED = Number(process.env.AGENTPMT_SANDBOX_SEED ?? Math.floor(Date.now() / 86_400_000) % 100_000);

/** The variants the e2e suites run against: documented, alternate, and one drawn from RUN_SEED. */
export const SANDBOX_VARIANTS: readonly SandboxVariant[] = variantsForRun(RUN_SEED);

export function sandboxEnv(sandbox: Sandbox, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    // Two hosts on two ports: a tool sent to the wrong one fails.
    AGENTPMT_API_URL: sandbox.apiUrl,
    AGENTPMT_WEB_URL: sandbox.webUrl,
    AGENTPMT_BEARER_TOKEN: sandbox.credentials.bearerToken,
    // A platform that takes only the legacy bearer on schedules: configure the keys too, as its users must.
    ...(sandbox.variant.scheduleBearer === 'legacy' ? { AGENTPMT_API_KEY: sandbox.credentials.apiKey, AGENTPMT_BUDGET_KEY: sandbox.credentials.budgetKey } : {}),
    AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'agentpmt-home-')),
    AGENTPMT_TIMEOUT_MS: '2000',
    AGENTPMT_LOG_LEVEL: 'debug',
    AGENTPMT_TOOLSETS: 'all',
    // The AgentPMT sandbox does not serve the hosted MCP endpoint (yet): federation tests turn it on with their own fake.
    AGENTPMT_HOSTED_MCP: 'false',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface Connected {
  client: Client;
  /** The server's process id, for stdio connections (crash tests kill it). */
  pid?: number | null;
  stderr: () => string;
  close: () => Promise<void>;
}

/** An SDK Client talking to the built CLI over stdio, the way Claude Desktop runs it. */
export async function connectStdio(env: Record<string, string>): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    captured.push(d.toString());
  });
  const client = new Client({ name: 'agentpmt-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid, stderr: () => err, close: () => client.close() };
}

/** An SDK Client over Streamable HTTP against an in-process server built from the same env. */
/** A client that can be asked questions (elicitation): records each one in `asked` and gives `answer`. */
export function elicitingClient(answer: ElicitResult, asked: string[] = []): Client {
  const client = new Client({ name: 'eliciting-client', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params.message);
    return answer;
  });
  return client;
}

export async function connectHttp(env: Record<string, string>, makeClient: () => Client = () => new Client({ name: 'agentpmt-test', version: '1.0.0' })): Promise<Connected & { server: RunningHttpServer }> {
  const config = loadConfig({ port: '0' }, env);
  // In-process server: its log lines go to the captured output too, so secrets checks cover them.
  log.setLevel(config.logLevel);
  log.addSecrets(secretValues(config));
  log.setSink((line) => captured.push(line));
  const shared = await createSharedRuntime(config);
  // The server is never unauthenticated by default: without a configured token the test makes one, as the CLI would.
  const token = config.httpToken ?? randomBytes(24).toString('base64url');
  knownSecrets.add(token);
  log.addSecrets([token]);
  const server = await serveHttp({
    host: '127.0.0.1',
    port: 0,
    token,
    allowedHosts: config.httpAllowedHosts,
    maxBodyBytes: config.httpMaxBodyBytes,
    createServer: () => createMcpServer(shared),
  });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = makeClient();
  await client.connect(transport);
  return {
    client,
    server,
    stderr: () => '',
    close: async () => {
      await client.close();
      await server.close(1000);
      await shared.close();
    },
  };
}

/**
 * A server built from `env` and an SDK client on an in-memory pair: what a host would list,
 * without a process or a port. `use` runs with the client; everything is closed after.
 */
export async function withInMemoryClient<T>(env: Record<string, string>, use: (client: Client) => Promise<T>): Promise<T> {
  const shared = await createSharedRuntime(loadConfig({}, env));
  const server = createMcpServer(shared);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'in-memory', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  try {
    return await use(client);
  } finally {
    await client.close();
    await shared.close();
  }
}

export function connect(kind: TransportKind, env: Record<string, string>): Promise<Connected> {
  return kind === 'stdio' ? connectStdio(env) : connectHttp(env);
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { text: string; data: Record<string, unknown> }> {
  const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  captured.push(text, JSON.stringify(res.structuredContent ?? {}));
  // Every successful result of every e2e suite fits the output schema the tool declares (federated hosted_* tools relay upstream's own).
  if (!res.isError && !name.startsWith('hosted_') && !validResult(res.structuredContent)) throw new Error(`${name}: result does not match its outputSchema: ${JSON.stringify(validResult.errors)}`);
  return { ...res, text, data: (res.structuredContent ?? {}) as Record<string, unknown> };
}

export async function withSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ runDurationMs: 400, splitHosts: true, ...opts });
}

/** Fails when any of `secrets` appears in anything this test file captured (results, stderr, logs). */
export function expectNoSecretsCaptured(secrets: Iterable<string>): void {
  const all = captured.join('\n').toLowerCase();
  for (const s of secrets) {
    if (s && all.includes(s.toLowerCase())) throw new Error('a secret reached a tool result, a log line or stderr');
  }
}
