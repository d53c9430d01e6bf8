// A target's timeline: every state it showed since boot, on the device's own clock (the state line's t=),
// and the judges that decide an assertion on that timeline alone. Nothing here asks what time it is: a
// target that reports late (a busy browser, a slow serial line) is judged on what it showed, when it
// showed it, so another target's speed can never make it miss a short state (the self-test sweep, a blink,
// a brief NO SIGNAL).
//
// Host time (`at`, performance.now() in the runner) is used for one thing only: to place a daemon-side
// step (a transcript write, a fault, a daemon restart) on a device's clock. A line leaves the device at t
// and reaches the runner at at ≥ t + offset, so the smallest at − t seen is an upper bound of the offset:
// a step at host time h happened on the device no earlier than h − offset. Mapping with it puts a step at
// most one line latency early, never late, so the state a step causes is never cut off.
import { type Expectation, mismatches } from './expect.js';
import { type DialName, dialNames, formatState, type GaugeState } from './stateLine.js';

/** The runner's monotonic clock (ms): arrival times and step marks. */
export const hostNow = (): number => performance.now();

export interface Entry {
  /** Device time (ms since the device's clock origin, unwrapped past uint32). */
  t: number;
  /** Host time the line arrived. */
  at: number;
  state: GaugeState;
}

/** The state line without its t= token: two lines with the same key show the same picture. */
export function stateKey(s: GaugeState): string {
  return s.raw.replace(/^GAUGE t=\d+ /, '');
}

const wrap = 2 ** 32;
/** A timeline bigger than this is a device printing far too much; it stops recording (and says so). */
export const maxEntries = 50_000;

export class Timeline {
  private readonly list: Entry[] = [];
  private lastKey = '';
  private base = 0;
  private lastRaw: number | null = null;
  private offset = Number.POSITIVE_INFINITY;
  private covered = Number.NEGATIVE_INFINITY;
  private coveredAt = Number.NEGATIVE_INFINITY;

  /**
   * Records one state (deduplicated: a line that differs from the previous one only in t extends the
   * previous state's coverage instead). Returns a problem to report, or null.
   */
  record(state: GaugeState, at: number): string | null {
    const raw = state.t;
    if (this.lastRaw !== null && raw < this.lastRaw) {
      // uint32 millis() wrapped (a board up for 49.7 days); anything else is the clock going back.
      if (this.lastRaw - raw > wrap / 2) this.base += wrap;
      else return `device clock went back from t=${this.lastRaw} to t=${raw} (did it reboot?)`;
    }
    this.lastRaw = raw;
    const t = this.base + raw;
    this.covered = t;
    this.coveredAt = at;
    this.offset = Math.min(this.offset, at - t);
    const key = stateKey(state);
    if (key === this.lastKey && this.list.length > 0) return null;
    if (this.list.length >= maxEntries) return `more than ${maxEntries} distinct states: timeline full`;
    this.lastKey = key;
    this.list.push({ t, at, state });
    return null;
  }

  get entries(): readonly Entry[] {
    return this.list;
  }

  /** The newest state, or null before the first. */
  latest(): GaugeState | null {
    return this.list.at(-1)?.state ?? null;
  }

  /** Device time up to which the timeline is known (the newest line's t, repeats included). */
  get coveredUntil(): number {
    return this.covered;
  }

  /** Host time the newest line arrived. */
  get lastArrival(): number {
    return this.coveredAt;
  }

  /** Device time of host time `at` (at most one line latency early); -Infinity before the first line. */
  deviceTime(at: number): number {
    return Number.isFinite(this.offset) ? Math.floor(at - this.offset) : Number.NEGATIVE_INFINITY;
  }

  /** Index of the entry in effect at device time t (the newest with entry.t ≤ t); -1 before the first. */
  indexAt(t: number): number {
    let lo = 0;
    let hi = this.list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.list[mid] as Entry).t <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The state in effect at device time t. */
  stateAt(t: number): GaugeState | null {
    return this.list[this.indexAt(t)]?.state ?? null;
  }
}

export type Verdict =
  | { status: 'pending' }
  | { status: 'pass'; t: number; state: GaugeState }
  | { status: 'fail'; t: number; state: GaugeState | null; reason: string };

/**
 * "The target shows `exp` within [from, deadline] of its own clock." The state in effect at `from` counts
 * (a picture already showing when the step happened); after it, every state the target reported, however
 * briefly. Pending until the timeline covers the deadline, so a slow reporter is waited for, not failed.
 * Incremental: each entry is looked at once however often poll() is called.
 */
export class ExpectJudge {
  private next = -1;

  constructor(
    readonly exp: Expectation,
    readonly from: number,
    readonly deadline: number,
  ) {}

  poll(tl: Timeline): Verdict {
    const list = tl.entries;
    if (this.next < 0) this.next = Math.max(0, tl.indexAt(this.from));
    for (; this.next < list.length; this.next++) {
      const e = list[this.next] as Entry;
      if (e.t > this.deadline) break;
      if (mismatches(e.state, this.exp).length === 0)
        return { status: 'pass', t: Math.max(e.t, this.from), state: e.state };
    }
    if (tl.coveredUntil < this.deadline) return { status: 'pending' };
    const last = tl.stateAt(this.deadline);
    return { status: 'fail', t: this.deadline, state: last, reason: mismatches(last, this.exp).join(', ') };
  }
}

/**
 * "Every state the target showed in [from, until] of its own clock matches `exp`": the state in effect at
 * `from` and every one reported after it up to `until`. Pending until the timeline covers `until`.
 */
export function judgeThroughout(tl: Timeline, exp: Expectation, from: number, until: number): Verdict {
  const list = tl.entries;
  const start = tl.indexAt(from);
  if (start < 0 && tl.coveredUntil < from) return { status: 'pending' };
  for (let i = Math.max(0, start); i < list.length; i++) {
    const e = list[i] as Entry;
    if (e.t > until) break;
    const miss = mismatches(e.state, exp);
    if (miss.length > 0)
      return {
        status: 'fail',
        t: Math.max(e.t, from),
        state: e.state,
        reason: `${miss.join(', ')} (state: ${formatState(e.state)})`,
      };
  }
  if (tl.coveredUntil < until) return { status: 'pending' };
  return { status: 'pass', t: until, state: tl.stateAt(until) as GaugeState };
}

export interface SettleOptions {
  /** A needle counts as still when it stays within this of where it was... */
  settleDeg: number;
  /** ...for this long, with phase, lamps, model, stale and over unchanged. */
  windowMs: number;
}

export const defaultSettle: SettleOptions = { settleDeg: 0.5, windowMs: 300 };

export interface Settled {
  /** Device time of the state compared. */
  t: number;
  state: GaugeState;
  /** Dials that were still over the window before t (all of them when the picture settled). */
  dials: DialName[];
}

const discreteKey = (s: GaugeState) =>
  `${s.phase}|${s.lamps.join(',')}|${s.model}|${s.stale ? 1 : 0}|${s.over ? 1 : 0}`;

/**
 * Where the target's picture came to rest after `from` (an assertion's pass): the first time the discrete
 * fields and every needle stayed put for the settle window; at the latest `from + withinMs`, then with
 * only the dials that were still by then. Pending until the timeline covers the answer.
 */
export function settleAfter(
  tl: Timeline,
  from: number,
  withinMs: number,
  opts: SettleOptions = defaultSettle,
): Settled | null {
  const list = tl.entries;
  const limit = from + withinMs;
  let i = tl.indexAt(from);
  if (i < 0) return null;
  let anchor = list[i] as Entry;
  let anchorT = from;
  for (i++; i < list.length; i++) {
    const e = list[i] as Entry;
    if (e.t > anchorT + opts.windowMs || e.t > limit) break;
    const moved =
      discreteKey(e.state) !== discreteKey(anchor.state) ||
      dialNames.some((d) => Math.abs(e.state[d] - anchor.state[d]) >= opts.settleDeg);
    if (moved) {
      anchor = e;
      anchorT = e.t;
    }
  }
  const settledAt = anchorT + opts.windowMs;
  if (settledAt <= limit) {
    if (tl.coveredUntil < settledAt) return null;
    return { t: settledAt, state: tl.stateAt(settledAt) as GaugeState, dials: [...dialNames] };
  }
  return restingAt(tl, limit, opts);
}

/**
 * The state at device time t, with the dials that were still over the settle window before it. Pending
 * (null) until the timeline covers t.
 */
export function restingAt(tl: Timeline, t: number, opts: SettleOptions = defaultSettle): Settled | null {
  if (tl.coveredUntil < t) return null;
  const end = tl.stateAt(t);
  if (!end) return null;
  const list = tl.entries;
  const dials = dialNames.filter((d) => {
    for (let j = Math.max(0, tl.indexAt(t - opts.windowMs)); j < list.length; j++) {
      const e = list[j] as Entry;
      if (e.t > t) break;
      if (Math.abs(e.state[d] - end[d]) >= opts.settleDeg) return false;
    }
    return true;
  });
  return { t, state: end, dials };
}
