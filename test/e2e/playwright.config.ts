import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../lib/simulatorPage.mjs';

// The simulator in Debian's Chromium (never a downloaded browser). `npm run e2e` builds the page first.
//
// Screenshot baselines live in test/e2e/__screenshots__/ (no per-platform suffix: there is one browser).
// Tolerance: a pixel counts as different past a 0.15 colour distance (YIQ, Playwright's `threshold`), and a
// shot passes with at most 0.5 % of its pixels different: enough for anti-aliasing and font hinting noise
// between Chromium builds, far too little to hide a needle moved by 2° or a lamp that changed state.
// Update after an intended visual change: `npm run e2e -- --update-snapshots`, look at the PNGs, commit.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  snapshotPathTemplate: '{testDir}/__screenshots__/{testFileName}/{arg}{ext}',
  outputDir: '../../test-results/e2e',
  timeout: 30_000,
  expect: {
    timeout: 10_000,
    toHaveScreenshot: { threshold: 0.15, maxDiffPixelRatio: 0.005, animations: 'disabled', scale: 'css' },
  },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [['line'], ['json', { outputFile: '../../reports/e2e.json' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
    launchOptions: chromiumLaunchOptions(),
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
