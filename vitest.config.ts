import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Conformance and model tests are CPU-heavy; two workers match the 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
