// Everything on the page that shows the core's Frame: the screen, the board's lights, the history strip,
// the readouts and the state line; plus the read-only test hook's view of it.
import type { DialName, GaugeCore, PhaseName } from '../../firmware/platform/wasm/gaugeCore.js';
import type { Frame } from './frame.js';
import { drawHistory, History } from './history.js';
import { Readouts, readoutLines } from './readouts.js';
import { ClusterRenderer } from './render/cluster.js';
import { PhysicalLamps } from './render/lamps.js';
import type { VectorPlayState } from './vectorPlay.js';

/** What window.gauge.state() returns: plain data, a snapshot of the page. */
export interface PageState {
  mode: string;
  /** The `source` field of the last payload the core accepted ('' before any). */
  source: string;
  t: number;
  /** The core's phase name, as in the state line: SELFTEST, LIVE or NOSIGNAL. */
  phase: PhaseName;
  /** Needle angles in degrees clockwise from 12 o'clock, straight from the Frame. */
  needles: { tach: number; fuel: number; temp: number; boost: number };
  /** Value texts of the dials, as drawn. */
  values: { tach: string; fuel: string; temp: string; boost: string };
  /** Per lamp (the core's lamp names, HOT ... NOSIG): logical state and whether it is lit at this instant. */
  lamps: Record<string, { active: boolean; lit: boolean }>;
  /** Active lamps' labels as drawn on the screen, in LampId order. */
  activeLamps: string[];
  rgbLed: string;
  discreteMask: number;
  model: string;
  status: string;
  stale: boolean;
  fuelOver: boolean;
  stateLine: string;
  frameSeq: number;
  /** Payloads accepted, and the outcome of the latest poll/stream result. */
  accepted: number;
  lastOutcome: string;
  historySamples: number;
  readouts: Record<string, string>;
  error: string | null;
  /** Vector playback only: the steps run so far and their outputs (the vector checker's format). */
  vector: VectorPlayState | null;
}

const hex6 = (rgb: number) => (rgb >>> 0).toString(16).toUpperCase().padStart(6, '0').slice(-6);

export interface ViewElements {
  screen: HTMLCanvasElement;
  lamps: HTMLElement;
  history: HTMLCanvasElement;
  readouts: HTMLElement;
  stateLine: HTMLElement;
  demoBanner: HTMLElement;
}

export class GaugeView {
  readonly history = new History();
  private readonly renderer: ClusterRenderer;
  private readonly lamps: PhysicalLamps;
  private readonly readouts: Readouts;
  private frame: Frame;
  private stateLine = '';
  private lastHistoryDraw = Number.NEGATIVE_INFINITY;
  /** Milliseconds of work per animation frame (core + drawing), the last 4096, for bench/frame-cost.mjs. */
  private readonly costs: number[] = [];
  accepted = 0;
  lastOutcome = '';
  source = '';
  mode = '';

  constructor(
    private readonly core: GaugeCore,
    private readonly els: ViewElements,
  ) {
    this.renderer = new ClusterRenderer(els.screen, 2, core.constants);
    this.lamps = new PhysicalLamps(els.lamps);
    this.readouts = new Readouts(els.readouts);
    this.frame = core.frame();
  }

  /** Records the payload the core just accepted (as the core decoded it) for the history strip. */
  recordPayload(nowMs: number): void {
    this.accepted++;
    const u = this.core.usage();
    this.source = u.source;
    this.history.add({ atMs: nowMs, rate: u.rate_1m, redline: u.rate_redline, fuel: u.window_5h_pct });
  }

  /** Reads the core's frame and shows it. `force` redraws texts at once (vector jumps). */
  render(nowMs: number, wallMs: number, force = false): void {
    this.frame = this.core.frame();
    this.renderer.draw(this.frame, () => this.core.drawing());
    this.lamps.update(this.frame);
    this.readouts.update(this.frame, wallMs, force);
    const demo = this.source === 'demo';
    if (this.els.demoBanner.hidden === demo) this.els.demoBanner.hidden = !demo;
    if (force || wallMs - this.lastHistoryDraw >= 1000) {
      this.lastHistoryDraw = wallMs;
      this.history.trim(nowMs);
      drawHistory(this.els.history, this.history, nowMs);
      this.stateLine = this.core.stateLine();
      this.els.stateLine.textContent = this.stateLine;
    }
  }

  recordFrameCost(ms: number): void {
    if (this.costs.length >= 4096) this.costs.shift();
    this.costs.push(ms);
  }

  frameCosts(): number[] {
    return [...this.costs];
  }

  state(error: string | null, vector: VectorPlayState | null = null): PageState {
    const f = this.core.frame();
    const byId = (id: DialName) => f.dials.find((d) => d.id === id);
    const [tach, fuel, temp, boost] = [byId('tach'), byId('fuel'), byId('temp'), byId('boost')];
    const lamps: PageState['lamps'] = {};
    for (const l of f.lamps) lamps[l.id] = { active: l.active, lit: l.lit };
    return {
      mode: this.mode,
      source: this.source,
      t: f.t_ms,
      phase: f.phase,
      needles: {
        tach: tach?.needle_deg ?? Number.NaN,
        fuel: fuel?.needle_deg ?? Number.NaN,
        temp: temp?.needle_deg ?? Number.NaN,
        boost: boost?.needle_deg ?? Number.NaN,
      },
      values: {
        tach: tach?.value.text ?? '',
        fuel: fuel?.value.text ?? '',
        temp: temp?.value.text ?? '',
        boost: boost?.value.text ?? '',
      },
      lamps,
      activeLamps: f.lamps.filter((l) => l.active).map((l) => l.label),
      rgbLed: hex6(f.rgb_led),
      discreteMask: f.discrete_mask,
      model: f.model.text,
      status: f.status.text,
      stale: f.stale,
      fuelOver: f.fuel_over,
      stateLine: this.core.stateLine(),
      frameSeq: f.seq,
      accepted: this.accepted,
      lastOutcome: this.lastOutcome,
      historySamples: this.history.size,
      readouts: Object.fromEntries(readoutLines(f)),
      error,
      vector,
    };
  }
}
