// The demo source: a scripted 4-minute loop that drives every needle and lamp, for showing the gauge
// without Claude Code data. A pure function of the clock (the loop's second = now mod loop), so a fixed --now gives
// a fixed payload and two daemons show the same thing at the same moment.

import type { SourceSnapshot, UsageSource } from './source.js';

export interface DemoOptions {
  clock?: () => number;
  /** Scales the script so HOT and WARN trip at the daemon's actual thresholds. */
  redline?: number;
  ceiling?: number;
  stallMinutes?: number;
  /** How often subscribers are told that the (time-driven) snapshot moved. */
  tickMs?: number;
}

export const DEMO_LOOP_S = 240;

export interface DemoAct {
  name: string;
  /** Start second within the loop. */
  at: number;
}

/** The script's acts, in order (not the simulator's scenes). Each act's values are defined in demoSnapshot. */
export const DEMO_ACTS: readonly DemoAct[] = [
  { name: 'cruise', at: 0 },
  { name: 'ramp-to-redline', at: 40 },
  { name: 'redline', at: 70 },
  { name: 'fuel-warn', at: 95 },
  { name: 'over-ceiling', at: 130 },
  { name: 'stall', at: 160 },
  { name: 'idle', at: 195 },
  { name: 'new-block', at: 220 },
];

const SONNET = 'claude-sonnet-4-5-20250929';
const OPUS = 'claude-opus-4-5-20251101';
const HAIKU = 'claude-haiku-4-5-20251001';

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * Math.min(1, Math.max(0, t));
}

/** Smooth ease so needles sweep rather than jump. */
function ease(t: number): number {
  const x = Math.min(1, Math.max(0, t));
  return x * x * (3 - 2 * x);
}

export function demoAct(nowMs: number): DemoAct {
  const t = loopSecond(nowMs);
  let act = DEMO_ACTS[0] as DemoAct;
  for (const a of DEMO_ACTS) if (t >= a.at) act = a;
  return act;
}

function loopSecond(nowMs: number): number {
  const loopMs = DEMO_LOOP_S * 1000;
  return (((nowMs % loopMs) + loopMs) % loopMs) / 1000;
}

/** The demo's snapshot at `nowMs`. */
export function demoSnapshot(
  nowMs: number,
  opts: { redline?: number; ceiling?: number; stallMinutes?: number } = {},
): SourceSnapshot {
  const redline = opts.redline ?? 1_000_000;
  const ceiling = opts.ceiling ?? 20_000_000;
  const stallMs = (opts.stallMinutes ?? 5) * 60_000;
  const t = loopSecond(nowMs);
  // A little life on the needles: two incommensurate sines, deterministic in t.
  const wiggle = 0.06 * Math.sin(t * 1.7) + 0.04 * Math.sin(t * 0.53);
  // The demo's 5 h block ends at the loop's "new-block" act (220 s), scaled to look like hours.
  const blockEndS = 220;
  const resetInS =
    t < blockEndS ? Math.round((blockEndS - t) * 80) : Math.round(5 * 3600 - (t - blockEndS) * 80);

  let rate: number; // fraction of redline
  let fuel: number; // fraction of ceiling
  let thinking: number;
  let cache: number;
  let model: string;
  let sessions = 1;
  let lastResponseAtMs: number | null = nowMs - 2000;

  if (t < 40) {
    // Cruise: steady mid-range work on Sonnet, fuel filling slowly.
    rate = 0.3 + wiggle;
    fuel = lerp(0.35, 0.45, t / 40);
    thinking = 0.2 + wiggle / 2;
    cache = 0.85 + wiggle / 3;
    model = SONNET;
  } else if (t < 70) {
    // Ramp to the redline as a big refactor starts: switch to Opus, thinking climbs.
    const k = ease((t - 40) / 30);
    rate = lerp(0.3, 1.15, k) + wiggle;
    fuel = lerp(0.45, 0.6, (t - 40) / 30);
    thinking = lerp(0.2, 0.65, k);
    cache = lerp(0.85, 0.6, k);
    model = OPUS;
    sessions = 2;
  } else if (t < 95) {
    // Pinned past the redline: HOT.
    rate = 1.2 + wiggle;
    fuel = lerp(0.6, 0.78, (t - 70) / 25);
    thinking = 0.7 + wiggle / 2;
    cache = 0.55 + wiggle / 3;
    model = OPUS;
    sessions = 2;
  } else if (t < 130) {
    // Fuel past the warn fraction: WARN, rate easing off.
    const k = ease((t - 95) / 35);
    rate = lerp(0.9, 0.5, k) + wiggle;
    fuel = lerp(0.78, 0.99, (t - 95) / 35);
    thinking = lerp(0.6, 0.35, k);
    cache = lerp(0.6, 0.9, k);
    model = t < 112 ? OPUS : SONNET;
    sessions = 2;
  } else if (t < 160) {
    // Over the ceiling: the fuel needle goes past full.
    rate = 0.45 + wiggle;
    fuel = lerp(0.99, 1.12, (t - 130) / 30);
    thinking = 0.3 + wiggle / 2;
    cache = 0.92 + wiggle / 4;
    model = t < 145 ? SONNET : HAIKU;
  } else if (t < 195) {
    // Stall: a session is open but nothing has come back for longer than the stall minutes.
    rate = 0;
    fuel = 1.12;
    thinking = 0.3;
    cache = 0.92;
    model = HAIKU;
    lastResponseAtMs = nowMs - stallMs - (t - 160) * 1000 - 1000;
  } else if (t < 220) {
    // Idle: the session ended.
    rate = 0;
    fuel = 1.12;
    thinking = 0.3;
    cache = 0.92;
    model = HAIKU;
    sessions = 0;
    lastResponseAtMs = nowMs - stallMs - 40_000 - (t - 195) * 1000;
  } else {
    // A new 5 h block: fuel back near empty, work resumes on Sonnet.
    const k = ease((t - 220) / 20);
    rate = lerp(0, 0.35, k) + (k > 0 ? wiggle : 0);
    fuel = lerp(0.01, 0.05, (t - 220) / 20);
    thinking = 0.2;
    cache = lerp(0.3, 0.8, k);
    model = SONNET;
  }

  return {
    rate1m: Math.max(0, rate) * redline,
    window5hTokens: Math.round(Math.max(0, fuel) * ceiling),
    window5hResetInS: resetInS,
    thinkingRatio: Math.min(1, Math.max(0, thinking)),
    cacheHitRate: Math.min(1, Math.max(0, cache)),
    lastModel: model,
    lastResponseAtMs,
    sessionsActive: sessions,
  };
}

export class DemoSource implements UsageSource {
  readonly name = 'demo' as const;
  private readonly clock: () => number;
  private readonly opts: DemoOptions;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: DemoOptions = {}) {
    this.opts = opts;
    this.clock = opts.clock ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    // The script moves with time; tell subscribers once per tick so streams follow it.
    this.timer = setInterval(() => {
      for (const l of this.listeners) l();
    }, this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    return demoSnapshot(Number.isFinite(nowMs) ? nowMs : this.clock(), this.opts);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
