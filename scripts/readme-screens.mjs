#!/usr/bin/env node
// Writes the README's side-by-side screenshots into docs/img/: for each scene below, the simulator's screen
// canvas (Chromium, `?scene=NAME`) as simulator-screen-<scene>.png and the virtual panel's pixels
// (npm run firmware:panel, env cyd, each pixel drawn 2x2) as panel-<scene>.png, both 640x480. Needs
// `npm run sim:build` and the ESP32 kit.   node scripts/readme-screens.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { importTs } from '../test/lib/importTs.mjs';
import { repoRoot } from '../test/lib/platformioIni.mjs';
import { chromiumLaunchOptions, serveStatic } from '../test/lib/simulatorPage.mjs';

const { scenes } = await importTs(join(repoRoot, 'simulator', 'src', 'scenes.ts'));
const SCENES = scenes
  .filter((s) => ['redline-hot', 'no-signal', 'official-attn'].includes(s.name))
  .map((s) => s.name);
const dist = join(repoRoot, 'simulator', 'dist');
const img = join(repoRoot, 'docs', 'img');
if (!existsSync(join(dist, 'index.html'))) {
  console.error('readme-screens: simulator/dist is missing; run `npm run sim:build` first');
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), 'readme-screens-'));
try {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'panel.mjs'), '--out', tmp, '--scale', '2'], {
    stdio: 'inherit',
  });
  for (const scene of SCENES) copyFileSync(join(tmp, `${scene}.png`), join(img, `panel-${scene}.png`));

  const server = await serveStatic(dist);
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
    for (const scene of SCENES) {
      await page.goto(`${server.url}/?scene=${scene}`);
      await page.waitForFunction(() => window.gauge?.ready === true);
      writeFileSync(join(img, `simulator-screen-${scene}.png`), await page.locator('#screen').screenshot());
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`wrote ${Object.keys(SCENES).length * 2} pictures to docs/img/`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
