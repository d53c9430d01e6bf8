import { defineConfig } from 'vitest/config';

// Unit and integration tests of the TypeScript side. Browser end-to-end tests (test/e2e) run under
// Playwright, and the HIL suite (test/hil) under its own runner, both from scripts/test-all.mjs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/host/hostile is its own suite (its vitest.config.ts), run once by scripts/test-all.mjs.
    exclude: ['test/e2e/**', 'test/host/hostile/**', 'node_modules/**'],
    testTimeout: 30_000,
    // Several files build firmware in beforeAll (test/firmware/builds.ts: make under a lock, bounded at
    // 300 s); on a loaded machine a cold wasm or native build behind another worker's lock takes longer
    // than a minute, so a hook may wait as long as that bound.
    hookTimeout: 320_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
