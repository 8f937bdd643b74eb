// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by
// package/area, and inclusive (on-stack) time by function, optionally only for the
// samples inside a time window (CLOCK_MONOTONIC µs, the clock V8 stamps samples with).
import { round } from './lib.mjs';

const SPECIAL = { '(idle)': 'idle', '(garbage collector)': 'GC', '(program)': 'V8/native (unattributed)', '(root)': 'V8/native (unattributed)' };

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const d = url.lastIndexOf('/dist/');
  if (d >= 0) return url.slice(d + 1);
  return url.replace(/^file:\/\//, '');
}

export function areaOf(url) {
  if (!url) return null;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (/^node:internal\/(modules|vm|bootstrap\/realm)/.test(url)) return 'node: module loader';
  if (url.startsWith('node:internal/webstreams')) return 'node: web streams';
  if (url.startsWith('node:internal/deps/undici')) return "node: built-in undici (fetch's Request/Response/Headers)";
  if (/^node:(_http_|http$|internal\/http)/.test(url)) return 'node: http server/parser';
  if (/^node:(net$|internal\/stream_base_commons|internal\/net)/.test(url)) return 'node: sockets and pipes';
  if (/^node:(internal\/streams|stream$)/.test(url)) return 'node: streams';
  if (/^node:internal\/(process\/task_queues|async_hooks|timers)|^node:timers/.test(url)) return 'node: event loop, timers, microtasks';
  if (url.startsWith('node:')) return 'node: other internals';
  const d = /\/dist\/(.+)$/.exec(url);
  if (d) {
    const parts = d[1].split('/');
    return `dist/${parts.length > 1 ? `${parts[0]}/` : parts[0]}`;
  }
  return 'other';
}

/**
 * @param profile parsed .cpuprofile JSON
 * @param window optional { fromUs, toUs } in the profile's clock
 */
export function summarizeProfile(profile, window = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const frameKey = (n) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  const areaCache = new Map();
  const areaOfNode = (id) => {
    if (areaCache.has(id)) return areaCache.get(id);
    const n = nodes.get(id);
    let a = SPECIAL[n.callFrame.functionName] ?? (n.callFrame.url ? areaOf(n.callFrame.url) : null);
    if (a === null) {
      const p = parent.get(id);
      a = p === undefined ? 'V8/native (unattributed)' : areaOfNode(p);
      if (a === 'idle' || a === 'GC') a = 'V8/native (unattributed)';
    }
    areaCache.set(id, a);
    return a;
  };

  // Sample i lasts until sample i+1 (as DevTools computes it).
  const stamps = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) stamps.push((t += d));
  const selfUs = new Map();
  let windowStart = Infinity;
  let windowEnd = -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    const ts = stamps[i];
    if (window.fromUs !== undefined && (ts < window.fromUs || ts > window.toUs)) continue;
    const dur = (i + 1 < stamps.length ? stamps[i + 1] : profile.endTime) - ts;
    if (dur <= 0) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dur);
    windowStart = Math.min(windowStart, ts);
    windowEnd = Math.max(windowEnd, ts + dur);
  }

  let totalUs = 0;
  let idleUs = 0;
  const byArea = new Map();
  const bySelf = new Map();
  const inclusive = new Map();
  const inclusiveByName = new Map();
  for (const [id, us] of selfUs) {
    const n = nodes.get(id);
    const area = areaOfNode(id);
    if (area === 'idle') {
      idleUs += us;
      continue;
    }
    totalUs += us;
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const k = frameKey(n);
    bySelf.set(k, (bySelf.get(k) ?? 0) + us);
    const seen = new Set();
    const seenNames = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cn = nodes.get(cur);
      const key = frameKey(cn);
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
      const name = cn.callFrame.functionName;
      if (name && !seenNames.has(name)) {
        seenNames.add(name);
        inclusiveByName.set(name, (inclusiveByName.get(name) ?? 0) + us);
      }
    }
  }
  const ms = (us) => round(us / 1000, 2);
  const pct = (us) => round((100 * us) / Math.max(1, totalUs), 1);
  const sorted = (m, filter = () => true, n = 20) =>
    [...m]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: ms(us), pct: pct(us) }));
  return {
    busyMs: ms(totalUs),
    idleMs: ms(idleUs),
    windowMs: Number.isFinite(windowStart) ? ms(windowEnd - windowStart) : 0,
    samplingIntervalUs: profile.timeDeltas.length ? round((profile.endTime - profile.startTime) / profile.timeDeltas.length, 0) : null,
    byArea: sorted(byArea, () => true, 25),
    topSelf: sorted(bySelf, () => true, 25),
    topInclusiveProject: sorted(inclusive, (k) => / dist\//.test(k), 20),
    inclusiveOf: (names) => Object.fromEntries(names.map((n) => [n, ms(inclusiveByName.get(n) ?? 0)])),
  };
}
