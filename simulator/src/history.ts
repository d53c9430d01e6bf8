// The last 15 minutes of tach (tokens/min) and fuel (5 h window fraction) from the payloads the core
// accepted, drawn as two sparklines under the cluster.

export const HISTORY_SPAN_MS = 15 * 60_000;

export interface HistorySample {
  atMs: number;
  rate: number;
  redline: number;
  fuel: number;
}

export class History {
  private samples: HistorySample[] = [];

  add(sample: HistorySample): void {
    if (![sample.atMs, sample.rate, sample.redline, sample.fuel].every(Number.isFinite)) return;
    const last = this.samples[this.samples.length - 1];
    // A clock that went backwards (scenario restart) starts a new history rather than drawing loops.
    if (last !== undefined && sample.atMs < last.atMs) this.samples = [];
    this.samples.push(sample);
    this.trim(sample.atMs);
  }

  trim(nowMs: number): void {
    const from = nowMs - HISTORY_SPAN_MS;
    let drop = 0;
    while (drop < this.samples.length && (this.samples[drop]?.atMs ?? 0) < from) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  clear(): void {
    this.samples = [];
  }

  get size(): number {
    return this.samples.length;
  }

  list(): readonly HistorySample[] {
    return this.samples;
  }
}

interface SparkStyle {
  label: string;
  color: string;
  /** Value shown as a dashed reference line (redline, full tank). */
  reference: number;
  value: (s: HistorySample) => number;
  format: (v: number) => string;
}

function drawSparkline(
  ctx: CanvasRenderingContext2D,
  samples: readonly HistorySample[],
  nowMs: number,
  box: { x: number; y: number; w: number; h: number },
  style: SparkStyle,
): void {
  const { x, y, w, h } = box;
  ctx.fillStyle = '#10141a';
  ctx.fillRect(x, y, w, h);
  const values = samples.map(style.value);
  const top = Math.max(style.reference * 1.1, ...values, 1e-9);
  const px = (at: number) => x + ((at - (nowMs - HISTORY_SPAN_MS)) / HISTORY_SPAN_MS) * w;
  const py = (v: number) => y + h - 4 - (Math.min(v, top) / top) * (h - 18);
  ctx.strokeStyle = '#5a2020';
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(x, py(style.reference));
  ctx.lineTo(x + w, py(style.reference));
  ctx.stroke();
  ctx.setLineDash([]);
  if (samples.length > 0) {
    ctx.strokeStyle = style.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    samples.forEach((s, i) => {
      const sx = px(s.atMs);
      const sy = py(style.value(s));
      if (i === 0) ctx.moveTo(sx, sy);
      else ctx.lineTo(sx, sy);
    });
    ctx.stroke();
    ctx.lineWidth = 1;
  }
  ctx.fillStyle = '#9aa4b2';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  const last = values[values.length - 1];
  ctx.fillText(`${style.label}  ${last === undefined ? '—' : style.format(last)}`, x + 4, y + 3);
  ctx.textAlign = 'right';
  ctx.fillText('15 min', x + w - 4, y + 3);
  ctx.textAlign = 'left';
}

/** Draws both sparklines into `canvas`, sized for its CSS box and the device pixel ratio. */
export function drawHistory(canvas: HTMLCanvasElement, history: History, nowMs: number): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const cssW = canvas.clientWidth || 320;
  const cssH = canvas.clientHeight || 96;
  const dpr = window.devicePixelRatio || 1;
  const wantW = Math.round(cssW * dpr);
  const wantH = Math.round(cssH * dpr);
  if (canvas.width !== wantW || canvas.height !== wantH) {
    canvas.width = wantW;
    canvas.height = wantH;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const half = (cssH - 4) / 2;
  const samples = history.list();
  const redline = samples[samples.length - 1]?.redline ?? 1;
  drawSparkline(
    ctx,
    samples,
    nowMs,
    { x: 0, y: 0, w: cssW, h: half },
    {
      label: 'tach',
      color: '#f0a030',
      reference: redline,
      value: (s) => s.rate,
      format: (v) => `${Math.round(v).toLocaleString('en-US')} tok/min`,
    },
  );
  drawSparkline(
    ctx,
    samples,
    nowMs,
    { x: 0, y: half + 4, w: cssW, h: half },
    {
      label: 'fuel',
      color: '#40c070',
      reference: 1,
      value: (s) => s.fuel,
      format: (v) => `${(v * 100).toFixed(1)} %`,
    },
  );
}
