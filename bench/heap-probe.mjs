// Preloaded into the stdio server for the memory phase only
// (node --expose-gc --import bench/heap-probe.mjs dist/cli.js): on SIGUSR2 it runs a
// full GC and prints the heap figures on stderr, so a leak shows up as live heap that
// survives collection rather than as RSS noise. It never touches stdout (MCP's channel).
process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(`\nBENCH_HEAP ${JSON.stringify({ heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, heapTotalBeforeGc: before.heapTotal, heapUsedBeforeGc: before.heapUsed })}\n`);
});
