/**
 * The import rules of shared/spec/architecture.md, checked by test/unit/dependencies.test.ts:
 * the core knows no platform, platforms know each other not at all, nothing is circular,
 * and a platform's sandbox (the opponent in our tests) imports nothing from the client side.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles (type-only included) make the layers meaningless.', from: { pathNot: '^src/platforms/[^/]+/sandbox/' }, to: { circular: true } },
    {
      name: 'no-circular-sandbox-values',
      severity: 'error',
      comment: 'A sandbox\'s shared state type is known to its handlers (type-only cycles through state.ts); value imports must still be acyclic.',
      from: { path: '^src/platforms/[^/]+/sandbox/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    { name: 'core-knows-no-platform', severity: 'error', comment: 'src/core must not import a platform or the assembly that wires platforms.', from: { path: '^src/core/' }, to: { path: '^src/(platforms|cli|server|config|doctor|demo|manifest)' } },
    { name: 'transports-are-platform-free', severity: 'error', from: { path: '^src/transports/' }, to: { path: '^src/platforms/' } },
    { name: 'platforms-are-separate', severity: 'error', comment: 'A platform is a folder: it may use the core, not another platform.', from: { path: '^src/platforms/([^/]+)/' }, to: { path: '^src/platforms/', pathNot: '^src/platforms/$1/' } },
    { name: 'sandbox-verifies-independently', severity: 'error', comment: 'The sandbox must not reuse the client to verify what the client did.', from: { path: '^src/platforms/[^/]+/sandbox/' }, to: { path: '^src/', pathNot: ['^src/platforms/[^/]+/sandbox/', '^src/core/', '^src/sandbox-kit/'] } },
    { name: 'sandbox-kit-knows-no-platform', severity: 'error', comment: 'The kit every platform sandbox is built on stays generic.', from: { path: '^src/sandbox-kit/' }, to: { path: '^src/', pathNot: ['^src/sandbox-kit/', '^src/core/'] } },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
