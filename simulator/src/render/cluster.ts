// Draws a Frame on a canvas exactly as firmware/platform/esp32/render_plan.h draws it on the TFT: same
// geometry (every coordinate, angle and colour comes from the Frame; the few constants below are the render
// plan's own), the same layers in the same order, the GLCD font's 6x8 cell per character. Logical coordinates are the CYD's 320x240; the
// canvas backing store is scaled by zoom x devicePixelRatio so lines stay sharp on any screen.
import { css, type Dial, type Frame, type LampView, type TextBox } from '../frame.js';

export const SCREEN_W = 320;
export const SCREEN_H = 240;

// render_plan.h: "Our own geometry (the Frame does not carry these)".
const MAJOR_TICK_LEN = 8;
const MINOR_TICK_LEN = 4;
const MAJOR_TICK_WIDTH = 2;
const MINOR_TICK_WIDTH = 1;
const NEEDLE_BASE_WIDTH = 5;
const NEEDLE_TIP_WIDTH = 1;
const LAMP_CORNER_RADIUS = 4;
const NEEDLE_MARGIN_DEG = 12;
const GLYPH_W = 6;
const GLYPH_H = 8;

const DEG = Math.PI / 180;

/**
 * The TFT's pixel (x, y) has its centre at the Frame's point (x, y) (TFT_eSPI measures distances from pixel
 * centres); a canvas pixel's centre is at (x + 0.5, y + 0.5). Arcs, ticks, needles and hubs are drawn around
 * C(x), C(y) so they sit where the device draws them; boxes and text cells are whole pixels on both.
 */
const C = (v: number) => v + 0.5;

/** frame.h: a point at angle a (clockwise from 12 o'clock) and radius r is (cx + r sin a, cy - r cos a). */
function polar(cx: number, cy: number, r: number, deg: number): [number, number] {
  return [cx + r * Math.sin(deg * DEG), cy - r * Math.cos(deg * DEG)];
}

/** Canvas arcs measure from 3 o'clock; the Frame's from 12 o'clock. */
const canvasAngle = (deg: number) => (deg - 90) * DEG;

const finite = (v: number, fallback = 0) => (Number.isFinite(v) ? v : fallback);

function drawText(
  ctx: CanvasRenderingContext2D,
  text: string,
  x: number,
  y: number,
  size: number,
  color: string,
) {
  ctx.fillStyle = color;
  ctx.font = `bold ${8 * size}px "DejaVu Sans Mono", monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const cellW = GLYPH_W * size;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? ' ';
    if (ch !== ' ') ctx.fillText(ch, x + i * cellW + cellW / 2, y + (GLYPH_H * size) / 2 + 0.5);
  }
}

/** render_plan.h placeText(): aligned horizontally, centred vertically, cut to what fits the box. */
function drawTextBox(ctx: CanvasRenderingContext2D, t: TextBox, bg: string) {
  ctx.fillStyle = bg;
  ctx.fillRect(t.x, t.y, t.w, t.h);
  const size = t.size > 0 ? t.size : 1;
  const fit = t.w > 0 ? Math.floor(t.w / (GLYPH_W * size)) : 0;
  const text = t.text.slice(0, Math.max(0, fit));
  if (text.length === 0) return;
  const textW = text.length * GLYPH_W * size;
  let x = t.x;
  const align = String(t.align).toLowerCase();
  if (align === 'center') x = t.x + Math.trunc((t.w - textW) / 2);
  if (align === 'right') x = t.x + t.w - textW;
  const y = t.y + Math.trunc((t.h - GLYPH_H * size) / 2);
  drawText(ctx, text, x, y, size, css(t.color));
}

function drawBand(ctx: CanvasRenderingContext2D, d: Dial, from: number, to: number, color: number) {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return;
  const inner = Math.max(0, d.radius - d.arc_width);
  ctx.fillStyle = css(color);
  ctx.beginPath();
  ctx.arc(C(d.cx), C(d.cy), d.radius, canvasAngle(from), canvasAngle(Math.min(to, from + 360)));
  ctx.arc(C(d.cx), C(d.cy), inner, canvasAngle(Math.min(to, from + 360)), canvasAngle(from), true);
  ctx.closePath();
  ctx.fill();
}

function drawFace(ctx: CanvasRenderingContext2D, d: Dial) {
  if (d.radius > 0) {
    drawBand(ctx, d, d.start_deg, d.end_deg, d.arc_color);
    for (const z of d.zones.slice(0, Math.max(0, d.zone_count)))
      drawBand(ctx, d, z.from_deg, z.to_deg, z.color);
  }

  const inner = Math.max(0, d.radius - d.arc_width);
  const tickColor = css(d.tick_color);
  ctx.strokeStyle = tickColor;
  ctx.lineCap = 'butt';
  for (const t of d.ticks.slice(0, Math.max(0, d.tick_count))) {
    if (!Number.isFinite(t.deg)) continue;
    const len = t.major ? MAJOR_TICK_LEN : MINOR_TICK_LEN;
    const [ax, ay] = polar(C(d.cx), C(d.cy), inner, t.deg);
    const [bx, by] = polar(C(d.cx), C(d.cy), inner - len, t.deg);
    ctx.lineWidth = t.major ? MAJOR_TICK_WIDTH : MINOR_TICK_WIDTH;
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.stroke();
    if (t.label.length > 0) {
      const [px, py] = polar(d.cx, d.cy, d.label_radius, t.deg);
      const w = t.label.length * GLYPH_W;
      drawText(ctx, t.label, Math.round(px) - Math.trunc(w / 2), Math.round(py) - GLYPH_H / 2, 1, tickColor);
    }
  }
}

/** render_plan.h clampNeedleDeg(): a needle is drawn at most NEEDLE_MARGIN_DEG past its scale. */
function clampNeedle(d: Dial): number {
  const lo = finite(d.start_deg);
  const hi = finite(d.end_deg);
  if (!Number.isFinite(d.needle_deg)) return lo;
  return Math.min(Math.max(d.needle_deg, lo - NEEDLE_MARGIN_DEG), hi + NEEDLE_MARGIN_DEG);
}

// The needle: a wedge from the pivot (base width) to the tip (tip width), then the hub over the pivot.
function drawNeedle(ctx: CanvasRenderingContext2D, d: Dial) {
  const deg = clampNeedle(d);
  const [cx, cy] = [C(d.cx), C(d.cy)];
  const [tx, ty] = polar(cx, cy, d.needle_length, deg);
  const [nx, ny] = [Math.cos(deg * DEG), Math.sin(deg * DEG)]; // unit normal to the needle
  const needle = css(d.needle_color);
  ctx.fillStyle = needle;
  ctx.beginPath();
  ctx.moveTo(cx + (nx * NEEDLE_BASE_WIDTH) / 2, cy + (ny * NEEDLE_BASE_WIDTH) / 2);
  ctx.lineTo(tx + (nx * NEEDLE_TIP_WIDTH) / 2, ty + (ny * NEEDLE_TIP_WIDTH) / 2);
  ctx.lineTo(tx - (nx * NEEDLE_TIP_WIDTH) / 2, ty - (ny * NEEDLE_TIP_WIDTH) / 2);
  ctx.lineTo(cx - (nx * NEEDLE_BASE_WIDTH) / 2, cy - (ny * NEEDLE_BASE_WIDTH) / 2);
  ctx.closePath();
  ctx.fill();
  if (d.hub_radius > 0) {
    ctx.beginPath();
    ctx.arc(cx, cy, d.hub_radius, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawLamp(ctx: CanvasRenderingContext2D, l: LampView) {
  const r = Math.min(LAMP_CORNER_RADIUS, Math.trunc(l.h / 2), Math.trunc(l.w / 2));
  ctx.fillStyle = css(l.color);
  ctx.beginPath();
  ctx.roundRect(l.x, l.y, l.w, l.h, Math.max(0, r));
  ctx.fill();
  const size = l.label_size > 0 ? l.label_size : 1;
  const fit = Math.floor(l.w / (GLYPH_W * size));
  const text = l.label.slice(0, Math.max(0, fit));
  const x = l.x + Math.trunc((l.w - text.length * GLYPH_W * size) / 2);
  const y = l.y + Math.trunc((l.h - GLYPH_H * size) / 2);
  drawText(ctx, text, x, y, size, css(l.label_color));
}

export class ClusterRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private lastSeq = -1;
  private lastScale = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly zoom: number,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('this browser gives no 2D canvas context');
    this.ctx = ctx;
    canvas.style.width = `${SCREEN_W * zoom}px`;
    canvas.style.height = `${SCREEN_H * zoom}px`;
  }

  /** Redraws when the frame changed (Frame::seq) or the pixel ratio did; returns whether it drew. */
  draw(frame: Frame): boolean {
    const scale = this.zoom * (window.devicePixelRatio || 1);
    if (scale !== this.lastScale) {
      this.canvas.width = Math.round(SCREEN_W * scale);
      this.canvas.height = Math.round(SCREEN_H * scale);
      this.lastScale = scale;
      this.lastSeq = -1;
    }
    if (frame.seq === this.lastSeq) return false;
    this.lastSeq = frame.seq;
    const ctx = this.ctx;
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    // render_plan.h's layers, bottom to top: background, dial faces, text boxes, lamps, needles.
    const bg = css(frame.background);
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, SCREEN_W, SCREEN_H);
    for (const dial of frame.dials) drawFace(ctx, dial);
    for (const dial of frame.dials) {
      drawTextBox(ctx, dial.label, bg);
      drawTextBox(ctx, dial.value, bg);
    }
    drawTextBox(ctx, frame.model, bg);
    drawTextBox(ctx, frame.status, bg);
    for (const lamp of frame.lamps) drawLamp(ctx, lamp);
    for (const dial of frame.dials) drawNeedle(ctx, dial);
    return true;
  }
}
