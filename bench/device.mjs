#!/usr/bin/env node
// Device rows: what the ESP32 app's renderer sends over SPI, measured on the virtual panel of every
// platformio.ini env (firmware/platform/panel/bench.ts): bytes and wire time per frame with every needle
// moving, one needle moving and nothing changing, a full redraw, and the sprite RAM in use. Needs the ESP32
// kit (../shared/esp32-kit or $GAUGE_ESP32_KIT); without it prints SKIPPED and reports no rows.
//   npm run bench -- --only device     these rows alone, in well under a minute
import { join } from 'node:path';
import { importTs } from '../test/lib/importTs.mjs';
import { repoRoot } from '../test/lib/platformioIni.mjs';
import { report } from './lib/common.mjs';

const { run } = await importTs(join(repoRoot, 'firmware', 'platform', 'panel', 'bench.ts'));
const result = await run();
if (result !== null)
  report('device', result.rows, {
    figures: result.figures.map((f) => ({ envs: f.envs, spiHz: f.spiHz, frames: f.frames })),
  });
