// The virtual panel (the ESP32 app's own renderer through TFT_eSPI into a virtual ILI9341) against the
// simulator's canvas, on every scene (simulator/src/scenes.ts) frozen at its time: the needle
// angles read back from both pictures agree within 2 degrees, every lamp is lit or dark with the same colour
// on both, and the readouts say the same (the panel's GLCD text decoded from its pixels, the simulator's from
// its hook). Anti-aliasing and the font's rendering may differ; nothing else may. Skipped without the ESP32
// kit (../shared/esp32-kit or $GAUGE_ESP32_KIT).
import { buildPanel, findKit, noKitMessage, PanelProcess } from '../../firmware/platform/panel/panel.js';
import { frozenAt, scenesVectorText, wasmModule } from '../../firmware/platform/panel/scenes.js';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { scenes } from '../../simulator/src/scenes.js';
import {
  decodeText,
  dist,
  frameTexts,
  fromRgb565,
  fromRgba,
  loadGlcdFont,
  type Pixels,
  readNeedle,
} from '../lib/panelPixels.js';
import { expect, gaugeState, test } from './fixtures.js';

const kit = findKit();
const NEEDLE_TOLERANCE_DEG = 2;

test.describe('virtual panel vs simulator', () => {
  test.skip(kit.dir === null, noKitMessage(kit.looked));
  let panel: PanelProcess;
  let module: WebAssembly.Module;
  let font: Uint8Array;

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    module = await wasmModule();
    font = loadGlcdFont(kit.dir as string);
    ({ panel } = await PanelProcess.start(
      buildPanel('cyd', kit.dir as string),
      (await GaugeCore.load(module)).layout,
    ));
  });
  test.afterAll(async () => {
    await panel?.close();
  });

  for (const scene of scenes) {
    test(`panel vs simulator: ${scene.name}`, async ({ page, gotoSim }) => {
      const core = await frozenAt(module, scenesVectorText(), scene.t);
      const f = core.frame();
      await panel.boot(scene.t);
      const drawn = await panel.frame(core.frameBytes());
      expect(drawn.faults.total).toBe(0);
      const onPanel = fromRgb565(await panel.view());

      await gotoSim(`?scene=${scene.name}`);
      const s = await gaugeState(page);
      expect(s.error).toBeNull();
      expect(s.t).toBe(f.t_ms);
      const canvas = await page.evaluate(() => {
        const c = document.getElementById('screen') as HTMLCanvasElement;
        const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(
          0,
          0,
          c.width,
          c.height,
        ).data;
        let bin = '';
        for (let i = 0; i < data.length; i += 0x8000)
          bin += String.fromCharCode(...data.subarray(i, Math.min(data.length, i + 0x8000)));
        return { w: c.width, h: c.height, b64: btoa(bin) };
      });
      const onSim: Pixels = fromRgba(
        canvas.w,
        canvas.h,
        new Uint8Array(Buffer.from(canvas.b64, 'base64')),
        canvas.w / 320,
      );

      // Needles: both read from pixels, against each other and against the Frame.
      const deltas: string[] = [];
      let worst = 0;
      for (const d of f.dials) {
        const a = readNeedle(onPanel, d);
        const b = readNeedle(onSim, d);
        expect(a, `${d.id} needle on the panel`).not.toBeNull();
        expect(b, `${d.id} needle in the simulator`).not.toBeNull();
        const diff = Math.abs((a as number) - (b as number));
        expect(diff, `${d.id}: panel ${a}°, simulator ${b}°`).toBeLessThanOrEqual(NEEDLE_TOLERANCE_DEG);
        expect(Math.abs((a as number) - d.needle_deg)).toBeLessThanOrEqual(NEEDLE_TOLERANCE_DEG);
        expect(s.needles[d.id]).toBe(d.needle_deg);
        worst = Math.max(worst, diff);
        deltas.push(`${d.id} ${(a as number).toFixed(1)}/${(b as number).toFixed(1)}`);
      }

      // Lamps: lit or dark alike, in the same colour (the panel's is the Frame's through RGB565).
      for (const l of f.lamps) {
        const [x, y] = [l.x + 3, l.y + Math.trunc(l.h / 2)];
        expect(onPanel.at(x, y), `${l.id} on the panel`).toEqual(onPanel.shows(l.color));
        expect(dist(onSim.at(x, y), onSim.shows(l.color)), `${l.id} in the simulator`).toBeLessThan(3);
        expect(l.color).toBe(l.lit ? l.on_color : l.off_color);
        expect(s.lamps[l.id]).toEqual({ active: l.active, lit: l.lit });
      }

      // Texts: every one decodes from the panel to the Frame's; the simulator's hook shows the same readouts.
      const texts = frameTexts(f).filter((t) => t.text !== '');
      for (const t of texts) expect(decodeText(onPanel, font, t.geometry), t.name).toBe(t.text);
      expect(s.model).toBe(f.model.text);
      expect(s.status).toBe(f.status.text);
      expect(Object.values(s.values)).toEqual(f.dials.map((d) => d.value.text));
      expect(s.activeLamps).toEqual(f.lamps.filter((l) => l.active).map((l) => l.label));

      console.log(
        `panel vs simulator ${scene.name}: needles panel/simulator deg ${deltas.join(', ')} ` +
          `(max |diff| ${worst.toFixed(2)}); lamps ${f.lamps.length}/${f.lamps.length} agree; ` +
          `texts ${texts.length}/${texts.length} decoded equal`,
      );
    });
  }
});
