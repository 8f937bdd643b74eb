import { defineConfig } from 'vitest/config';

// One random sandbox variant per run, shared by every test file (workers inherit the env);
// its seed is in the test titles ("sandbox variant seed-N"): AGENTPMT_SANDBOX_SEED=N replays it.
process.env.AGENTPMT_SANDBOX_SEED ??= String(Math.floor(Math.random() * 100_000));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-secrets.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e files spawn servers; two cores, so keep the fan-out modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
