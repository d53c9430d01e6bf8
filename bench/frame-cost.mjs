#!/usr/bin/env node
// Frame cost of the simulator in Chromium: the work of one animation frame (core update + Frame read +
// canvas, lamps, readouts) while the showcase vector plays with moving needles, p50/p95/max over at least
// 600 frames. Goal: p95 <= 2 ms (a 60 fps frame is 16.7 ms). Needs `npm run sim:build` first.
//
//   node bench/frame-cost.mjs [--frames 600] [--json]
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, serveStatic } from '../test/lib/simulatorPage.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'simulator', 'dist') + sep;
const args = process.argv.slice(2);
const framesWanted = Number(args[args.indexOf('--frames') + 1]) || 600;
const asJson = args.includes('--json');

if (!existsSync(join(dist, 'index.html'))) {
  console.error('frame-cost: simulator/dist is missing; run `npm run sim:build` first');
  process.exit(2);
}

const server = await serveStatic(dist);
const url = `${server.url}/?vector=scenes&speed=2`;

const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForFunction(() => window.gauge?.ready === true);
  await page.waitForFunction((n) => (window.gauge?.frameCosts?.().length ?? 0) >= n, framesWanted + 30, {
    timeout: 120_000,
  });
  // The first frames include JIT warm-up; they are dropped, like a device's first redraw.
  const costs = (await page.evaluate(() => window.gauge.frameCosts())).slice(30);
  const sorted = [...costs].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const result = {
    frames: costs.length,
    p50_ms: Number(q(0.5).toFixed(3)),
    p95_ms: Number(q(0.95).toFixed(3)),
    max_ms: Number(sorted[sorted.length - 1].toFixed(3)),
    goal_p95_ms: 2,
    chromium: browser.version(),
  };
  if (asJson) console.log(JSON.stringify(result));
  else {
    console.log(`frame cost over ${result.frames} frames (Chromium ${result.chromium}, software rendering):`);
    console.log(
      `  p50 ${result.p50_ms} ms   p95 ${result.p95_ms} ms   max ${result.max_ms} ms   (goal p95 <= 2 ms)`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
