#!/usr/bin/env node
// `npm run firmware:panel -- --out DIR [--env cyd|cyd2usb|esp32dev_ili9341]`: the showcase scenes as the
// ESP32's panel shows them (firmware/platform/panel, docs/firmware.md "The virtual panel"), one PNG per scene,
// with the SPI bytes each scene's last frame and a full redraw take. The work is in panel/cli.ts.
import { join } from 'node:path';
import { importTs } from '../test/lib/importTs.mjs';
import { repoRoot } from '../test/lib/platformioIni.mjs';

const { main } = await importTs(join(repoRoot, 'firmware', 'platform', 'panel', 'cli.ts'));
process.exitCode = await main(process.argv.slice(2));
