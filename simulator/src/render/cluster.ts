// Draws a Frame on a canvas as the device draws it on its TFT (firmware/platform/esp32/host_tested/render_plan.h): every
// coordinate, angle and colour comes from the core's Frame, and everything the Frame leaves to a renderer
// (where a text goes and how much of it fits, tick marks and labels, the needle's wedge, the lamps' corners,
// the font's cell) from the core's Drawing (firmware/core/drawing.h, read from the wasm module). The layers are
// the render plan's, in its order. Only the rasterising is this file's own: canvas anti-aliasing, a monospace
// font in the GLCD cell, and the pixel-centre convention below. Logical coordinates are the screen's (320x240,
// from the core); the backing store is scaled by zoom x devicePixelRatio so lines stay sharp on any screen.
import {
  type ConstantName,
  type Drawing,
  FRAME_TEXT_FIELDS,
  type TextPlacement,
} from '../../../firmware/platform/wasm/gaugeCore.js';
import { css, type Dial, type Frame, type LampView, type TextBox } from '../frame.js';

type DialDrawing = Drawing['dials'][number];

/**
 * The TFT's pixel (x, y) has its centre at the Frame's point (x, y) (TFT_eSPI measures distances from pixel
 * centres); a canvas pixel's centre is at (x + 0.5, y + 0.5). Arcs, ticks, needles and hubs are drawn around
 * C(x), C(y) so they sit where the device draws them; boxes and text cells are whole pixels on both.
 */
const C = (v: number) => v + 0.5;

/** Canvas arcs measure from 3 o'clock; the Frame's from 12 o'clock. */
const canvasAngle = (deg: number) => ((deg - 90) * Math.PI) / 180;

/** `chars` characters of `text` in the GLCD cell (glyph_w x glyph_h at size 1) from the placement's corner. */
function drawText(
  ctx: CanvasRenderingContext2D,
  g: Drawing,
  text: string,
  at: { x: number; y: number; size: number; chars: number },
  color: string,
) {
  ctx.fillStyle = color;
  ctx.font = `bold ${g.glyph_h * at.size}px "DejaVu Sans Mono", monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const cellW = g.glyph_w * at.size;
  for (let i = 0; i < at.chars; i++) {
    const ch = text[i] ?? ' ';
    if (ch !== ' ') ctx.fillText(ch, at.x + i * cellW + cellW / 2, at.y + (g.glyph_h * at.size) / 2 + 0.5);
  }
}

/** A TextBox: its box cleared, then its text where the core placed it. */
function drawTextBox(ctx: CanvasRenderingContext2D, g: Drawing, t: TextBox, p: TextPlacement, bg: string) {
  ctx.fillStyle = bg;
  ctx.fillRect(t.x, t.y, t.w, t.h);
  if (p.chars > 0) drawText(ctx, g, t.text, p, css(t.color));
}

function drawBand(
  ctx: CanvasRenderingContext2D,
  d: Dial,
  inner: number,
  from: number,
  to: number,
  color: number,
) {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return;
  ctx.fillStyle = css(color);
  ctx.beginPath();
  ctx.arc(C(d.cx), C(d.cy), d.radius, canvasAngle(from), canvasAngle(Math.min(to, from + 360)));
  ctx.arc(C(d.cx), C(d.cy), inner, canvasAngle(Math.min(to, from + 360)), canvasAngle(from), true);
  ctx.closePath();
  ctx.fill();
}

function drawFace(ctx: CanvasRenderingContext2D, g: Drawing, d: Dial, dd: DialDrawing) {
  if (d.radius > 0) {
    drawBand(ctx, d, dd.arc_inner_radius, d.start_deg, d.end_deg, d.arc_color);
    for (const z of d.zones) drawBand(ctx, d, dd.arc_inner_radius, z.from_deg, z.to_deg, z.color);
  }
  const tickColor = css(d.tick_color);
  ctx.strokeStyle = tickColor;
  ctx.lineCap = 'butt';
  dd.ticks.forEach((m, i) => {
    if (![m.outer.x, m.outer.y, m.inner.x, m.inner.y].every(Number.isFinite)) return;
    ctx.lineWidth = m.width;
    ctx.beginPath();
    ctx.moveTo(C(m.outer.x), C(m.outer.y));
    ctx.lineTo(C(m.inner.x), C(m.inner.y));
    ctx.stroke();
    const label = dd.tick_labels[i];
    if (label !== undefined && label.w > 0) {
      const chars = Math.trunc(label.w / g.glyph_w);
      drawText(ctx, g, d.ticks[i]?.label ?? '', { x: label.x, y: label.y, size: 1, chars }, tickColor);
    }
  });
}

// The needle: a wedge from the pivot (base width) to the tip (tip width), then the hub over the pivot.
function drawNeedle(ctx: CanvasRenderingContext2D, d: Dial, dd: DialDrawing) {
  const n = dd.needle;
  const [px, py, tx, ty] = [C(n.pivot.x), C(n.pivot.y), C(n.tip.x), C(n.tip.y)];
  const len = Math.hypot(tx - px, ty - py) || 1;
  const [nx, ny] = [-(ty - py) / len, (tx - px) / len]; // unit normal to the needle
  ctx.fillStyle = css(d.needle_color);
  ctx.beginPath();
  ctx.moveTo(px + (nx * n.base_width) / 2, py + (ny * n.base_width) / 2);
  ctx.lineTo(tx + (nx * n.tip_width) / 2, ty + (ny * n.tip_width) / 2);
  ctx.lineTo(tx - (nx * n.tip_width) / 2, ty - (ny * n.tip_width) / 2);
  ctx.lineTo(px - (nx * n.base_width) / 2, py - (ny * n.base_width) / 2);
  ctx.closePath();
  ctx.fill();
  if (d.hub_radius > 0) {
    ctx.beginPath();
    ctx.arc(px, py, d.hub_radius, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawLamp(ctx: CanvasRenderingContext2D, g: Drawing, l: LampView, ld: Drawing['lamps'][number]) {
  ctx.fillStyle = css(l.color);
  ctx.beginPath();
  ctx.roundRect(l.x, l.y, l.w, l.h, Math.max(0, ld.corner_radius));
  ctx.fill();
  drawText(ctx, g, l.label, ld.label, css(l.label_color));
}

export class ClusterRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly width: number;
  private readonly height: number;
  private lastSeq = -1;
  private lastScale = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly zoom: number,
    screen: Readonly<Record<ConstantName, number>>,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('this browser gives no 2D canvas context');
    this.ctx = ctx;
    this.width = screen.screen_w;
    this.height = screen.screen_h;
    canvas.style.width = `${this.width * zoom}px`;
    canvas.style.height = `${this.height * zoom}px`;
  }

  /**
   * Redraws when the frame changed (Frame::seq) or the pixel ratio did; returns whether it drew. `drawing`
   * gives the core's Drawing of this frame, asked for only when a redraw is due.
   */
  draw(frame: Frame, drawing: () => Drawing): boolean {
    const scale = this.zoom * (window.devicePixelRatio || 1);
    if (scale !== this.lastScale) {
      this.canvas.width = Math.round(this.width * scale);
      this.canvas.height = Math.round(this.height * scale);
      this.lastScale = scale;
      this.lastSeq = -1;
    }
    if (frame.seq === this.lastSeq) return false;
    this.lastSeq = frame.seq;
    const g = drawing();
    const ctx = this.ctx;
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    // render_plan.h's layers, bottom to top: background, dial faces, text boxes, lamps, needles.
    const bg = css(frame.background);
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const dials = frame.dials.flatMap((d, i) => {
      const dd = g.dials[i];
      return dd === undefined ? [] : [{ d, dd }];
    });
    for (const { d, dd } of dials) drawFace(ctx, g, d, dd);
    for (const { d, dd } of dials) {
      drawTextBox(ctx, g, d.label, dd.label, bg);
      drawTextBox(ctx, g, d.value, dd.value, bg);
    }
    // The Frame's own texts (model, status, any readout the core adds), where the core placed them.
    FRAME_TEXT_FIELDS.forEach((field, i) => {
      const placement = g.texts[i];
      if (placement !== undefined) drawTextBox(ctx, g, frame[field], placement, bg);
    });
    frame.lamps.forEach((lamp, i) => {
      const ld = g.lamps[i];
      if (ld !== undefined) drawLamp(ctx, g, lamp, ld);
    });
    for (const { d, dd } of dials) drawNeedle(ctx, d, dd);
    return true;
  }
}
