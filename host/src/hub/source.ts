// The hub's source (`serve --accept-forward`): its own transcripts (a JsonlSource) and what the OTLP
// receiver brings (satellites' forwarded responses, Claude Code's own api_request events from any
// machine), counted as one union (union.ts) with the jsonl source's semantics. Its own responses enter
// the union through the same feed a satellite forwards with (feed.ts), so a response seen by the hub and
// by a satellite (a synced ~/.claude) counts once. The snapshot adds the live machines and their sessions.
// Claude Code's token metrics are accepted and not counted: they cannot be matched with the transcripts.

import { randomBytes } from 'node:crypto';
import type { Faults } from '../faults.js';
import { Listeners } from '../listeners.js';
import { plausibleResponse } from '../plausible.js';
import type { OtlpSink } from '../routes/otlp.js';
import type { Entry } from '../sources/jsonl/ledger.js';
import type { JsonlSource, JsonlStats } from '../sources/jsonl/source.js';
import type { MachineName, MetricPoint, RequestEvent } from '../sources/otlp/decode.js';
import {
  EVENT_FIELDS,
  type PackedBatch,
  packEvents,
  RETRACTED_FLAG,
  responseKey,
  SIDECHAIN_FLAG,
} from '../sources/otlp/packed.js';
import type { IngestResult } from '../sources/otlp/source.js';
import type { SourceSnapshot, UsageSource } from '../sources/source.js';
import { LedgerFeed } from './feed.js';
import { MachineRegistry, type MachineView } from './machines.js';
import { type ForwardRecord, HUB_HISTORY_MS } from './record.js';
import { type ApplyOutcome, type UnionRecord, UnionStore } from './union.js';

/** A response stamped further ahead of the hub's clock than this is filed at the hub's now (a fault). */
export const MAX_CLOCK_AHEAD_MS = 60_000;
/** What the hub asks satellites for at most between deliveries (a quarter of the timeout, at most 30 s). */
const MAX_HEARTBEAT_MS = 30_000;
/** Claude Code's events that name no host are one machine of this name. */
const UNNAMED: MachineName = { name: 'unnamed', id: '' };
/** Eviction needs a pass over all blocks: every 30 s at most. */
const EVICT_EVERY_MS = 30_000;
/** Records ingested between two looks at the clock while a delivery is taken in slices. */
const SLICE = 100;
const TURN_MS = 3;

export interface HubStats {
  deliveries: number;
  rejected: number;
  records: { new: number; changed: number; same: number; retracted: number };
  dropped: { late: number; too_old: number; implausible: number; full: number };
  clock_ahead: number;
  metrics_ignored: number;
  responses: number;
}

export interface HubSourceOptions {
  local: JsonlSource;
  /** This machine. */
  machine: MachineName;
  machineTimeoutMs: number;
  /** The data clock (a fixed --now freezes it). */
  clock?: () => number;
  /** The wall clock: when machines were heard from. */
  wallClock?: () => number;
  faults: Faults;
  /** Records older than this leave (whole blocks); default HUB_HISTORY_MS. */
  historyMs?: number;
}

/** One delivery being taken: its clock, its machines' keys, what it did. */
interface Delivery {
  nowMs: number;
  keys: string[];
  unnamed: string | null;
  accepted: number;
  same: number;
  reports: number;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class HubSource implements UsageSource, OtlpSink {
  readonly name = 'jsonl' as const;
  /** Changes on every start: a satellite that sees a new one sends everything again (the union is memory). */
  readonly epoch = randomBytes(8).toString('hex');
  readonly machines: MachineRegistry;
  private readonly union: UnionStore;
  private readonly feed: LedgerFeed;
  private readonly local: JsonlSource;
  private readonly clock: () => number;
  private readonly faults: Faults;
  private readonly historyMs: number;
  private readonly listeners = new Listeners();
  private unsubscribe: (() => void) | null = null;
  private started: Promise<void> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private lastEvict = Number.NEGATIVE_INFINITY;
  /** Records without any identity (Claude Code's events with neither time nor sequence) are each new. */
  private anonymous = 0;
  private readonly counters: HubStats = {
    deliveries: 0,
    rejected: 0,
    records: { new: 0, changed: 0, same: 0, retracted: 0 },
    dropped: { late: 0, too_old: 0, implausible: 0, full: 0 },
    clock_ahead: 0,
    metrics_ignored: 0,
    responses: 0,
  };

  constructor(opts: HubSourceOptions) {
    this.local = opts.local;
    this.clock = opts.clock ?? Date.now;
    this.faults = opts.faults;
    this.historyMs = opts.historyMs ?? HUB_HISTORY_MS;
    this.machines = new MachineRegistry(opts.machine, opts.machineTimeoutMs, opts.wallClock ?? Date.now, () =>
      this.faults.hit('hub-machines-evicted', { limit: 'machines' }),
    );
    this.union = new UnionStore((n) => {
      this.counters.dropped.full += n;
      this.faults.hit('hub-records-dropped', {}, n);
    });
    this.feed = new LedgerFeed(opts.machine.id);
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      await this.local.start();
      this.unsubscribe = this.local.subscribe(() => this.notify());
      const entries = await this.local.follow((e) => this.fromLocal(e));
      for (const e of entries) this.fromLocal(e);
      this.notify();
    })();
    return this.started;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.listeners.clear();
    await this.local.stop();
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.subscribe(listener);
  }

  private notify(): void {
    this.listeners.notify();
  }

  /** One of the hub's own responses, as a satellite would forward it. */
  private fromLocal(e: Entry): void {
    for (const r of this.feed.records(e)) this.take(this.machines.self, responseKey(r.id), r, false);
  }

  /** Takes machine `key`'s record of response `id` into the union; counts what it did. */
  private take(key: string, id: number, r: ForwardRecord, remote: boolean): ApplyOutcome {
    let outcome: ApplyOutcome;
    if (r.retracted) {
      outcome = this.union.retract(id, key);
      if (outcome !== 'same') this.counters.records.retracted++;
    } else {
      const rec: UnionRecord = {
        ts: r.ts,
        input: r.input,
        output: r.output,
        cacheRead: r.cacheRead,
        cacheCreation: r.cacheCreation,
        model: r.model,
        thinking: r.thinking,
        sidechain: r.sidechain,
        machine: key,
      };
      outcome = this.union.apply(id, rec);
    }
    if (remote) {
      if (outcome === 'late') this.counters.dropped.late++;
      else this.counters.records[outcome === 'new' ? 'new' : outcome === 'changed' ? 'changed' : 'same']++;
      if (outcome === 'new' || outcome === 'changed') this.machines.counted(key, 1);
    }
    return outcome;
  }

  // --- the OTLP receiver's side (OtlpSink) ---

  ingestMetrics(points: readonly MetricPoint[]): IngestResult {
    this.counters.metrics_ignored += points.length;
    return { accepted: 0, duplicates: 0 };
  }

  ingestEvents(events: readonly RequestEvent[]): IngestResult {
    const batch = packEvents(events);
    const state = this.begin(batch);
    for (let i = 0; i < batch.count; i++) this.ingestAt(batch, i, state);
    return this.finish(state);
  }

  ingestBatch(batch: PackedBatch): Promise<IngestResult> {
    if (batch.kind === 'metrics') {
      this.counters.metrics_ignored += batch.count;
      return Promise.resolve({ accepted: 0, duplicates: 0 });
    }
    const run = async (): Promise<IngestResult> => {
      const state = this.begin(batch);
      let turn = performance.now();
      for (let i = 0; i < batch.count; i++) {
        this.ingestAt(batch, i, state);
        if (i % SLICE === SLICE - 1 && performance.now() - turn >= TURN_MS) {
          await yieldTurn();
          turn = performance.now();
        }
      }
      return this.finish(state);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  noteRejected(): void {
    this.counters.rejected++;
  }

  /** Sent with every answer to /v1/logs: the satellites' resync trigger and heartbeat request. */
  responseHeaders(): Record<string, string> {
    const heartbeat = Math.max(250, Math.min(MAX_HEARTBEAT_MS, Math.floor(this.machines.timeoutMs / 4)));
    return { 'X-Claude-Gauge-Hub-Epoch': this.epoch, 'X-Claude-Gauge-Heartbeat-Ms': String(heartbeat) };
  }

  private begin(batch: PackedBatch): Delivery {
    this.counters.deliveries++;
    for (const r of batch.reports)
      this.machines.report(r.machine, r.sessionsActive, r.sessionsWorking, r.sentAtMs);
    return {
      nowMs: this.clock(),
      keys: batch.machines.map((m) => this.machines.heard(m)),
      unnamed: null,
      accepted: 0,
      same: 0,
      reports: batch.reports.length,
    };
  }

  private ingestAt(batch: PackedBatch, i: number, st: Delivery): void {
    const d = batch.data;
    const o = i * EVENT_FIELDS;
    const m = d[o + 8] as number;
    let key = Number.isNaN(m) ? undefined : st.keys[m];
    if (key === undefined) {
      st.unnamed ??= this.machines.heard(UNNAMED);
      key = st.unnamed;
    }
    const rid = d[o + 7] as number;
    const did = d[o] as number;
    const id = !Number.isNaN(rid) ? rid : !Number.isNaN(did) ? did : -++this.anonymous;
    const flags = d[o + 10] as number;
    const thinking = d[o + 9] as number;
    const r: ForwardRecord = {
      id: '',
      ts: d[o + 2] as number,
      model: batch.models[d[o + 1] as number] || null,
      input: d[o + 3] as number,
      output: d[o + 4] as number,
      cacheRead: d[o + 5] as number,
      cacheCreation: d[o + 6] as number,
      thinking: Number.isNaN(thinking) ? 0 : Math.min(thinking, d[o + 4] as number),
      sidechain: (flags & SIDECHAIN_FLAG) !== 0,
      ...((flags & RETRACTED_FLAG) !== 0 ? { retracted: true } : {}),
    };
    if (!r.retracted) {
      if (!plausibleResponse(r)) {
        this.counters.dropped.implausible++;
        this.faults.hit('implausible-otlp', { reason: 'forwarded response above the per-response bound' });
        return;
      }
      // Without a time (Claude Code's events always have one) a record is filed at the hub's now.
      if (Number.isNaN(r.ts)) r.ts = st.nowMs;
      else if (r.ts > st.nowMs + MAX_CLOCK_AHEAD_MS) {
        this.counters.clock_ahead++;
        this.faults.hit('hub-clock-ahead', { aheadMs: Math.round(r.ts - st.nowMs) });
        r.ts = st.nowMs;
      } else if (r.ts < st.nowMs - this.historyMs) {
        this.counters.dropped.too_old++;
        st.same++;
        return;
      }
    }
    const outcome = this.take(key, id, r, true);
    if (outcome === 'new' || outcome === 'changed') st.accepted++;
    else st.same++;
  }

  private finish(st: Delivery): IngestResult {
    this.maybeEvict(st.nowMs);
    // New numbers, or a machine's sessions: listeners (/usage/stream) hear at once.
    if (st.accepted > 0 || st.reports > 0) this.notify();
    return { accepted: st.accepted, duplicates: st.same };
  }

  private maybeEvict(nowMs: number): void {
    const wall = Date.now();
    if (wall - this.lastEvict < EVICT_EVERY_MS) return;
    this.lastEvict = wall;
    this.union.evict(nowMs, this.historyMs);
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    await this.start();
    this.maybeEvict(nowMs);
    const live = this.machines.live();
    return {
      ...this.union.snapshot(nowMs),
      hub: {
        machines: live.machines,
        sessionsActive: live.sessionsActive,
        sessionsWorking: live.sessionsWorking,
      },
    };
  }

  /** The local source's counters, with the hub's own under `hub`. */
  stats(): JsonlStats & { hub: HubStats } {
    this.counters.responses = this.union.size;
    return { ...this.local.stats(), hub: structuredClone(this.counters) };
  }

  /** Every machine the hub knows of (doctor, /metrics). */
  machineList(): MachineView[] {
    return this.machines.list();
  }
}
