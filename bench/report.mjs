// Renders BENCHMARKS.md from the results object of bench/run.mjs.

const TARGETS = {
  coldStartMs: 250,
  // Issue 18: ratios against references launched in the same run.
  coldVsOneTool: 0.7,
  coldVsBare: 4,
  installMB: 60,
  mcpbMB: 5,
  firstSignedRatio: 0.7,
  httpP99Ratio: 0.7,
  stdioAddedMs: 1,
  httpCallsPerSec: 1000,
  httpP99Ms: 100,
  defaultTokens: 8000,
  rssNoiseMB: 5,
  heapNoiseMB: 1,
  reserveMs: 1,
};

/**
 * Issue 18's figures before its work, from bench/results/2026-11-27-d457b51e251d.json (same
 * machine, each against its own same-run reference), shown next to this run's.
 */
const BEFORE_ISSUE_18 = {
  source: 'bench/results/2026-11-27-d457b51e251d.json',
  coldVsBare: 753.98 / 92.782, // dist/cli.js over node_modules: what the npm package ran
  coldVsOneTool: 1.33, // the issue's own measurement (737 vs 554 ms); that run had no one-tool reference
  installMB: 141, // npm ci --omit=dev (the issue measured 162 MB before viem's peer was dropped)
  firstSignedRatio: 0.62, // node:crypto scrypt vs @ethereumjs/wallet, same run
  httpP99VsBefore: 239.737 / 262.672, // the CLI vs the what-if copy of its own transport (SSE), same run
  httpCallsPerSec: 579.9,
};

const ok = (met) => (met === undefined ? '—' : met ? '✅ met' : '❌ not met');
const n = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const ms = (x) => (typeof x !== 'number' ? 'n/a' : Math.abs(x) >= 100 ? `${x.toFixed(0)} ms` : Math.abs(x) >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
const signed = (x) => (typeof x !== 'number' ? 'n/a' : `${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}`);
const signedMB = (x) => (typeof x !== 'number' ? 'n/a' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(Math.abs(x) < 10 ? 2 : 1)} MB`);
const us = (x) => (typeof x === 'number' ? `${x.toFixed(Math.abs(x) < 10 ? 1 : 0)} µs` : 'n/a');
const mp = (s) => (s && s.n ? `${ms(s.median)} / ${ms(s.p99)}` : 'n/a');
const tokens = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : 'n/a');
const pct = (a, b) => (typeof a === 'number' && typeof b === 'number' && b !== 0 ? `${((100 * (a - b)) / b).toFixed(0)}%` : 'n/a');

const ordinal = (k) => `${k}${k % 10 === 1 && k % 100 !== 11 ? 'st' : k % 10 === 2 && k % 100 !== 12 ? 'nd' : k % 10 === 3 && k % 100 !== 13 ? 'rd' : 'th'}`;

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function failed(section) {
  return section && section.error ? `\n> ⚠️ This phase failed: \`${section.error.split('\n')[0].slice(0, 300)}\`\n` : '';
}

export function writeReport(r, jsonPath) {
  const m = r.meta;
  const cs = r.coldStart ?? {};
  const pc = r.perCall ?? {};
  const cr = r.crypto ?? {};
  const hp = r.http ?? {};
  const cx = r.context ?? {};
  const mem = r.memory ?? {};
  const ip = r.inProcess ?? {};
  const pf = r.profiles ?? {};
  const ic = r.importChain ?? {};
  const out = [];
  const p = (...lines) => out.push(...lines);

  p('# Benchmarks', '');
  p(
    `Produced by \`npm run build && npm run bench\` (\`bench/run.mjs\`, about ${n(m.totalSeconds, 0)} s). Raw figures: [\`${jsonPath}\`](${jsonPath}). ` +
      'Every figure is measured against the sandbox running as a separate process (`node dist/cli.js sandbox --port 0`) on 127.0.0.1; ratios compare paths measured in the same run, interleaved.',
    '',
  );
  p(
    table(
      ['machine', ''],
      [
        ['cores', String(m.cores)],
        ['CPU', m.cpuModel],
        ['Node', m.node],
        ['OS', m.platform],
        ['memory', `${m.memTotalMB} MB`],
        ['date', m.date],
        ['commit', `${m.commit}${m.changedFiles?.length ? ` + uncommitted changes in ${m.changedFiles.map((f) => `\`${f}\``).join(', ')}` : ''}`],
        ['MCP SDK', m.mcpSdk],
        ['load average (1 min) at start → after each phase', `${m.loadavg?.[0]} → ${Object.values(r.loadavgAfterPhase ?? {}).map((l) => l[0]).join(', ')}`],
        ['CPU used by processes other than the bench, per phase (% of all cores)', Object.entries(r.machineDuringPhase ?? {}).map(([k, v]) => `${k} ${n(v?.foreignPct, 1)}%`).join(', ')],
      ],
    ),
    '',
  );
  if (m.quick) p('> ⚠️ QUICK mode (BENCH_QUICK=1): reduced counts, figures not meaningful.', '');

  // ------------------------------------------------------------ summary table
  const server = cs.shipped ?? cs.server ?? {};
  const coldMet = server.toolsList?.median !== undefined ? server.toolsList.median <= TARGETS.coldStartMs : undefined;
  const cr0 = cs.ratios ?? {};
  const fp = r.footprint ?? {};
  const x = (v, d = 2) => (typeof v === 'number' ? `×${v.toFixed(d)}` : 'n/a');
  const paths = pc.paths ?? {};
  const ov = pc.overhead ?? {};
  const floorName = 'floor: signed POST with undici';
  const stdioName = 'MCP stdio (raw JSON-RPC client)';
  const httpName = 'MCP Streamable HTTP (raw client)';
  const stdioAdded = ov[stdioName]?.addedMedianMs;
  const levels = hp.levels ?? [];
  const l50 = levels.find((l) => l.sessions === 50);
  const httpMet = l50 ? l50.callsPerSec >= TARGETS.httpCallsPerSec && l50.latencyMs.p99 <= TARGETS.httpP99Ms && l50.errors === 0 && !l50.timedOut : undefined;
  const defTokens = cx.toolsets?.default?.tokens;
  const mg = mem.growthAfterWarmup;
  const mp0 = mem.points ?? {};
  const memMet = mg && typeof mg.rssAfterGcMB === 'number' ? mg.rssAfterGcMB <= TARGETS.rssNoiseMB && mg.liveHeapMB <= TARGETS.heapNoiseMB : undefined;
  const cryptoEip = cr['EIP-191 request: build message + sign (project helpers, as the server does per call)'];
  const cryptoX402 = cr['x402 envelope: authorization + EIP-712 signature + envelope + base64'];

  {
    const b = BEFORE_ISSUE_18;
    const before = hp.supplementary?.whatIfSse50;
    const ku = r.keystoreUnlock && !r.keystoreUnlock.error ? Object.keys(r.keystoreUnlock).filter((k) => k.startsWith('before:') || k.startsWith('after:')).map((k) => r.keystoreUnlock[k]) : [];
    const unlockRatio = ku.length >= 2 && ku[0]?.firstSignedCallMs?.median ? ku[1].firstSignedCallMs.median / ku[0].firstSignedCallMs.median : undefined;
    p('## Issue 18: before → now', '');
    p(`Each figure is a ratio against a reference measured in the same run, so runs on different days compare. "Before" is from \`${b.source}\`.`, '');
    p(
      table(
        ['figure', 'before', 'now', 'target'],
        [
          ['Cold start to tools/list ÷ bare Node', `${x(b.coldVsBare)} (dist/cli.js over node_modules)`, `${x(cr0.shippedVsBare)} AgentPMT alone; ${x(cr0.shippedAllVsBare)} all three platforms (the shipped bundle)`, `≤ ×${TARGETS.coldVsBare}`],
          ['Cold start to tools/list ÷ one-tool SDK server', `${x(b.coldVsOneTool)}`, `${x(cr0.shippedVsOneTool)} AgentPMT alone; ${x(cr0.shippedAllVsOneTool)} all three platforms`, `≤ ×${TARGETS.coldVsOneTool}`],
          ['Installed footprint', `${b.installMB} MB (\`npm ci --omit=dev\`)`, `${n(fp.installedMB, 1)} MB installed from the tarball; \`npm ci --omit=dev\` ${n(fp.prodInstallMB, 1)} MB`, `≤ ${TARGETS.installMB} MB`],
          ['`.mcpb`', 'node_modules when the issue was filed; ~1 MB bundle since the previous session', `${n(fp.mcpbMB, 2)} MB`, `≤ ${TARGETS.mcpbMB} MB`],
          ['First signed call after launch (keystore), node:crypto ÷ @ethereumjs/wallet', `${x(b.firstSignedRatio)}`, `${x(unlockRatio)}`, `≤ ×${TARGETS.firstSignedRatio}`],
          ['HTTP 50 sessions, p99 ÷ the transport setup before (same run)', `${x(b.httpP99VsBefore)}`, before && l50 ? x(l50.latencyMs.p99 / before.latencyMs.p99) : 'n/a', `≤ ×${TARGETS.httpP99Ratio}`],
          ['HTTP 50 sessions, calls/s', `${n(b.httpCallsPerSec, 0)}`, l50 ? n(l50.callsPerSec, 0) : 'n/a', `≥ ${TARGETS.httpCallsPerSec}`],
        ],
      ),
      '',
    );
  }

  p('## Results against targets', '');
  p('Times are median / p99 unless marked.', '');
  const rows = [
    ['1', 'Cold start of the shipped bin (bundle/cli.js), spawn → `initialize` answered (stdio, ' + (server.launches ?? '?') + ' launches)', mp(server.initialize), '—', '—'],
    ['1', 'Cold start of the shipped bin, spawn → `tools/list` answered', mp(server.toolsList), `≤ ${TARGETS.coldStartMs} ms (median)`, ok(coldMet)],
    ['1', '… with every platform configured (AgentPMT, AgentRuntime, Arrotech)', mp(cs.shippedAll?.toolsList), '—', '—'],
    ['1', '… reference, same run: one-tool server with the same MCP SDK', mp(cs.oneTool?.toolsList), '—', '—'],
    ['1', '… reference, same run: bare Node answering JSON-RPC', mp(cs.bare?.toolsList), '—', '—'],
    ['1', 'Shipped bin, every platform configured ÷ one-tool SDK server (medians)', x(cr0.shippedAllVsOneTool), `≤ ×${TARGETS.coldVsOneTool}`, ok(typeof cr0.shippedAllVsOneTool === 'number' ? cr0.shippedAllVsOneTool <= TARGETS.coldVsOneTool : undefined)],
    ['1', 'Shipped bin, every platform configured ÷ bare Node (medians)', x(cr0.shippedAllVsBare), `≤ ×${TARGETS.coldVsBare}`, ok(typeof cr0.shippedAllVsBare === 'number' ? cr0.shippedAllVsBare <= TARGETS.coldVsBare : undefined)],
    ['1', '`dist/cli.js` (tsc output over node_modules, what a clone runs), spawn → `tools/list`', mp(cs.server?.toolsList), '—', '—'],
    ['1', 'Footprint: `npm install` of the `npm pack` tarball into an empty folder', fp.installedMB !== undefined ? `${n(fp.installedMB, 1)} MB, ${fp.installedPackages} package(s) (tarball ${n(fp.tarballMB, 2)} MB)` : 'n/a', `≤ ${TARGETS.installMB} MB`, ok(fp.installedMB !== undefined ? fp.installedMB <= TARGETS.installMB : undefined)],
    ['1', 'Footprint: `npm ci --omit=dev` of this repository', fp.prodInstallMB !== undefined ? `${n(fp.prodInstallMB, 1)} MB, ${fp.prodInstallPackages} package(s)` : 'n/a', `≤ ${TARGETS.installMB} MB`, ok(fp.prodInstallMB !== undefined ? fp.prodInstallMB <= TARGETS.installMB : undefined)],
    ['1', 'Footprint: the `.mcpb` (`npm run pack`)', fp.mcpbMB !== undefined ? `${n(fp.mcpbMB, 2)} MB` : fp.mcpbError ?? 'n/a', `≤ ${TARGETS.mcpbMB} MB`, ok(fp.mcpbMB !== undefined ? fp.mcpbMB <= TARGETS.mcpbMB : undefined)],
    ['1', 'The bundle: size, files; loaded by a stdio launch', fp.bundleMB !== undefined ? `${n(fp.bundleMB, 2)} MB in ${fp.bundleFiles} files; a launch loads ${fp.startupFiles} files, ${n(fp.startupMB, 2)} MB` : 'n/a', '—', '—'],
    ['2', `Floor: the signed \`${pc.action ?? '?'}\` POST sent directly with undici (build + sign + POST, ${pc.callsPerPath ?? '?'} calls)`, mp(paths[floorName]), '—', '—'],
    [
      '2',
      'Same call as `marketplace_invoke` through MCP over **stdio**',
      paths[stdioName] ? `${mp(paths[stdioName])}; ×${n(ov[stdioName]?.ratioMedian, 2)} the floor; added ${signed(ov[stdioName]?.addedMedianMs)} / ${signed(ov[stdioName]?.addedP99Ms)}` : 'n/a',
      `≤ ${TARGETS.stdioAddedMs} ms added (median)`,
      ok(typeof stdioAdded === 'number' ? stdioAdded <= TARGETS.stdioAddedMs && (paths[stdioName]?.errors ?? 1) === 0 : undefined),
    ],
    ['2', 'Same call through MCP over **Streamable HTTP**', paths[httpName] ? `${mp(paths[httpName])}; ×${n(ov[httpName]?.ratioMedian, 2)}; added ${signed(ov[httpName]?.addedMedianMs)} / ${signed(ov[httpName]?.addedP99Ms)}` : 'n/a', '—', '—'],
    ['3', 'EIP-191 signed request: build message + sign (' + (cryptoEip?.ops ?? '?') + ' ops)', cryptoEip ? `${us(cryptoEip.usMedian)} / ${us(cryptoEip.usP99)} per op (mean ${us(cryptoEip.usPerOpMean)})` : 'n/a', '—', '—'],
    ['3', 'x402 envelope: authorization + EIP-712 signature + base64 (' + (cryptoX402?.ops ?? '?') + ' ops)', cryptoX402 ? `${us(cryptoX402.usMedian)} / ${us(cryptoX402.usP99)} per op (mean ${us(cryptoX402.usPerOpMean)})` : 'n/a', '—', '—'],
    ...(r.keystoreUnlock && !r.keystoreUnlock.error
      ? (() => {
          const ku = r.keystoreUnlock;
          const [b, a] = Object.keys(ku).filter((k) => k.startsWith('before') || k.startsWith('after')).map((k) => ku[k]);
          return [['3', `first signed call after launch, keystore n=262144 (fresh process: load + unlock + sign; ${ku.launches} launches): @ethereumjs/wallet → node:crypto`, `${mp(b?.firstSignedCallMs)} → ${mp(a?.firstSignedCallMs)} (×${ku.afterOverBefore}); event-loop stall ${mp(b?.worstEventLoopStallMs)} → ${mp(a?.worstEventLoopStallMs)}`, '≤ 0.7×', ok(ku.afterOverBefore <= 0.7)]];
        })()
      : []),
    ...levels.map((l) => [
      '4',
      `HTTP throughput, ${l.sessions} sessions, \`platform_health\` (${l.completed}/${l.callsTarget} calls${l.runs ? `, ${l.runs} runs pooled: ${l.each.map((e) => `${n(e.callsPerSec, 0)}`).join(', ')} calls/s, p99 ${l.each.map((e) => n(e.p99, 0)).join(', ')} ms` : ''})`,
      `**${n(l.callsPerSec, 0)} calls/s**; p50 ${ms(l.latencyMs.median)}, p99 ${ms(l.latencyMs.p99)}; errors ${l.errors}; peak RSS ${n(l.rssPeakMB)} MB`,
      l.sessions === 50 ? `≥ ${TARGETS.httpCallsPerSec} calls/s, p99 ≤ ${TARGETS.httpP99Ms} ms, 0 errors` : '—',
      l.sessions === 50 ? ok(httpMet) : '—',
    ]),
    ...(() => {
      const before = hp.supplementary?.whatIfSse50;
      if (!l50 || !before) return [];
      const ratio = l50.latencyMs.p99 / before.latencyMs.p99;
      return [
        ['4', `… same run, interleaved: today's transport setup before issue 18 (bench/what-if-http.mjs: the SDK's Node adapter, every answer an SSE stream), 50 sessions${before.runs ? `, ${before.runs} runs pooled` : ''}`, `**${n(before.callsPerSec, 0)} calls/s**; p50 ${ms(before.latencyMs.median)}, p99 ${ms(before.latencyMs.p99)}; errors ${before.errors}`, '—', '—'],
        ['4', 'HTTP 50 sessions, p99 now ÷ p99 of the setup before; calls/s now', `${x(ratio)}; ${n(l50.callsPerSec, 0)} calls/s (before: ${n(before.callsPerSec, 0)})`, `≤ ×${TARGETS.httpP99Ratio}, ≥ ${TARGETS.httpCallsPerSec} calls/s, 0 errors`, ok(ratio <= TARGETS.httpP99Ratio && l50.callsPerSec >= TARGETS.httpCallsPerSec && l50.errors === 0)],
      ];
    })(),
    ['5', `Context: \`tools/list\`, default toolsets (${cx.toolsets?.default?.tools ?? '?'} tools)`, `${tokens(defTokens)} tokens`, `≤ ${tokens(TARGETS.defaultTokens)} tokens`, ok(typeof defTokens === 'number' ? defTokens <= TARGETS.defaultTokens : undefined)],
    ['5', `Context: \`tools/list\`, all toolsets (${cx.toolsets?.all?.tools ?? '?'} tools)`, `${tokens(cx.toolsets?.all?.tokens)} tokens`, '—', '—'],
    ['6', 'Memory: RSS of the stdio server idle after start-up', `${n(mp0.start?.rssMB)} MB`, '—', '—'],
    [
      '6',
      `Memory: RSS after ${tokens(mem.calls)} calls (${mem.quietSeconds ?? '?'} s after the last / then after a full GC)`,
      `${n(mp0.endQuiet?.rssMB)} / ${n(mp0.endQuiet?.heap?.rssAfterGcMB)} MB, right after the last call ${n(mp0.endBurst?.rssMB)} MB. After a full GC: ${signedMB(mem.growthSinceStart?.rssAfterGcMB)} since start-up, of which ${signedMB(mem.oneTimeWarmup?.rssAfterGcMB)} one-time over the first ${tokens(mp0.warmupQuiet?.calls)} calls and **${signedMB(mg?.rssAfterGcMB)} over the next ${tokens((mem.calls ?? 0) - (mp0.warmupQuiet?.calls ?? 0))}** (live heap ${signedMB(mg?.liveHeapMB)})`,
      `no growth beyond noise (≤ ${TARGETS.rssNoiseMB} MB RSS after GC, ≤ ${TARGETS.heapNoiseMB} MB live heap, after warm-up → after all calls)`,
      ok(memMet),
    ],
  ];
  const lg = r.ledger ?? {};
  if (lg.error) rows.push(['7', 'Money safety: ledger', `failed: ${lg.error.split('\n')[0]}`, '—', '—']);
  else if (lg.fileReserveMs) {
    rows.push(
      ['7', `Reservation step (budget check + durable record, atomic; ${lg.reservations} serial), embedded file ledger`, mp(lg.fileReserveMs), `≤ ${TARGETS.reserveMs} ms (median)`, ok(lg.fileReserveMs.median <= TARGETS.reserveMs)],
      ['7', 'Reservation step, PostgreSQL ledger (same machine, fsync off as in tests)', mp(lg.pgReserveMs), '—', '—'],
      ['7', `Paid x402 \`marketplace_invoke\` end to end, embedded ledger (${lg.paidFile?.calls} calls, ${lg.paidFile?.concurrency} in flight)`, `**${n(lg.paidFile?.callsPerSec, 1)} paid calls/s**; p50 ${ms(lg.paidFile?.latencyMs?.median)}, p99 ${ms(lg.paidFile?.latencyMs?.p99)}; errors ${lg.paidFile?.errors}`, '—', '—'],
      ['7', 'Same, PostgreSQL ledger', `**${n(lg.paidPg?.callsPerSec, 1)} paid calls/s**; p50 ${ms(lg.paidPg?.latencyMs?.median)}, p99 ${ms(lg.paidPg?.latencyMs?.p99)}; errors ${lg.paidPg?.errors}`, '—', '—'],
    );
  }
  p(table(['#', 'figure', 'measured', 'target', 'met?'], rows), '');

  // ------------------------------------------------------------ details
  p('## Details', '');
  p('### 1. Cold start', failed(r.coldStart));
  if (cs.interleaved) p(`${server.launches ?? '?'} launches of each, interleaved (each variant in turn, round after round) after 2 warm-up rounds, so load from other work on the machine hits them all alike. Ratios are of medians.`, '');
  p(
    table(
      ['launch', 'initialize', 'tools/list', 'first tools/call', 'tools', 'exit after stdin closes'],
      [cs.shipped, cs.shippedAll, cs.oneTool, cs.bare, cs.server].filter(Boolean).map((s) => [s.label, mp(s.initialize), mp(s.toolsList), s.firstCall ? mp(s.firstCall) : '—', String(s.tools ?? '?'), mp(s.exitAfterStdinClose)]),
    ),
    '',
  );
  p(`Ratios, same run: shipped ÷ one-tool SDK server ${x(cr0.shippedVsOneTool)} (every platform: ${x(cr0.shippedAllVsOneTool)}); shipped ÷ bare Node ${x(cr0.shippedVsBare)} (every platform: ${x(cr0.shippedAllVsBare)}); dist/cli.js ÷ one-tool ${x(cr0.distVsOneTool)}, ÷ bare ${x(cr0.distVsBare)}.`, '');
  if (cs.firstCallRatios) {
    p(
      'initialize and tools/list are answered before the server and its platforms load (`src/early-answers.ts`: the settings and the catalog the bundle carries are enough); the loading starts once tools are listed. ' +
        `"first tools/call" is launch → the first call answered, sent right after tools/list: that one waits for the server. Ours refuses a missing argument (no network); the one-tool server echoes. Shipped ÷ one-tool at the first call: ${x(cs.firstCallRatios.shippedVsOneTool)} (every platform: ${x(cs.firstCallRatios.shippedAllVsOneTool)}).`,
      '',
    );
  }

  p('### 2. Per-call overhead', failed(r.perCall));
  p(
    `Action \`${pc.action}\`, payment ${pc.payment}; ${pc.warmupPerPath} warm-up calls per path (they also fill the server's marketplace catalog cache and session nonce), then ${pc.rounds} rounds of ${pc.callsPerPath / (pc.rounds || 1)} calls per path, the order of the paths rotating each round. ` +
      'Each paid path has its own wallet (the sandbox CLI gives every new wallet 1000 credits and has no option to raise it; one wallet covers at most ~950 paid calls). ' +
      'The floor signs with the same `dist/wallet/index.js` helpers the server uses, so crypto cost is on both sides and the difference is what MCP and the server add.',
    '',
  );
  p(
    table(
      ['path', 'median', 'p90', 'p99', 'errors', '× floor (median)', 'added median', 'added p99'],
      Object.entries(paths).map(([name, s]) => {
        const o = ov[name];
        return [name, ms(s.median), ms(s.p90), ms(s.p99), String(s.errors), o ? `×${n(o.ratioMedian, 2)}` : '—', o ? signed(o.addedMedianMs) : '—', o ? signed(o.addedP99Ms) : '—'];
      }),
    ),
    '',
  );
  if (pc.cpuPerCall) {
    p('CPU per call, by process, over the same calls (from /proc/<pid>/stat, 10 ms ticks summed over the 10 blocks of each path; the bench process includes its client and, for the floors, the signing):', '');
    p(
      table(
        ['path', 'server', 'sandbox', 'bench process'],
        Object.entries(pc.cpuPerCall).map(([name, c]) => [name, c.serverMsPerCall === null ? '—' : ms(c.serverMsPerCall), ms(c.sandboxMsPerCall), ms(c.benchMsPerCall)]),
      ),
      '',
    );
  }
  p('The `platform_health` rows compare an unsigned read with a direct `GET /health`: MCP\'s own cost without signing or parameter validation.', '');

  p('### 3. Crypto', failed(r.crypto));
  p(table(['operation', 'median', 'p99', 'mean'], Object.entries(cr).filter(([, v]) => v && v.ops).map(([k, v]) => [k, us(v.usMedian), us(v.usP99), us(v.usPerOpMean)])), '');

  p('### 4. HTTP throughput', failed(r.http));
  p(
    `Each session is its own SDK \`Client\` + \`StreamableHTTPClientTransport\` in the bench process; the calls are shared out until ${levels[0]?.callsTarget ?? '?'} have been made (bounded at 30 s). The 50-session level, which carries the target, runs three times (between the other levels) and is pooled: calls/s over the summed time, percentiles over all calls. The last column is CPU that processes outside the bench used meanwhile (other work on the VM), as a share of both cores. ` +
      'The bench client, the server and the sandbox share the same 2 cores, so the CPU each spends per call is shown: their sum bounds what this machine can do.',
    '',
  );
  const allLevels = [...levels, ...Object.values(hp.supplementary ?? {})];
  p(
    table(
      ['sessions', 'server', 'client', 'calls/s', 'p50', 'p99', 'errors', 'session set-up (each)', 'RSS idle → with sessions → peak', 'CPU ms/call: server / client / sandbox', 'CPU used by other processes'],
      allLevels.map((l) => [
        String(l.sessions),
        `${l.server}${l.runs ? ` — ${l.runs} runs pooled (${l.each.map((x) => n(x.callsPerSec, 0)).join(', ')} calls/s)` : ''}`,
        l.client,
        n(l.callsPerSec, 0),
        ms(l.latencyMs.median),
        ms(l.latencyMs.p99),
        `${l.errors}${l.timedOut ? ' (time bound hit)' : ''}`,
        ms(l.sessionSetupMsEach),
        `${n(l.rssIdleMB)} → ${n(l.rssAfterSessionsMB)} → ${n(l.rssPeakMB)} MB`,
        `${n(l.cpuMsPerCall.server, 2)} / ${n(l.cpuMsPerCall.benchClient, 2)} / ${n(l.cpuMsPerCall.sandbox, 2)}`,
        l.each ? l.each.map((e) => `${n(e.foreignCpuPct, 0)}%`).join(', ') : `${n(l.machine?.foreignPct, 0)}%`,
      ]),
    ),
    '',
  );

  const hs = r.httpSessions;
  p('#### RSS after 2,000 sessions', failed(hs));
  if (hs && !hs.error) {
    p(
      `${tokens(hs.sessions)} session initializations against the shipped server (raw \`initialize\` POSTs, 8 at a time, never closed: what clients that vanish leave behind), default session cap ${hs.maxSessions} (\`AGENTPMT_HTTP_MAX_SESSIONS\`): the longest-idle session is evicted for each new one. ` +
        'Then DELETE of every session id (evicted ones answer 404). RSS includes garbage V8 has not collected yet: the peak is reached between two major GCs.',
      '',
    );
    p(
      table(
        ['sessions', 'answers', 'live at the end', 'init (each)', 'RSS idle → after', 'growth', 'peak', 'after DELETE'],
        [[tokens(hs.sessions), Object.entries(hs.statuses ?? {}).map(([k, v]) => `${v}× ${k}`).join(', '), String(hs.liveAtEnd), ms(hs.initMsEach), `${n(hs.rssIdleMB)} → ${n(hs.rssAfterMB)} MB`, signedMB(hs.rssGrowthMB), `${n(hs.rssPeakMB)} MB`, `${n(hs.rssAfterDeleteMB)} MB`]],
      ),
      '',
    );
  }

  p('### 5. Context cost', failed(r.context));
  p(`Tokens ≈ characters of the JSON \`tools/list\` result / 4. The server's \`instructions\` add ${cx.instructionsTokens ?? '?'} tokens.`, '');
  p(table(['toolset', 'tools', 'tokens'], Object.entries(cx.toolsets ?? {}).map(([k, v]) => [k, String(v.tools), tokens(v.tokens)])), '');
  if (cx.openAiStrict) {
    p(
      `Schema portability (\`test/unit/schema-portability.test.ts\` enforces the first three): JSON Schema 2020-12, Gemini function declarations and OpenAI function calling (non-strict) take every tool. OpenAI *strict* mode would take ${cx.openAiStrict.compatible} of ${cx.openAiStrict.tools} as listed (${Math.round((100 * cx.openAiStrict.compatible) / Math.max(1, cx.openAiStrict.tools))} %): strict needs every object closed and every property required, and strict hosts convert schemas themselves.`,
      '',
    );
  }
  if (cx.defaultComposition) {
    const c = cx.defaultComposition;
    p(`Default set by part: descriptions ${tokens(c.descriptionsTokens)}, input schemas ${tokens(c.inputSchemasTokens)}, titles + annotations ${tokens(c.titlesAndAnnotationsTokens)}, the rest (names, \`execution\`, JSON punctuation) ${tokens(c.otherTokens)}.`, '');
    p(table(['largest default tools', 'tokens', 'description', 'input schema'], (cx.largestDefaultTools ?? []).map((t) => [t.name, String(t.tokens), String(t.descriptionTokens), String(t.schemaTokens)])), '');
  }

  p('### 6. Memory', failed(r.memory));
  if (mem.points) {
    p(
      `${tokens(mem.calls)} \`platform_health\` calls over stdio, ${mem.concurrency} in flight (${n(mem.callsPerSec, 0)} calls/s, latency ${mp(mem.latencyMs)}, ${mem.errors} errors): ${tokens(mp0.warmupQuiet?.calls)} to warm up, a ${mem.quietSeconds} s pause, the rest, another ${mem.quietSeconds} s pause. ` +
        'RSS is read from /proc/<pid>/status (anonymous and file-backed parts); the live heap comes from a preload (`bench/heap-probe.mjs`, `--expose-gc`) that runs a full GC on SIGUSR2, always after RSS has been read.',
      '',
    );
    const row = (label, pt) => [label, String(pt?.calls ?? ''), n(pt?.rssMB), n(pt?.anonMB), n(pt?.fileMB), pt?.heap ? n(pt.heap.heapTotalBeforeGcMB) : '', pt?.heap ? n(pt.heap.rssAfterGcMB) : '', pt?.heap ? n(pt.heap.heapUsedMB, 2) : ''];
    p(
      table(
        ['moment', 'calls', 'RSS MB', 'anon MB', 'file MB', 'V8 heap committed MB', 'RSS after a full GC MB', 'live heap after GC MB'],
        [
          row('idle after start-up', mp0.start),
          row('1 s after the warm-up calls', mp0.warmupBurst),
          row(`${mem.quietSeconds} s after the warm-up calls`, mp0.warmupQuiet),
          ...(mem.checkpoints ?? []).map((c) => row('during the run', c)),
          row('1 s after the last call', mp0.endBurst),
          row(`${mem.quietSeconds} s after the last call`, mp0.endQuiet),
        ],
      ),
      '',
    );
    const g = (x) => `RSS ${signedMB(x?.rssMB)} as sampled (anonymous ${signedMB(x?.anonMB)}, file-backed ${signedMB(x?.fileMB)}), ${signedMB(x?.rssAfterGcMB)} after a full GC, live heap ${signedMB(x?.liveHeapMB)}`;
    p(`Peak RSS ${n(mem.rssPeakMB)} MB. Quiet state to quiet state: one-time, over the first ${tokens(mp0.warmupQuiet?.calls)} calls: ${g(mem.oneTimeWarmup)}; over the following ${tokens((mem.calls ?? 0) - (mp0.warmupQuiet?.calls ?? 0))} calls: **${g(mg)}**. File-backed pages are code (the node binary, libraries) touched for the first time; the one-time anonymous part is what the first calls load and keep (modules loaded on first use, JIT code, caches).`, '');
  }

  // ------------------------------------------------------------ profiles
  p('## Where the time goes', '');
  p('### Cold start', '');
  if (ic.steps) {
    p(`Incremental import cost of the start-up graph, in load order (fresh process each, median of ${ic.runs}; ${ms(ic.totalSinceProcessStartMs)} from process start to the last import). Each line is what that module adds on top of everything above it.`, '');
    p(table(['module', 'adds', 'in the stdio start-up graph?'], ic.steps.map((s) => [`\`${s.module}\``, ms(s.addedMs), s.inStartupGraph === undefined ? '?' : s.inStartupGraph ? 'yes' : 'no (loaded later)'])), '');
    if (ic.startupGraph?.packages) p(`A stdio launch loads ${ic.startupGraph.esmFiles} ES module files and ${ic.startupGraph.cjsFiles} CommonJS files; by package: ${Object.entries(ic.startupGraph.packages).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  }
  const prof = (x, title) => {
    if (!x) return;
    if (x.error) {
      p(`${title}: ${x.error}`, '');
      return;
    }
    p(table(['area (self time)', 'ms', '%'], x.byArea.slice(0, 10).map((a) => [a.name, n(a.ms, 1), n(a.pct, 1)])), '');
    p(table(['function (self time)', 'ms', '%'], x.topSelf.slice(0, 10).map((a) => [`\`${a.name}\``, n(a.ms, 1), n(a.pct, 1)])), '');
  };
  if (pf.coldStart && !pf.coldStart.error) p(`CPU profile of one launch (\`node --cpu-prof --cpu-prof-interval=250\`, stdin closed after tools/list; ${ms(pf.coldStart.busyMs)} of CPU sampled, ${ms(pf.coldStart.wallToToolsListMs)} to tools/list under the profiler). "node: module loader" is Node resolving, reading and compiling modules; "node: other internals" is mostly the CommonJS/ESM glue and stream set-up.`, '');
  prof(pf.coldStart, 'cold start profile');
  p('### Hot path: signed `marketplace_invoke` over stdio', '');
  if (pf.hotPathStdio && !pf.hotPathStdio.error) {
    const h = pf.hotPathStdio;
    p(`${h.calls} calls of \`${h.action}\`, profile restricted to the measured window${h.windowed ? '' : ' (window not found: whole run)'}: **${ms(h.busyMsPerCall)} of server CPU per call** (wall ${ms(h.wallMsPerCall)} per call, profiler on).`, '');
    prof(h, 'stdio hot path');
    const inc = h.inclusiveMsPerCall ?? {};
    const pick = ['signMessageWithKey', 'privateKeyToAccount', 'sign', 'request', 'buildSignedMessage', 'validateToolInput', 'checkInvocation', 'validateParameters', 'okResult'];
    p(table(['on-stack time per call (synchronous part)', 'ms'], pick.filter((k) => inc[k] !== undefined).map((k) => [`\`${k}\``, n(inc[k], 3)])), '');
  } else if (pf.hotPathStdio) p(pf.hotPathStdio.error, '');
  p('### Hot path: `platform_health` over Streamable HTTP, 50 sessions', '');
  if (pf.hotPathHttp && !pf.hotPathHttp.error) {
    p(`${pf.hotPathHttp.calls} calls: **${ms(pf.hotPathHttp.busyMsPerCall)} of server CPU per call** (profiler on).`, '');
    prof(pf.hotPathHttp, 'http hot path');
  } else if (pf.hotPathHttp) p(pf.hotPathHttp.error, '');
  if (ip.default) {
    p(
      `Per-session and per-listing work, in-process: \`createMcpServer\` (once per HTTP session) ${ms(ip.default.createMcpServerMs)} default / ${ms(ip.all?.createMcpServerMs)} all; a \`tools/list\` answered by the server alone ${mp(ip.default.toolsListServerMs)} default (the SDK converts every zod schema to JSON Schema on each listing).`,
      '',
    );
  }

  // ------------------------------------------------------------ recommendations
  p('## Findings and what is left', '');
  const recs = [];
  const done = [];
  const httpIdleTimeout = r.codeChecks?.httpIdleSessionTimeout === true;
  const undiciStep = ic.steps?.find((s) => s.module === 'undici');
  if (undiciStep && undiciStep.inStartupGraph === false) {
    done.push(
      `**undici: already loaded on the first request (done in \`src/core/http-client.ts\`).** It is no longer in the start-up graph; importing it costs ${ms(undiciStep.addedMs)} (${'all of undici 7: fetch, WebSocket, EventSource, mocks, cache stores'}), which the first platform request now pays once instead of every launch.`,
    );
  }
  if (undiciStep && undiciStep.inStartupGraph !== false) {
    recs.push(
      `**Load undici on first request** — \`src/core/http-client.ts\` imports \`Pool\` and \`errors\` from \`undici\` at the top, which costs **${ms(undiciStep.addedMs)}** of every start-up (undici 7's entry point loads all of it — fetch, WebSocket, EventSource, mocks, cache stores: ${ic.startupGraph?.packages?.undici ?? 'about a hundred'} files). Make \`pool()\` async with \`const { Pool } = await import('undici')\` (cached in a module variable), keep \`import type { Dispatcher } from 'undici'\`, and classify timeouts by \`err.code\` (\`UND_ERR_HEADERS_TIMEOUT\`, \`UND_ERR_BODY_TIMEOUT\`, \`UND_ERR_CONNECT_TIMEOUT\`) instead of \`instanceof undiciErrors.*\`. The first platform request pays it once instead. Expected: cold start −${ms(undiciStep.addedMs)} (not cumulative with bundling, which shrinks it).`,
    );
  }
  const derive = cr['breakdown: viem privateKeyToAccount (derives the public key and address)'];
  const again = cr['breakdown: project accountFromPrivateKey, same key again (what each signature pays for its account)'];
  const cached191 = cr['breakdown: EIP-191 signature with an account derived once'];
  const cached712 = cr['breakdown: EIP-712 signature with an account derived once'];
  if (derive && again && cryptoEip) {
    const cachedNow = again.usMedian < 0.2 * derive.usMedian;
    (cachedNow ? done : recs).push(
      cachedNow
        ? `**Signing account: already derived once per key (done in \`src/platforms/agentpmt/wallet/signer.ts\`).** Deriving it costs ${us(derive.usMedian)} (viem \`privateKeyToAccount\`); \`accountFromPrivateKey\` now answers a repeated key in ${us(again.usMedian)}, so EIP-191 build + sign is ${us(cryptoEip.usMedian)}${cached191 ? ` (a bare signature with a derived account: ${us(cached191.usMedian)})` : ''}. Nothing left to do; the one-entry cache is enough for the one wallet a server holds.`
        : `**Derive the viem account once** — \`accountFromPrivateKey\` (\`src/platforms/agentpmt/wallet/signer.ts\`) runs \`privateKeyToAccount\` (${us(derive.usMedian)}: secp256k1 public key + address) for every signature. Keep the account for the configured key (a private field of \`WalletManager\`, or a one-entry cache in \`signer.ts\`). Measured: EIP-191 build + sign ${us(cryptoEip.usMedian)} → ~${us(cached191?.usMedian)}${cached712 && cryptoX402 ? `; x402 envelope ${us(cryptoX402.usMedian)} → ~${us(cached712.usMedian)}` : ''}. Expected: −${ms((derive.usMedian ?? 0) / 1000)} latency and server CPU per signed call.`,
    );
  }
  const ab = ip.abortSignalPerRequest;
  const isAbort = (f) => /^(createAbortSignal|any|timeout) node:internal\/abort_controller/.test(f.name);
  const abortInProfile = [['stdio', pf.hotPathStdio], ['HTTP', pf.hotPathHttp]]
    .map(([k, h]) => [k, (h?.topSelf ?? []).filter(isAbort).reduce((a, f) => a + f.pct, 0)])
    .filter(([, pctSum]) => pctSum > 0)
    .map(([k, pctSum]) => `${n(pctSum, 1)}% of the ${k} hot path's self time`)
    .join(', ');
  if (ab?.current?.usPerRequest !== undefined && ab?.controllerWithClearedTimer?.usPerRequest !== undefined && r.codeChecks?.httpClientComposesAbortSignals !== false) {
    recs.push(
      `**One timer per platform request instead of two composed signals** — \`HttpClient.once\` (\`src/core/http-client.ts\`) builds \`AbortSignal.timeout(timeoutMs)\` and \`AbortSignal.any([req.signal, timeout])\` per attempt: ${n(ab.current.usPerRequest, 1)} µs on Node 20, against ${n(ab.controllerWithClearedTimer.usPerRequest, 1)} µs for one \`AbortController\` + \`setTimeout\` cleared in \`finally\` (forward \`req.signal\`'s abort to it). Small (≈${n(ab.current.usPerRequest - ab.controllerWithClearedTimer.usPerRequest, 0)} µs per request)${abortInProfile ? `, but it is per-request set-up in the project's own code that shows in the profile (\`AbortSignal.any\` + \`createAbortSignal\`: ${abortInProfile})` : ''}.`,
    );
  }
  const di = ip.dynamicImportPerCall;
  const signerOnStack = pf.hotPathStdio?.inclusiveMsPerCall?.signer;
  const loaderArea = pf.hotPathStdio?.byArea?.find((a) => a.name === 'node: module loader');
  if (di && r.codeChecks?.walletManagerImportsSignerPerCall !== false) {
    recs.push(
      `**Keep the signer module's promise** — \`WalletManager\` (\`src/platforms/agentpmt/wallet/manager.ts\`) calls \`signer()\` = \`import('./signer.js')\` (and \`x402()\` likewise) on every signature. Re-importing a loaded module still runs the ESM loader: ${n(di.importOfLoadedModuleUs, 1)} µs in a tight loop against ${n(di.cachedPromiseUs, 2)} µs for a cached promise, and in the stdio hot-path profile \`signer\` is ${signerOnStack !== undefined ? `${n(signerOnStack * 1000, 0)} µs` : 'n/a'} on-stack per call${loaderArea ? `, the module loader ${n((loaderArea.ms / (pf.hotPathStdio.calls || 1)) * 1000, 0)} µs of self time per call` : ''} (profiler on). Fix: \`let signerModule; const signer = () => (signerModule ??= import('./signer.js'));\` (same for \`x402\`), as \`http-client.ts\` already does for undici. Tiny, but it is exactly per-call work that can be done once.`,
    );
  }
  const removable = cx.defaultRemovable;
  if (removable && removable.annotationsTitleDuplicateTokens + removable.inputSchemaDollarSchemaTokens + removable.executionTaskSupportTokens > 0) {
    const d = removable;
    recs.push(
      `**Context (target already met):** \`src/server.ts\` repeats each tool's title inside \`annotations\` (\`annotations: { title: decl.title, … }\`) although \`title\` is already top-level: dropping it saves **${d.annotationsTitleDuplicateTokens} tokens** of the default set. The SDK adds \`$schema\` to every input schema (${d.inputSchemaDollarSchemaTokens} tokens) and \`execution.taskSupport\` to every tool (${d.executionTaskSupportTokens} tokens); those would need a custom \`tools/list\` handler — not cheap.`,
    );
  }
  if (l50) {
    const sup = hp.supplementary ?? {};
    const raw50 = sup.rawClient50;
    const wSse = sup.whatIfSse50;
    const c = l50.cpuMsPerCall;
    const sum = c.server + c.benchClient + c.sandbox;
    const areas = pf.hotPathHttp?.byArea ?? [];
    const share = (f) => areas.filter((a) => f(a.name)).reduce((x, a) => x + a.pct, 0);
    const distShare = share((a) => a.startsWith('dist/'));
    const sdkShare = share((a) => ['@modelcontextprotocol/sdk', '@hono/node-server', 'zod', 'node: web streams', "node: built-in undici (fetch's Request/Response/Headers)"].includes(a));
    const gcShare = share((a) => a === 'GC');
    const rateMet = l50.callsPerSec >= TARGETS.httpCallsPerSec;
    const p99Met = l50.latencyMs.p99 <= TARGETS.httpP99Ms;
    recs.push(
      `**HTTP at 50 sessions: ${rateMet ? 'throughput met' : 'throughput short'} (${n(l50.callsPerSec, 0)} calls/s), p99 ${ms(l50.latencyMs.p99)} ${p99Met ? 'within' : 'over'} the ${TARGETS.httpP99Ms} ms target, ${l50.errors} errors${httpMet ? '' : ' — what is ours is done (see below)'}.** ` +
        `Each session keeps one call in flight, so latency is mostly queueing: 50 sessions / ${n(l50.callsPerSec, 0)} calls/s = ${ms((1000 * l50.sessions) / l50.callsPerSec)} mean (measured median ${ms(l50.latencyMs.median)}); the tail adds GC pauses (${n(gcShare, 1)}% of the server's CPU in the profile) and the three processes taking turns on 2 cores. ` +
        `CPU per call: server ${ms(c.server)} (user + system, GC threads and the kernel's loopback TCP included), SDK client ${ms(c.benchClient)}, sandbox ${ms(c.sandbox)} — ${ms(sum)} in all, which caps this machine at ~${n(2000 / sum, 0)} calls/s. The 50 SDK clients share one Node process, which alone tops out at ~${n(1000 / c.benchClient, 0)} calls/s on one core however little the server costs; for ${TARGETS.httpCallsPerSec} calls/s on these 2 cores the server would have to stay under ~${ms(2000 / TARGETS.httpCallsPerSec - c.benchClient - c.sandbox)} per call with the machine 100% busy. ` +
        (areas.length ? `In the server profile the project's own code (\`dist/\`) is ${n(distShare, 1)}% of the CPU; the SDK's Streamable HTTP stack (SDK, \`@hono/node-server\`, web streams, Node's built-in Request/Response, zod validation of every message) is ${n(sdkShare, 1)}% and sockets/HTTP parsing most of the rest (${n(share((a) => a === 'node: sockets and pipes'), 1)}% is the socket writes alone: the answer, and the request to the platform, each one write call that carries the kernel's loopback TCP work on this VM), so nothing in \`src/\` moves this much. ` : '') +
        (raw50 ? `With a lighter load generator (raw undici client) the same server did ${n(raw50.callsPerSec, 0)} calls/s, p99 ${ms(raw50.latencyMs.p99)}: the SDK client's own CPU is a large part of what the 50-session figure measures on 2 cores. ` : '') +
        (wSse
          ? `Against the transport setup before issue 18 (the SDK's Node adapter, SSE answers), same run, interleaved: ${n(wSse.callsPerSec, 0)} → ${n(l50.callsPerSec, 0)} calls/s, p99 ${ms(wSse.latencyMs.p99)} → ${ms(l50.latencyMs.p99)}, server CPU ${ms(wSse.cpuMsPerCall.server)} → ${ms(c.server)} per call (the old setup's copy skips the Host/Origin/token/size checks). Plain JSON answers (src/transports/web-bridge.ts) save the client its event-stream parse; progress and elicitation still stream. `
          : '') +
        (httpMet ? '' : 'What would move it: less CPU per call inside the SDK\'s HTTP stack (upstream), or more server processes (\`node:cluster\`, sessions pinned by a sticky balancer) on a host with cores to spare for them, the client and the platform.'),
    );
  }
  if (cs.shipped?.toolsList && cs.shippedAll?.toolsList && cs.oneTool?.toolsList) {
    const extra = cs.shippedAll.toolsList.median - cs.shipped.toolsList.median;
    const fc = cs.firstCallRatios ?? {};
    recs.push(
      `**Cold start: ${x(cr0.shippedVsOneTool)} the one-tool SDK server with AgentPMT alone, ${x(cr0.shippedAllVsOneTool)} with all three platforms configured.** ` +
        `Over stdio, initialize and tools/list are answered before the MCP SDK or any platform code loads (\`src/early-answers.ts\`, \`src/transports/stdio-early.ts\`): the settings, each platform's light identity (toolsets, instructions) and the catalog index and listings the bundle carries are enough. The server loads once the tools are listed, or a request only it can answer arrives, and takes over the connection (it is given the initialize it missed; its own answer is compared and dropped). ` +
        `Also done: the bundle is what ships, only served platforms load, the SDK's default ajv validator, zod-to-json-schema and zod's locales are left out, and each tool's zod schema is built on its first call. Serving all three platforms instead of AgentPMT alone changes the time to tools/list by ${signed(extra)} in this run (a longer listing to write and for the client to parse; no platform code loads either way). ` +
        `The price is paid at the first tool call, which waits for the load: launch → first call answered is ${x(fc.shippedVsOneTool)} the one-tool server's (every platform: ${x(fc.shippedAllVsOneTool)}). What is left before tools/list is Node's own start, zod (the settings are validated with it) and the settings' schemas.`,
    );
  }
  if (mem.points) {
    const after = (mem.calls ?? 0) - (mp0.warmupQuiet?.calls ?? 0);
    recs.push(
      `**Memory${memMet ? `: no growth after warm-up over ${tokens(after)} calls` : ''}.** RSS swells during a burst (${n(mp0.start?.rssMB)} → ${n(mp0.endBurst?.rssMB)} MB right after the last call; V8 had ${n(mp0.endBurst?.heap?.heapTotalBeforeGcMB)} MB of heap committed for ${n(mp0.endBurst?.heap?.heapUsedMB, 1)} MB of live data) and V8 gives that back when its memory reducer runs — ${n(mp0.endQuiet?.rssMB)} MB ${mem.quietSeconds} s later in this run, ${n(mp0.endQuiet?.heap?.rssAfterGcMB)} MB after a full GC. After a full GC, the ${tokens(after)} calls after warm-up change RSS by ${signedMB(mg?.rssAfterGcMB)} and the live heap by ${signedMB(mg?.liveHeapMB)}; the ${signedMB(mem.oneTimeWarmup?.rssAfterGcMB)} before that is one-time (modules loaded on first use such as undici, JIT code, file-backed code pages). Nothing in \`src/\` needs fixing.` +
        (levels.length
          ? ` Each open HTTP session holds about ${n((levels.at(-1)?.rssPerSessionKB ?? 0) / 1024, 2)} MB in the server (measured with ${levels.at(-1)?.sessions} sessions; the figures at fewer sessions, ${levels.slice(0, -1).map((l) => `${l.rssPerSessionKB} KB at ${l.sessions}`).join(', ')}, include warm-up growth) until the client sends DELETE${httpIdleTimeout ? ' or the session goes idle (`src/transports/http.ts` closes idle sessions)' : ' — sessions never expire on their own in `src/transports/http.ts`, so clients that vanish without DELETE accumulate; an idle-session timeout there would bound it'}.`
          : ''),
    );
  }
  recs.forEach((t, i) => p(`${i + 1}. ${t}`, ''));
  if (done.length) {
    p('### Already done in `src/` (measured here)', '');
    done.forEach((t) => p(`- ${t}`, ''));
  }

  p('## Method notes', '');
  p(
    [
      '- Run: `npm run build && npm run bench` (the bench imports `../dist`; it does not build). `BENCH_QUICK=1 npm run bench` is a short smoke run of the script itself (prints its report, does not touch this file).',
      '- Sandbox: `node dist/cli.js sandbox --port 0` in its own process; port 0 prints the real port (' + (r.sandbox?.port0PrintsRealPort ? 'checked' : 'NOT confirmed') + '). Servers under test: `node dist/cli.js` (stdio) and `node dist/cli.js --transport http --port 0` (the real port is read from its start-up line), each with a fresh `AGENTPMT_HOME` and an `AGENTPMT_HTTP_TOKEN` every HTTP client sends, default settings otherwise (log level info, default toolsets, 30 s timeout, HTTP session cap 256).',
      '- Cold start: from just before `spawn()` to the `initialize` answer, the `tools/list` answer and then the first `tools/call` answer (ours: an argument refusal, no network; the one-tool server: echo), with a minimal newline-delimited JSON-RPC client; 2 launches discarded as warm-up. The shipped bin is `bundle/cli.js` (what the npm package and the `.mcpb` carry, built by `npm run build`); the references are `bench/one-tool-server.mjs` (the same MCP SDK and zod, one tool) and a bare Node JSON-RPC responder, all launched in turn, round after round.',
      '- Footprint: `npm pack` then `npm install --offline <tarball>` into an empty folder; `npm ci --omit=dev --ignore-scripts --offline` from this repository\'s lockfile; `npm run pack` with `AGENTPMT_MCPB_OUT`; the files a stdio launch of the bundle loads, through a module load hook.',
      '- Per-call: the raw clients (`bench/lib.mjs`) add little of their own; the SDK Client rows show what a host built on the SDK sees. Latencies are per call, sequential, one call in flight.',
      '- Medians are the middle value; p99 is nearest-rank. With ' + (pc.callsPerPath ?? 300) + ' calls per path a p99 is the ' + ordinal((pc.callsPerPath ?? 300) - Math.ceil(0.99 * (pc.callsPerPath ?? 300)) + 1) + '-slowest call: it moves with any hiccup of a 2-core VM, so "added p99" can even come out negative.',
      '- Everything (bench client, server, sandbox) shares the machine\'s 2 cores; other engineers were working on the same machine, so the load average is recorded per phase. On this VM whole runs drift by 10–20 % against each other, so a figure close to its target (cold start, HTTP at 50 sessions) can land on either side from one run to the next: compare within a run (ratios, A/B rows) and rerun before concluding.',
      '- CPU profiles sample every 250 µs, which slows the profiled process; read them for proportions, not absolute times.',
    ].join('\n'),
    '',
  );
  return out.join('\n');
}
