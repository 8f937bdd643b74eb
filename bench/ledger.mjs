// The ledger phase of `npm run bench`: what money safety costs.
// - the reservation step alone (check the budget against every committed payment and
//   record the reservation, atomically), for the embedded file ledger and PostgreSQL;
// - paid x402 calls per second end to end (MCP client → stdio server → sandbox), for both.
// PostgreSQL comes from the same npm-packaged server the tests use (test/support/postgres.ts,
// transpiled here with the project's TypeScript: the bench runs on plain Node).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { now, round, stats } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.join(ROOT, 'dist');
const distUrl = (p) => pathToFileURL(path.join(DIST, p)).href;

async function loadPostgresHarness() {
  const ts = (await import('typescript')).default;
  const src = readFileSync(path.join(ROOT, 'test/support/postgres.ts'), 'utf8');
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // Inside the repository, so its bare imports ('pg') resolve from our node_modules.
  const dir = path.join(HERE, '.cache');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'postgres.mjs');
  writeFileSync(file, out);
  return import(pathToFileURL(file).href);
}

const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAYEE = '0x1111111111111111111111111111111111111111';

function entry(id) {
  const t = new Date().toISOString();
  return { id, created_at: t, updated_at: t, status: 'reserved', description: 'bench', kind: 'tool_invoke', call_key: `k-${id}`, method: 'POST', url: 'http://127.0.0.1:1/x', body: '{}', network: 'eip155:8453', asset: BASE_USDC, symbol: 'USDC', currency: 'USD', amount: '10000', pay_to: PAYEE, payer: PAYEE, attempts: 0 };
}

/** Serial reservations: each checks the budget against everything committed and records itself, as the payer does. */
async function reservationLatency(store, policy, budgetRefusal, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const id = `b${i}-${randomBytes(4).toString('hex')}`;
    const t = now();
    await store.reserve(`k-${id}`, new Date(), (view) => (budgetRefusal(10_000n, 'USD', view.committed, policy) ? { result: false } : { insert: entry(id), result: true }));
    times.push(now() - t);
  }
  return stats(times);
}

async function paidCallsPerSecond(env, calls, concurrency, product, action) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(DIST, 'cli.js')], env, stderr: 'ignore' });
  const client = new Client({ name: 'bench-ledger', version: '1.0.0' });
  await client.connect(transport);
  try {
    const call = (tag) => client.callTool({ name: 'marketplace_invoke', arguments: { product, action, parameters: { message: tag }, payment: 'x402' } });
    await call('warm-up');
    const lat = [];
    let errors = 0;
    let next = 0;
    const t0 = now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) {
          const i = next++;
          const t = now();
          const r = await call(`paid-${i}-${randomBytes(3).toString('hex')}`);
          lat.push(now() - t);
          if (r.isError) errors++;
        }
      }),
    );
    const seconds = (now() - t0) / 1000;
    return { calls, concurrency, errors, callsPerSec: round(calls / seconds, 1), latencyMs: stats(lat) };
  } finally {
    await client.close();
  }
}

export async function ledgerPhase({ serverEnv, quick, log, product, action }) {
  const { FileLedger } = await import(distUrl('platforms/agentpmt/payments/ledger-file.js'));
  const { PgLedger } = await import(distUrl('platforms/agentpmt/payments/ledger-pg.js'));
  const { budgetRefusal, policyFromConfig } = await import(distUrl('platforms/agentpmt/payments/policy.js'));
  const { loadConfig } = await import(distUrl('config.js'));
  const policy = policyFromConfig(loadConfig({}, { AGENTPMT_DAILY_BUDGET_USD: '100000', AGENTPMT_HOME: '/tmp' }));
  const n = quick ? 100 : 500;
  const out = { reservations: n };

  const fileEnv = serverEnv();
  const file = await FileLedger.open(path.join(fileEnv.AGENTPMT_HOME, 'payments.jsonl'));
  out.fileReserveMs = await reservationLatency(file, policy, budgetRefusal, n);
  await file.close();
  log(`ledger: file reservation p50 ${out.fileReserveMs.median} ms, p99 ${out.fileReserveMs.p99} ms`);

  const { startPostgres } = await loadPostgresHarness();
  const db = await startPostgres();
  try {
    const pg = await PgLedger.open(db.url, 'bench');
    out.pgReserveMs = await reservationLatency(pg, policy, budgetRefusal, n);
    await pg.close();
    log(`ledger: PostgreSQL reservation p50 ${out.pgReserveMs.median} ms, p99 ${out.pgReserveMs.p99} ms`);

    const calls = quick ? 60 : 300;
    const wallet = `0x${randomBytes(32).toString('hex')}`;
    const paidEnv = (extra) => serverEnv({ AGENTPMT_PRIVATE_KEY: wallet, AGENTPMT_DAILY_BUDGET_USD: '100000', AGENTPMT_MAX_PAYMENT_USD: '10', AGENTPMT_LOG_LEVEL: 'error', AGENTPMT_TOOLSETS: 'all', ...extra });
    out.paidFile = await paidCallsPerSecond(paidEnv({}), calls, 8, product, action);
    log(`ledger: paid calls through the file ledger ${out.paidFile.callsPerSec}/s (p50 ${out.paidFile.latencyMs.median} ms, errors ${out.paidFile.errors})`);
    out.paidPg = await paidCallsPerSecond(paidEnv({ AGENTPMT_LEDGER_URL: db.url }), calls, 8, product, action);
    log(`ledger: paid calls through PostgreSQL ${out.paidPg.callsPerSec}/s (p50 ${out.paidPg.latencyMs.median} ms, errors ${out.paidPg.errors})`);
  } finally {
    await db.stop();
  }
  return out;
}
