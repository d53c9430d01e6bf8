import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The hostile-input suite (`npm test -- --only hostile`, or `npx vitest run -c test/host/hostile/vitest.config.ts`):
// traps in the claude dirs, abusive HTTP, absurd numbers; loopback only, bounded, seconds. The main vitest
// config leaves these files out so they run once, as their own suite.
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['test/host/hostile/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
