// The otlp source: Claude Code pushes its own telemetry (OTLP/HTTP JSON) to the daemon's receiver
// (routes/otlp.ts), and this source turns it into the gauge's snapshot. Two feeds, never added together:
//  - events: `claude_code.api_request` log records, one per API response, with exact per-request counts;
//  - metrics: `claude_code.token.usage` sums (DELTA by default, CUMULATIVE converted per series).
// Both describe the same tokens, so the snapshot is computed from ONE of them: the events while any has
// arrived in the last EVENTS_PREFERRED_MS, else the metrics (docs/sources.md, "otlp").
// The 5 h window uses ccusage `blocks` semantics on the records' timestamps (both feeds carry them), over
// what the daemon has received since it started (OTLP has no history to read back).
// Everything kept is bounded: records by count and age (with model names interned, so by bytes too),
// cumulative series by count, retry memory by bytes (dedupe.ts). Values beyond the plausibility bounds
// (plausible.ts) are not counted. Big batches are ingested in slices that give the event loop a turn.

import { Faults } from '../../faults.js';
import { Listeners } from '../../listeners.js';
import { plausibleOverSpan, plausibleResponse } from '../../plausible.js';
import { activeBlock, type Block, identifyBlocks, type TimedTokens } from '../jsonl/blocks.js';
import { isShownModel, isSyntheticModel, type SourceSnapshot, type UsageSource } from '../source.js';
import type { MetricPoint, RequestEvent } from './decode.js';
import { DedupeWindow } from './dedupe.js';
import { EVENT_FIELDS, type PackedBatch, POINT_FIELDS, packEvents, packPoints, TYPES } from './packed.js';

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
export const DEDUPE_MS = RETAIN_MS;
/** Heap for the retry memory (dedupe.ts): ~200,000 keys. */
export const DEDUPE_MAX_BYTES = 16 * 1024 * 1024;
/** Cumulative series remembered (their last point); past it the longest silent half is forgotten. */
export const MAX_SERIES = 10_000;
/** Distinct model names kept; records of further models are filed without one. */
export const MAX_MODELS = 256;
/** Records ingested between two looks at the clock while a batch is ingested in slices. */
const SLICE = 100;
/** Longest stretch of ingestion before the event loop gets a turn. */
const TURN_MS = 3;

export interface OtlpStats {
  batches: { metrics: number; logs: number; rejected: number; duplicate: number };
  records: { metrics: number; events: number };
  dropped: {
    duplicate: number;
    too_old: number;
    out_of_order: number;
    baseline: number;
    overflow: number;
    implausible: number;
    start_moved: number;
  };
  series: number;
  dedupe: { keys: number; bytes: number; evicted: number };
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
  /** Where limits hit and implausible values are counted (one of its own by default). */
  faults?: Faults;
}

/** A time-ordered record list with bounded size and age. */
class Feed {
  records: TimedTokens[] = [];
  private sorted = true;
  lastReceivedAtMs: number | null = null;
  dropped = 0;
  /** Bumped on every change: the blocks are recomputed only when it moved. */
  version = 0;
  private cache: { version: number; upTo: number; blocks: Block[] } | null = null;

  constructor(private readonly onDropped: (n: number) => void) {}

  add(r: TimedTokens, receivedAtMs: number): void {
    const last = this.records[this.records.length - 1];
    if (last !== undefined && r.ts < last.ts) this.sorted = false;
    this.records.push(r);
    this.lastReceivedAtMs = receivedAtMs;
    this.version++;
    if (this.records.length > MAX_RECORDS) {
      // Down to nine tenths at once: one splice per 20,000 records, not one per record.
      this.sort();
      const excess = this.records.length - (MAX_RECORDS - MAX_RECORDS / 10);
      this.records.splice(0, excess);
      this.dropped += excess;
      this.onDropped(excess);
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
    if (i > 0) {
      this.records.splice(0, i);
      this.version++;
    }
  }

  /** The blocks of the records stamped at or before `nowMs`; cached while nothing changed. */
  blocks(nowMs: number): Block[] {
    this.sort();
    const newest = this.records[this.records.length - 1]?.ts ?? Number.NEGATIVE_INFINITY;
    // Past the newest record, every clock sees the same records: one computation serves them all.
    const upTo = nowMs >= newest ? Number.POSITIVE_INFINITY : nowMs;
    if (this.cache && this.cache.version === this.version && this.cache.upTo === upTo)
      return this.cache.blocks;
    const records =
      upTo === Number.POSITIVE_INFINITY ? this.records : this.records.filter((r) => r.ts <= nowMs);
    const blocks = identifyBlocks(records);
    this.cache = { version: this.version, upTo, blocks };
    return blocks;
  }
}

function total(r: TimedTokens): number {
  return r.input + r.output + r.cacheRead + r.cacheCreation;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One batch under way: its counts and what it will add. */
interface BatchState {
  nowMs: number;
  accepted: number;
  duplicates: number;
  /** The batch's model names, interned (null: none, or over MAX_MODELS), and a small number for each. */
  models: (string | null)[];
  modelNos: number[];
  /** Metric points of one instant and model become one record (Claude Code sends four per model). */
  merged: Map<number, TimedTokens>;
  /** Event records, added when the batch is done (a snapshot never sees half a batch). */
  events: TimedTokens[];
}

/** A packed number, or null for NaN (how null is packed). */
const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

export class OtlpSource implements UsageSource {
  readonly name = 'otlp' as const;
  readonly faults: Faults;
  private readonly clock: () => number;
  private readonly events: Feed;
  private readonly metrics: Feed;
  /** Cumulative series by the hash of their key → their last point. */
  private readonly series = new Map<number, SeriesState>();
  /** Keys of counted records (retries are recognised). */
  private readonly seen: DedupeWindow;
  /** Model names, interned: a record holds a shared string, so a record costs the same whatever its model. */
  private readonly models = new Map<string, { name: string; no: number }>();
  private readonly listeners = new Listeners();
  private startedAtMs: number | null = null;
  /** Batches are ingested one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly counters = {
    batches: { metrics: 0, logs: 0, rejected: 0, duplicate: 0 },
    records: { metrics: 0, events: 0 },
    dropped: { duplicate: 0, too_old: 0, out_of_order: 0, baseline: 0, implausible: 0, start_moved: 0 },
  };

  constructor(opts: OtlpSourceOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.faults = opts.faults ?? new Faults();
    const dropped = (n: number) => this.faults.hit('otlp-records-dropped', { limit: MAX_RECORDS }, n);
    this.events = new Feed(dropped);
    this.metrics = new Feed(dropped);
    this.seen = new DedupeWindow({
      ttlMs: DEDUPE_MS,
      maxBytes: DEDUPE_MAX_BYTES,
      onEvicted: (n) => this.faults.hit('otlp-dedupe-evicted', { limitBytes: DEDUPE_MAX_BYTES }, n),
    });
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
    return this.listeners.subscribe(listener);
  }

  stats(): OtlpStats {
    return {
      batches: { ...this.counters.batches },
      records: { ...this.counters.records },
      dropped: { ...this.counters.dropped, overflow: this.events.dropped + this.metrics.dropped },
      series: this.series.size,
      dedupe: { keys: this.seen.size, bytes: this.seen.bytes, evicted: this.seen.evicted },
    };
  }

  /** The receiver tells the source about a batch it refused (for the stats only). */
  noteRejected(): void {
    this.counters.batches.rejected++;
  }

  private notify(): void {
    this.listeners.notify();
  }

  /** The time to file a record under: its own stamp, clamped to now; null when too old to matter. */
  private placeInTime(timeMs: number | null, nowMs: number): number | null {
    if (timeMs === null || timeMs > nowMs + FUTURE_SLACK_MS) return nowMs;
    if (timeMs < nowMs - RETAIN_MS) return null;
    return Math.min(timeMs, nowMs);
  }

  /** The interned name and its number (1..MAX_MODELS; 0 for none). */
  private model(name: string): { name: string | null; no: number } {
    if (!name) return { name: null, no: 0 };
    const known = this.models.get(name);
    if (known !== undefined) return known;
    if (this.models.size >= MAX_MODELS) {
      this.faults.hit('implausible-otlp', {
        reason: `more than ${MAX_MODELS} model names; filed without one`,
      });
      return { name: null, no: 0 };
    }
    const m = { name, no: this.models.size + 1 };
    this.models.set(name, m);
    return m;
  }

  /** Adds a decoded api_request batch at once. Infallible: decoding already validated it. */
  ingestEvents(events: readonly RequestEvent[]): IngestResult {
    return this.ingestNow(packEvents(events));
  }

  /** Adds a decoded claude_code.token.usage batch at once; cumulative points become deltas per series. */
  ingestMetrics(points: readonly MetricPoint[]): IngestResult {
    return this.ingestNow(packPoints(points));
  }

  private ingestNow(batch: PackedBatch): IngestResult {
    const b = this.beginBatch(batch);
    for (let i = 0; i < batch.count; i++) this.ingestAt(batch, i, b);
    return this.finishBatch(b, batch);
  }

  /**
   * Adds a decoded delivery in slices, giving the event loop a turn every few ms, so /usage keeps answering
   * while a big batch goes in. Batches go in one after another; a snapshot sees a batch whole or not at all.
   */
  ingestBatch(batch: PackedBatch): Promise<IngestResult> {
    const run = async (): Promise<IngestResult> => {
      const b = this.beginBatch(batch);
      let turn = performance.now();
      for (let i = 0; i < batch.count; i++) {
        this.ingestAt(batch, i, b);
        if (i % SLICE === SLICE - 1 && performance.now() - turn >= TURN_MS) {
          await yieldTurn();
          turn = performance.now();
        }
      }
      return this.finishBatch(b, batch);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private beginBatch(batch: PackedBatch): BatchState {
    this.counters.batches[batch.kind]++;
    const models = batch.models.map((m) => this.model(m));
    return {
      nowMs: this.clock(),
      accepted: 0,
      duplicates: 0,
      models: models.map((m) => m.name),
      modelNos: models.map((m) => m.no),
      merged: new Map(),
      events: [],
    };
  }

  /** Record i of a packed batch (read in place: no object per record until one is kept). */
  private ingestAt(batch: PackedBatch, i: number, b: BatchState): void {
    const d = batch.data;
    if (batch.kind === 'logs') {
      const o = i * EVENT_FIELDS;
      const input = d[o + 3] as number;
      const output = d[o + 4] as number;
      const cacheRead = d[o + 5] as number;
      const cacheCreation = d[o + 6] as number;
      const ts = this.placeInTime(orNull(d[o + 2] as number), b.nowMs);
      if (ts === null) {
        this.counters.dropped.too_old++;
        return;
      }
      if (!plausibleResponse({ input, output, cacheRead, cacheCreation })) {
        this.counters.dropped.implausible++;
        this.faults.hit('implausible-otlp', { reason: 'api_request event above the per-response bound' });
        return;
      }
      if (!this.seen.firstTimeId(orNull(d[o] as number), b.nowMs)) {
        b.duplicates++;
        return;
      }
      const model = b.models[d[o + 1] as number] ?? null;
      b.events.push({ ts, input, output, cacheRead, cacheCreation, model });
      b.accepted++;
      return;
    }
    const o = i * POINT_FIELDS;
    const value = d[o + 4] as number;
    const startMs = orNull(d[o + 6] as number);
    const timeMs = orNull(d[o + 7] as number);
    let delta: number;
    if (d[o + 5] === 0) {
      if (!plausibleOverSpan(value, spanOf(startMs, timeMs))) {
        this.counters.dropped.implausible++;
        this.faults.hit('implausible-otlp', { reason: 'delta point above the rate bound over its interval' });
        return;
      }
      if (!this.seen.firstTimeId(orNull(d[o + 1] as number), b.nowMs)) {
        b.duplicates++;
        return;
      }
      delta = value;
    } else {
      const dd = this.cumulativeDelta(d[o] as number, startMs, timeMs, value, b.nowMs);
      if (dd === null) {
        b.duplicates++;
        return;
      }
      delta = dd;
    }
    if (delta <= 0) return;
    const ts = this.placeInTime(timeMs, b.nowMs);
    if (ts === null) {
      this.counters.dropped.too_old++;
      return;
    }
    const m = d[o + 3] as number;
    // One number per (instant, model): model numbers stay below 512, instants below 2^43 ms.
    const key = ts * 512 + (b.modelNos[m] ?? 0);
    let r = b.merged.get(key);
    if (!r) {
      r = { ts, input: 0, output: 0, cacheRead: 0, cacheCreation: 0, model: b.models[m] ?? null };
      b.merged.set(key, r);
    }
    r[TYPES[d[o + 2] as number] ?? 'input'] += delta;
    b.accepted++;
  }

  /**
   * The increase of a cumulative series since its last point; null for a point already seen (a retry or
   * an older point arriving late). A start time after the previous point means the counter restarted: its
   * whole value is new. A start time that moved but lies inside what the series already reported is not a
   * restart: the point becomes the new baseline, counted as nothing (otherwise each such point would count
   * the whole total again). An increase beyond the rate bound over its span is not counted either.
   */
  private cumulativeDelta(
    id: number,
    startMs: number | null,
    timeMs: number | null,
    value: number,
    nowMs: number,
  ): number | null {
    const p = { startMs, timeMs, value };
    const prev = this.series.get(id);
    const state: SeriesState = { startMs, timeMs, value, seenAtMs: nowMs };
    if (!prev) {
      if (this.series.size >= MAX_SERIES) this.pruneSeries(nowMs);
      this.series.set(id, state);
      // A counter that started before this source did carries tokens spent earlier: baseline only.
      const started = this.startedAtMs ?? nowMs;
      if (p.startMs === null || p.startMs < started) {
        this.counters.dropped.baseline++;
        return 0;
      }
      return this.bounded(p.value, spanOf(p.startMs, p.timeMs), id);
    }
    if (p.startMs !== prev.startMs && (p.startMs ?? 0) > (prev.startMs ?? 0)) {
      this.series.set(id, state);
      // Restarted after the last point we have of it: everything since its start is new.
      if (p.startMs !== null && (prev.timeMs === null || p.startMs >= prev.timeMs))
        return this.bounded(p.value, spanOf(p.startMs, p.timeMs), id);
      this.counters.dropped.start_moved++;
      this.faults.hit('otlp-start-moved', { series: id });
      return 0;
    }
    if (
      p.startMs !== prev.startMs ||
      (p.timeMs !== null && prev.timeMs !== null && p.timeMs <= prev.timeMs)
    ) {
      this.counters.dropped.out_of_order++;
      return null;
    }
    this.series.set(id, state);
    if (p.value < prev.value) {
      // Same start, lower total: not a monotonic sum any more; re-base without counting.
      this.counters.dropped.out_of_order++;
      return 0;
    }
    return this.bounded(p.value - prev.value, spanOf(prev.timeMs, p.timeMs), id);
  }

  /** `tokens` when plausible over `spanMs`; else 0, counted (the series keeps the point as its baseline). */
  private bounded(tokens: number, spanMs: number | null, id: number): number {
    if (plausibleOverSpan(tokens, spanMs)) return tokens;
    this.counters.dropped.implausible++;
    this.faults.hit('implausible-otlp', { reason: 'cumulative increase above the rate bound', series: id });
    return 0;
  }

  private pruneSeries(nowMs: number): void {
    for (const [k, s] of this.series) if (nowMs - s.seenAtMs > RETAIN_MS) this.series.delete(k);
    // Still full: forget the longest silent half rather than grow without bound.
    if (this.series.size >= MAX_SERIES) {
      const bySeen = [...this.series].sort(([, a], [, b]) => a.seenAtMs - b.seenAtMs);
      for (const [k] of bySeen.slice(0, MAX_SERIES / 2)) this.series.delete(k);
      this.faults.hit('otlp-series-evicted', { limit: MAX_SERIES }, MAX_SERIES / 2);
    }
  }

  private finishBatch(b: BatchState, batch: PackedBatch): IngestResult {
    const feed = batch.kind === 'logs' ? 'events' : 'metrics';
    const target = feed === 'events' ? this.events : this.metrics;
    for (const r of b.events) target.add(r, b.nowMs);
    for (const r of b.merged.values()) target.add(r, b.nowMs);
    this.counters.records[feed] += b.accepted;
    this.counters.dropped.duplicate += b.duplicates;
    if (batch.count > 0 && b.duplicates === batch.count) this.counters.batches.duplicate++;
    this.events.prune(b.nowMs);
    this.metrics.prune(b.nowMs);
    this.seen.prune(b.nowMs);
    if (b.accepted > 0) this.notify();
    return { accepted: b.accepted, duplicates: b.duplicates };
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
      if (lastAt === null && !isSyntheticModel(r.model)) lastAt = r.ts;
      if (!lastModel && isShownModel(r.model)) lastModel = r.model;
      if (age < RATE_WINDOW_MS) rate += total(r);
      if (age < CACHE_WINDOW_MS) {
        cacheRead += r.cacheRead;
        cacheDenominator += r.input + r.cacheRead + r.cacheCreation;
      } else if (lastModel) break;
    }
    const block = activeBlock(feed.blocks(nowMs), nowMs);
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

/** The span a point's tokens were counted over, or null when unknown. */
function spanOf(fromMs: number | null, toMs: number | null): number | null {
  return fromMs !== null && toMs !== null && toMs >= fromMs ? toMs - fromMs : null;
}
