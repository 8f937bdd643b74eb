// Helpers for bench/run.mjs: statistics, child processes, /proc sampling, and two
// minimal MCP clients (newline-delimited JSON-RPC over stdio; Streamable HTTP over undici)
// that add as little of their own cost as possible to what is measured.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();
export const round = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** Median (mean of the two middle values for an even count) and nearest-rank percentiles. */
export function stats(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { n: 0 };
  const rank = (p) => v[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  return { n, median: round(median), p90: round(rank(0.9)), p99: round(rank(0.99)), mean: round(mean), min: round(v[0]), max: round(v[n - 1]) };
}

// ---------------------------------------------------------------- /proc

/** VmRSS split into anonymous memory (heap, malloc) and file-backed pages (the node binary, shared libraries). */
export function rssDetail(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)\\s*kB`).exec(text)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), anonKb: kb('RssAnon'), fileKb: kb('RssFile') };
  } catch {
    return null;
  }
}

export function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let clkTck;
function ticksPerSecond() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** User + system CPU time of a process so far, in ms (10 ms resolution at CLK_TCK=100). */
export function cpuMs(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerSecond();
  } catch {
    return null;
  }
}

function statFields(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (ms) of the whole machine that was busy, from /proc/stat: user+nice+system+irq+softirq+steal over all cores. */
function machineBusyMs() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond();
}

/**
 * Tells how much of the machine something other than the bench used while a phase ran:
 * machine busy time minus the bench process, its reaped children (cutime/cstime) and the
 * live child processes given (the sandbox, a server). Reported as % of all cores.
 */
export class CpuWatch {
  constructor(livePids = []) {
    this.livePids = livePids.filter(Boolean);
  }
  ours() {
    let ms = 0;
    try {
      const f = statFields('self');
      ms += ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / ticksPerSecond();
    } catch {
      /* not Linux */
    }
    for (const pid of this.livePids) ms += cpuMs(pid) ?? 0;
    return ms;
  }
  start() {
    try {
      this.t0 = performance.now();
      this.busy0 = machineBusyMs();
      this.ours0 = this.ours();
    } catch {
      this.t0 = undefined;
    }
    return this;
  }
  stop(cores) {
    if (this.t0 === undefined) return undefined;
    const wall = performance.now() - this.t0;
    const busy = machineBusyMs() - this.busy0;
    const ours = this.ours() - this.ours0;
    const cap = wall * cores;
    return { wallMs: round(wall, 0), machineBusyPct: round((100 * busy) / cap, 1), benchPct: round((100 * ours) / cap, 1), foreignPct: round((100 * Math.max(0, busy - ours)) / cap, 1) };
  }
}

/** Samples VmRSS every `everyMs`; peak and last in kB. */
export class RssSampler {
  constructor(pid, everyMs = 50) {
    this.pid = pid;
    this.everyMs = everyMs;
    this.peakKb = 0;
    this.samples = 0;
    this.timer = undefined;
  }
  start() {
    this.peakKb = rssKb(this.pid) ?? 0;
    this.samples = 1;
    this.timer = setInterval(() => {
      const r = rssKb(this.pid);
      if (r !== null) {
        this.samples++;
        if (r > this.peakKb) this.peakKb = r;
      }
    }, this.everyMs);
    return this;
  }
  stop() {
    clearInterval(this.timer);
    const last = rssKb(this.pid);
    if (last !== null && last > this.peakKb) this.peakKb = last;
    return { peakKb: this.peakKb, lastKb: last, samples: this.samples };
  }
}

// ---------------------------------------------------------------- processes

/** Keeps the last `max` characters of a stream (stderr of a child), so pipes never fill up. */
export function tail(stream, max = 16_384) {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    text += d;
    if (text.length > max * 2) text = text.slice(-max);
  });
  return () => text.slice(-max);
}

/** Resolves with the first capture group of `re` seen on `stream`, rejects after `timeoutMs`. */
export function waitForMatch(stream, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw: ${seen.slice(-500)}`));
    }, timeoutMs);
    const onData = (d) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m[1]);
      }
    };
    stream.on('data', onData);
  });
}

/** Waits for a child to exit; kills it (SIGKILL) after `timeoutMs`. Resolves { code, signal, killed }. */
export function waitExit(child, timeoutMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode, killed: false });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, signal: 'SIGKILL', killed: true });
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed: false });
    });
  });
}

export function spawnNode(args, env, nodeArgs = []) {
  return spawn(process.execPath, [...nodeArgs, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

// ---------------------------------------------------------------- MCP over stdio (raw JSON-RPC lines)

export class StdioRpc {
  constructor(child, protocolVersion) {
    this.child = child;
    this.protocolVersion = protocolVersion;
    this.pending = new Map();
    this.nextId = 1;
    this.buf = '';
    this.notifications = 0;
    this.closed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => this.onData(d));
    child.stdin.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error(`server exited (code ${code}, signal ${signal})`));
      this.pending.clear();
    });
  }
  onData(d) {
    this.buf += d;
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.trim()) continue;
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        continue;
      }
      if (m.id !== undefined && m.method === undefined) {
        const p = this.pending.get(m.id);
        if (p) {
          this.pending.delete(m.id);
          p.resolve({ msg: m, bytes: line.length });
        }
      } else if (m.method !== undefined && m.id !== undefined) {
        this.send({ jsonrpc: '2.0', id: m.id, result: {} }); // server → client request (ping): answer it
      } else {
        this.notifications++;
      }
    }
  }
  send(obj) {
    this.child.stdin.write(JSON.stringify(obj) + '\n');
  }
  request(method, params) {
    if (this.closed) return Promise.reject(new Error('server exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    });
  }
  notify(method, params) {
    this.send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
  }
  async initialize() {
    const r = await this.request('initialize', { protocolVersion: this.protocolVersion, capabilities: {}, clientInfo: { name: 'agentpmt-bench', version: '1.0.0' } });
    if (r.msg.error) throw new Error(`initialize failed: ${JSON.stringify(r.msg.error)}`);
    this.notify('notifications/initialized');
    return r;
  }
  async callTool(name, args) {
    const r = await this.request('tools/call', { name, arguments: args });
    return { ...r, isError: Boolean(r.msg.error || r.msg.result?.isError) };
  }
}

// ---------------------------------------------------------------- MCP over Streamable HTTP (raw, undici)

function parseMcpBody(contentType, text) {
  if ((contentType ?? '').includes('text/event-stream')) {
    const out = [];
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) out.push(JSON.parse(data));
    }
    return out;
  }
  return text ? [JSON.parse(text)].flat() : [];
}

export class HttpRpc {
  constructor(mcpUrl, protocolVersion, extraHeaders = {}) {
    this.url = new URL(mcpUrl);
    this.extraHeaders = extraHeaders;
    this.protocolVersion = protocolVersion;
    this.pool = new Pool(this.url.origin, { connections: 4 });
    this.sessionId = undefined;
    this.nextId = 1;
  }
  headers() {
    return {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...this.extraHeaders,
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': this.protocolVersion } : {}),
    };
  }
  async post(body) {
    const res = await this.pool.request({ method: 'POST', path: this.url.pathname, headers: this.headers(), body: JSON.stringify(body) });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }
  async request(method, params) {
    const id = this.nextId++;
    const r = await this.post({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    if (r.status !== 200) throw new Error(`HTTP ${r.status} for ${method}: ${r.text.slice(0, 200)}`);
    if (!this.sessionId && typeof r.headers['mcp-session-id'] === 'string') this.sessionId = r.headers['mcp-session-id'];
    const msg = parseMcpBody(r.headers['content-type'], r.text).find((m) => m.id === id);
    if (!msg) throw new Error(`no JSON-RPC answer to ${method} in the HTTP response`);
    return { msg, bytes: r.text.length };
  }
  async initialize() {
    const r = await this.request('initialize', { protocolVersion: this.protocolVersion, capabilities: {}, clientInfo: { name: 'agentpmt-bench', version: '1.0.0' } });
    if (r.msg.error) throw new Error(`initialize failed: ${JSON.stringify(r.msg.error)}`);
    this.protocolVersion = r.msg.result.protocolVersion ?? this.protocolVersion;
    const n = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (n.status !== 202 && n.status !== 200) throw new Error(`notifications/initialized: HTTP ${n.status}`);
    return r;
  }
  async callTool(name, args) {
    const r = await this.request('tools/call', { name, arguments: args });
    return { ...r, isError: Boolean(r.msg.error || r.msg.result?.isError) };
  }
  async close() {
    if (this.sessionId) {
      await this.pool
        .request({ method: 'DELETE', path: this.url.pathname, headers: this.headers() })
        .then((r) => r.body.text())
        .catch(() => undefined);
    }
    await this.pool.close().catch(() => undefined);
  }
}
