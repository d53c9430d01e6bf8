import { defineConfig } from 'vitest/config';

// Unit and integration tests of the TypeScript side. Browser end-to-end tests (test/e2e) run under
// Playwright, and the HIL suite (test/hil) under its own runner, both from scripts/test-all.mjs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
