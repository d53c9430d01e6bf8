// The virtual panel (firmware/platform/panel): the ESP32 app's renderer through TFT_eSPI 2.5.43 into a
// virtual ILI9341, on frames from the wasm core. Proves from the panel's pixels that each env's start-up leaves
// the panel awake, upright and in true colours; that partial redraws leave exactly what a full redraw draws;
// that every element looks the same composed in the sprite and drawn straight on the screen; that the needle
// is 5 px wide at the pivot and 1 px at the tip; and that every text decodes to the Frame's. Skipped (counted
// as skipped) without the ESP32 kit. The comparison with the simulator is test/e2e/panel.spec.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPanel,
  checkLayout,
  findKit,
  type Hello,
  noKitMessage,
  PanelProcess,
  type Picture,
  repoRoot,
} from '../../firmware/platform/panel/panel.js';
import {
  FRAME_PERIOD_MS,
  frozenAt,
  openVector,
  scenesVectorText,
  wasmModule,
} from '../../firmware/platform/panel/scenes.js';
import { type Frame, GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { scenes } from '../../simulator/src/scenes.js';
import { decodeText, frameTexts, fromRgb565, loadGlcdFont, needleWidth } from '../lib/panelPixels.js';

const kit = findKit();
if (kit.dir === null) console.log(noKitMessage(kit.looked));
const ENVS = ['cyd', 'cyd2usb', 'esp32dev_ili9341'] as const;
const LONG = 600_000;

const differing = (a: Picture, b: Picture) => {
  let n = 0;
  for (let i = 0; i < a.px.length; i++) if (a.px[i] !== b.px[i]) n++;
  return n;
};
const rgb565 = (c: number) => ((c >> 8) & 0xf800) | ((c >> 5) & 0x07e0) | ((c >> 3) & 0x001f);

describe.skipIf(kit.dir === null)('virtual panel', () => {
  const kitDir = kit.dir as string;
  let module: WebAssembly.Module;
  const panels = new Map<string, { panel: PanelProcess; hello: Hello }>();
  const text = scenesVectorText();
  const panel = () => (panels.get('cyd') as { panel: PanelProcess }).panel;

  beforeAll(async () => {
    module = await wasmModule();
    const layout = (await GaugeCore.load(module)).layout;
    for (const env of ENVS) panels.set(env, await PanelProcess.start(buildPanel(env, kitDir), layout));
  }, LONG);
  afterAll(async () => {
    for (const p of panels.values()) await p.panel.close();
  });

  it('reads each env from platformio.ini: driver, SPI clock, rotation, inversion, pins', () => {
    const e = (env: string) => (panels.get(env) as { hello: Hello }).hello.env;
    expect(e('cyd')).toMatchObject({
      driver: 'ILI9341_2',
      spi_hz: 40e6,
      rotation: 1,
      invert: false,
      cs: 15,
      dc: 2,
    });
    expect(e('cyd').rst).toBe(-1);
    expect(e('cyd2usb')).toMatchObject({ driver: 'ILI9341_2', rotation: 1, invert: true });
    expect(e('esp32dev_ili9341')).toMatchObject({
      driver: 'ILI9341',
      spi_hz: 27e6,
      rotation: 1,
      rst: 4,
      bl: 33,
    });
  });

  it(
    'starts as the app does in every env: reset, awake, on, lit, landscape BGR, 16-bit, no controller faults',
    async () => {
      const views: Picture[] = [];
      for (const env of ENVS) {
        const p = (panels.get(env) as { panel: PanelProcess }).panel;
        const boot = await p.boot(3);
        expect(boot.faults.total, `${env}: ${JSON.stringify(boot.faults)}`).toBe(0);
        expect(boot.panel).toMatchObject({
          showing: true,
          sleeping: false,
          display_on: true,
          backlight: true,
          madctl: 0x28, // MV | BGR: TFT_eSPI's rotation 1
          colmod: 0x55,
          reset_seen: true,
          inverted: env === 'cyd2usb',
        });
        // fillScreen(TFT_BLACK) over the whole glass: black on every env, the inverted panel included.
        const view = await p.view();
        expect(view.w).toBe(320);
        expect(view.h).toBe(240);
        expect(view.px.every((v) => v === 0)).toBe(true);
        const core = await frozenAt(module, text, 11900);
        const r = await p.frame(core.frameBytes());
        expect(r.faults.total).toBe(0);
        views.push(await p.view());
      }
      // The same frame looks the same on every board.
      expect(differing(views[0] as Picture, views[1] as Picture)).toBe(0);
      expect(differing(views[0] as Picture, views[2] as Picture)).toBe(0);
    },
    LONG,
  );

  it(
    'partial redraws are right: after a long run with moving needles and blinking lamps the memory equals a full redraw',
    async () => {
      const { core, player } = await openVector(module, text);
      const p = panel();
      // A second panel of the same env for the full redraws (its own memory noise).
      const { panel: fresh } = await PanelProcess.start(buildPanel('cyd', kitDir), core.layout);
      await p.boot(11);
      let compared = 0;
      let moving = 0;
      let lampChanges = 0;
      let prev: Frame | null = null;
      let frames = 0;
      for (let t = 0; t <= player.endTime + 1000; t += FRAME_PERIOD_MS) {
        player.showAt(t);
        const f = core.frame();
        const r = await p.frame(core.frameBytes());
        frames++;
        expect(r.faults.total).toBe(0);
        if (prev !== null) {
          const pf = prev;
          if (f.dials.some((d, i) => d.needle_seq !== pf.dials[i]?.needle_seq)) moving++;
          if (f.lamps.some((l, i) => l.lit !== pf.lamps[i]?.lit)) lampChanges++;
        }
        prev = f;
        // Compare whenever every needle is drawn where the Frame has it (else a full redraw of this Frame would
        // differ by design: needles move on screen in kNeedleRedrawDeg steps), every 40th frame and at the end.
        const inStep = f.dials.every((d, i) => Math.fround(r.needles[i] as number) === d.needle_deg);
        if (!inStep || (frames % 40 !== 0 && t + FRAME_PERIOD_MS <= player.endTime + 1000)) continue;
        const played = await p.gram();
        await fresh.boot(1000 + frames);
        const full = await fresh.frame(core.frameBytes());
        expect(full.render.full).toBe(1);
        expect(differing(played, await fresh.gram()), `t=${t}`).toBe(0);
        compared++;
      }
      await fresh.close();
      expect(frames).toBeGreaterThan(1000);
      expect(moving).toBeGreaterThan(100);
      expect(lampChanges).toBeGreaterThan(10);
      expect(compared).toBeGreaterThan(15);
    },
    LONG,
  );

  it(
    '14.9: every element looks the same composed in the 16-bit sprite and drawn straight on the screen',
    async () => {
      const p = panel();
      for (const scene of scenes) {
        const core = await frozenAt(module, text, scene.t);
        await p.sprites(true);
        await p.boot(21);
        const composed = await p.frame(core.frameBytes());
        expect(composed.render.tiles).toBeGreaterThan(1);
        expect(composed.sprite_bytes).toBeGreaterThan(0);
        const sprite = await p.gram();
        await p.sprites(false);
        await p.boot(22);
        const direct = await p.frame(core.frameBytes());
        expect(direct.render.direct).toBe(1);
        expect(direct.spi.read_bytes).toBeGreaterThan(0); // anti-aliased lines read the screen back
        expect(direct.faults.total).toBe(0);
        expect(differing(sprite, await p.gram()), scene.name).toBe(0);
      }
      await p.sprites(true);
      // And they are the Frame's colours, exactly as RGB565 holds them: the arc's grey (no RGB332 olive)...
      let core = await frozenAt(module, text, 0);
      for (const scene of scenes) {
        core = await frozenAt(module, text, scene.t);
        if (core.frame().lamps.some((l) => l.id === 'WARN' && l.lit)) break;
      }
      const f = core.frame();
      await p.boot(23);
      await p.frame(core.frameBytes());
      const view = await p.view();
      const tach = f.dials[0] as Frame['dials'][number];
      const mid = tach.radius - tach.arc_width / 2;
      const [ax, ay] = [tach.cx + mid * Math.sin(0), tach.cy - mid * Math.cos(0)];
      expect(view.px[Math.round(ay) * 320 + Math.round(ax)]).toBe(rgb565(tach.arc_color));
      // ...and a lit WARN lamp's amber, on a pixel of its body beside the label.
      const warn = f.lamps.find((l) => l.id === 'WARN') as Frame['lamps'][number];
      expect(warn.lit).toBe(true);
      expect(view.px[(warn.y + Math.trunc(warn.h / 2)) * 320 + warn.x + 3]).toBe(rgb565(warn.color));
    },
    LONG,
  );

  it(
    '14.3: the needle is 5 px wide at the pivot and 1 px at the tip, measured from the pixels',
    async () => {
      const p = panel();
      const near: number[] = [];
      const far: number[] = [];
      for (const scene of scenes) {
        const core = await frozenAt(module, text, scene.t);
        const f = core.frame();
        await p.boot(31);
        await p.frame(core.frameBytes());
        const px = fromRgb565(await p.view());
        for (const d of f.dials) {
          const L = d.needle_length;
          const base = 5;
          const tip = 1;
          // Mean width over a stretch near the pivot (beyond the hub) and one near the tip; the wedge narrows
          // linearly from base to tip along the needle.
          const stretches: [number, number, number[]][] = [
            [d.hub_radius + 2, d.hub_radius + 10, near],
            [L - 12, L - 3, far],
          ];
          for (const [s0, s1, into] of stretches) {
            const w = needleWidth(px, d, d.needle_deg, f.background, s0, s1);
            if (w === null) continue;
            const expected = base + ((tip - base) * (s0 + s1)) / 2 / L;
            expect(
              Math.abs(w - expected),
              `${scene.name} ${d.id} ${s0}..${s1}: ${w} vs ${expected}`,
            ).toBeLessThan(0.6);
            into.push(w);
          }
        }
      }
      const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
      console.log(
        `needle width from the panel's pixels: ${mean(near)} px just past the hub (${near.length} stretches), ` +
          `${mean(far)} px near the tip (${far.length} stretches)`,
      );
      // Enough clean stretches of both kinds (others cross ticks or texts and are left out).
      expect(near.length).toBeGreaterThanOrEqual(6);
      expect(far.length).toBeGreaterThanOrEqual(6);
    },
    LONG,
  );

  it(
    'every text on the glass decodes, glyph for glyph in the GLCD font, to the Frame text in every scene',
    async () => {
      const font = loadGlcdFont(kitDir);
      const p = panel();
      let decoded = 0;
      for (const scene of scenes) {
        const core = await frozenAt(module, text, scene.t);
        const f = core.frame();
        await p.boot(41);
        await p.frame(core.frameBytes());
        const px = fromRgb565(await p.view());
        for (const t of frameTexts(f)) {
          if (t.text === '') continue;
          expect(decodeText(px, font, t.geometry), `${scene.name} ${t.name}`).toBe(t.text);
          decoded++;
        }
      }
      expect(decoded).toBeGreaterThan(scenes.length * 10);
    },
    LONG,
  );

  it(
    'refuses a wasm core whose Frame is laid out differently, and a frame of the wrong size',
    async () => {
      const hello = (panels.get('cyd') as { hello: Hello }).hello;
      const wasm = (await GaugeCore.load(module)).layout;
      expect(() => checkLayout(hello, wasm)).not.toThrow();
      const moved = structuredClone(wasm);
      const field = moved.structs[moved.frame]?.fields[1];
      if (field) field.offset += 4;
      expect(() => checkLayout(hello, moved)).toThrow(/lays out the Frame differently/);
      const { panel: lone } = await PanelProcess.start(buildPanel('cyd', kitDir), wasm);
      await lone.boot(1);
      await expect(lone.frame(new Uint8Array(hello.frame_size - 4))).rejects.toThrow(/frame size differs/);
      await lone.close();
      // buildPanel() waits for the make lock, which another test file's firmware build may hold for minutes.
    },
    LONG,
  );

  it(
    'npm run firmware:panel writes a 320x240 PNG per scene and the SPI bytes of each',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'panel-'));
      try {
        const stdout = execFileSync(
          process.execPath,
          [join(repoRoot, 'scripts', 'panel.mjs'), '--out', out],
          {
            cwd: repoRoot,
            encoding: 'utf8',
            timeout: LONG,
            env: { ...process.env, GAUGE_ESP32_KIT: kitDir },
          },
        );
        const files = readdirSync(out).sort();
        expect(files).toEqual(scenes.map((s) => `${s.name}.png`).sort());
        for (const f of files) {
          const png = readFileSync(join(out, f));
          expect(png.subarray(1, 4).toString()).toBe('PNG');
          expect(png.readUInt32BE(16)).toBe(320);
          expect(png.readUInt32BE(20)).toBe(240);
        }
        for (const s of scenes) expect(stdout).toMatch(new RegExp(`^${s.name} .* B .* B .* yes$`, 'm'));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    LONG,
  );
});
