#!/usr/bin/env node
// npm run bench — performance figures of agentpmt-mcp against the sandbox running in a
// separate process on 127.0.0.1. Needs a fresh `npm run build` (imports ../dist).
// Writes bench/results/<date>-<commit>.json and BENCHMARKS.md. BENCH_QUICK=1 runs a
// scaled-down pass (for checking the script itself; its figures are not meaningful).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { summarizeProfile } from './cpuprofile.mjs';
import { cpuMs, CpuWatch, HttpRpc, now, round, RssSampler, rssDetail, rssKb, sleep, spawnNode, stats, StdioRpc, tail, waitExit, waitForMatch } from './lib.mjs';
import { writeReport } from './report.mjs';
import { ledgerPhase } from './ledger.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.join(ROOT, 'dist');
const CLI = path.join(DIST, 'cli.js');
const HEAP_PROBE = path.join(HERE, 'heap-probe.mjs');
const distUrl = (p) => pathToFileURL(path.join(DIST, p)).href;

const QUICK = process.env.BENCH_QUICK === '1';
const N = {
  coldWarmup: 2,
  cold: QUICK ? 4 : 16,
  perCallWarmup: QUICK ? 10 : 30,
  rounds: 10,
  perRound: QUICK ? 5 : 30,
  crypto: QUICK ? 200 : 1000,
  httpLevels: [10, 50, 200],
  httpCalls: QUICK ? 300 : 2000,
  httpDeadlineMs: 30_000,
  memWarm: QUICK ? 300 : 1000,
  memCalls: QUICK ? 2000 : 10_000,
  memConcurrency: 8,
  profileCalls: QUICK ? 100 : 500,
  importRuns: QUICK ? 3 : 7,
};
const PRODUCT = 'sandbox-echo';
const SANDBOX_WALLET_CREDITS = 1000; // the sandbox CLI's initialWalletCredits (not configurable from its command line)
const PROTOCOL = LATEST_PROTOCOL_VERSION;
const started = now();
const log = (msg) => process.stderr.write(`[bench ${((now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

if (!existsSync(CLI)) {
  process.stderr.write('bench: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(2);
}

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'agentpmt-bench-'));
let homeCounter = 0;
const newHome = () => {
  const dir = path.join(tmpRoot, `home-${++homeCounter}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
};

const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref())]);

// ------------------------------------------------------------------ machine

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

function gitStatusFiles() {
  try {
    const raw = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return raw.split('\n').filter((l) => l.length > 3).map((l) => l.slice(3));
  } catch {
    return [];
  }
}

function machine() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    /* not Linux */
  }
  const sdkVersion = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@modelcontextprotocol/sdk/package.json'), 'utf8')).version;
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short=12', 'HEAD']) ?? 'unknown',
    dirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    changedFiles: gitStatusFiles().filter((f) => !f.startsWith('bench/') && f !== 'BENCHMARKS.md'),
    node: process.version,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memTotalMB: Math.round(os.totalmem() / 2 ** 20),
    loadavg: os.loadavg().map((x) => round(x, 2)),
    mcpSdk: sdkVersion,
    quick: QUICK,
    counts: N,
  };
}

// ------------------------------------------------------------------ sandbox (separate process)

async function startSandboxProcess() {
  const child = spawnNode([CLI, 'sandbox', '--port', '0'], { PATH: process.env.PATH ?? '' });
  child.stdin.end();
  const errTail = tail(child.stderr);
  const url = await waitForMatch(child.stdout, /listening on (http:\/\/\S+)/, 15_000, 'the sandbox URL').catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${errTail()}`);
  });
  child.stdout.on('data', () => undefined);
  const port = Number(/:(\d+)$/.exec(url)?.[1]);
  return { child, pid: child.pid, url, errTail, port0PrintsRealPort: Number.isInteger(port) && port > 0 };
}

/** The HTTP servers under test are authenticated (as shipped); every bench client sends this. */
const BENCH_HTTP_TOKEN = randomBytes(24).toString('hex');
const HTTP_AUTH = { authorization: `Bearer ${BENCH_HTTP_TOKEN}` };

let sandbox;
function serverEnv(extra = {}) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpRoot,
    AGENTPMT_API_URL: sandbox.url,
    AGENTPMT_WEB_URL: sandbox.url,
    AGENTPMT_BEARER_TOKEN: 'sandbox-bearer-token',
    AGENTPMT_HOME: newHome(),
    AGENTPMT_HTTP_TOKEN: BENCH_HTTP_TOKEN,
    // The sandbox has no hosted MCP endpoint at <api>/mcp: federation would only retry in the
    // background. It is measured by its own tests; the bench measures the local server.
    AGENTPMT_HOSTED_MCP: 'false',
    ...extra,
  };
}

async function startHttpServer(env, nodeArgs = []) {
  const child = spawnNode([CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], env, nodeArgs);
  child.stdin.end();
  const errTail = tail(child.stderr);
  const url = await waitForMatch(child.stderr, /listening on (http:\/\/\S+)/, 15_000, 'the HTTP server URL').catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${errTail()}`);
  });
  child.stdout.resume();
  return { child, pid: child.pid, url, errTail };
}

async function stopChild(child, signal = 'SIGINT', timeoutMs = 8000) {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, killed: false };
  child.kill(signal);
  return waitExit(child, timeoutMs);
}

function newWallet() {
  return { privateKey: `0x${randomBytes(32).toString('hex')}` };
}

// ------------------------------------------------------------------ 1. cold start

const BARE_NODE = `let b='';process.stdin.setEncoding('utf8');process.stdin.on('data',d=>{b+=d;let i;while((i=b.indexOf('\\n'))>=0){const l=b.slice(0,i);b=b.slice(i+1);if(!l.trim())continue;const m=JSON.parse(l);if(m.id===undefined)continue;const result=m.method==='initialize'?{protocolVersion:m.params.protocolVersion,capabilities:{tools:{}},serverInfo:{name:'bare',version:'0'}}:{tools:[]};process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:m.id,result})+'\\n')}});`;

async function coldStartOnce(args, env, nodeArgs = [], keepTools = false, firstCall = undefined) {
  const t0 = now();
  const child = spawnNode(args, env, nodeArgs);
  const errTail = tail(child.stderr);
  const rpc = new StdioRpc(child, PROTOCOL);
  try {
    const init = await withTimeout(rpc.initialize(), 15_000, 'initialize');
    const initMs = now() - t0;
    const list = await withTimeout(rpc.request('tools/list', {}), 15_000, 'tools/list');
    const listMs = now() - t0;
    // The first tool call after launch: our early answers (src/early-answers.ts) come before the server has loaded, this comes after.
    const call = firstCall ? await withTimeout(rpc.request('tools/call', firstCall), 15_000, 'tools/call') : undefined;
    const callMs = call ? now() - t0 : undefined;
    if (call && !call.msg.result) throw new Error(`first tools/call failed: ${JSON.stringify(call.msg).slice(0, 300)}`);
    child.stdin.end();
    const exit = await waitExit(child, 8000);
    const result = list.msg.result ?? {};
    return {
      initMs,
      listMs,
      ...(callMs !== undefined ? { callMs } : {}),
      exitMs: now() - t0,
      exitCode: exit.code,
      tools: result.tools?.length ?? 0,
      listChars: JSON.stringify(result).length,
      instructionsChars: (init.msg.result?.instructions ?? '').length,
      ...(keepTools ? { toolList: result.tools ?? [] } : {}),
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\nstderr: ${errTail().slice(-2000)}`);
  }
}

function seriesSummary(label, runs) {
  return {
    label,
    launches: runs.length,
    initialize: stats(runs.map((r) => r.initMs)),
    toolsList: stats(runs.map((r) => r.listMs)),
    ...(runs[0]?.callMs !== undefined ? { firstCall: stats(runs.map((r) => r.callMs)) } : {}),
    exitAfterStdinClose: stats(runs.map((r) => r.exitMs)),
    tools: runs[0]?.tools,
    listChars: runs[0]?.listChars,
  };
}

/** Launches each variant in turn (A, B, C, A, B, C, …) so drift on a shared machine hits all of them alike. */
async function coldStartInterleaved(variants) {
  const runs = variants.map(() => []);
  for (let i = 0; i < N.coldWarmup + N.cold; i++) {
    for (const [k, v] of variants.entries()) {
      const r = await coldStartOnce(v.args, typeof v.env === 'function' ? v.env() : v.env, [], false, v.firstCall);
      if (i >= N.coldWarmup) runs[k].push(r);
    }
  }
  return variants.map((v, k) => {
    const out = seriesSummary(v.label, runs[k]);
    log(`cold start ${v.label}: tools/list median ${out.toolsList.median} ms`);
    return out;
  });
}

/** What the npm package and the .mcpb ship: the esbuild bundle `npm run build` writes (scripts/bundle.mjs). */
const SHIPPED = path.join(ROOT, 'bundle', 'cli.js');
const ONE_TOOL = path.join(HERE, 'one-tool-server.mjs');

/**
 * Issue 18's references, launched in the same run, interleaved: a one-tool server written with
 * the same MCP SDK (bench/one-tool-server.mjs) and a bare Node JSON-RPC responder. Ours is the
 * shipped bundle, with default settings and with every platform configured (AgentRuntime and
 * Arrotech credentials set: nothing is contacted before tools/list), and the tsc output a clone runs.
 */
async function coldStartPhase() {
  if (!existsSync(SHIPPED)) throw new Error('bundle/cli.js is missing: run npm run build first');
  const everyPlatform = () => serverEnv({ AGENTRUNTIME_TOKEN: 'art_bench', AGENTRUNTIME_API_URL: 'http://127.0.0.1:9', ARROTECH_API_KEY: 'bench', ARROTECH_API_URL: 'http://127.0.0.1:9' });
  // A call every server answers without the network: ours refuses the missing argument (its server and platform code loaded to do so).
  const ours = { name: 'marketplace_describe', arguments: {} };
  const variants = [
    { key: 'shipped', label: 'agentpmt-mcp as shipped (bundle/cli.js), default settings', args: [SHIPPED], env: () => serverEnv(), firstCall: ours },
    { key: 'shippedAll', label: 'agentpmt-mcp as shipped, every platform configured (3 platforms)', args: [SHIPPED], env: everyPlatform, firstCall: ours },
    { key: 'oneTool', label: 'one-tool server, same MCP SDK (reference)', args: [ONE_TOOL], env: { PATH: process.env.PATH ?? '' }, firstCall: { name: 'echo', arguments: { text: 'x' } } },
    { key: 'bare', label: 'bare Node answering JSON-RPC (reference)', args: ['-e', BARE_NODE], env: { PATH: process.env.PATH ?? '' } },
    { key: 'server', label: 'dist/cli.js (tsc output over node_modules: a clone), default settings', args: [CLI], env: () => serverEnv() },
  ];
  const results = await coldStartInterleaved(variants);
  const out = { interleaved: true };
  for (const [i, v] of variants.entries()) out[v.key] = results[i];
  const ratio = (a, b) => (out[a]?.toolsList?.median && out[b]?.toolsList?.median ? out[a].toolsList.median / out[b].toolsList.median : undefined);
  const callRatio = (a, b) => (out[a]?.firstCall?.median && out[b]?.firstCall?.median ? out[a].firstCall.median / out[b].firstCall.median : undefined);
  out.firstCallRatios = { shippedVsOneTool: callRatio('shipped', 'oneTool'), shippedAllVsOneTool: callRatio('shippedAll', 'oneTool') };
  out.ratios = { shippedVsOneTool: ratio('shipped', 'oneTool'), shippedAllVsOneTool: ratio('shippedAll', 'oneTool'), shippedVsBare: ratio('shipped', 'bare'), shippedAllVsBare: ratio('shippedAll', 'bare'), distVsOneTool: ratio('server', 'oneTool'), distVsBare: ratio('server', 'bare') };
  return out;
}

/** What a user downloads and installs: the npm tarball, its install, the .mcpb, the bundle, and a production install of this repo. */
async function footprintPhase() {
  const dir = mkdtempSync(path.join(tmpRoot, 'footprint-'));
  const sizeOf = (p) => {
    const st = lstatSync(p);
    return st.isDirectory() ? readdirSync(p).reduce((n, f) => n + sizeOf(path.join(p, f)), 0) : st.size;
  };
  const MB = (b) => b / 2 ** 20;
  const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const sh = (args, cwd) => {
    const r = spawnSync(npmCmd, args, { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')}: ${(r.stderr || r.stdout).slice(-500)}`);
    return r;
  };
  sh(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  const tarball = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
  const app = path.join(dir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
  sh(['install', '--offline', '--no-audit', '--no-fund', tarball], app);
  const prod = path.join(dir, 'prod');
  mkdirSync(prod);
  for (const f of ['package.json', 'package-lock.json']) writeFileSync(path.join(prod, f), readFileSync(path.join(ROOT, f)));
  sh(['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], prod);
  const prodModules = path.join(prod, 'node_modules');
  const mcpb = path.join(dir, 'bench.mcpb');
  const packed = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'pack-mcpb.mjs')], { cwd: ROOT, env: { ...process.env, AGENTPMT_MCPB_OUT: mcpb }, encoding: 'utf8' });
  const bundleFiles = readdirSync(path.join(ROOT, 'bundle')).filter((f) => f.endsWith('.js'));
  // Module files a stdio launch of the shipped bundle loads (stdin at EOF), through a load hook.
  const hook = `export async function load(u, c, next) { if (u.startsWith('file:')) process.stderr.write('BENCH_LOAD ' + u + '\\n'); return next(u, c); }`;
  const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
  const launch = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, SHIPPED], { input: '', env: serverEnv(), encoding: 'utf8', timeout: 20_000 });
  const loaded = [...new Set(launch.stderr.split('\n').filter((l) => l.startsWith('BENCH_LOAD ')).map((l) => fileURLToPath(l.slice(11))))];
  return {
    tarballMB: MB(statSync(tarball).size),
    installedMB: MB(sizeOf(path.join(app, 'node_modules'))),
    installedPackages: readdirSync(path.join(app, 'node_modules')).filter((f) => !f.startsWith('.')).length,
    prodInstallMB: existsSync(prodModules) ? MB(sizeOf(prodModules)) : 0,
    prodInstallPackages: existsSync(prodModules) ? readdirSync(prodModules).filter((f) => !f.startsWith('.')).length : 0,
    mcpbMB: packed.status === 0 ? MB(statSync(mcpb).size) : undefined,
    mcpbError: packed.status === 0 ? undefined : (packed.stderr || packed.stdout).slice(-300),
    bundleMB: MB(bundleFiles.reduce((n, f) => n + statSync(path.join(ROOT, 'bundle', f)).size, 0)),
    bundleFiles: bundleFiles.length,
    startupFiles: loaded.length,
    startupMB: MB(loaded.reduce((n, f) => n + statSync(f).size, 0)),
  };
}

/** Incremental import cost of the start-up modules, in load order, in fresh processes (median). */
async function importChainPhase() {
  const chain = [
    '@modelcontextprotocol/sdk/server/mcp.js',
    '@modelcontextprotocol/sdk/server/stdio.js',
    'zod',
    'undici',
    distUrl('core/log.js'),
    distUrl('config.js'),
    distUrl('platforms/agentpmt/tools/index.js'),
    distUrl('platforms/agentpmt/host-extras.js'),
    distUrl('platforms/agentpmt/wallet/manager.js'),
    distUrl('platforms/agentpmt/payments/ledger.js'),
    distUrl('platforms/agentpmt/marketplace/catalog-cache.js'),
    distUrl('server.js'),
    distUrl('transports/stdio.js'),
    distUrl('platforms/agentpmt/toolsets.js'),
    'viem/accounts', // not loaded at start-up: paid by the first signed call
    'ajv/dist/2020.js', // not loaded at start-up (issue 18): paid by the first marketplace_invoke parameter check
    'ajv-formats',
  ];
  const code = `const r=[];let t=performance.now();for(const s of ${JSON.stringify(chain)}){await import(s);const n=performance.now();r.push(n-t);t=n;}console.log(JSON.stringify([performance.now(),...r]))`;
  const runs = [];
  for (let i = 0; i < N.importRuns; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: DIST, env: { PATH: process.env.PATH ?? '' } }).toString()));
  }
  const med = (i) => stats(runs.map((r) => r[i])).median;
  const short = (s) => s.replace(pathToFileURL(DIST).href + '/', 'dist/');
  const out = { runs: runs.length, totalSinceProcessStartMs: med(0), steps: chain.map((s, i) => ({ module: short(s), addedMs: med(i + 1) })) };
  // The files a real stdio start-up loads (dist/cli.js with stdin at EOF): ES modules through a resolve
  // hook, CommonJS from require.cache at exit. Also tells which packages are in the start-up graph at all.
  try {
    const hook = `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) process.stderr.write('BENCH_ESM ' + r.url + '\\n'); return r; }`;
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const preload = path.join(tmpRoot, 'cjs-count.cjs');
    writeFileSync(preload, "process.on('exit', () => { for (const k of Object.keys(require.cache)) process.stderr.write('BENCH_CJS ' + k + '\\n'); });\n");
    const res = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '-r', preload, CLI], { input: '', env: serverEnv(), encoding: 'utf8', timeout: 20_000 });
    const lines = res.stderr.split('\n');
    const esm = new Set(lines.filter((l) => l.startsWith('BENCH_ESM ')).map((l) => fileURLToPath(l.slice(10))));
    const cjs = new Set(lines.filter((l) => l.startsWith('BENCH_CJS ')).map((l) => l.slice(10)).filter((f) => f !== preload));
    const pkgOf = (f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? (f.startsWith(DIST) ? 'dist' : 'other');
    const packages = {};
    for (const f of [...esm, ...cjs]) packages[pkgOf(f)] = (packages[pkgOf(f)] ?? 0) + 1;
    out.startupGraph = { esmFiles: esm.size, cjsFiles: cjs.size, packages, note: 'node dist/cli.js with stdin at EOF: everything a stdio launch loads' };
    for (const step of out.steps) {
      const pkg = step.module.startsWith('dist/') ? null : pkgOf(`node_modules/${step.module}`);
      step.inStartupGraph = pkg === null ? true : Boolean(packages[pkg]);
    }
  } catch (e) {
    out.startupGraph = { error: e.message.slice(0, 200) };
  }
  log(`import chain: ${out.steps.map((s) => `${s.module.split('/').slice(-2).join('/')} +${s.addedMs}`).join(', ')}`);
  return out;
}

// ------------------------------------------------------------------ 2. per-call overhead

async function makeFloor(wallet, w, action) {
  const origin = sandbox.url;
  const pool = new Pool(origin, { connections: 16, keepAliveTimeout: 10_000 });
  const address = w.addressFromPrivateKey(wallet.privateKey);
  const headers = { accept: 'application/json, text/html;q=0.9, */*;q=0.8', 'user-agent': 'agentpmt-bench', 'content-type': 'application/json' };
  const sres = await pool.request({ method: 'POST', path: '/api/external/auth/session', headers, body: JSON.stringify({ wallet_address: address }) });
  const sjson = JSON.parse(await sres.body.text());
  const nonce = sjson.session_nonce ?? sjson.data?.session_nonce;
  if (!nonce) throw new Error(`floor: no session nonce: ${JSON.stringify(sjson).slice(0, 200)}`);
  const parameters = {};
  const invokePath = `/api/external/tools/${PRODUCT}/actions/${action}/invoke`;
  const signedPath = w.invokePath(PRODUCT, action);
  return {
    address,
    pool,
    async invoke() {
      const requestId = w.newRequestId();
      const message = w.buildSignedMessage({ wallet: address, sessionNonce: nonce, requestId, scope: { shape: 'path', method: 'POST', path: signedPath, payload: parameters } });
      const signature = await w.signMessageWithKey(wallet.privateKey, message);
      const res = await pool.request({
        method: 'POST',
        path: invokePath,
        headers,
        body: JSON.stringify({ parameters, wallet_address: address, session_nonce: nonce, request_id: requestId, signature }),
      });
      const text = await res.body.text();
      JSON.parse(text);
      if (res.statusCode !== 200) throw new Error(`floor invoke: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    },
    async health() {
      const res = await pool.request({ method: 'GET', path: '/health', headers: { accept: headers.accept, 'user-agent': headers['user-agent'] } });
      const text = await res.body.text();
      JSON.parse(text);
      if (res.statusCode !== 200) throw new Error(`floor health: HTTP ${res.statusCode}`);
    },
  };
}

const firstText = (r) => (r.msg?.result?.content ?? r.content ?? []).map((c) => c.text ?? '').join(' ').slice(0, 300);

async function perCallPhase() {
  const w = await import(distUrl('platforms/agentpmt/wallet/index.js'));
  const per = N.perCallWarmup + N.rounds * N.perRound;
  // One wallet per path (each starts with the sandbox's 1000 credits); the HTTP server's wallet serves two paths.
  const action = 2 * per <= SANDBOX_WALLET_CREDITS - 50 ? 'echo' : 'ping';
  const wallets = { floor: newWallet(), stdio: newWallet(), http: newWallet(), sdkStdio: newWallet() };
  const args = { product: PRODUCT, action, parameters: {}, payment: 'credits' };
  log(`per-call: action ${PRODUCT}/${action}, ${N.rounds}×${N.perRound} calls per path after ${N.perCallWarmup} warm-up`);

  const floor = await makeFloor(wallets.floor, w, action);
  const stdioChild = spawnNode([CLI], serverEnv({ AGENTPMT_PRIVATE_KEY: wallets.stdio.privateKey }));
  const stdioErr = tail(stdioChild.stderr);
  const stdio = new StdioRpc(stdioChild, PROTOCOL);
  await withTimeout(stdio.initialize(), 15_000, 'stdio initialize');
  const http = await startHttpServer(serverEnv({ AGENTPMT_PRIVATE_KEY: wallets.http.privateKey }));
  const httpRaw = new HttpRpc(http.url, PROTOCOL, HTTP_AUTH);
  await httpRaw.initialize();
  const sdkStdioTransport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: serverEnv({ AGENTPMT_PRIVATE_KEY: wallets.sdkStdio.privateKey }), stderr: 'pipe' });
  sdkStdioTransport.stderr?.on('data', () => undefined);
  const sdkStdio = new Client({ name: 'agentpmt-bench', version: '1.0.0' });
  await sdkStdio.connect(sdkStdioTransport);
  const sdkHttp = new Client({ name: 'agentpmt-bench', version: '1.0.0' });
  const sdkHttpTransport = new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: HTTP_AUTH } });
  await sdkHttp.connect(sdkHttpTransport);

  const mcpRaw = (rpc, name, a) => async () => {
    const r = await rpc.callTool(name, a);
    if (r.isError) throw new Error(`${name}: ${firstText(r)}`);
  };
  const mcpSdk = (client, name, a) => async () => {
    const r = await client.callTool({ name, arguments: a });
    if (r.isError) throw new Error(`${name}: ${firstText(r)}`);
  };
  const paths = {
    'floor: signed POST with undici': () => floor.invoke(),
    'MCP stdio (raw JSON-RPC client)': mcpRaw(stdio, 'marketplace_invoke', args),
    'MCP Streamable HTTP (raw client)': mcpRaw(httpRaw, 'marketplace_invoke', args),
    'MCP stdio (SDK Client)': mcpSdk(sdkStdio, 'marketplace_invoke', args),
    'MCP Streamable HTTP (SDK Client)': mcpSdk(sdkHttp, 'marketplace_invoke', args),
    'floor: GET /health with undici': () => floor.health(),
    'MCP stdio platform_health (raw client)': mcpRaw(stdio, 'platform_health', {}),
  };
  const names = Object.keys(paths);
  // Whose CPU each path uses besides the bench process and the sandbox: the server it talks to (idle otherwise).
  const serverPid = {
    'MCP stdio (raw JSON-RPC client)': stdioChild.pid,
    'MCP Streamable HTTP (raw client)': http.pid,
    'MCP stdio (SDK Client)': sdkStdioTransport.pid,
    'MCP Streamable HTTP (SDK Client)': http.pid,
    'MCP stdio platform_health (raw client)': stdioChild.pid,
  };
  const cpuUse = Object.fromEntries(names.map((n) => [n, { server: 0, sandbox: 0, bench: 0 }]));
  const lat = Object.fromEntries(names.map((n) => [n, []]));
  const errors = Object.fromEntries(names.map((n) => [n, { count: 0, first: undefined }]));
  const once = async (n, record) => {
    const t = now();
    try {
      await paths[n]();
      if (record) lat[n].push(now() - t);
    } catch (e) {
      errors[n].count++;
      errors[n].first ??= e.message.slice(0, 300);
    }
  };
  for (const n of names) for (let i = 0; i < N.perCallWarmup; i++) await once(n, false);
  for (let r = 0; r < N.rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]); // rotate so no path always goes first
    for (const n of order) {
      const pid = serverPid[n];
      const c0 = { server: pid ? cpuMs(pid) : 0, sandbox: cpuMs(sandbox.pid), bench: process.cpuUsage() };
      for (let i = 0; i < N.perRound; i++) await once(n, true);
      const b = process.cpuUsage(c0.bench);
      cpuUse[n].server += pid ? cpuMs(pid) - c0.server : 0;
      cpuUse[n].sandbox += cpuMs(sandbox.pid) - c0.sandbox;
      cpuUse[n].bench += (b.user + b.system) / 1000;
    }
  }
  const calls = N.rounds * N.perRound;
  const cpu = Object.fromEntries(
    names.map((n) => [n, { serverMsPerCall: serverPid[n] ? round(cpuUse[n].server / calls, 3) : null, sandboxMsPerCall: round(cpuUse[n].sandbox / calls, 3), benchMsPerCall: round(cpuUse[n].bench / calls, 3) }]),
  );

  const s = Object.fromEntries(names.map((n) => [n, { ...stats(lat[n]), errors: errors[n].count, ...(errors[n].first ? { firstError: errors[n].first } : {}) }]));
  const vs = (n, floorName) => ({
    ratioMedian: round(s[n].median / s[floorName].median, 2),
    addedMedianMs: round(s[n].median - s[floorName].median, 3),
    addedP99Ms: round(s[n].p99 - s[floorName].p99, 3),
  });
  const invokeFloor = names[0];
  const overhead = {
    'MCP stdio (raw JSON-RPC client)': vs('MCP stdio (raw JSON-RPC client)', invokeFloor),
    'MCP Streamable HTTP (raw client)': vs('MCP Streamable HTTP (raw client)', invokeFloor),
    'MCP stdio (SDK Client)': vs('MCP stdio (SDK Client)', invokeFloor),
    'MCP Streamable HTTP (SDK Client)': vs('MCP Streamable HTTP (SDK Client)', invokeFloor),
    'MCP stdio platform_health (raw client)': vs('MCP stdio platform_health (raw client)', 'floor: GET /health with undici'),
  };
  log(`per-call: floor ${s[invokeFloor].median} ms, stdio +${overhead['MCP stdio (raw JSON-RPC client)'].addedMedianMs} ms, http +${overhead['MCP Streamable HTTP (raw client)'].addedMedianMs} ms`);

  // Balance check: what the paid paths have left (sandbox credits are finite).
  let balances;
  try {
    const b = await stdio.callTool('credits_balance', {});
    balances = { stdioWallet: b.msg.result?.structuredContent?.data?.balance ?? null };
  } catch {
    balances = undefined;
  }

  await sdkHttpTransport.terminateSession().catch(() => undefined);
  await sdkHttp.close().catch(() => undefined);
  await sdkStdio.close().catch(() => undefined);
  await httpRaw.close();
  await floor.pool.close();
  stdioChild.stdin.end();
  await waitExit(stdioChild, 5000);
  await stopChild(http.child);
  void stdioErr;
  return { action: `${PRODUCT}/${action}`, payment: 'credits', callsPerPath: calls, warmupPerPath: N.perCallWarmup, rounds: N.rounds, paths: s, overhead, cpuPerCall: cpu, balances };
}

// ------------------------------------------------------------------ 3. crypto

async function cryptoPhase() {
  const w = await import(distUrl('platforms/agentpmt/wallet/index.js'));
  const { TRANSFER_WITH_AUTHORIZATION_TYPES: x402Types } = await import(distUrl('platforms/agentpmt/wallet/x402-authorization.js'));
  const { privateKeyToAccount } = await import('viem/accounts');
  const { privateKey } = newWallet();
  const address = w.addressFromPrivateKey(privateKey);
  const account = w.accountFromPrivateKey(privateKey);
  const scope = { shape: 'path', method: 'POST', path: w.invokePath(PRODUCT, 'echo'), payload: { message: 'hello', repeat: 2 } };
  const requirement = {
    scheme: 'exact',
    network: 'eip155:8453',
    amount: '10000',
    asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
    maxTimeoutSeconds: 300,
    extra: { name: 'USD Coin', version: '2' },
  };
  const resource = { url: `${sandbox.url}/api/external/tools/${PRODUCT}/actions/echo/invoke`, description: 'bench', mimeType: 'application/json' };
  const types = x402Types;
  const ops = {
    'EIP-191 request: build message + sign (project helpers, as the server does per call)': async () => {
      const message = w.buildSignedMessage({ wallet: address, sessionNonce: 'bench-session-nonce', requestId: w.newRequestId(), scope });
      return w.signMessageWithKey(privateKey, message);
    },
    'x402 envelope: authorization + EIP-712 signature + envelope + base64': async () => {
      const authorization = w.authorizationForRequirement(requirement, address);
      const signature = await w.signTransferWithAuthorization({ privateKey, domain: w.transferDomainFromRequirement(requirement), authorization });
      return w.encodeX402Envelope(w.buildX402Envelope({ resource, accepted: requirement, authorization, signature }));
    },
    'breakdown: build message only (canonical JSON + SHA-256 + text)': async () => w.buildSignedMessage({ wallet: address, sessionNonce: 'bench-session-nonce', requestId: w.newRequestId(), scope }),
    'breakdown: viem privateKeyToAccount (derives the public key and address)': async () => privateKeyToAccount(privateKey),
    'breakdown: project accountFromPrivateKey, same key again (what each signature pays for its account)': async () => w.accountFromPrivateKey(privateKey),
    'breakdown: EIP-191 signature with an account derived once': async () => account.signMessage({ message: 'agentpmt-external\nwallet:0x…' }),
    'breakdown: EIP-712 signature with an account derived once': async () => {
      const a = w.authorizationForRequirement(requirement, address);
      return account.signTypedData({
        domain: { name: 'USD Coin', version: '2', chainId: 8453, verifyingContract: requirement.asset },
        types,
        primaryType: 'TransferWithAuthorization',
        message: { from: a.from, to: a.to, value: BigInt(a.value), validAfter: 0n, validBefore: BigInt(a.validBefore), nonce: a.nonce },
      });
    },
  };
  const out = {};
  for (const [name, fn] of Object.entries(ops)) {
    for (let i = 0; i < 100; i++) await fn();
    const us = [];
    const t0 = now();
    for (let i = 0; i < N.crypto; i++) {
      const t = now();
      await fn();
      us.push((now() - t) * 1000);
    }
    const st = stats(us);
    out[name] = { ops: N.crypto, usPerOpMean: round(((now() - t0) * 1000) / N.crypto, 1), usMedian: round(st.median, 1), usP99: round(st.p99, 1) };
  }
  log(`crypto: ${Object.entries(out).slice(0, 2).map(([k, v]) => `${k.split(':')[0]} ${v.usMedian} µs`).join(', ')}`);
  return out;
}

/**
 * What the first wallet-signed call after a launch pays for a keystore (geth parameters: scrypt
 * n = 262144, r = 8, p = 1): a fresh process loads the code, unlocks the keystore and signs one
 * EIP-191 message. "before" is @ethereumjs/wallet's fromV3 (JavaScript scrypt, what this server used
 * until issue 18); "after" is dist's decryptKeystoreFile (node:crypto scrypt on the thread pool).
 * Interleaved, in fresh processes. Also the worst event-loop stall seen meanwhile (a 5 ms interval's
 * largest lateness), which is what other requests in the same process wait.
 */
async function keystoreUnlockPhase() {
  const file = path.join(tmpRoot, 'bench-keystore.json');
  const password = randomBytes(12).toString('hex');
  const { writeKeystoreFile } = await import(distUrl('platforms/agentpmt/wallet/keystore.js'));
  await writeKeystoreFile(file, newWallet().privateKey, password); // the default parameters (geth's)
  const stall = `let last=performance.now(),worst=0;const iv=setInterval(()=>{const n=performance.now();worst=Math.max(worst,n-last-5);last=n},5);`;
  const variants = {
    'before: @ethereumjs/wallet fromV3 (JavaScript scrypt)': `${stall}const t0=performance.now();const {Wallet}=await import('@ethereumjs/wallet');const j=JSON.parse(require('node:fs').readFileSync(process.env.KS,'utf8'));const w=await Wallet.fromV3(j,process.env.KS_PASS,true);const key='0x'+Buffer.from(w.getPrivateKey()).toString('hex');const t1=performance.now();const s=await import(process.env.SIGNER);await s.signMessageWithKey(key,'bench');const t2=performance.now();clearInterval(iv);console.log(JSON.stringify({unlockMs:t1-t0,firstSignedMs:t2-t0,worstStallMs:worst}))`,
    // As WalletManager does: the signer (viem) loads on the main thread while scrypt runs on the thread pool.
    'after: decryptKeystoreFile (node:crypto scrypt)': `${stall}const t0=performance.now();const k=await import(process.env.KEYSTORE);const signing=import(process.env.SIGNER);const {key}=await k.decryptKeystoreFile(process.env.KS,process.env.KS_PASS);const t1=performance.now();const s=await signing;await s.signMessageWithKey(key,'bench');const t2=performance.now();clearInterval(iv);console.log(JSON.stringify({unlockMs:t1-t0,firstSignedMs:t2-t0,worstStallMs:worst}))`,
  };
  const env = { PATH: process.env.PATH ?? '', KS: file, KS_PASS: password, KEYSTORE: distUrl('platforms/agentpmt/wallet/keystore.js'), SIGNER: distUrl('platforms/agentpmt/wallet/signer.js') };
  const runs = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const n = QUICK ? 2 : 5;
  for (let i = 0; i < n; i++) {
    for (const [label, code] of Object.entries(variants)) {
      const preamble = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', preamble + code], { cwd: ROOT, env, encoding: 'utf8' });
      runs[label].push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
  const out = { keystore: 'scrypt n=262144 r=8 p=1 (geth / Foundry / this server\'s default)', launches: n };
  for (const [label, rs] of Object.entries(runs)) {
    out[label] = { unlockMs: stats(rs.map((r) => r.unlockMs)), firstSignedCallMs: stats(rs.map((r) => r.firstSignedMs)), worstEventLoopStallMs: stats(rs.map((r) => r.worstStallMs)) };
  }
  const [before, after] = Object.keys(variants).map((k) => out[k].firstSignedCallMs.median);
  out.afterOverBefore = round(after / before, 2);
  log(`keystore unlock + first signature: before ${round(before, 0)} ms, after ${round(after, 0)} ms (×${out.afterOverBefore})`);
  return out;
}

// ------------------------------------------------------------------ 4. HTTP throughput

const SDK_CLIENT = {
  label: 'SDK Client + StreamableHTTPClientTransport',
  async connect(url) {
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: HTTP_AUTH } });
    const client = new Client({ name: 'agentpmt-bench', version: '1.0.0' });
    await client.connect(transport);
    return {
      call: async () => {
        const r = await client.callTool({ name: 'platform_health', arguments: {} });
        return { isError: Boolean(r.isError), text: firstText(r) };
      },
      close: async () => {
        await transport.terminateSession().catch(() => undefined);
        await client.close().catch(() => undefined);
      },
    };
  },
};
const RAW_CLIENT = {
  label: 'raw undici client (bench/lib.mjs HttpRpc)',
  async connect(url) {
    const rpc = new HttpRpc(url, PROTOCOL, HTTP_AUTH);
    await rpc.initialize();
    return {
      call: async () => {
        const r = await rpc.callTool('platform_health', {});
        return { isError: r.isError, text: firstText(r) };
      },
      close: () => rpc.close(),
    };
  },
};

/** The shipped CLI over HTTP, or bench/what-if-http.mjs (the same createMcpServer behind a minimal copy of serveHttp). */
const SHIPPED_SERVER = { label: 'node dist/cli.js --transport http', start: () => startHttpServer(serverEnv()) };
/** The transport setup before issue 18 (the SDK's Node adapter, every answer an SSE stream): the HTTP reference. */
const BEFORE_SERVER = {
  label: 'bench/what-if-http.mjs (copy of serveHttp before issue 18, enableJsonResponse: false)',
  start: async () => {
    const child = spawnNode([path.join(HERE, 'what-if-http.mjs')], serverEnv({ WHATIF_JSON_RESPONSE: '0' }));
    child.stdin.end();
    const errTail = tail(child.stderr);
    const url = await waitForMatch(child.stderr, /listening on (http:\/\/\S+)/, 15_000, 'the what-if server URL').catch((e) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n${errTail()}`);
    });
    child.stdout.resume();
    return { child, pid: child.pid, url, errTail };
  },
};

async function httpLevel(sessions, clientKind = SDK_CLIENT, serverKind = SHIPPED_SERVER) {
  const server = await serverKind.start();
  const pid = server.pid;
  await sleep(300);
  const rssIdleKb = rssKb(pid);
  const sampler = new RssSampler(pid, 50).start();
  const clients = [];
  const tConn = now();
  for (let i = 0; i < sessions; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, sessions - i) }, async () => clients.push(await clientKind.connect(server.url))));
  }
  const connectMs = now() - tConn;
  await Promise.all(clients.map((c) => c.call().catch(() => undefined)));
  const rssAfterSessionsKb = rssKb(pid);
  const cpu0 = { server: cpuMs(pid), sandbox: cpuMs(sandbox.pid), bench: process.cpuUsage() };
  const watch = new CpuWatch([pid, sandbox.pid]).start();
  const lat = [];
  let issued = 0;
  let errors = 0;
  let firstError;
  const t0 = now();
  const deadline = t0 + N.httpDeadlineMs;
  await Promise.all(
    clients.map(async (c) => {
      while (issued < N.httpCalls && now() < deadline) {
        issued++;
        const t = now();
        try {
          const r = await c.call();
          if (r.isError) {
            errors++;
            firstError ??= r.text;
          } else lat.push(now() - t);
        } catch (e) {
          errors++;
          firstError ??= e.message.slice(0, 300);
        }
      }
    }),
  );
  const wallMs = now() - t0;
  const machineLoad = watch.stop(os.availableParallelism?.() ?? os.cpus().length);
  const cpu1 = { server: cpuMs(pid), sandbox: cpuMs(sandbox.pid), bench: process.cpuUsage(cpu0.bench) };
  const rss = sampler.stop();
  await Promise.all(clients.map((c) => c.close()));
  await sleep(200);
  const rssAfterCloseKb = rssKb(pid);
  await stopChild(server.child);
  const st = stats(lat);
  const r = {
    sessions,
    client: clientKind.label,
    server: serverKind.label,
    callsTarget: N.httpCalls,
    completed: lat.length,
    errors,
    ...(firstError ? { firstError } : {}),
    timedOut: issued < N.httpCalls,
    wallMs: round(wallMs, 1),
    callsPerSec: round(lat.length / (wallMs / 1000), 1),
    latencyMs: st,
    sessionSetupMs: round(connectMs, 1),
    sessionSetupMsEach: round(connectMs / sessions, 2),
    rssIdleMB: round(rssIdleKb / 1024, 1),
    rssAfterSessionsMB: round(rssAfterSessionsKb / 1024, 1),
    rssPerSessionKB: round((rssAfterSessionsKb - rssIdleKb) / sessions, 0),
    rssPeakMB: round(rss.peakKb / 1024, 1),
    rssAfterCloseMB: round(rssAfterCloseKb / 1024, 1),
    rssSamples: rss.samples,
    cpuMsPerCall: {
      server: round((cpu1.server - cpu0.server) / Math.max(1, lat.length), 3),
      sandbox: round((cpu1.sandbox - cpu0.sandbox) / Math.max(1, lat.length), 3),
      benchClient: round((cpu1.bench.user + cpu1.bench.system) / 1000 / Math.max(1, lat.length), 3),
    },
    machine: machineLoad,
  };
  Object.defineProperty(r, 'latencies', { value: lat, enumerable: false }); // for pooling; kept out of the JSON
  log(`http ${sessions} sessions [${clientKind === SDK_CLIENT ? 'sdk' : 'raw'} → ${serverKind === SHIPPED_SERVER ? 'cli' : 'what-if'}]: ${r.callsPerSec} calls/s, p50 ${st.median} ms, p99 ${st.p99} ms, errors ${errors}, peak RSS ${r.rssPeakMB} MB, server ${r.cpuMsPerCall.server} ms CPU/call, foreign CPU ${machineLoad?.foreignPct ?? '?'}%`);
  return r;
}

/** Several runs of one level as one: calls/s over the summed wall time, percentiles over all latencies. */
function poolRuns(runs) {
  const all = runs.flatMap((r) => r.latencies);
  return {
    ...runs[0],
    runs: runs.length,
    completed: runs.reduce((a, r) => a + r.completed, 0),
    callsTarget: runs.reduce((a, r) => a + r.callsTarget, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timedOut: runs.some((r) => r.timedOut),
    wallMs: round(runs.reduce((a, r) => a + r.wallMs, 0), 1),
    callsPerSec: round(runs.reduce((a, r) => a + r.completed, 0) / (runs.reduce((a, r) => a + r.wallMs, 0) / 1000), 1),
    latencyMs: stats(all),
    cpuMsPerCall: Object.fromEntries(Object.keys(runs[0].cpuMsPerCall).map((k) => [k, round(runs.reduce((a, r) => a + r.cpuMsPerCall[k] * r.completed, 0) / Math.max(1, runs.reduce((a, r) => a + r.completed, 0)), 3)])),
    rssPeakMB: Math.max(...runs.map((r) => r.rssPeakMB)),
    each: runs.map((r) => ({ callsPerSec: r.callsPerSec, p50: r.latencyMs.median, p99: r.latencyMs.p99, errors: r.errors, foreignCpuPct: r.machine?.foreignPct })),
  };
}

async function httpPhase() {
  // The 50-session level carries the target: it runs 3 times, interleaved with the same level
  // against today's transport setup before issue 18 (bench/what-if-http.mjs: the SDK's Node
  // adapter, SSE answers), and each is pooled, because single runs on this VM drift by ±20 %.
  const runs50 = [];
  const before50 = [];
  const l10 = await httpLevel(10);
  runs50.push(await httpLevel(50));
  before50.push(await httpLevel(50, SDK_CLIENT, BEFORE_SERVER));
  const l200 = await httpLevel(200);
  runs50.push(await httpLevel(50));
  before50.push(await httpLevel(50, SDK_CLIENT, BEFORE_SERVER));
  runs50.push(await httpLevel(50));
  before50.push(await httpLevel(50, SDK_CLIENT, BEFORE_SERVER));
  const levels = [l10, poolRuns(runs50), l200];
  const supplementary = { rawClient50: await httpLevel(50, RAW_CLIENT), whatIfSse50: poolRuns(before50) };
  return { tool: 'platform_health', client: SDK_CLIENT.label + ', one session each, all in the bench process', levels, supplementary };
}

// ------------------------------------------------------------------ 4b. RSS after 2,000 sessions

/**
 * 2,000 session initializations that never close (raw initialize POSTs, as a client that
 * vanishes would leave them), against the shipped server with its default session cap:
 * what the server holds afterwards, and after DELETE of every session.
 */
async function httpSessionsPhase() {
  const sessions = 2000;
  const server = await startHttpServer(serverEnv({ AGENTPMT_LOG_LEVEL: 'warn' }));
  const pool = new Pool(new URL(server.url).origin, { connections: 8 });
  const headers = { ...HTTP_AUTH, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'agentpmt-bench', version: '1.0.0' } } });
  const send = async (method, extra = {}, withBody = false) => {
    const res = await pool.request({ method, path: '/mcp', headers: { ...headers, ...extra }, ...(withBody ? { body } : {}) });
    await res.body.text();
    return { status: res.statusCode, id: res.headers['mcp-session-id'] };
  };
  try {
    await send('POST', {}, true);
    await sleep(300);
    const rssIdleKb = rssKb(server.pid);
    const sampler = new RssSampler(server.pid, 50).start();
    const statuses = {};
    const ids = [];
    const t0 = now();
    for (let i = 0; i < sessions; i += 8) {
      for (const r of await Promise.all(Array.from({ length: Math.min(8, sessions - i) }, () => send('POST', {}, true)))) {
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.id) ids.push(r.id);
      }
    }
    const wallMs = now() - t0;
    await sleep(300);
    const rssAfterKb = rssKb(server.pid);
    let live = 0;
    for (const id of ids) if ((await send('DELETE', { 'mcp-session-id': id })).status === 200) live++;
    await sleep(1000);
    const rssAfterDeleteKb = rssKb(server.pid);
    const rss = sampler.stop();
    const r = {
      sessions,
      statuses,
      liveAtEnd: live,
      maxSessions: 256,
      wallMs: round(wallMs, 1),
      initMsEach: round(wallMs / sessions, 2),
      rssIdleMB: round(rssIdleKb / 1024, 1),
      rssAfterMB: round(rssAfterKb / 1024, 1),
      rssGrowthMB: round((rssAfterKb - rssIdleKb) / 1024, 1),
      rssPeakMB: round(rss.peakKb / 1024, 1),
      rssAfterDeleteMB: round(rssAfterDeleteKb / 1024, 1),
    };
    log(`http ${sessions} session inits: RSS ${r.rssIdleMB} → ${r.rssAfterMB} MB (peak ${r.rssPeakMB}), ${live} live at the end (cap ${r.maxSessions}), ${r.rssAfterDeleteMB} MB after DELETE`);
    return r;
  } finally {
    await pool.close().catch(() => undefined);
    await stopChild(server.child);
  }
}

// ------------------------------------------------------------------ 5. context cost

async function contextPhase() {
  const { TOOLSETS } = await import(distUrl('platforms/agentpmt/toolsets.js'));
  const out = { method: 'JSON.stringify(tools/list result).length / 4', toolsets: {} };
  for (const ts of [...TOOLSETS, 'default', 'all']) {
    const r = await coldStartOnce([CLI], serverEnv({ AGENTPMT_TOOLSETS: ts }), [], ts === 'default');
    out.toolsets[ts] = { tools: r.tools, chars: r.listChars, tokens: Math.round(r.listChars / 4) };
    if (ts === 'default') {
      out.instructionsTokens = Math.round(r.instructionsChars / 4);
      out.largestDefaultTools = r.toolList
        .map((t) => ({ name: t.name, tokens: Math.round(JSON.stringify(t).length / 4), descriptionTokens: Math.round((t.description ?? '').length / 4), schemaTokens: Math.round(JSON.stringify(t.inputSchema ?? {}).length / 4) }))
        .sort((a, b) => b.tokens - a.tokens)
        .slice(0, 8);
      const all = r.toolList.map((t) => JSON.stringify(t));
      const annotationChars = r.toolList.reduce((a, t) => a + JSON.stringify({ annotations: t.annotations ?? {}, title: t.title ?? '' }).length, 0);
      const schemaChars = r.toolList.reduce((a, t) => a + JSON.stringify(t.inputSchema ?? {}).length, 0);
      const descChars = r.toolList.reduce((a, t) => a + (t.description ?? '').length, 0);
      const total = all.reduce((a, s) => a + s.length, 0);
      const keyChars = (pick) => r.toolList.reduce((a, t) => {
        const v = pick(t);
        return a + (v === undefined ? 0 : JSON.stringify(v).length - 1); // `"key":value,`
      }, 0);
      out.defaultRemovable = {
        annotationsTitleDuplicateTokens: Math.round(keyChars((t) => (t.annotations?.title !== undefined ? { title: t.annotations.title } : undefined)) / 4),
        inputSchemaDollarSchemaTokens: Math.round(keyChars((t) => (t.inputSchema?.$schema !== undefined ? { $schema: t.inputSchema.$schema } : undefined)) / 4),
        executionTaskSupportTokens: Math.round(keyChars((t) => (t.execution !== undefined ? { execution: t.execution } : undefined)) / 4),
      };
      out.defaultComposition = {
        descriptionsTokens: Math.round(descChars / 4),
        inputSchemasTokens: Math.round(schemaChars / 4),
        titlesAndAnnotationsTokens: Math.round(annotationChars / 4),
        otherTokens: Math.round((total - descChars - schemaChars - annotationChars) / 4),
        outputSchemas: r.toolList.filter((t) => t.outputSchema).length,
      };
    }
  }
  // How many tools OpenAI's strict mode would take as listed (the portability test checks 2020-12, Gemini and OpenAI non-strict).
  const { openAiStrictCompatible } = await import(distUrl('core/tool-schema.js'));
  const every = await coldStartOnce([CLI], serverEnv({ AGENTPMT_TOOLSETS: 'all' }), [], true);
  out.openAiStrict = { compatible: every.toolList.filter((t) => openAiStrictCompatible(t.inputSchema)).length, tools: every.toolList.length };
  log(`context: default ${out.toolsets.default.tokens} tokens (${out.toolsets.default.tools} tools), all ${out.toolsets.all.tokens} tokens; OpenAI strict as listed ${out.openAiStrict.compatible}/${out.openAiStrict.tools}`);
  return out;
}

// ------------------------------------------------------------------ 6. memory

const IDLE_AFTER_MS = QUICK ? 10_000 : 30_000; // quiet spell before each memory reading that should not include burst-time heap

async function memoryPhase() {
  const child = spawnNode([CLI], serverEnv(), ['--expose-gc', '--import', pathToFileURL(HEAP_PROBE).href]);
  const errTail = tail(child.stderr);
  const rpc = new StdioRpc(child, PROTOCOL);
  const mb = (kb) => round(kb / 1024, 1);
  const snap = () => {
    const d = rssDetail(child.pid);
    return { rssMB: mb(d.rssKb), anonMB: mb(d.anonKb), fileMB: mb(d.fileKb) };
  };
  const probe = async () => {
    const p = waitForMatch(child.stderr, /BENCH_HEAP (\{[^\n]*\})/, 10_000, 'the heap probe');
    child.kill('SIGUSR2');
    const m = JSON.parse(await p);
    const f = (x) => round(x / 2 ** 20, 2);
    await sleep(200); // let the pages the GC freed go back to the OS
    const after = snap();
    return { heapUsedMB: f(m.heapUsed), heapTotalMB: f(m.heapTotal), heapTotalBeforeGcMB: f(m.heapTotalBeforeGc), heapUsedBeforeGcMB: f(m.heapUsedBeforeGc), externalMB: f(m.external), arrayBuffersMB: f(m.arrayBuffers), rssAfterGcMB: after.rssMB, anonAfterGcMB: after.anonMB };
  };
  const lat = [];
  let errors = 0;
  let done = 0;
  const run = async (n) => {
    let issued = 0;
    await Promise.all(
      Array.from({ length: N.memConcurrency }, async () => {
        while (issued < n) {
          issued++;
          const t = now();
          const r = await rpc.callTool('platform_health', {});
          if (r.isError) errors++;
          lat.push(now() - t);
          done++;
        }
      }),
    );
  };
  try {
    await withTimeout(rpc.initialize(), 15_000, 'initialize');
    await rpc.request('tools/list', {});
    await sleep(1000);
    const start = snap(); // RSS is always sampled before a probe forces a GC
    const heapStart = await probe();
    const sampler = new RssSampler(child.pid, 50).start();
    const t0 = now();
    await run(N.memWarm);
    let lastCallAt = now();
    await sleep(1000);
    const warmBurst = snap();
    // Right after a burst V8 still holds heap it committed for the allocation rate: wait for it to give it
    // back, so the growth figure compares two quiet states (after warm-up, after all calls).
    await sleep(Math.max(0, lastCallAt + IDLE_AFTER_MS - now()));
    const warmQuiet = snap();
    const heapWarmQuiet = await probe();
    const checkpoints = [];
    const rest = N.memCalls - N.memWarm;
    const t1 = now();
    for (let k = 1; k <= 9; k++) {
      await run(Math.round((rest * k) / 9) - Math.round((rest * (k - 1)) / 9));
      checkpoints.push({ calls: done, ...snap() });
    }
    const wallMs = now() - t1 + (lastCallAt - t0);
    lastCallAt = now();
    await sleep(1000);
    const end = snap();
    const heapEnd = await probe();
    const peak = sampler.stop();
    await sleep(Math.max(0, lastCallAt + IDLE_AFTER_MS - now()));
    const endQuiet = snap();
    const heapEndQuiet = await probe();
    child.stdin.end();
    await waitExit(child, 5000);
    const d = (a, b, k) => round(a[k] - b[k], 1);
    // RSS as sampled (V8 may still hold heap it committed during the burst: when it gives it back is up to
    // its memory reducer) and RSS after a full GC (deterministic); the verdict uses the latter and the live heap.
    const grow = (a, ha, b, hb) => ({
      rssMB: d(a, b, 'rssMB'),
      anonMB: d(a, b, 'anonMB'),
      fileMB: d(a, b, 'fileMB'),
      rssAfterGcMB: round(ha.rssAfterGcMB - hb.rssAfterGcMB, 1),
      liveHeapMB: round(ha.heapUsedMB - hb.heapUsedMB, 2),
    });
    const r = {
      calls: done,
      tool: 'platform_health',
      transport: 'stdio',
      concurrency: N.memConcurrency,
      errors,
      wallMs: round(wallMs, 0),
      callsPerSec: round(done / (wallMs / 1000), 0),
      latencyMs: stats(lat),
      quietSeconds: round(IDLE_AFTER_MS / 1000, 0),
      points: {
        start: { calls: 0, ...start, heap: heapStart },
        warmupBurst: { calls: N.memWarm, ...warmBurst },
        warmupQuiet: { calls: N.memWarm, ...warmQuiet, heap: heapWarmQuiet },
        endBurst: { calls: done, ...end, heap: heapEnd },
        endQuiet: { calls: done, ...endQuiet, heap: heapEndQuiet },
      },
      checkpoints,
      rssPeakMB: mb(peak.peakKb),
      // growth over the calls after warm-up, quiet state against quiet state: the leak test
      growthAfterWarmup: grow(endQuiet, heapEndQuiet, warmQuiet, heapWarmQuiet),
      // everything since start-up, one-time costs of the first calls included
      growthSinceStart: grow(endQuiet, heapEndQuiet, start, heapStart),
      oneTimeWarmup: grow(warmQuiet, heapWarmQuiet, start, heapStart),
    };
    log(`memory: RSS start ${start.rssMB} MB; after ${N.memWarm} calls ${warmBurst.rssMB} → quiet ${warmQuiet.rssMB} (after GC ${heapWarmQuiet.rssAfterGcMB}); after ${done} calls ${end.rssMB} → quiet ${endQuiet.rssMB} (after GC ${heapEndQuiet.rssAfterGcMB}) MB; live heap ${heapStart.heapUsedMB} / ${heapWarmQuiet.heapUsedMB} / ${heapEndQuiet.heapUsedMB} MB`);
    return r;
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\nstderr: ${errTail().slice(-2000)}`);
  }
}

// ------------------------------------------------------------------ profiles

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const HOT_NAMES = [
  'execute',
  'checkInvocation',
  'validateParameters',
  'requestFor',
  'sendSigned',
  'buildSignedMessage',
  'signMessageWithKey',
  'privateKeyToAccount',
  'signMessage',
  'sign',
  'okResult',
  'validateToolInput',
  'safeParseAsync',
  'request',
  'send',
  'handleRequest',
  'stringify',
  'parse',
  'log',
  'signer',
  'any',
  'createAbortSignal',
];

function newestProfile(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return undefined;
  files.sort((a, b) => statSync(path.join(dir, b)).mtimeMs - statSync(path.join(dir, a)).mtimeMs);
  return JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8'));
}

async function profilesPhase() {
  const out = {};
  // Cold start: the whole life of a server launched, asked for tools/list, then stdin closed.
  {
    const dir = path.join(tmpRoot, 'prof-cold');
    mkdirSync(dir);
    const r = await coldStartOnce([CLI], serverEnv(), ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250']);
    const p = newestProfile(dir);
    const s = p ? summarizeProfile(p) : undefined;
    out.coldStart = s
      ? { wallToToolsListMs: round(r.listMs, 1), note: 'profiled run (sampling every 250 µs slows it down)', busyMs: s.busyMs, byArea: s.byArea.slice(0, 14), topSelf: s.topSelf.slice(0, 15), topInclusiveProject: s.topInclusiveProject.slice(0, 12) }
      : { error: 'no profile written' };
    log(`profile cold start: ${s?.byArea.slice(0, 5).map((a) => `${a.name} ${a.ms} ms`).join(', ')}`);
  }
  // Hot path over stdio: wallet-signed marketplace_invoke, only the samples while the measured calls ran.
  {
    const dir = path.join(tmpRoot, 'prof-stdio');
    mkdirSync(dir);
    const wallet = newWallet();
    const action = N.profileCalls + 50 <= SANDBOX_WALLET_CREDITS - 50 ? 'echo' : 'ping';
    const child = spawnNode([CLI], serverEnv({ AGENTPMT_PRIVATE_KEY: wallet.privateKey }), ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250']);
    const errTail = tail(child.stderr);
    const rpc = new StdioRpc(child, PROTOCOL);
    await withTimeout(rpc.initialize(), 15_000, 'initialize');
    const args = { product: PRODUCT, action, parameters: {}, payment: 'credits' };
    for (let i = 0; i < 30; i++) await rpc.callTool('marketplace_invoke', args);
    await sleep(200);
    const fromUs = monotonicUs();
    let errors = 0;
    const t0 = now();
    for (let i = 0; i < N.profileCalls; i++) if ((await rpc.callTool('marketplace_invoke', args)).isError) errors++;
    const wall = now() - t0;
    const toUs = monotonicUs();
    child.stdin.end();
    await waitExit(child, 8000);
    const p = newestProfile(dir);
    if (p) {
      let s = summarizeProfile(p, { fromUs, toUs });
      const windowed = s.busyMs > 0;
      if (!windowed) s = summarizeProfile(p);
      out.hotPathStdio = {
        action: `${PRODUCT}/${action}`,
        calls: N.profileCalls,
        errors,
        windowed,
        wallMsPerCall: round(wall / N.profileCalls, 3),
        busyMsPerCall: round(s.busyMs / N.profileCalls, 3),
        byArea: s.byArea.slice(0, 14),
        topSelf: s.topSelf.slice(0, 15),
        topInclusiveProject: s.topInclusiveProject.slice(0, 12),
        inclusiveMsPerCall: Object.fromEntries(Object.entries(s.inclusiveOf(HOT_NAMES)).map(([k, v]) => [k, round(v / N.profileCalls, 3)])),
      };
      log(`profile stdio hot path: ${out.hotPathStdio.busyMsPerCall} ms CPU per call in the server`);
    } else out.hotPathStdio = { error: `no profile written; stderr: ${errTail().slice(-500)}` };
  }
  // Hot path over HTTP: 50 sessions of platform_health (the throughput scenario).
  {
    const dir = path.join(tmpRoot, 'prof-http');
    mkdirSync(dir);
    const server = await startHttpServer(serverEnv(), ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250']);
    const clients = [];
    for (let i = 0; i < 50; i++) {
      const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: HTTP_AUTH } });
      const client = new Client({ name: 'agentpmt-bench', version: '1.0.0' });
      await client.connect(transport);
      clients.push({ client, transport });
    }
    await Promise.all(clients.map(({ client }) => client.callTool({ name: 'platform_health', arguments: {} })));
    const calls = QUICK ? 300 : 2000;
    let issued = 0;
    const fromUs = monotonicUs();
    await Promise.all(clients.map(async ({ client }) => {
      while (issued < calls) {
        issued++;
        await client.callTool({ name: 'platform_health', arguments: {} }).catch(() => undefined);
      }
    }));
    const toUs = monotonicUs();
    await Promise.all(clients.map(async ({ client, transport }) => {
      await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    }));
    const exit = await stopChild(server.child, 'SIGINT', 10_000);
    const p = exit.killed ? undefined : newestProfile(dir);
    if (p) {
      let s = summarizeProfile(p, { fromUs, toUs });
      if (!(s.busyMs > 0)) s = summarizeProfile(p);
      out.hotPathHttp = {
        sessions: 50,
        calls,
        busyMsPerCall: round(s.busyMs / calls, 3),
        byArea: s.byArea.slice(0, 14),
        topSelf: s.topSelf.slice(0, 15),
        topInclusiveProject: s.topInclusiveProject.slice(0, 12),
      };
      log(`profile http hot path: ${out.hotPathHttp.busyMsPerCall} ms CPU per call in the server`);
    } else out.hotPathHttp = { error: exit.killed ? 'server did not exit on SIGINT within 10 s (no profile)' : 'no profile written' };
  }
  return out;
}

/** Work the server repeats per HTTP session / per tools/list, measured in-process. */
async function inProcessPhase() {
  const { log: serverLog } = await import(distUrl('core/log.js'));
  serverLog.setLevel('silent');
  const { loadConfig } = await import(distUrl('config.js'));
  const { createMcpServer, createSharedRuntime } = await import(distUrl('server.js'));
  const out = {};
  for (const ts of ['default', 'all']) {
    const config = loadConfig({}, { AGENTPMT_HOME: newHome(), AGENTPMT_TOOLSETS: ts, AGENTPMT_API_URL: sandbox.url, AGENTPMT_WEB_URL: sandbox.url });
    const shared = await createSharedRuntime(config);
    for (let i = 0; i < 30; i++) createMcpServer(shared);
    let t = now();
    const n = 300;
    for (let i = 0; i < n; i++) createMcpServer(shared);
    const createMs = (now() - t) / n;
    // tools/list handled by the server alone (raw JSON-RPC over an in-memory pair: no client-side parsing)
    const server = createMcpServer(shared);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const pending = new Map();
    clientSide.onmessage = (m) => {
      if (m.id !== undefined && pending.has(m.id)) {
        pending.get(m.id)(m);
        pending.delete(m.id);
      }
    };
    await server.connect(serverSide);
    await clientSide.start();
    let id = 0;
    const req = (method, params) =>
      new Promise((resolve) => {
        const i = ++id;
        pending.set(i, resolve);
        void clientSide.send({ jsonrpc: '2.0', id: i, method, ...(params ? { params } : {}) });
      });
    await req('initialize', { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    await clientSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    for (let i = 0; i < 30; i++) await req('tools/list', {});
    const listTimes = [];
    for (let i = 0; i < 200; i++) {
      t = now();
      await req('tools/list', {});
      listTimes.push(now() - t);
    }
    await server.close();
    await shared.close();
    out[ts] = { createMcpServerMs: round(createMs, 3), toolsListServerMs: stats(listTimes) };
  }
  // Per platform request HttpClient.once builds AbortSignal.timeout(timeoutMs) + AbortSignal.any([ctx.signal, timeout]).
  const abortCode = (variant) => `const settle=async()=>{for(let i=0;i<3;i++){globalThis.gc();await new Promise(r=>setTimeout(r,50));}};const N=20000;
const f=${variant === 'current' ? '()=>{const t=AbortSignal.timeout(30000);return AbortSignal.any([new AbortController().signal,t]);}' : '()=>{const c=new AbortController();const h=setTimeout(()=>c.abort(),30000);clearTimeout(h);return c.signal;}'};
for(let i=0;i<2000;i++)f();await settle();const m0=process.memoryUsage().heapUsed;const t=performance.now();for(let i=0;i<N;i++)f();const us=(performance.now()-t)*1000/N;await settle();
console.log(JSON.stringify({usPerRequest:Math.round(us*100)/100,bytesRetainedPerRequest:Math.round((process.memoryUsage().heapUsed-m0)/N)}));process.exit(0);`;
  // WalletManager reaches its signer through `() => import('./signer.js')` on every signature.
  {
    const spec = distUrl('platforms/agentpmt/wallet/signer.js');
    await import(spec);
    const n = 20_000;
    let t0 = now();
    for (let i = 0; i < n; i++) await import(spec);
    const importUs = ((now() - t0) * 1000) / n;
    let cached;
    const once = () => (cached ??= import(spec));
    await once();
    t0 = now();
    for (let i = 0; i < n; i++) await once();
    out.dynamicImportPerCall = { importOfLoadedModuleUs: round(importUs, 2), cachedPromiseUs: round(((now() - t0) * 1000) / n, 2) };
  }
  out.abortSignalPerRequest = {};
  for (const variant of ['current', 'controllerWithClearedTimer']) {
    try {
      out.abortSignalPerRequest[variant] = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', abortCode(variant)], { env: { PATH: process.env.PATH ?? '' } }).toString());
    } catch (e) {
      out.abortSignalPerRequest[variant] = { error: e.message.slice(0, 300) };
    }
  }
  log(`in-process: createMcpServer ${out.default.createMcpServerMs} ms, tools/list ${out.default.toolsListServerMs.median} ms (default)`);
  return out;
}

// ------------------------------------------------------------------ main

async function main() {
  const results = { meta: machine() };
  log(`agentpmt-mcp bench: ${results.meta.cores} cores, ${results.meta.cpuModel}, Node ${results.meta.node}, commit ${results.meta.commit}${results.meta.dirty ? ' (+ uncommitted changes)' : ''}${QUICK ? ' — QUICK mode' : ''}`);
  sandbox = await startSandboxProcess();
  results.sandbox = { url: sandbox.url, command: 'node dist/cli.js sandbox --port 0', port0PrintsRealPort: sandbox.port0PrintsRealPort, walletCredits: SANDBOX_WALLET_CREDITS };
  log(`sandbox: ${sandbox.url} (pid ${sandbox.pid})`);
  const phases = [
    ['coldStart', coldStartPhase],
    ['footprint', footprintPhase],
    ['importChain', importChainPhase],
    ['perCall', perCallPhase],
    ['crypto', cryptoPhase],
    ['keystoreUnlock', keystoreUnlockPhase],
    ['http', httpPhase],
    ['httpSessions', httpSessionsPhase],
    ['context', contextPhase],
    ['memory', memoryPhase],
    ['inProcess', inProcessPhase],
    ['profiles', profilesPhase],
    ['ledger', () => ledgerPhase({ serverEnv, quick: QUICK, log, product: PRODUCT, action: 'echo' })],
  ];
  // BENCH_PHASES=httpSessions,ledger runs just those phases and prints their results (no report written).
  const only = process.env.BENCH_PHASES?.split(',').map((x) => x.trim()).filter(Boolean);
  try {
    for (const [name, fn] of phases) {
      if (only && !only.includes(name)) continue;
      const t = now();
      const watch = new CpuWatch([sandbox.pid]).start();
      try {
        results[name] = await fn();
      } catch (e) {
        results[name] = { error: e.message.slice(0, 2000) };
        log(`phase ${name} FAILED: ${e.message.split('\n')[0]}`);
      }
      (results.phaseSeconds ??= {})[name] = round((now() - t) / 1000, 1);
      (results.loadavgAfterPhase ??= {})[name] = os.loadavg().map((x) => round(x, 2));
      (results.machineDuringPhase ??= {})[name] = watch.stop(results.meta.cores);
    }
  } finally {
    await stopChild(sandbox.child, 'SIGINT', 5000);
  }
  // What the dist being measured does, where a recommendation depends on it.
  try {
    const hc = readFileSync(path.join(DIST, 'core/http-client.js'), 'utf8');
    const ht = readFileSync(path.join(DIST, 'transports/http.js'), 'utf8');
    results.codeChecks = {
      httpClientComposesAbortSignals: /AbortSignal\.any\(/.test(hc) && /AbortSignal\.timeout\(/.test(hc),
      httpIdleSessionTimeout: /idle/i.test(ht) && /setTimeout|setInterval/.test(ht),
      walletManagerImportsSignerPerCall: /const signer = \(\) => import\(/.test(readFileSync(path.join(DIST, 'platforms/agentpmt/wallet/manager.js'), 'utf8')),
    };
  } catch {
    results.codeChecks = {};
  }
  results.meta.totalSeconds = round((now() - started) / 1000, 1);
  if (only) {
    process.stdout.write(JSON.stringify(Object.fromEntries(only.map((k) => [k, results[k]])), null, 2) + '\n');
    return;
  }
  const day = results.meta.date.slice(0, 10);
  const resultsDir = path.join(HERE, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonName = `${day}-${results.meta.commit}${QUICK ? '-quick' : ''}.json`;
  writeFileSync(path.join(resultsDir, jsonName), JSON.stringify(results, null, 2) + '\n');
  const md = writeReport(results, `bench/results/${jsonName}`);
  if (!QUICK) writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), md);
  else process.stdout.write(md);
  log(`wrote bench/results/${jsonName}${QUICK ? '' : ' and BENCHMARKS.md'} in ${results.meta.totalSeconds} s`);
  const failed = phases.filter(([n]) => results[n]?.error).map(([n]) => n);
  if (failed.length) {
    log(`phases that failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} finally {
  rmSync(tmpRoot, { recursive: true, force: true });
}
