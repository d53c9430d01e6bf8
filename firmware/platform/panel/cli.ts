// `npm run firmware:panel -- --out DIR [--env ENV]` (scripts/panel.mjs bundles and runs this): writes
// DIR/<scene>.png for every showcase scene as the env's panel shows it, and prints per scene the SPI bytes of
// the scene's last frame (played from boot at the device's frame period) and of a full redraw.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envNames, loadIni } from '../../../test/lib/platformioIni.mjs';
import { GaugeCore } from '../wasm/gaugeCore.js';
import { buildPanel, encodePng, findKit, PanelProcess, type Picture, panelRefusal } from './panel.js';
import { FRAME_PERIOD_MS, runScenes, wasmModule } from './scenes.js';

const USAGE = 'usage: npm run firmware:panel -- --out DIR [--env ENV] [--scale N]';

export const fmtBytes = (n: number) => `${n.toLocaleString('en-US')} B`;
export const fmtMs = (ns: number) => `${(ns / 1e6).toFixed(2)} ms`;

/** Each pixel as an n x n block (the panel's pixels, only bigger; no smoothing). */
export function upscale(pic: Picture, n: number): Picture {
  if (n === 1) return pic;
  const w = pic.w * n;
  const px = new Uint16Array(w * pic.h * n);
  for (let y = 0; y < pic.h * n; y++)
    for (let x = 0; x < w; x++)
      px[y * w + x] = pic.px[Math.floor(y / n) * pic.w + Math.floor(x / n)] as number;
  return { w, h: pic.h * n, px };
}

export async function main(argv: string[]): Promise<number> {
  let out: string | null = null;
  let env = 'cyd';
  let scale = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' && argv[i + 1]) out = argv[++i] as string;
    else if (a === '--env' && argv[i + 1]) env = argv[++i] as string;
    else if (a === '--scale' && argv[i + 1]) {
      scale = Number(argv[++i]);
      if (!Number.isInteger(scale) || scale < 1 || scale > 8) {
        console.error(`firmware:panel: --scale must be an integer 1..8\n${USAGE}`);
        return 2;
      }
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`firmware:panel: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  if (out === null) {
    console.error(`firmware:panel: --out DIR is required\n${USAGE}`);
    return 2;
  }
  const refusal = panelRefusal(env);
  if (refusal !== null) {
    console.error(`firmware:panel: ${refusal} (envs: ${envNames(loadIni()).join(', ')})`);
    return 2;
  }
  const kit = findKit();
  if (kit.dir === null) {
    console.error(`firmware:panel: no ESP32 kit in ${kit.looked.join(' or ')} (set GAUGE_ESP32_KIT)`);
    return 2;
  }
  const binary = buildPanel(env, kit.dir);
  const module = await wasmModule();
  const layout = (await GaugeCore.load(module)).layout;
  const played = await PanelProcess.start(binary, layout);
  const fresh = await PanelProcess.start(binary, layout);
  let failed = false;
  try {
    const e = played.hello.env;
    console.log(
      `virtual panel, env ${env}: ${e.driver}, SPI ${e.spi_hz / 1e6} MHz, rotation ${e.rotation}` +
        `${e.invert ? ', inverted' : ''}; scenes played from boot at one frame every ${FRAME_PERIOD_MS} ms`,
    );
    const runs = await runScenes(module, played.panel, fresh.panel);
    const dir = resolve(out);
    mkdirSync(dir, { recursive: true });
    const rows = [['scene', 'last frame', 'at SPI clock', 'full redraw', 'at SPI clock', 'partial = full']];
    for (const r of runs) {
      writeFileSync(join(dir, `${r.scene.name}.png`), encodePng(upscale(r.redrawn, scale)));
      const faults = r.last.faults.total + r.full.faults.total;
      if (r.differing !== 0 || faults !== 0 || !r.full.panel.showing) failed = true;
      rows.push([
        r.scene.name,
        fmtBytes(r.last.spi.bytes),
        fmtMs(r.last.spi.wire_ns),
        fmtBytes(r.full.spi.bytes),
        fmtMs(r.full.spi.wire_ns),
        r.differing === 0 ? 'yes' : `NO: ${r.differing} px differ`,
      ]);
      if (faults !== 0)
        rows.push([`  panel faults: ${JSON.stringify(r.last.faults)} ${JSON.stringify(r.full.faults)}`]);
    }
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
    for (const row of rows)
      console.log(
        row
          .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
          .join('  '),
      );
    console.log(`sprite RAM in use: ${fmtBytes(runs.at(-1)?.last.sprite_bytes ?? 0)}`);
    console.log(`wrote ${runs.length} pictures to ${dir}`);
  } finally {
    await played.panel.close();
    await fresh.panel.close();
  }
  return failed ? 1 : 0;
}
