// The satellite's sender (`serve --forward-to URL`): every response the jsonl source counts (feed.ts)
// goes to the hub as OTLP/HTTP JSON logs (record.ts), batched, gzip-compressed, one request at a time (so
// a response's versions arrive in order), retried with exponential backoff and jitter while the hub is
// away. What waits is bounded in memory: a map of the newest version per response (a changed response is
// sent once, in its place), spilled oldest first to the spool on disk (spool.ts) past MAX_MEMORY_RECORDS
// and on shutdown. Sending order: a failed batch again, the spool, a resync, then memory.
// A hub keeps what it was sent in memory only: every answer carries its epoch (new on each start), and a
// satellite that sees a new one sends everything its ledger holds again (a resync; the hub's dedupe makes
// repeats harmless). Behind a collector no epoch gets through, so then it resyncs every RESYNC_MS. Each
// delivery carries the machine's report (live sessions, send time); with nothing to send, a report alone
// goes every heartbeat (the hub asks for a quarter of its machine timeout, 30 s at most).

import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Faults } from '../faults.js';
import type { Log } from '../log.js';
import type { MachineName } from '../sources/otlp/decode.js';
import { encodeDelivery, type ForwardRecord, type MachineState } from './record.js';
import { Spool } from './spool.js';

const gzip = promisify(gzipCb);

/** Records waiting in memory; past it the oldest half goes to the spool. */
export const MAX_MEMORY_RECORDS = 10_000;
/** Records per delivery at most (~250 kB of JSON, ~30 kB gzipped). */
export const MAX_BATCH_RECORDS = 1000;
/** A record waits this long for others to go with it (the lines of one streamed response). */
export const BATCH_DELAY_MS = 50;
/** One delivery may take this long. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Backoff after a failed delivery: from the first to the longest wait (each with jitter). */
export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 15_000;
/** Heartbeat when the hub does not ask for one. */
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** Behind a collector (no hub epoch in the answers): everything is sent again this often. */
export const RESYNC_MS = 10 * 60_000;

export interface ForwarderOptions {
  /** The hub's OTLP logs endpoint (forwardUrl()). */
  url: string;
  token: string | null;
  machine: MachineName;
  /** The spool's directory (one per satellite and hub). */
  spoolDir: string;
  /** The machine's live sessions, read at each delivery. */
  state: () => MachineState;
  /** Every response the ledger holds now, as records (a resync walks it lazily). */
  everything: () => Iterable<ForwardRecord>;
  faults: Faults;
  log?: Log;
  batchDelayMs?: number;
  maxBatch?: number;
  maxMemory?: number;
  spoolMaxBytes?: number;
  spoolSegmentBytes?: number;
  requestTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Behind a collector (no hub epoch in the answers): everything is sent again this often (RESYNC_MS). */
  resyncMs?: number;
  /** For tests: replaces fetch. */
  fetchFn?: typeof fetch;
}

/** What /healthz and doctor show of a satellite (counts and times only). */
export interface ForwardStatus {
  /** ok: the last delivery was taken; failing: it was not (`last_error` says why); starting: none yet. */
  state: 'starting' | 'ok' | 'failing';
  queued: number;
  spooled: number;
  spool_bytes: number;
  delivered: number;
  failures: number;
  last_ok_at: number | null;
  last_error: string | null;
  resyncs: number;
  spool_dropped: number;
}

/** The hub's logs endpoint: a URL without a path gets /v1/logs (as OTEL_EXPORTER_OTLP_ENDPOINT does). */
export function forwardUrl(raw: string): string {
  const u = new URL(raw);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/logs';
  return u.toString();
}

interface Batch {
  records: ForwardRecord[];
  from: 'spool' | 'resync' | 'memory' | 'none';
}

export class Forwarder {
  private readonly memory = new Map<string, ForwardRecord>();
  private readonly spool: Spool;
  private inflight: Batch | null = null;
  private resync: Iterator<ForwardRecord> | null = null;
  private readonly resyncMs: number;
  /** One record pulled from the resync that did not fit the last batch. */
  private resyncNext: ForwardRecord | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  /** No delivery before this (wall ms): the backoff after a failure. */
  private backoffUntil = 0;
  private sending: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;
  private hubEpoch: string | null = null;
  private epochSeen = false;
  private lastResyncAt = 0;
  private lastSendAt = 0;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private maxBatch: number;
  private readonly fetchFn: typeof fetch;
  private readonly status: ForwardStatus = {
    state: 'starting',
    queued: 0,
    spooled: 0,
    spool_bytes: 0,
    delivered: 0,
    failures: 0,
    last_ok_at: null,
    last_error: null,
    resyncs: 0,
    spool_dropped: 0,
  };

  constructor(private readonly opts: ForwarderOptions) {
    this.maxBatch = opts.maxBatch ?? MAX_BATCH_RECORDS;
    this.resyncMs = opts.resyncMs ?? RESYNC_MS;
    this.fetchFn = opts.fetchFn ?? fetch;
    this.spool = new Spool(opts.spoolDir, opts.spoolMaxBytes, opts.spoolSegmentBytes, (n) => {
      this.status.spool_dropped += n;
      opts.faults.hit('forward-spool-full', { dropped: n }, n);
    });
  }

  /** Sends what the spool kept from before, then everything the ledger holds (the hub may lack any of it). */
  start(): void {
    this.startResync();
    this.schedule(0);
  }

  /** Queues records to send (newer versions of a response replace older ones still waiting). */
  enqueue(records: readonly ForwardRecord[]): void {
    if (this.stopped || records.length === 0) return;
    for (const r of records) {
      // A waiting record that changed stays where it waits, with its new values.
      this.memory.set(r.id, r);
    }
    const max = this.opts.maxMemory ?? MAX_MEMORY_RECORDS;
    if (this.memory.size > max) this.spill(Math.ceil(max / 2));
    this.schedule(this.opts.batchDelayMs ?? BATCH_DELAY_MS);
  }

  /** The live sessions changed: tell the hub soon. */
  stateChanged(): void {
    if (!this.stopped) this.schedule(this.opts.batchDelayMs ?? BATCH_DELAY_MS);
  }

  /** Moves the oldest `n` waiting records to the spool. */
  private spill(n: number): void {
    const out: ForwardRecord[] = [];
    for (const [id, r] of this.memory) {
      if (out.length >= n) break;
      out.push(r);
      this.memory.delete(id);
    }
    this.spool.append(out);
  }

  private startResync(): void {
    this.resync = this.opts.everything()[Symbol.iterator]();
    this.resyncNext = null;
    this.lastResyncAt = Date.now();
    this.status.resyncs++;
  }

  /** With nothing to send: until the next heartbeat, or the next resync behind a collector (≥ 1 ms). */
  private idleWait(now: number): number {
    const heartbeat = this.lastSendAt + this.heartbeatMs;
    const resync = this.epochSeen ? Number.POSITIVE_INFINITY : this.lastResyncAt + this.resyncMs;
    return Math.max(1, Math.min(heartbeat, resync) - now);
  }

  /** Behind a collector no epoch tells of a hub restart: then everything goes again every resyncMs. */
  private resyncDue(now: number): boolean {
    return (
      !this.epochSeen &&
      this.status.state === 'ok' &&
      this.resync === null &&
      now - this.lastResyncAt >= this.resyncMs
    );
  }

  /** Runs pump() after `delayMs`, or sooner if already due sooner. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // While backing off, new records wait with the rest: the backoff is what the hub is owed.
    const at = Math.max(Date.now() + delayMs, this.backoffUntil);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.pump();
    }, at - Date.now());
    this.timer.unref();
  }

  private pending(): boolean {
    return (
      this.inflight !== null ||
      this.spool.records > 0 ||
      this.resync !== null ||
      this.resyncNext !== null ||
      this.memory.size > 0
    );
  }

  /** The next delivery's records: a failed batch again, else the spool, a resync, then memory. */
  private nextBatch(): Batch {
    if (this.inflight) return this.inflight;
    const fromSpool = this.spool.peek(this.maxBatch);
    if (fromSpool.length > 0) return { records: fromSpool, from: 'spool' };
    if (this.resync) {
      const records: ForwardRecord[] = [];
      if (this.resyncNext) records.push(this.resyncNext);
      this.resyncNext = null;
      while (records.length < this.maxBatch) {
        const next = this.resync.next();
        if (next.done) {
          this.resync = null;
          break;
        }
        records.push(next.value);
      }
      if (records.length > 0) return { records, from: 'resync' };
    }
    const records: ForwardRecord[] = [];
    for (const [id, r] of this.memory) {
      if (records.length >= this.maxBatch) break;
      records.push(r);
      this.memory.delete(id);
    }
    return { records, from: records.length > 0 ? 'memory' : 'none' };
  }

  private pump(): Promise<void> {
    if (this.sending || this.stopped) return this.sending ?? Promise.resolve();
    this.sending = this.sendOne().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  private async sendOne(): Promise<void> {
    const now = Date.now();
    if (this.resyncDue(now)) this.startResync();
    const heartbeatDue = now - this.lastSendAt >= this.heartbeatMs;
    if (!this.pending() && !heartbeatDue) {
      this.schedule(this.idleWait(now));
      return;
    }
    const batch = this.nextBatch();
    this.inflight = batch;
    let failure: string | null = null;
    let retryAfterMs = 0;
    try {
      const body = await gzip(
        Buffer.from(
          JSON.stringify(encodeDelivery(batch.records, this.opts.machine, this.opts.state(), Date.now())),
        ),
      );
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      };
      if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
      this.lastSendAt = Date.now();
      const res = await this.fetchFn(this.opts.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) this.delivered(batch, res.headers);
      else {
        failure = `HTTP ${res.status}`;
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra, 300) * 1000;
        if (res.status === 401 || res.status === 403 || res.status === 400 || res.status === 404)
          this.opts.faults.hit('forward-refused', { status: res.status });
        if (res.status === 413 && batch.records.length > 1) {
          // Too big for the hub (or a collector in between): split it, and send smaller ones from now on.
          this.maxBatch = Math.max(1, Math.floor(batch.records.length / 2));
          if (batch.from !== 'spool') this.requeue(batch);
          this.inflight = null;
        }
      }
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      failure =
        e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message ?? String(err)).slice(0, 80);
    }
    if (this.stopped) return;
    if (failure === null) {
      this.failures = 0;
      this.backoffUntil = 0;
      this.schedule(this.pending() ? 0 : this.idleWait(Date.now()));
      return;
    }
    this.failures++;
    if (this.status.state !== 'failing')
      this.opts.log?.warn(
        { error: failure },
        'the hub did not take forwarded records; they are kept (memory, then the spool on disk) and sent when it does',
      );
    this.status.state = 'failing';
    this.status.last_error = failure;
    const cap = this.opts.backoffMaxMs ?? BACKOFF_MAX_MS;
    const base = Math.min(
      cap,
      (this.opts.backoffMinMs ?? BACKOFF_MIN_MS) * 2 ** Math.min(20, this.failures - 1),
    );
    // Jitter: somewhere in the upper half, so satellites that lost the hub together do not return in step.
    const wait = Math.max(retryAfterMs, base / 2 + Math.random() * (base / 2));
    this.backoffUntil = Date.now() + wait;
    this.schedule(wait);
  }

  /** A batch split after a 413: its records wait in memory again, before anything newer. */
  private requeue(batch: Batch): void {
    const rest = [...this.memory];
    this.memory.clear();
    for (const r of batch.records) this.memory.set(r.id, r);
    for (const [id, r] of rest) this.memory.set(id, r);
  }

  private delivered(batch: Batch, headers: Headers): void {
    if (batch.from === 'spool') this.spool.taken(batch.records.length);
    this.inflight = null;
    this.status.delivered += batch.records.length;
    if (this.status.state === 'failing') this.opts.log?.info({}, 'the hub takes forwarded records again');
    this.status.state = 'ok';
    this.status.last_ok_at = Date.now();
    this.status.last_error = null;
    const epoch = headers.get('x-claude-gauge-hub-epoch');
    if (epoch !== null) {
      this.epochSeen = true;
      // A hub that restarted has lost what it was sent: send it everything again.
      if (this.hubEpoch !== null && epoch !== this.hubEpoch) this.startResync();
      this.hubEpoch = epoch;
    } else this.epochSeen = false;
    const hb = Number(headers.get('x-claude-gauge-heartbeat-ms'));
    if (Number.isFinite(hb) && hb > 0) this.heartbeatMs = Math.min(DEFAULT_HEARTBEAT_MS, Math.max(250, hb));
  }

  /** Counts and times for /healthz and doctor. */
  snapshot(): ForwardStatus {
    return {
      ...this.status,
      failures: this.failures,
      queued:
        this.memory.size +
        (this.inflight && this.inflight.from !== 'spool' ? this.inflight.records.length : 0),
      spooled: this.spool.records,
      spool_bytes: this.spool.bytes,
    };
  }

  /** Sends what waits now (tests, bench), without waiting for the batch delay. */
  flush(): Promise<void> {
    this.backoffUntil = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    return this.pump();
  }

  /**
   * Stops sending and keeps on disk what the hub has not taken: a batch under way (it may have arrived:
   * sending it again is harmless) and memory. The ledger is read again at the next start, so the rest of
   * a resync needs no spool.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const keep: ForwardRecord[] = [];
    if (this.inflight && this.inflight.from !== 'spool') keep.push(...this.inflight.records);
    this.inflight = null;
    keep.push(...this.memory.values());
    this.memory.clear();
    this.spool.append(keep);
  }
}
