import { randomUUID } from 'node:crypto';
import { HttpError, isPlainObject, json, parseJsonBody, type KitRequest, type SandboxResponse } from '../../../sandbox-kit/http.js';
import { Router } from '../../../sandbox-kit/router.js';
import { createSandboxHttp, type SandboxFault, type SandboxRequestRecord } from '../../../sandbox-kit/server.js';
import { PLATFORMS, PNG, PROVIDERS, TEMPLATES, TOOLS } from './data.js';
import { detail, field, intParam, invalid, iso } from './fastapi.js';
import { JwtIssuer } from './jwt.js';

/**
 * A strict local Arrotech Hub (Public API 1.0.0 reference, backend routes where it is
 * silent): API keys and login JWTs (HS256, expiring, refreshable), per-user data, workflow
 * executions that progress with time, SSE streams for tool calls and chat, `success:false`
 * bodies, FastAPI errors (401/404/422), a daily request limit (429 + Retry-After), faults.
 */
export interface ArrotechSandboxOptions {
  port?: number;
  host?: string;
  /** Lifetime of a login JWT. Default 1800 (30 min, as the backend). Tests shorten it to see renewal. */
  jwtTtlSeconds?: number;
  /** Time each workflow step takes. Default 300 ms. */
  stepMs?: number;
  /** Gap between streamed events. Default 120 ms. */
  streamIntervalMs?: number;
  /** Requests per user per UTC day. Default 10,000 (the pro tier). */
  dailyLimit?: number;
  /** Serve the agents routes where the Public API 1.0.0 era did (/agents/agents/*) instead of /agents/*. Default false. */
  legacyAgentPaths?: boolean;
  /** Leave out the chat stream route, as the Public API 1.0.0 did. Default false. */
  noChatStream?: boolean;
  /** Leave out GET/POST /workflows/executions/{id}[/steps|/cancel], as the Public API 1.0.0 did. Default false. */
  noExecutionRoutes?: boolean;
}

export const ARROTECH_SANDBOX_CREDENTIALS = {
  apiKey: 'arro_sk_sandbox_7d1f0c9e4b2a4e58a1c3',
  email: 'builder@arrotech.sandbox',
  password: 'sandbox-Arr0tech-pass!',
  otherApiKey: 'arro_sk_sandbox_other_5e6f7a8b9c0d',
  otherEmail: 'someone.else@arrotech.sandbox',
  /** What the vendor diagnostics leak: a WhatsApp token, previewed and in the environment dump. */
  whatsappToken: 'EAAGsandboxWhatsAppToken9f8e7d6c5b4a',
} as const;

interface Execution {
  id: number;
  workflowId: number;
  owner: string;
  inputData: Record<string, unknown>;
  createdAt: number;
  cancelledAt?: number;
  steps: Record<string, unknown>[];
  failAt?: number;
}

interface Workflow {
  id: number;
  owner: string;
  name: string;
  description: string;
  status: string;
  version: number;
  trigger_type: string;
  trigger_config: Record<string, unknown>;
  variables: Record<string, unknown>;
  workflow_metadata: Record<string, unknown>;
  steps: Record<string, unknown>[];
  created_at: string;
  updated_at: string;
}

interface Message {
  id: number;
  conversation_id: number;
  role: string;
  content: string;
  status: string;
  tokens_used: number;
  tools_called: Record<string, unknown>[];
  tool_call_id: string | null;
  error_message: string | null;
  created_at: string;
}

interface Agent {
  agent_id: string;
  owner: string;
  workflow_id: number;
  status: string;
  agent_config: Record<string, unknown> | null;
  schedule: Record<string, unknown> | null;
  executions: number;
  successes: number;
  created_at: string;
  updated_at: string;
}

type User = { email: string };
interface Ctx {
  req: KitRequest;
  user: User;
  body: Record<string, unknown>;
  params: Record<string, string>;
}
type Handler = (c: Ctx) => SandboxResponse | Promise<SandboxResponse>;
type Auth = 'bearer' | 'none' | 'refresh';

export interface ArrotechSandbox {
  url: string;
  port: number;
  credentials: typeof ARROTECH_SANDBOX_CREDENTIALS;
  requests: SandboxRequestRecord[];
  addFault(f: SandboxFault): void;
  clearFaults(): void;
  /** Every JWT the sandbox issued (tests add them to the secrets scan). */
  readonly issuedTokens: readonly string[];
  readonly counts: { logins: number; refreshes: number; expiredRejections: number };
  /** SSE streams: when each opened and when the client (or the end) closed it. */
  readonly streams: ReadonlyArray<{ path: string; openedAt: number; closedAt?: number; completed: boolean }>;
  setJwtTtl(seconds: number): void;
  /** Changes the daily limit; `exhausted` also marks today's quota of every user as used up. */
  setDailyLimit(limit: number, exhausted?: boolean): void;
  /** Ids the demo and tests start from. */
  ids: { workflow: number; failingWorkflow: number; conversation: number; connection: number };
  close(): Promise<void>;
}

export async function startArrotechSandbox(opts: ArrotechSandboxOptions = {}): Promise<ArrotechSandbox> {
  let jwtTtl = opts.jwtTtlSeconds ?? 1800;
  let dailyLimit = opts.dailyLimit ?? 10_000;
  const stepMs = opts.stepMs ?? 300;
  const gap = opts.streamIntervalMs ?? 120;
  const creds = ARROTECH_SANDBOX_CREDENTIALS;
  const users = new Map<string, { password?: string; apiKey: string }>([
    [creds.email, { password: creds.password, apiKey: creds.apiKey }],
    [creds.otherEmail, { apiKey: creds.otherApiKey }],
  ]);
  const issuedTokens: string[] = [];
  const counts = { logins: 0, refreshes: 0, expiredRejections: 0 };
  const streams: { path: string; openedAt: number; closedAt?: number; completed: boolean }[] = [];
  const usage = new Map<string, number>();
  let seq = 100;
  const nextId = () => ++seq;

  const connections = new Map<number, { id: number; owner: string; platform: string; name: string; status: string; config: Record<string, unknown>; created_at: string; updated_at: string }>();
  const conversations = new Map<number, { id: number; owner: string; title: string | null; is_active: boolean; created_at: string; updated_at: string; messages: Message[] }>();
  const workflows = new Map<number, Workflow>();
  const executions = new Map<number, Execution>();
  const agents = new Map<string, Agent>();

  // ---- auth ----
  const jwt = new JwtIssuer(() => jwtTtl);
  const sign = (email: string, now: number): string => {
    const token = jwt.sign(email, now);
    issuedTokens.push(token);
    return token;
  };
  const verify = (token: string, now: number): User => {
    const unauthorized = (m: string) => new HttpError(detail(401, m, { 'www-authenticate': 'Bearer' }));
    const checked = jwt.verify(token, now);
    if (checked === 'expired') {
      counts.expiredRejections++;
      throw unauthorized('Token has expired');
    }
    if (checked === 'invalid' || !users.has(checked.sub)) throw unauthorized('Could not validate credentials');
    return { email: checked.sub };
  };
  const authenticate = (req: KitRequest, allowApiKey: boolean): User => {
    const h = req.headers.authorization;
    // FastAPI's HTTPBearer: no or non-bearer header is 403 "Not authenticated".
    if (!h || !/^bearer\s+\S/i.test(h)) throw new HttpError(detail(403, 'Not authenticated'));
    const token = h.replace(/^bearer\s+/i, '').trim();
    if (allowApiKey) for (const [email, u] of users) if (u.apiKey === token) return { email };
    return verify(token, req.now());
  };
  const rateLimit = (user: User, now: number) => {
    const day = new Date(now).toISOString().slice(0, 10);
    const key = `${user.email}|${day}`;
    const used = (usage.get(key) ?? 0) + 1;
    usage.set(key, used);
    if (used > dailyLimit) {
      const midnight = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
      const tier = dailyLimit === 100 ? 'free tier' : dailyLimit === 10_000 ? 'pro tier' : 'your plan';
      throw new HttpError(detail(429, `Rate limit exceeded: ${dailyLimit} requests per day (${tier}).`, { 'retry-after': String(Math.ceil((midnight - now) / 1000)), 'x-ratelimit-limit': String(dailyLimit), 'x-ratelimit-remaining': '0' }));
    }
  };

  // ---- helpers over state ----
  const own = <T extends { owner: string }>(map: Map<number, T>, id: number, user: User, what: string): T => {
    const item = map.get(id);
    if (!item || item.owner !== user.email) throw new HttpError(detail(404, `${what} not found`));
    return item;
  };
  const workflowJson = (w: Workflow) => {
    const { owner: _owner, ...rest } = w;
    return { ...rest, is_template: false };
  };
  const stepsFrom = (description: string): Record<string, unknown>[] => {
    const d = description.toLowerCase();
    const steps: Record<string, unknown>[] = [];
    if (d.includes('hubspot')) steps.push({ tool: 'hubspot_deals_list', parameters: { limit: 10 } });
    if (d.includes('slack')) steps.push({ tool: 'slack_send_message', parameters: { channel: /#[\w-]+/.exec(description)?.[0] ?? '#general', text: '{{summary}}' } });
    if (steps.length === 0) steps.push({ tool: 'echo', parameters: { text: description.slice(0, 80) } });
    steps.push({ tool: 'echo', parameters: { text: 'done' } });
    return steps.map((s, i) => ({ step_id: `step_${i + 1}`, order: i + 1, name: `Step ${i + 1}: ${String(s.tool)}`, ...s }));
  };
  const newWorkflow = (owner: string, name: string, description: string, steps: Record<string, unknown>[], extra: Partial<Workflow> = {}): Workflow => {
    const now = iso(Date.now());
    const w: Workflow = { id: nextId(), owner, name, description, status: 'draft', version: 1, trigger_type: 'manual', trigger_config: {}, variables: {}, workflow_metadata: {}, steps, created_at: now, updated_at: now, ...extra };
    workflows.set(w.id, w);
    return w;
  };
  /** An execution's state is a function of time: pending, then one step per stepMs, then terminal. */
  const executionJson = (ex: Execution, now: number) => {
    const total = ex.steps.length;
    // A cancelled execution stays where it was when cancelled.
    const elapsed = Math.min(now, ex.cancelledAt ?? now) - ex.createdAt;
    const done = Math.max(0, Math.min(total, Math.floor(elapsed / stepMs) - 1));
    let status = elapsed < stepMs ? 'pending' : done >= total ? 'completed' : 'running';
    let error: string | null = null;
    if (ex.failAt !== undefined && done >= ex.failAt) {
      status = 'failed';
      error = `Step ${ex.failAt + 1} (${String(ex.steps[ex.failAt]?.tool)}) failed: no active slack connection`;
    }
    if (ex.cancelledAt !== undefined && status !== 'completed' && status !== 'failed') status = 'cancelled';
    const finishedAt = status === 'completed' || status === 'failed' ? ex.createdAt + (Math.min(done, total) + 1) * stepMs : ex.cancelledAt;
    return {
      id: ex.id,
      workflow_id: ex.workflowId,
      status,
      trigger_type: 'manual',
      input_data: ex.inputData,
      output_data: status === 'completed' ? { steps_completed: total, summary: `All ${total} steps ran.` } : null,
      error_message: error,
      current_step: Math.min(done, total),
      total_steps: total,
      started_at: elapsed >= stepMs ? iso(ex.createdAt + stepMs) : null,
      completed_at: finishedAt !== undefined ? iso(finishedAt) : null,
      created_at: iso(ex.createdAt),
    };
  };
  const startExecution = (w: Workflow, inputData: Record<string, unknown>, now: number): Execution => {
    const ex: Execution = { id: nextId(), workflowId: w.id, owner: w.owner, inputData, createdAt: now, steps: w.steps };
    if (/\bfail/i.test(w.description)) ex.failAt = 0;
    executions.set(ex.id, ex);
    return ex;
  };
  const connected = (user: User, platform: string) => [...connections.values()].some((c) => c.owner === user.email && c.platform === platform && c.status === 'active');
  /** Runs a bridged tool: the reasons the real bridge gives for failing, or a result. */
  const runTool = (user: User, name: unknown, args: Record<string, unknown>): { ok: true; result: Record<string, unknown> } | { ok: false; error: string } => {
    const tool = typeof name === 'string' ? TOOLS[name] : undefined;
    if (!tool) return { ok: false, error: `Tool '${String(name)}' not found` };
    if (tool.platform && !connected(user, tool.platform)) return { ok: false, error: `No active ${tool.platform} connection. Connect ${tool.platform} first.` };
    const missing = tool.required.filter((r) => args[r] === undefined || args[r] === '');
    if (missing.length) return { ok: false, error: `Missing required argument(s): ${missing.join(', ')}` };
    if (name === 'echo') return { ok: true, result: { text: args.text } };
    if (name === 'hubspot_deals_list') return { ok: true, result: { deals: [{ id: 'd1', name: 'Acme renewal', amount: 12000 }, { id: 'd2', name: 'Globex pilot', amount: 4500 }] } };
    return { ok: true, result: { delivered: true, message_id: `m_${nextId()}`, to: args.channel ?? args.to } };
  };
  const sse = (path: string, events: () => Generator<Record<string, unknown>>): SandboxResponse => ({
    status: 200,
    contentType: 'text/event-stream',
    stream: async (write, signal) => {
      const record: (typeof streams)[number] = { path, openedAt: Date.now(), completed: false };
      streams.push(record);
      signal.addEventListener('abort', () => (record.closedAt ??= Date.now()), { once: true });
      for (const ev of events()) {
        if (signal.aborted || closed()) break;
        write(`data: ${JSON.stringify(ev)}\n\n`);
        await wait(gap, signal);
      }
      if (!signal.aborted) record.completed = true;
      record.closedAt ??= Date.now();
    },
  });
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  const assistantReply = (conv: { id: number; messages: Message[] }, content: string, provider: string | undefined): Message => {
    const now = iso(Date.now());
    conv.messages.push({ id: nextId(), conversation_id: conv.id, role: 'user', content, status: 'completed', tokens_used: 0, tools_called: [], tool_call_id: null, error_message: null, created_at: now });
    const deals = /hubspot|deal/i.test(content);
    const reply: Message = {
      id: nextId(),
      conversation_id: conv.id,
      role: 'assistant',
      content: deals ? 'Your last deals: Acme renewal (12,000) and Globex pilot (4,500).' : `Sure. Here is my answer to: ${content.slice(0, 60)}`,
      status: 'completed',
      tokens_used: 42,
      tools_called: deals ? [{ id: `tc_${nextId()}`, name: 'hubspot_deals_list', arguments: { limit: 5 }, success: true }] : [],
      tool_call_id: null,
      error_message: null,
      created_at: now,
    };
    if (provider) reply.tools_called = reply.tools_called.map((t) => ({ ...t, provider }));
    conv.messages.push(reply);
    return reply;
  };
  const messageBody = (c: Ctx) => {
    const content = field(c.body, 'content', 'str', true) as string;
    const provider = field(c.body, 'provider', 'str', false) as string | undefined;
    if (provider !== undefined && !PROVIDERS.includes(provider)) throw new HttpError(detail(400, `Unknown provider '${provider}'. Available: ${PROVIDERS.join(', ')}`));
    return { content, provider };
  };
  const agentOf = (c: Ctx): Agent => {
    const a = agents.get(c.params.agent_id!);
    if (!a || a.owner !== c.user.email) throw new HttpError(detail(404, 'Agent not found'));
    return a;
  };

  // ---- routes ----
  const router = new Router<Handler, 'fastapi', Auth>('fastapi');
  const route = (method: string, pattern: string, auth: Auth, handler: Handler) => router.add({ method, pattern, style: 'fastapi', auth, handler });

  route('POST', '/auth/login', 'none', (c) => {
    const email = field(c.body, 'email', 'str', true) as string;
    const password = field(c.body, 'password', 'str', true) as string;
    const u = users.get(email);
    if (!u || u.password === undefined || u.password !== password) return detail(401, 'Incorrect email or password', { 'www-authenticate': 'Bearer' });
    counts.logins++;
    return json(200, { access_token: sign(email, c.req.now()), token_type: 'bearer', expires_in: jwtTtl });
  });
  route('POST', '/auth/refresh', 'refresh', (c) => {
    counts.refreshes++;
    return json(200, { access_token: sign(c.user.email, c.req.now()), token_type: 'bearer', expires_in: jwtTtl });
  });

  // connections
  route('GET', '/connections/', 'bearer', (c) => json(200, { success: true, data: [...connections.values()].filter((x) => x.owner === c.user.email).map(({ owner: _o, config: _c, ...rest }) => rest) }));
  route('POST', '/connections/', 'bearer', (c) => {
    const platform = field(c.body, 'platform', 'str', true) as string;
    const name = field(c.body, 'name', 'str', true) as string;
    const config = field(c.body, 'config', 'dict', true) as Record<string, unknown>;
    const p = PLATFORMS.find((x) => x.id === platform);
    if (!p) return detail(400, `Unsupported platform: ${platform}`);
    if (p.tier !== 'free') return detail(403, `The ${p.name} platform requires the Professional tier or above`);
    const now = iso(c.req.now());
    const conn = { id: nextId(), owner: c.user.email, platform, name, status: 'active', config, created_at: now, updated_at: now };
    connections.set(conn.id, conn);
    return json(200, { success: true, data: { id: conn.id, platform, name, status: conn.status, created_at: now } });
  });
  route('PUT', '/connections/:connection_id', 'bearer', (c) => {
    const conn = own(connections, intParam(c.params, 'connection_id'), c.user, 'Connection');
    conn.name = field(c.body, 'name', 'str', true) as string;
    conn.status = field(c.body, 'status', 'str', true) as string;
    conn.config = field(c.body, 'config', 'dict', true) as Record<string, unknown>;
    conn.updated_at = iso(c.req.now());
    return json(200, { success: true, data: { id: conn.id, platform: conn.platform, name: conn.name, status: conn.status, updated_at: conn.updated_at } });
  });
  route('DELETE', '/connections/:connection_id', 'bearer', (c) => {
    const conn = own(connections, intParam(c.params, 'connection_id'), c.user, 'Connection');
    connections.delete(conn.id);
    return json(200, { success: true, message: `Connection ${conn.id} deleted` });
  });
  const testConfig = (platform: string, config: Record<string, unknown>) =>
    Object.values(config).some((v) => v === 'invalid' || v === '') ? { success: false, error: `Authentication failed for ${platform}: invalid credentials` } : null;
  route('POST', '/connections/:connection_id/test', 'bearer', (c) => {
    const conn = own(connections, intParam(c.params, 'connection_id'), c.user, 'Connection');
    const bad = testConfig(conn.platform, conn.config);
    if (bad) return json(200, bad);
    return json(200, { success: true, data: { connection_id: conn.id, status: 'active', test_result: { ok: true, platform: conn.platform } } });
  });
  route('POST', '/connections/test', 'bearer', (c) => {
    const platform = field(c.body, 'platform', 'str', true) as string;
    const config = field(c.body, 'config', 'dict', true) as Record<string, unknown>;
    if (!PLATFORMS.some((p) => p.id === platform)) return json(200, { success: false, error: `Unsupported platform: ${platform}` });
    return json(200, testConfig(platform, config) ?? { success: true, error: null });
  });
  route('GET', '/connections/platforms', 'none', () => json(200, { success: true, data: { platforms: PLATFORMS.map(({ tools: _t, ...p }) => p) } }));

  // MCP bridge
  const toolList = (user: User, all: boolean) =>
    Object.entries(TOOLS)
      .filter(([, t]) => all || !t.platform || connected(user, t.platform))
      .map(([name, t]) => ({ name, description: t.description, platform: t.platform ?? 'builtin', inputSchema: { type: 'object', properties: Object.fromEntries(t.required.map((r) => [r, { type: 'string' }])), required: t.required } }));
  route('GET', '/mcp/tools', 'bearer', (c) => {
    const all = c.req.query.get('include_all') === 'true' || c.req.query.get('all') === 'true';
    const tools = toolList(c.user, all);
    return json(200, { success: true, data: { tools, total: tools.length, user_id: c.user.email } });
  });
  const callBody = (c: Ctx) => ({ name: field(c.body, 'name', 'str', true) as string, args: field(c.body, 'arguments', 'dict', true) as Record<string, unknown> });
  route('POST', '/mcp/call', 'bearer', (c) => {
    const { name, args } = callBody(c);
    const r = runTool(c.user, name, args);
    // The bridge catches every failure and answers 200 (backend behaviour).
    return json(200, r.ok ? { success: true, tool: name, result: r.result, error: null } : { success: false, tool: name, result: null, error: r.error });
  });
  route('POST', '/mcp/call/stream', 'bearer', (c) => {
    const { name, args } = callBody(c);
    const user = c.user;
    return sse('/mcp/call/stream', function* () {
      yield { type: 'start', tool: name, message: `Starting ${name}` };
      yield { type: 'status', status: 'validating', message: 'Checking arguments and connection' };
      yield { type: 'status', status: 'running', message: `Calling ${name}` };
      const r = runTool(user, name, args);
      yield r.ok ? { type: 'complete', tool: name, result: r.result } : { type: 'error', tool: name, error: r.error };
    });
  });
  const preview = `${creds.whatsappToken.slice(0, 8)}...${creds.whatsappToken.slice(-4)}`;
  route('GET', '/mcp/test/whatsapp', 'bearer', () =>
    json(200, { success: true, error: null, status_code: 200, data: { url: 'https://graph.facebook.com/v18.0/1234567890', token_preview: preview, phone_number_id: '1234567890', business_account_id: '9876543210', base_url: 'https://graph.facebook.com/v18.0', response: { verified_name: 'Arrotech Sandbox' } } }),
  );
  route('GET', '/mcp/debug/settings', 'bearer', () =>
    json(200, {
      success: true,
      data: {
        whatsapp_base_url: 'https://graph.facebook.com/v18.0',
        whatsapp_phone_number_id: '1234567890',
        whatsapp_business_account_id: '9876543210',
        whatsapp_token_set: true,
        whatsapp_token_preview: preview,
        environment: 'sandbox',
        docker_env_vars: { WHATSAPP_TOKEN: creds.whatsappToken, ENVIRONMENT: 'sandbox' },
      },
    }),
  );

  // chat
  const convJson = (x: { id: number; title: string | null; is_active: boolean; created_at: string; updated_at: string }) => ({ id: x.id, title: x.title, is_active: x.is_active, created_at: x.created_at, updated_at: x.updated_at });
  const newConversation = (owner: string, title: string | null, now: number) => {
    const conv = { id: nextId(), owner, title, is_active: true, created_at: iso(now), updated_at: iso(now), messages: [] as Message[] };
    conversations.set(conv.id, conv);
    return conv;
  };
  route('POST', '/chat/conversations', 'bearer', (c) => {
    const title = (field(c.body, 'title', 'str', false) as string | undefined) ?? null;
    return json(200, { success: true, data: convJson(newConversation(c.user.email, title, c.req.now())) });
  });
  route('GET', '/chat/conversations', 'bearer', (c) =>
    json(200, { success: true, data: [...conversations.values()].filter((x) => x.owner === c.user.email).sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id).map(convJson) }),
  );
  route('GET', '/chat/conversations/:conversation_id', 'bearer', (c) => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    return json(200, { ...convJson(conv), messages: conv.messages });
  });
  route('PUT', '/chat/conversations/:conversation_id', 'bearer', (c) => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    conv.title = field(c.body, 'title', 'str', true) as string;
    conv.updated_at = iso(c.req.now());
    return json(200, { success: true, data: convJson(conv), message: 'Conversation updated' });
  });
  route('DELETE', '/chat/conversations/:conversation_id', 'bearer', (c) => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    conversations.delete(conv.id);
    return json(200, { success: true, message: 'Conversation deleted', conversation_id: conv.id });
  });
  route('POST', '/chat/conversations/:conversation_id/messages', 'bearer', (c) => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const { content, provider } = messageBody(c);
    return json(200, assistantReply(conv, content, provider));
  });
  if (!opts.noChatStream) route('POST', '/chat/conversations/:conversation_id/messages/stream', 'bearer', (c) => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const { content, provider } = messageBody(c);
    return sse(c.req.path, function* () {
      yield { type: 'start', conversation_id: conv.id };
      yield { type: 'thinking', message: 'Analysing the request' };
      const reply = assistantReply(conv, content, provider);
      for (const word of reply.content.split(/(?<= )/)) yield { type: 'token', content: word };
      yield { type: 'message_saved', message: reply };
    });
  });
  route('GET', '/chat/conversations/:conversation_id/messages', 'bearer', (c) => json(200, { success: true, data: own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation').messages }));
  route('GET', '/chat/providers', 'bearer', () => json(200, { success: true, data: { providers: PROVIDERS, all_providers: [...PROVIDERS, 'gemini'], default: 'openai' } }));
  route('GET', '/chat/tools', 'bearer', (c) => {
    const tools = toolList(c.user, c.req.query.get('include_all') !== 'false');
    return json(200, { success: true, data: { tools, total: tools.length, description: 'Tools the chat AI may call' } });
  });
  const messageOf = (c: Ctx): Message => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const id = intParam(c.params, 'message_id');
    const m = conv.messages.find((x) => x.id === id);
    if (!m) throw new HttpError(detail(404, 'Message not found'));
    return m;
  };
  route('GET', '/chat/files/:conversation_id/:message_id', 'bearer', (c) => {
    const m = messageOf(c);
    const files = m.role === 'assistant' ? [{ filename: 'reply.txt', size: Buffer.byteLength(m.content), content_type: 'text/plain' }, { filename: 'chart.png', size: PNG.length, content_type: 'image/png' }] : [];
    return json(200, { success: true, data: { message_id: m.id, conversation_id: m.conversation_id, files } });
  });
  route('GET', '/chat/download/:conversation_id/:message_id/:filename', 'bearer', (c) => {
    const m = messageOf(c);
    if (m.role === 'assistant' && c.params.filename === 'chart.png') return { status: 200, raw: PNG.toString('latin1'), contentType: 'image/png', headers: { 'content-disposition': 'attachment; filename="chart.png"' } };
    if (m.role !== 'assistant' || c.params.filename !== 'reply.txt') return detail(404, 'File not found');
    return { status: 200, raw: m.content, contentType: 'text/plain; charset=utf-8', headers: { 'content-disposition': 'attachment; filename="reply.txt"' } };
  });
  route('POST', '/chat/conversations/:conversation_id/validate-tool', 'bearer', (c) => {
    own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const name = c.body.name;
    const tool = typeof name === 'string' ? TOOLS[name] : undefined;
    const args = isPlainObject(c.body.arguments) ? c.body.arguments : {};
    const errors = !tool ? [`Unknown tool: ${String(name)}`] : tool.required.filter((r) => args[r] === undefined).map((r) => `Missing required argument: ${r}`);
    return json(200, { valid: errors.length === 0, errors, corrected_arguments: args, tool_description: tool?.description ?? null, tool_schema: tool ? { required: tool.required } : null });
  });
  route('POST', '/chat/conversations/:conversation_id/explain-intent', 'bearer', (c) => {
    own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const { content } = messageBody(c);
    const action = /send|create|post|find|list|fetch/i.test(content);
    return json(200, { user_input: content, intent: action ? 'action' : 'conversation', requires_tools: action, confidence: action ? 0.86 : 0.7 });
  });
  route('POST', '/chat/conversations/:conversation_id/explain-tools', 'bearer', (c) => {
    own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const { content } = messageBody(c);
    const relevant = Object.keys(TOOLS).filter((n) => content.toLowerCase().includes(n.split('_')[0]!));
    return json(200, { user_input: content, relevant_tools: relevant, total_tools_found: relevant.length, explanation: relevant.length ? `Matched on platform names: ${relevant.join(', ')}` : 'No tool matched the message.' });
  });
  route('GET', '/chat/ollama/status', 'none', () => json(200, { status: 'running', message: 'Ollama is running', models: ['llama3.1:8b'], base_url: 'http://ollama:11434', total_models: 1 }));
  route('GET', '/chat/ollama/diagnostic', 'none', () =>
    json(200, { success: true, connection: { reachable: true, latency_ms: 12, api_key: 'ollama-sandbox-key-123456' }, system: { gpu: false }, model: { name: 'llama3.1:8b', loaded: true }, recommendations: ['Use a GPU host for faster replies'], error: null }),
  );
  route('POST', '/chat/test/direct-response', 'bearer', (c) => {
    const { content } = messageBody(c);
    return json(200, { success: true, response: `Direct answer to: ${content.slice(0, 60)}`, tools_called: [], conversation_id: null, error: null });
  });

  // workflows
  route('POST', '/workflows/create', 'bearer', (c) => {
    const description = field(c.body, 'description', 'str', true) as string;
    const name = (field(c.body, 'name', 'str', false) as string | undefined) ?? `Workflow ${seq + 1}`;
    if (description.trim().length < 10) return detail(400, 'The description is too short to build a workflow; describe the trigger, the platforms and what to do.');
    return json(200, workflowJson(newWorkflow(c.user.email, name, description, stepsFrom(description))));
  });
  route('GET', '/workflows/', 'bearer', (c) => json(200, { success: true, data: [...workflows.values()].filter((w) => w.owner === c.user.email).map(workflowJson) }));
  const executionsOf = (user: User, now: number, workflowId?: number) =>
    [...executions.values()].filter((e) => e.owner === user.email && (workflowId === undefined || e.workflowId === workflowId)).sort((a, b) => b.id - a.id).map((e) => executionJson(e, now));
  route('GET', '/workflows/executions', 'bearer', (c) => json(200, { success: true, data: executionsOf(c.user, c.req.now()) }));
  const executionOf = (c: Ctx) => own(executions, intParam(c.params, 'execution_id'), c.user, 'Execution');
  if (!opts.noExecutionRoutes) route('GET', '/workflows/executions/:execution_id', 'bearer', (c) => json(200, { success: true, data: executionJson(executionOf(c), c.req.now()) }));
  if (!opts.noExecutionRoutes) route('GET', '/workflows/executions/:execution_id/steps', 'bearer', (c) => {
    const ex = executionOf(c);
    const state = executionJson(ex, c.req.now());
    const data = ex.steps.map((s, i) => ({
      step_id: s.step_id,
      tool: s.tool,
      status: i < state.current_step ? (ex.failAt === i ? 'failed' : 'completed') : i === state.current_step && state.status === 'running' ? 'running' : state.status === 'cancelled' ? 'skipped' : 'pending',
      input: s.parameters,
      output: i < state.current_step && ex.failAt !== i ? { ok: true } : null,
      error: ex.failAt === i && i < state.current_step ? state.error_message : null,
    }));
    return json(200, { success: true, data });
  });
  if (!opts.noExecutionRoutes) route('POST', '/workflows/executions/:execution_id/cancel', 'bearer', (c) => {
    const ex = executionOf(c);
    const status = executionJson(ex, c.req.now()).status;
    if (status !== 'pending' && status !== 'running') return detail(400, `Execution is already ${status}`);
    ex.cancelledAt = c.req.now();
    return json(200, { success: true, message: `Execution ${ex.id} cancelled` });
  });
  route('GET', '/workflows/:workflow_id', 'bearer', (c) => json(200, { success: true, data: workflowJson(own(workflows, intParam(c.params, 'workflow_id'), c.user, 'Workflow')) }));
  route('PUT', '/workflows/:workflow_id', 'bearer', (c) => {
    const w = own(workflows, intParam(c.params, 'workflow_id'), c.user, 'Workflow');
    const spec = { name: 'str', description: 'str', status: 'str', trigger_type: 'str', trigger_config: 'dict', variables: 'dict', steps: 'list', workflow_metadata: 'dict' } as const;
    const patch: Record<string, unknown> = {};
    for (const [k, kind] of Object.entries(spec)) {
      const v = field(c.body, k, kind, false);
      if (v !== undefined) patch[k] = v;
    }
    Object.assign(w, patch, { version: w.version + 1, updated_at: iso(c.req.now()) });
    return json(200, { success: true, data: workflowJson(w) });
  });
  route('DELETE', '/workflows/:workflow_id', 'bearer', (c) => {
    const w = own(workflows, intParam(c.params, 'workflow_id'), c.user, 'Workflow');
    workflows.delete(w.id);
    return json(200, { message: 'Workflow deleted successfully' });
  });
  route('POST', '/workflows/:workflow_id/execute', 'bearer', (c) => {
    const w = own(workflows, intParam(c.params, 'workflow_id'), c.user, 'Workflow');
    const input = (field(c.body, 'input_data', 'dict', false) as Record<string, unknown> | undefined) ?? {};
    const ex = startExecution(w, input, c.req.now());
    return json(200, { success: true, data: { execution_id: ex.id, workflow_id: w.id, status: 'pending', message: 'Workflow execution started' } });
  });
  route('GET', '/workflows/:workflow_id/executions', 'bearer', (c) => {
    const w = own(workflows, intParam(c.params, 'workflow_id'), c.user, 'Workflow');
    return json(200, { success: true, data: executionsOf(c.user, c.req.now(), w.id) });
  });
  route('POST', '/workflows/test-condition', 'bearer', (c) => {
    const condition = field(c.body, 'condition', 'dict', true) as Record<string, unknown>;
    const context = field(c.body, 'context', 'dict', true) as Record<string, unknown>;
    const actual = context[String(condition.field)];
    const expected = condition.value;
    const op = String(condition.operator ?? 'equals');
    const result = op === 'greater_than' ? Number(actual) > Number(expected) : op === 'less_than' ? Number(actual) < Number(expected) : op === 'contains' ? String(actual).includes(String(expected)) : actual === expected;
    return json(200, { result, evaluated_value: actual ?? null, expected_value: expected ?? null, operator: op });
  });
  route('POST', '/workflows/test-variable-substitution', 'bearer', (c) => {
    const parameters = field(c.body, 'parameters', 'dict', true) as Record<string, unknown>;
    const context = field(c.body, 'context', 'dict', true) as Record<string, unknown>;
    const made: string[] = [];
    const substituted = JSON.parse(
      JSON.stringify(parameters).replace(/\{\{(\w+)\}\}/g, (m, name: string) => {
        if (context[name] === undefined) return m;
        made.push(name);
        return String(context[name]).replace(/["\\]/g, '');
      }),
    ) as unknown;
    return json(200, { original_parameters: parameters, substituted_parameters: substituted, substitutions_made: made });
  });
  route('POST', '/workflows/chat-agent', 'bearer', (c) => {
    const description = field(c.body, 'description', 'str', true) as string;
    const name = (field(c.body, 'name', 'str', false) as string | undefined) ?? 'Chat agent';
    const w = newWorkflow(c.user.email, name, description, stepsFrom(description), { trigger_type: 'chat' });
    return json(200, { workflow_id: w.id, agent_prompt: `You are ${name}. ${description}`, message: 'Chat agent created' });
  });
  const toolCallsOf = (conv: { messages: Message[] }) => conv.messages.flatMap((m) => m.tools_called.map((t) => ({ id: t.id, name: t.name, arguments: t.arguments, success: t.success, message_id: m.id })));
  route('POST', '/workflows/extract-from-conversation', 'bearer', (c) => {
    const convId = field(c.body, 'conversation_id', 'int', true) as number;
    const workflowName = field(c.body, 'workflow_name', 'str', true) as string;
    const description = (field(c.body, 'description', 'str', false) as string | undefined) ?? '';
    const selected = field(c.body, 'selected_step_ids', 'list', false) as string[] | undefined;
    const conv = own(conversations, convId, c.user, 'Conversation');
    const calls = toolCallsOf(conv).filter((t) => !selected || selected.includes(String(t.id)));
    if (calls.length === 0) return detail(400, 'No tool calls found in this conversation to extract a workflow from');
    const steps = calls.map((t, i) => ({ step_id: `step_${i + 1}`, order: i + 1, tool: t.name, parameters: t.arguments }));
    const w = newWorkflow(c.user.email, workflowName, description, steps);
    return json(200, { success: true, data: { workflow: workflowJson(w), extraction_summary: { tool_calls_used: calls.length }, suggestions: [] } });
  });
  route('POST', '/workflows/create-from-steps', 'bearer', (c) => {
    const name = field(c.body, 'workflow_name', 'str', true) as string;
    const description = field(c.body, 'description', 'str', true) as string;
    const steps = field(c.body, 'steps', 'list', true) as unknown[];
    steps.forEach((s, i) => {
      if (!isPlainObject(s)) invalid(['body', 'steps', i], 'Input should be a valid dictionary', 'dict_type', s);
    });
    const w = newWorkflow(c.user.email, name, description, steps as Record<string, unknown>[], { trigger_type: (field(c.body, 'trigger_type', 'str', false) as string | undefined) ?? 'manual' });
    return json(200, { success: true, data: workflowJson(w) });
  });
  route('GET', '/workflows/conversation/:conversation_id/tool-calls', 'bearer', (c) => {
    const conv = own(conversations, intParam(c.params, 'conversation_id'), c.user, 'Conversation');
    const calls = toolCallsOf(conv);
    return json(200, { success: true, data: { conversation_id: conv.id, conversation_title: conv.title, tool_calls: calls, total_tool_calls: calls.length, successful_tool_calls: calls.length, available_fields: ['limit'], can_create_workflow: calls.length > 0 } });
  });

  // agents: /agents/* (current backend) or /agents/agents/* (Public API 1.0.0 era)
  const A = opts.legacyAgentPaths ? '/agents/agents' : '/agents';
  const agentStatus = (a: Agent) => ({ agent_id: a.agent_id, workflow_id: a.workflow_id, workflow_name: workflows.get(a.workflow_id)?.name ?? null, status: a.status, trigger_type: a.schedule ? 'schedule' : 'manual', schedule: a.schedule ?? {}, monitoring: { execution_count: a.executions, success_count: a.successes, last_error: null }, performance_metrics: { success_rate: a.executions ? a.successes / a.executions : 0 }, created_at: a.created_at, updated_at: a.updated_at });
  route('POST', `${A}/create`, 'bearer', (c) => {
    const workflowId = field(c.body, 'workflow_id', 'int', true) as number;
    const config = (field(c.body, 'agent_config', 'dict', false) as Record<string, unknown> | undefined) ?? null;
    const w = own(workflows, workflowId, c.user, 'Workflow');
    const now = iso(c.req.now());
    const a: Agent = { agent_id: randomUUID(), owner: c.user.email, workflow_id: w.id, status: 'active', agent_config: config, schedule: null, executions: 0, successes: 0, created_at: now, updated_at: now };
    agents.set(a.agent_id, a);
    return json(200, { success: true, agent_id: a.agent_id, workflow_id: w.id, agent_prompt: `Automate: ${w.description}`, agent_config: config, message: 'Agent created' });
  });
  route('POST', `${A}/schedule`, 'bearer', (c) => {
    const agentId = field(c.body, 'agent_id', 'str', true) as string;
    const sc = field(c.body, 'schedule_config', 'dict', true) as Record<string, unknown>;
    const a = agents.get(agentId);
    if (!a || a.owner !== c.user.email) return detail(404, 'Agent not found');
    const type = sc.type;
    if (type === 'interval' ? !(typeof sc.interval === 'number' && sc.interval >= 60) : type === 'cron' ? !(typeof sc.cron === 'string' && sc.cron.trim().split(/\s+/).length === 5) : true) {
      return detail(400, "schedule_config needs type 'interval' with interval >= 60 (seconds) or type 'cron' with a 5-field cron expression");
    }
    a.schedule = sc;
    a.updated_at = iso(c.req.now());
    return json(200, { success: true, agent_id: a.agent_id, schedule_type: type, status: 'scheduled', message: 'Agent scheduled' });
  });
  route('GET', `${A}/`, 'bearer', (c) => json(200, [...agents.values()].filter((a) => a.owner === c.user.email).map(agentStatus)));
  route('GET', `${A}/templates`, 'none', () => json(200, { templates: [{ id: 'daily-report', name: 'Daily report agent', schedule_config: { type: 'cron', cron: '0 9 * * *' } }, { id: 'lead-watcher', name: 'Lead watcher', schedule_config: { type: 'interval', interval: 3600 } }] }));
  route('GET', `${A}/:agent_id/status`, 'bearer', (c) => json(200, agentStatus(agentOf(c))));
  route('POST', `${A}/:agent_id/pause`, 'bearer', (c) => {
    const a = agentOf(c);
    if (a.status === 'paused') return detail(400, 'Agent is already paused');
    a.status = 'paused';
    return json(200, { success: true, agent_id: a.agent_id, message: 'Agent paused' });
  });
  route('POST', `${A}/:agent_id/resume`, 'bearer', (c) => {
    const a = agentOf(c);
    if (a.status !== 'paused') return detail(400, 'Agent is not paused');
    a.status = 'active';
    return json(200, { success: true, agent_id: a.agent_id, message: 'Agent resumed' });
  });
  route('POST', `${A}/:agent_id/execute`, 'bearer', (c) => {
    const a = agentOf(c);
    const w = workflows.get(a.workflow_id);
    if (!w) return detail(404, 'Workflow not found');
    const ex = startExecution(w, c.body, c.req.now());
    a.executions++;
    if (ex.failAt === undefined) a.successes++;
    return json(200, { success: true, agent_id: a.agent_id, execution_id: ex.id, message: 'Agent execution started' });
  });
  route('DELETE', `${A}/:agent_id`, 'bearer', (c) => {
    const a = agentOf(c);
    agents.delete(a.agent_id);
    return json(200, { success: true, agent_id: a.agent_id, message: 'Agent deleted' });
  });
  route('GET', `${A}/:agent_id/analytics`, 'bearer', (c) => {
    const a = agentOf(c);
    return json(200, { agent_id: a.agent_id, total_executions: a.executions, successful_executions: a.successes, failed_executions: a.executions - a.successes, success_rate: a.executions ? a.successes / a.executions : 0, schedule: a.schedule });
  });

  // templates (public reads)
  const tplJson = ({ featured: _f, uses: _u, ...t }: (typeof TEMPLATES)[number]) => t;
  route('GET', '/templates/', 'none', (c) => {
    const q = c.req.query;
    const list = TEMPLATES.filter((t) => (!q.get('category') || t.category === q.get('category')) && (!q.get('difficulty') || t.difficulty === q.get('difficulty')) && (!q.get('connection') || t.connections.includes(q.get('connection')!)) && (!q.get('search') || t.name.toLowerCase().includes(q.get('search')!.toLowerCase())));
    return json(200, { success: true, data: list.map(tplJson), message: `${list.length} templates` });
  });
  route('GET', '/templates/categories', 'none', () => json(200, { success: true, data: [...new Set(TEMPLATES.map((t) => t.category))], message: 'ok' }));
  route('GET', '/templates/featured/list', 'none', () => json(200, { success: true, data: TEMPLATES.filter((t) => t.featured).map(tplJson), message: 'ok' }));
  route('GET', '/templates/stats/popular', 'none', () => json(200, { success: true, data: [...TEMPLATES].sort((a, b) => b.uses - a.uses).map((t) => ({ id: t.id, name: t.name, uses: t.uses })), message: 'ok' }));
  const templateOf = (c: Ctx) => {
    const t = TEMPLATES.find((x) => x.id === c.params.template_id);
    if (!t) throw new HttpError(detail(404, 'Template not found'));
    return t;
  };
  route('GET', '/templates/:template_id', 'none', (c) => json(200, { success: true, data: tplJson(templateOf(c)), message: 'ok' }));
  route('POST', '/templates/:template_id/use', 'bearer', (c) => {
    const t = templateOf(c);
    const w = newWorkflow(c.user.email, t.name, `From template ${t.id}`, t.steps.map((s, i) => ({ step_id: `step_${i + 1}`, order: i + 1, ...s })), { variables: c.body });
    return json(200, { success: true, data: { workflow_id: w.id, workflow: workflowJson(w) }, message: 'Workflow created from template' });
  });

  // ---- dispatch ----
  let closedFlag = false;
  const closed = () => closedFlag;
  const http = createSandboxHttp<'api'>({
    name: 'arrotech sandbox',
    ...(opts.host ? { host: opts.host } : {}),
    errorFor: (_path, status, message) => detail(status, message),
    async dispatch(req) {
      const m = router.resolve(req.method, req.path);
      if (m.kind === 'not_found') return detail(404, 'Not Found');
      if (m.kind === 'method_not_allowed') return detail(405, 'Method Not Allowed', { allow: m.allow.join(', ') });
      let user: User = { email: '' };
      if (m.route.auth !== 'none') {
        user = authenticate(req, m.route.auth === 'bearer');
        rateLimit(user, req.now());
      }
      let body: Record<string, unknown> = {};
      if (req.method !== 'GET' && req.method !== 'DELETE') {
        const parsed = parseJsonBody(req.body, req.headers['content-type']);
        if (parsed.kind === 'invalid') invalid(['body', parsed.position], 'JSON decode error', 'json_invalid', {});
        if (parsed.kind === 'not_json') invalid(['body'], 'Input should be a valid dictionary or object to extract fields from', 'model_attributes_type', parsed.text);
        if (parsed.kind === 'json') {
          if (!isPlainObject(parsed.value)) invalid(['body'], 'Input should be a valid dictionary or object to extract fields from', 'model_attributes_type', parsed.value);
          body = parsed.value;
        }
      }
      return m.route.handler({ req, user, body, params: m.params });
    },
  });
  const { url, port } = await http.listen('api', opts.port ?? 0);

  // Seed data for the demo and tests: a connection, a workflow that works and one that fails, a conversation.
  const now = Date.now();
  const owner = creds.email;
  const conn = { id: nextId(), owner, platform: 'hubspot', name: 'Sales HubSpot', status: 'active', config: { api_key: 'hubspot-sandbox-secret' }, created_at: iso(now), updated_at: iso(now) };
  connections.set(conn.id, conn);
  const good = newWorkflow(owner, 'Weekly revenue sync', 'Every Monday fetch my last 10 HubSpot deals and post a summary to Slack #sales-updates', stepsFrom('hubspot slack #sales-updates'));
  const bad = newWorkflow(owner, 'Broken sync', 'This one is meant to fail: post to Slack without a connection', [{ step_id: 'step_1', order: 1, tool: 'slack_send_message', parameters: { channel: '#x', text: 'y' } }]);
  const conv = newConversation(owner, 'Deals review', now);
  assistantReply(conv, 'Show my last HubSpot deals', undefined);

  return {
    url,
    port,
    credentials: creds,
    requests: http.requests,
    addFault: (f) => http.addFault(f),
    clearFaults: () => http.clearFaults(),
    issuedTokens,
    counts,
    streams,
    setJwtTtl: (s) => void (jwtTtl = s),
    setDailyLimit: (l, exhausted) => {
      dailyLimit = l;
      const day = new Date().toISOString().slice(0, 10);
      if (exhausted) for (const email of users.keys()) usage.set(`${email}|${day}`, l);
    },
    ids: { workflow: good.id, failingWorkflow: bad.id, conversation: conv.id, connection: conn.id },
    close: async () => {
      closedFlag = true;
      await http.close();
    },
  };
}
