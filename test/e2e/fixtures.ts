// Shared Playwright fixtures: the built simulator served on 127.0.0.1 (one server per worker), and helpers
// to read the page's test hook.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import type { PageState } from '../../simulator/src/view.js';
import { type StaticServer, serveStatic } from '../lib/simulatorPage.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = join(repoRoot, 'simulator', 'dist');

export const test = base.extend<{ gotoSim: (query: string) => Promise<void> }, { sim: StaticServer }>({
  sim: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      if (!existsSync(join(distDir, 'index.html'))) {
        throw new Error(
          'simulator/dist is missing: run `npm run sim:build` (or `npm run e2e`, which builds it)',
        );
      }
      const server = await serveStatic(distDir);
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  gotoSim: async ({ page, sim }, use) => {
    await use(async (query: string) => {
      await page.goto(`${sim.url}/${query}`);
      await page.waitForFunction(() => window.gauge?.ready === true);
    });
  },
});

export { expect };

export async function gaugeState(page: Page): Promise<PageState> {
  return page.evaluate(() => window.gauge?.state() as PageState);
}

/** Polls the hook until `predicate` holds (or the expect timeout passes) and returns the state that did. */
export async function waitForState(
  page: Page,
  predicate: (s: PageState) => boolean,
  timeout = 10_000,
): Promise<PageState> {
  let last: PageState | undefined;
  await expect
    .poll(
      async () => {
        last = await gaugeState(page);
        // Before the page's script ran (right after a navigation) there is no hook yet.
        return last !== undefined && last !== null && predicate(last);
      },
      { timeout, intervals: [50, 100, 250] },
    )
    .toBe(true);
  return last as PageState;
}
