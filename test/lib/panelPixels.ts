// Reading a rendered cluster back from its pixels, the same way for the virtual panel's glass and the
// simulator's canvas: where each needle points, how wide it is, what colour a lamp is, and what a GLCD text
// says (decoded exactly against the font's bitmaps, TFT_eSPI's Fonts/glcdfont.c from the ESP32 kit).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dial, Frame, TextBox } from '../../firmware/platform/wasm/gaugeCore.js';

export type Rgb = [number, number, number];

/**
 * A picture in the Frame's 320x240 coordinates, where the point (x, y) is the centre of the TFT's pixel (x, y)
 * (TFT_eSPI's convention); `scale` picture pixels per coordinate unit (the simulator draws at 2).
 */
export interface Pixels {
  w: number;
  h: number;
  scale: number;
  /** The colour at Frame point (x, y). */
  at(x: number, y: number): Rgb;
  /** How a Frame colour (RGB888) looks in this picture where it is drawn solid. */
  shows(rgb888: number): Rgb;
}

/** The virtual panel's RGB565 view as Pixels (each channel widened the way the panel's DAC shows it). */
export function fromRgb565(pic: { w: number; h: number; px: Uint16Array }): Pixels {
  return {
    w: pic.w,
    h: pic.h,
    scale: 1,
    at(x, y) {
      const xi = Math.round(x);
      const yi = Math.round(y);
      if (xi < 0 || yi < 0 || xi >= pic.w || yi >= pic.h) return [0, 0, 0];
      const p = pic.px[yi * pic.w + xi] as number;
      const r = (p >> 11) & 0x1f;
      const g = (p >> 5) & 0x3f;
      const b = p & 0x1f;
      return [(r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)];
    },
    shows: (rgb888) => through565(rgbOf(rgb888)),
  };
}

/** RGBA bytes (a canvas's ImageData) drawn at `scale` canvas pixels per Frame unit, Frame pixel (x, y) covering
 * canvas [x, x + 1) x [y, y + 1) (scaled). */
export function fromRgba(w: number, h: number, data: Uint8Array, scale: number): Pixels {
  return {
    w: w / scale,
    h: h / scale,
    scale,
    at(x, y) {
      const xi = Math.floor((x + 0.5) * scale);
      const yi = Math.floor((y + 0.5) * scale);
      if (xi < 0 || yi < 0 || xi >= w || yi >= h) return [0, 0, 0];
      const i = 4 * (yi * w + xi);
      return [data[i] as number, data[i + 1] as number, data[i + 2] as number];
    },
    shows: (rgb888) => rgbOf(rgb888),
  };
}

export const rgbOf = (rgb888: number): Rgb => [(rgb888 >> 16) & 0xff, (rgb888 >> 8) & 0xff, rgb888 & 0xff];
/** What RGB565 keeps of an RGB888 colour, widened back as the panel shows it. */
export const through565 = (c: Rgb): Rgb => {
  const r = c[0] >> 3;
  const g = c[1] >> 2;
  const b = c[2] >> 3;
  return [(r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)];
};
export const dist = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

const DEG = Math.PI / 180;
const polar = (cx: number, cy: number, r: number, deg: number): [number, number] => [
  cx + r * Math.sin(deg * DEG),
  cy - r * Math.cos(deg * DEG),
];

/**
 * Where dial d's needle points, read from the pixels: needle-coloured pixels along circles between the hub
 * and the ticks, the angle of their peak, refined as the weighted mean within 4 degrees of it. null when no
 * needle colour is found. Degrees clockwise from 12 o'clock, as in the Frame.
 */
export function readNeedle(px: Pixels, d: Dial): number | null {
  const colour = rgbOf(d.needle_color);
  const inner = Math.max(d.hub_radius + 4, 0.35 * d.needle_length);
  // Inside the arc's inner edge less the long ticks; the needle is the only thing of its colour there.
  const outer = Math.min(d.needle_length - 3, d.radius - d.arc_width - 1);
  const step = 0.25;
  const lo = d.start_deg - 20;
  const hi = d.end_deg + 20;
  const bins = new Float64Array(Math.ceil((hi - lo) / step) + 1);
  for (let r = inner; r <= outer; r += 1 / px.scale) {
    for (let i = 0; i < bins.length; i++) {
      const [x, y] = polar(d.cx, d.cy, r, lo + i * step);
      const w = 1 - dist(px.at(x, y), colour) / 40;
      if (w > 0) bins[i] = (bins[i] as number) + w;
    }
  }
  let peak = -1;
  let best = 0;
  for (let i = 0; i < bins.length; i++) {
    if ((bins[i] as number) > best) {
      best = bins[i] as number;
      peak = i;
    }
  }
  if (peak < 0) return null;
  let sum = 0;
  let weight = 0;
  for (let i = Math.max(0, peak - 16); i <= Math.min(bins.length - 1, peak + 16); i++) {
    sum += (bins[i] as number) * (lo + i * step);
    weight += bins[i] as number;
  }
  return sum / weight;
}

/**
 * The needle's mean width between distances s0 and s1 from the pivot, from the pixels' coverage: each pixel
 * whose centre falls in that stretch (within `reach` of the axis) counts by how far its colour lies from the
 * background towards the needle's; their sum over the stretch's length is the mean width. null when anything
 * else (a tick, a text) sits in the stretch, so only clean measurements count.
 */
export function needleWidth(
  px: Pixels,
  d: Dial,
  deg: number,
  background: number,
  s0: number,
  s1: number,
  reach = 5,
): number | null {
  const fg = rgbOf(d.needle_color);
  const bg = rgbOf(background);
  const axis: [number, number] = [Math.sin(deg * DEG), -Math.cos(deg * DEG)];
  const normal: [number, number] = [-axis[1], axis[0]];
  const span: Rgb = [fg[0] - bg[0], fg[1] - bg[1], fg[2] - bg[2]];
  const span2 = span[0] ** 2 + span[1] ** 2 + span[2] ** 2;
  let area = 0;
  const r = Math.ceil(s1 + reach + 2);
  for (let y = Math.floor(d.cy - r); y <= d.cy + r; y++) {
    for (let x = Math.floor(d.cx - r); x <= d.cx + r; x++) {
      const vx = x - d.cx;
      const vy = y - d.cy;
      const s = vx * axis[0] + vy * axis[1];
      const t = vx * normal[0] + vy * normal[1];
      if (s < s0 || s >= s1 || Math.abs(t) > reach) continue;
      const c = px.at(x, y);
      const v: Rgb = [c[0] - bg[0], c[1] - bg[1], c[2] - bg[2]];
      const a = (v[0] * span[0] + v[1] * span[1] + v[2] * span[2]) / span2;
      const off: Rgb = [v[0] - a * span[0], v[1] - a * span[1], v[2] - a * span[2]];
      if (Math.hypot(...off) > 24 || a < -0.1 || a > 1.1) return null; // not a blend of needle and background
      area += Math.min(1, Math.max(0, a));
    }
  }
  return area / (s1 - s0);
}

// ---- GLCD text
const GLYPH_W = 6;
const GLYPH_H = 8;

/** The built-in 5x8 font, 5 column bytes per character (bit 0 = top row), from the kit's TFT_eSPI. */
export function loadGlcdFont(kitDir: string): Uint8Array {
  const text = readFileSync(join(kitDir, 'TFT_eSPI', 'Fonts', 'glcdfont.c'), 'utf8');
  const body = text.slice(text.indexOf('{') + 1, text.indexOf('};'));
  const bytes = [...body.matchAll(/0x([0-9a-fA-F]{2})/g)].map((m) => Number.parseInt(m[1] as string, 16));
  if (bytes.length !== 256 * 5) throw new Error(`glcdfont.c: expected 1280 bytes, found ${bytes.length}`);
  return new Uint8Array(bytes);
}

/** The cell's 6x8 bits (1 = foreground) as TFT_eSPI draws character c; column 6 is the gap. */
function glyphBits(font: Uint8Array, c: number): number[] {
  const bits: number[] = [];
  for (let j = 0; j < GLYPH_H; j++)
    for (let i = 0; i < GLYPH_W; i++) bits.push(i < 5 ? ((font[c * 5 + i] as number) >> j) & 1 : 0);
  return bits;
}

export interface TextGeometry {
  x: number;
  y: number;
  w: number;
  h: number;
  size: number;
  align: string;
  fg: number;
  bg: number;
}

/** A text box as render_plan.h placeText() lays it out, for a text of n characters. */
function placement(t: TextGeometry, n: number): { x: number; y: number } {
  const size = t.size > 0 ? t.size : 1;
  const textW = n * GLYPH_W * size;
  let x = t.x;
  const align = t.align.toLowerCase();
  if (align === 'center') x = t.x + Math.trunc((t.w - textW) / 2);
  if (align === 'right') x = t.x + t.w - textW;
  return { x, y: t.y + Math.trunc((t.h - GLYPH_H * size) / 2) };
}

/**
 * Decodes the GLCD text in a box from the panel's pixels: the shortest run of characters, placed as
 * placeText() would place that many, whose every cell is exactly one glyph (foreground and background colours
 * exact; bits under a needle drawn over the text are left out, and must leave only one glyph possible) with
 * no foreground pixel left over beside them. Spaces around a text cannot be seen, so it comes back without
 * them. null when nothing decodes.
 */
export function decodeText(px: Pixels, font: Uint8Array, t: TextGeometry): string | null {
  const size = t.size > 0 ? t.size : 1;
  const fg = px.shows(t.fg);
  const bg = px.shows(t.bg);
  const glyphs: { bits: number[]; ch: string }[] = [];
  for (let c = 32; c < 127; c++) glyphs.push({ bits: glyphBits(font, c), ch: String.fromCharCode(c) });
  const isFg = (x: number, y: number) => dist(px.at(x, y), fg) === 0;
  const isBg = (x: number, y: number) => dist(px.at(x, y), bg) === 0;
  const fit = t.w > 0 ? Math.floor(t.w / (GLYPH_W * size)) : 0;
  for (let n = 1; n <= fit; n++) {
    const { x, y } = placement(t, n);
    let out = '';
    for (let k = 0; k < n; k++) {
      // Each font bit is a size x size block; its centre pixel decides: 1, 0, or -1 where something else
      // (a needle drawn over the text) covers it. A cell reads as the one glyph that agrees on every bit seen.
      const bits: number[] = [];
      let seen = 0;
      for (let j = 0; j < GLYPH_H; j++)
        for (let i = 0; i < GLYPH_W; i++) {
          const bx = x + (k * GLYPH_W + i) * size + Math.floor(size / 2);
          const by = y + j * size + Math.floor(size / 2);
          const b = isFg(bx, by) ? 1 : isBg(bx, by) ? 0 : -1;
          if (b >= 0) seen++;
          bits.push(b);
        }
      const matches = glyphs.filter((g) => g.bits.every((b, i) => bits[i] === -1 || bits[i] === b));
      if (matches.length !== 1 || seen < (GLYPH_W * GLYPH_H) / 2) break;
      out += (matches[0] as { ch: string }).ch;
    }
    if (out.length !== n) continue;
    // Nothing of the foreground colour beside the cells, in the box's glyph rows (a shorter reading would
    // leave glyphs there; the rows above and below may hold other things, e.g. a lamp's rounded corners).
    let stray = false;
    for (let yy = y; yy < y + GLYPH_H * size && !stray; yy++)
      for (let xx = t.x; xx < t.x + t.w && !stray; xx++) {
        const inCells = xx >= x && xx < x + n * GLYPH_W * size;
        if (!inCells && isFg(xx, yy)) stray = true;
      }
    if (!stray) return out.trim();
  }
  return null;
}

/** A TextBox's geometry on background `bg`. */
export const boxGeometry = (t: TextBox, bg: number): TextGeometry => ({
  x: t.x,
  y: t.y,
  w: t.w,
  h: t.h,
  size: t.size,
  align: String(t.align),
  fg: t.color,
  bg,
});

/** Every text the cluster shows, by name, with its geometry and what the Frame says it is (cut to its box). */
export function frameTexts(f: Frame): { name: string; geometry: TextGeometry; text: string }[] {
  const cut = (t: { text: string; w: number; size: number }) =>
    t.text.slice(0, Math.max(0, Math.floor(t.w / (GLYPH_W * (t.size > 0 ? t.size : 1))))).trim();
  const out: { name: string; geometry: TextGeometry; text: string }[] = [];
  out.push({ name: 'model', geometry: boxGeometry(f.model, f.background), text: cut(f.model) });
  out.push({ name: 'status', geometry: boxGeometry(f.status, f.background), text: cut(f.status) });
  for (const d of f.dials) {
    out.push({ name: `${d.id}.label`, geometry: boxGeometry(d.label, f.background), text: cut(d.label) });
    out.push({ name: `${d.id}.value`, geometry: boxGeometry(d.value, f.background), text: cut(d.value) });
  }
  for (const l of f.lamps) {
    const geometry = {
      x: l.x,
      y: l.y,
      w: l.w,
      h: l.h,
      size: l.label_size,
      align: 'center',
      fg: l.label_color,
      bg: l.color,
    };
    out.push({ name: `lamp ${l.id}`, geometry, text: cut({ text: l.label, w: l.w, size: l.label_size }) });
  }
  return out;
}
