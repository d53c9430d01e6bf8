// The otlp source: Claude Code pushes its own telemetry (OTLP/HTTP JSON) to the daemon's receiver
// (receiver.ts), and this source turns it into the gauge's snapshot. Two feeds, never added together:
//  - events: `claude_code.api_request` log records, one per API response, with exact per-request counts;
//  - metrics: `claude_code.token.usage` sums (DELTA by default, CUMULATIVE converted per series).
// Both describe the same tokens, so the snapshot is computed from ONE of them: the events while any has
// arrived in the last EVENTS_PREFERRED_MS, else the metrics (docs/sources.md, "otlp").
// The 5 h window uses ccusage `blocks` semantics on the records' timestamps (both feeds carry them), over
// what the daemon has received since it started (OTLP has no history to read back).

import { activeBlock, identifyBlocks, type TimedTokens } from '../jsonl/blocks.js';
import type { SourceSnapshot, UsageSource } from '../source.js';
import type { MetricPoint, RequestEvent } from './decode.js';

/** Records older than this are dropped (a 5 h block needs at most 5 h, the rest is slack for the chain). */
export const RETAIN_MS = 10 * 3_600_000;
/** Upper bound on kept records per feed; the oldest go first. */
export const MAX_RECORDS = 200_000;
/** While an event arrived within this long, the events feed decides (metrics are then ignored). */
export const EVENTS_PREFERRED_MS = 15 * 60_000;
/** A record stamped further than this in the future is taken as "now" (clock skew, broken exporters). */
const FUTURE_SLACK_MS = 60_000;
const RATE_WINDOW_MS = 60_000;
const CACHE_WINDOW_MS = 5 * 60_000;
/** Retried deliveries are recognised this long (exporters retry within seconds to minutes). */
const DEDUPE_MS = RETAIN_MS;
const MAX_SERIES = 10_000;

export interface OtlpStats {
  batches: { metrics: number; logs: number; rejected: number; duplicate: number };
  records: { metrics: number; events: number };
  dropped: { duplicate: number; too_old: number; out_of_order: number; baseline: number; overflow: number };
  series: number;
}

export interface IngestResult {
  /** Records that added tokens. */
  accepted: number;
  /** Records recognised as a retry of ones already counted. */
  duplicates: number;
}

interface SeriesState {
  startMs: number | null;
  timeMs: number | null;
  value: number;
  seenAtMs: number;
}

export interface OtlpSourceOptions {
  clock?: () => number;
}

const SYNTHETIC = '<synthetic>';

/** A time-ordered record list with bounded size and age. */
class Feed {
  records: TimedTokens[] = [];
  private sorted = true;
  lastReceivedAtMs: number | null = null;
  dropped = 0;

  add(r: TimedTokens, receivedAtMs: number): void {
    const last = this.records[this.records.length - 1];
    if (last !== undefined && r.ts < last.ts) this.sorted = false;
    this.records.push(r);
    this.lastReceivedAtMs = receivedAtMs;
    if (this.records.length > MAX_RECORDS) {
      this.sort();
      const excess = this.records.length - MAX_RECORDS;
      this.records.splice(0, excess);
      this.dropped += excess;
    }
  }

  sort(): void {
    if (this.sorted) return;
    this.records.sort((a, b) => a.ts - b.ts);
    this.sorted = true;
  }

  prune(nowMs: number): void {
    this.sort();
    const cutoff = nowMs - RETAIN_MS;
    let i = 0;
    while (i < this.records.length && (this.records[i]?.ts ?? 0) < cutoff) i++;
    if (i > 0) this.records.splice(0, i);
  }
}

function total(r: TimedTokens): number {
  return r.input + r.output + r.cacheRead + r.cacheCreation;
}

export class OtlpSource implements UsageSource {
  readonly name = 'otlp' as const;
  private readonly clock: () => number;
  private readonly events = new Feed();
  private readonly metrics = new Feed();
  private readonly series = new Map<string, SeriesState>();
  /** Dedupe keys of counted records → when they were counted. */
  private readonly seen = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private startedAtMs: number | null = null;
  private readonly counters: OtlpStats = {
    batches: { metrics: 0, logs: 0, rejected: 0, duplicate: 0 },
    records: { metrics: 0, events: 0 },
    dropped: { duplicate: 0, too_old: 0, out_of_order: 0, baseline: 0, overflow: 0 },
    series: 0,
  };

  constructor(opts: OtlpSourceOptions = {}) {
    this.clock = opts.clock ?? Date.now;
  }

  async start(): Promise<void> {
    // Nothing to read back: data arrive by push. Cumulative series that began before this instant are
    // taken as a baseline, not as new usage (their totals include tokens spent before the daemon ran).
    this.startedAtMs ??= this.clock();
  }

  async stop(): Promise<void> {
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OtlpStats {
    return {
      ...this.counters,
      dropped: { ...this.counters.dropped, overflow: this.events.dropped + this.metrics.dropped },
      series: this.series.size,
    };
  }

  /** The receiver tells the source about a batch it refused (for the stats only). */
  noteRejected(): void {
    this.counters.batches.rejected++;
  }

  private notify(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // A listener's failure is its own business.
      }
    }
  }

  /** The time to file a record under: its own stamp, clamped to now; null when too old to matter. */
  private placeInTime(timeMs: number | null, nowMs: number): number | null {
    if (timeMs === null || timeMs > nowMs + FUTURE_SLACK_MS) return nowMs;
    if (timeMs < nowMs - RETAIN_MS) return null;
    return Math.min(timeMs, nowMs);
  }

  /** True (and remembered) the first time a key is seen; false for a retry. */
  private firstTime(key: string | null, nowMs: number): boolean {
    if (key === null) return true;
    if (this.seen.has(key)) return false;
    this.seen.set(key, nowMs);
    if (this.seen.size > 4 * MAX_RECORDS) this.pruneSeen(nowMs, true);
    return true;
  }

  private pruneSeen(nowMs: number, hard = false): void {
    for (const [k, at] of this.seen) {
      if (nowMs - at > DEDUPE_MS || (hard && this.seen.size > 2 * MAX_RECORDS)) this.seen.delete(k);
    }
  }

  /** Adds a decoded api_request batch. Synchronous and infallible: decoding already validated it. */
  ingestEvents(events: readonly RequestEvent[]): IngestResult {
    const nowMs = this.clock();
    this.counters.batches.logs++;
    let accepted = 0;
    let duplicates = 0;
    for (const e of events) {
      const ts = this.placeInTime(e.timeMs, nowMs);
      if (ts === null) {
        this.counters.dropped.too_old++;
        continue;
      }
      if (!this.firstTime(e.dedupeKey === null ? null : `e|${e.dedupeKey}`, nowMs)) {
        duplicates++;
        continue;
      }
      this.events.add(
        {
          ts,
          input: e.input,
          output: e.output,
          cacheRead: e.cacheRead,
          cacheCreation: e.cacheCreation,
          model: e.model || null,
        },
        nowMs,
      );
      accepted++;
    }
    this.finishBatch(accepted, duplicates, events.length, 'events', nowMs);
    return { accepted, duplicates };
  }

  /** Adds a decoded claude_code.token.usage batch; cumulative points become deltas per series. */
  ingestMetrics(points: readonly MetricPoint[]): IngestResult {
    const nowMs = this.clock();
    this.counters.batches.metrics++;
    let accepted = 0;
    let duplicates = 0;
    // Points of one batch at one instant and model become one record (Claude Code sends four per model).
    const merged = new Map<string, TimedTokens>();
    for (const p of points) {
      let delta: number;
      if (p.temporality === 'delta') {
        const key = p.timeMs === null ? null : `m|${p.seriesKey}|${p.startMs}|${p.timeMs}`;
        if (!this.firstTime(key, nowMs)) {
          duplicates++;
          continue;
        }
        delta = p.value;
      } else {
        const d = this.cumulativeDelta(p, nowMs);
        if (d === null) {
          duplicates++;
          continue;
        }
        delta = d;
      }
      if (delta <= 0) continue;
      const ts = this.placeInTime(p.timeMs, nowMs);
      if (ts === null) {
        this.counters.dropped.too_old++;
        continue;
      }
      const mkey = `${ts}|${p.model}`;
      let r = merged.get(mkey);
      if (!r) {
        r = { ts, input: 0, output: 0, cacheRead: 0, cacheCreation: 0, model: p.model || null };
        merged.set(mkey, r);
      }
      r[p.type] += delta;
      accepted++;
    }
    for (const r of merged.values()) this.metrics.add(r, nowMs);
    this.finishBatch(accepted, duplicates, points.length, 'metrics', nowMs);
    return { accepted, duplicates };
  }

  /**
   * The increase of a cumulative series since its last point; null for a point already seen (a retry or
   * an older point arriving late). A new start time means the counter restarted: its whole value is new.
   */
  private cumulativeDelta(p: MetricPoint, nowMs: number): number | null {
    const prev = this.series.get(p.seriesKey);
    const state: SeriesState = { startMs: p.startMs, timeMs: p.timeMs, value: p.value, seenAtMs: nowMs };
    if (!prev) {
      if (this.series.size >= MAX_SERIES) this.pruneSeries(nowMs);
      this.series.set(p.seriesKey, state);
      // A counter that started before this source did carries tokens spent earlier: baseline only.
      const started = this.startedAtMs ?? nowMs;
      if (p.startMs === null || p.startMs < started) {
        this.counters.dropped.baseline++;
        return 0;
      }
      return p.value;
    }
    if (p.startMs !== prev.startMs && (p.startMs ?? 0) > (prev.startMs ?? 0)) {
      this.series.set(p.seriesKey, state);
      return p.value;
    }
    if (
      p.startMs !== prev.startMs ||
      (p.timeMs !== null && prev.timeMs !== null && p.timeMs <= prev.timeMs)
    ) {
      this.counters.dropped.out_of_order++;
      return null;
    }
    if (p.value < prev.value) {
      // Same start, lower total: not a monotonic sum any more; re-base without counting.
      this.counters.dropped.out_of_order++;
      this.series.set(p.seriesKey, state);
      return 0;
    }
    this.series.set(p.seriesKey, state);
    return p.value - prev.value;
  }

  private pruneSeries(nowMs: number): void {
    for (const [k, s] of this.series) if (nowMs - s.seenAtMs > RETAIN_MS) this.series.delete(k);
    // Still full: forget the longest silent half rather than grow without bound.
    if (this.series.size >= MAX_SERIES) {
      const bySeen = [...this.series].sort(([, a], [, b]) => a.seenAtMs - b.seenAtMs);
      for (const [k] of bySeen.slice(0, MAX_SERIES / 2)) this.series.delete(k);
    }
  }

  private finishBatch(
    accepted: number,
    duplicates: number,
    size: number,
    feed: 'events' | 'metrics',
    nowMs: number,
  ): void {
    this.counters.records[feed] += accepted;
    this.counters.dropped.duplicate += duplicates;
    if (size > 0 && duplicates === size) this.counters.batches.duplicate++;
    this.events.prune(nowMs);
    this.metrics.prune(nowMs);
    if (this.seen.size > MAX_RECORDS) this.pruneSeen(nowMs);
    if (accepted > 0) this.notify();
  }

  /** Which feed the snapshot uses at `nowMs` (see the file comment). */
  basis(nowMs: number): 'events' | 'metrics' {
    const ev = this.events.lastReceivedAtMs;
    if (ev !== null && nowMs - ev < EVENTS_PREFERRED_MS) return 'events';
    if (this.metrics.records.length > 0) return 'metrics';
    return 'events';
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    const feed = this.basis(nowMs) === 'events' ? this.events : this.metrics;
    feed.sort();
    const records = feed.records;
    let rate = 0;
    let cacheRead = 0;
    let cacheDenominator = 0;
    let lastModel = '';
    let lastAt: number | null = null;
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i];
      if (r === undefined) continue;
      const age = nowMs - r.ts;
      if (age < 0) continue;
      if (lastAt === null) lastAt = r.ts;
      if (!lastModel && r.model && r.model !== SYNTHETIC) lastModel = r.model;
      if (age < RATE_WINDOW_MS) rate += total(r);
      if (age < CACHE_WINDOW_MS) {
        cacheRead += r.cacheRead;
        cacheDenominator += r.input + r.cacheRead + r.cacheCreation;
      } else if (lastModel) break;
    }
    const upToNow = records.filter((r) => r.ts <= nowMs);
    const block = activeBlock(identifyBlocks(upToNow), nowMs);
    return {
      // Tokens in the last 60 s are tokens per minute.
      rate1m: rate * (60_000 / RATE_WINDOW_MS),
      window5hTokens: block?.total ?? 0,
      window5hResetInS: block ? Math.max(0, Math.round((block.endMs - nowMs) / 1000)) : null,
      // OTLP carries no thinking/visible split of output tokens: the temperature gauge rests at 0.
      thinkingRatio: 0,
      cacheHitRate: cacheDenominator > 0 ? cacheRead / cacheDenominator : 0,
      lastModel,
      lastResponseAtMs: lastAt,
    };
  }
}
