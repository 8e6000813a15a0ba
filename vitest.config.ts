import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/conformance/**/*.test.ts',
      'test/chaos/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
      'test/console/**/*.test.ts',
      'test/docs/**/*.test.ts',
      'test/deploy/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: real processes per test file; keep parallelism modest so timing-sensitive
    // fail-fast checks measure Airlock, not a starved scheduler.
    maxWorkers: 2,
    pool: 'forks',
  },
});
