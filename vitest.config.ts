import { defineConfig } from 'vitest/config';

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
