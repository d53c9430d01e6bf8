// Owns the source and the session tracker and answers "what is the payload now?" for every route.
// A source that rejects or hangs never blocks a client for longer than the deadline: the last good
// snapshot is served with stale: true, and one refresh at a time is in flight, so a hung source cannot
// pile up requests.

import type { UsagePayload } from '../../contract/usage.js';
import { buildPayload, contentKey, NO_SESSIONS, type PayloadSettings, sanitizeSnapshot } from './payload.js';
import type { SessionCounts, SessionTracker } from './sessions.js';
import type { SourceSnapshot, UsageSource } from './sources/source.js';
import type { QuotaStore } from './statusline/quota.js';

export interface ServiceLog {
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface UsageServiceOptions {
  source: UsageSource;
  sessions?: SessionTracker | null;
  /** The official quota forwarded by `claude-gauge statusline`; the payload then carries the quota fields. */
  quota?: QuotaStore | null;
  settings: PayloadSettings;
  clock?: () => number;
  /** How long a payload waits for the source before falling back to the last good snapshot. */
  deadlineMs?: number;
  /** How often change listeners re-evaluate time-driven fields (stall, reset countdown). */
  tickMs?: number;
  /** How long start() waits for the source's cold start before serving (stale) anyway. */
  startWaitMs?: number;
  log?: ServiceLog;
}

const EMPTY_COUNTS: SessionCounts = {
  active: 0,
  working: 0,
  newestWorkingStartMs: null,
  stale: 0,
  invalid: 0,
  started: 0,
  byModel: new Map(),
  manifestsAvailable: true,
};

const NOTHING_YET: SourceSnapshot = sanitizeSnapshot({});

export class UsageService {
  readonly source: UsageSource;
  private readonly sessions: SessionTracker | null;
  readonly quota: QuotaStore | null;
  private readonly settings: PayloadSettings;
  private readonly clock: () => number;
  private readonly deadlineMs: number;
  private readonly tickMs: number;
  private readonly startWaitMs: number;
  private readonly log: ServiceLog | undefined;
  private lastGood: SourceSnapshot | null = null;
  private inflight: { promise: Promise<SourceSnapshot>; startedAt: number } | null = null;
  private readonly listeners = new Set<(p: UsagePayload) => void>();
  private unsubscribers: Array<() => void> = [];
  private tick: NodeJS.Timeout | null = null;
  private pending: NodeJS.Timeout | null = null;
  private lastEmittedKey = '';
  private started = false;
  /** Failures since the last good snapshot (for /healthz and logs). */
  consecutiveFailures = 0;

  constructor(opts: UsageServiceOptions) {
    this.source = opts.source;
    this.sessions = opts.sessions ?? null;
    this.quota = opts.quota ?? null;
    this.settings = opts.settings;
    this.clock = opts.clock ?? Date.now;
    this.deadlineMs = opts.deadlineMs ?? 800;
    this.tickMs = opts.tickMs ?? 1000;
    this.startWaitMs = opts.startWaitMs ?? 30_000;
    this.log = opts.log;
  }

  /**
   * Starts the session tracker and the source. Waits for the source's cold start at most `startWaitMs`:
   * a source that hangs or fails to start must not keep the daemon from answering (it serves stale
   * values meanwhile, and the source's own snapshot() waits for its start).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribers.push(this.source.subscribe(() => this.changed()));
    if (this.sessions) this.unsubscribers.push(this.sessions.subscribe(() => this.changed()));
    if (this.quota) this.unsubscribers.push(this.quota.subscribe(() => this.changed()));
    const sourceStart = (async () => this.source.start())();
    this.sourceReady = false;
    sourceStart.then(
      () => {
        this.sourceReady = true;
        this.changed();
      },
      (err: unknown) => {
        this.sourceStartError = err instanceof Error ? err.message : String(err);
        this.log?.error({ err: this.sourceStartError }, 'source failed to start; serving stale values');
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.startWaitMs);
      timer.unref();
    });
    await Promise.all([this.sessions?.start(), Promise.race([sourceStart.catch(() => {}), waited])]);
    clearTimeout(timer);
  }

  /** True once the source's start() resolved. */
  sourceReady = false;
  /** Why the source's start() failed, or null. */
  sourceStartError: string | null = null;

  async stop(): Promise<void> {
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
    this.listeners.clear();
    this.stopTick();
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    this.started = false;
    await Promise.allSettled([this.source.stop(), this.sessions?.stop()]);
  }

  /** The source's own counters when it keeps any (the jsonl source does), else undefined. */
  sourceStats(): unknown {
    const withStats = this.source as UsageSource & { stats?: () => unknown };
    if (typeof withStats.stats !== 'function') return undefined;
    try {
      return withStats.stats();
    } catch {
      return undefined;
    }
  }

  sessionCounts(): SessionCounts {
    return this.sessions?.counts() ?? EMPTY_COUNTS;
  }

  /** The payload as of the service's clock. Never rejects; resolves within the deadline. */
  async payload(): Promise<UsagePayload> {
    const nowMs = this.clock();
    const { snapshot, stale } = await this.snapshot(nowMs);
    const c = this.sessionCounts();
    return buildPayload({
      snapshot,
      sessions: this.sessions
        ? {
            active: c.active,
            working: c.working,
            newestWorkingStartMs: c.newestWorkingStartMs,
            manifestsAvailable: c.manifestsAvailable,
          }
        : NO_SESSIONS,
      settings: this.settings,
      nowMs,
      stale,
      source: this.source.name,
      ...(this.quota
        ? { quota: { reading: this.quota.current(), ratePerMin: this.quota.fiveHourRatePerMin(nowMs) } }
        : {}),
    });
  }

  /** Current change listeners (SSE clients), for tests and /healthz. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Calls the listener with each payload whose content (all but ts) differs from the previous one. */
  onChange(listener: (p: UsagePayload) => void): () => void {
    this.listeners.add(listener);
    if (!this.tick) {
      // Stall and the reset countdown move with time alone; re-check while anyone listens.
      this.tick = setInterval(() => this.changed(), this.tickMs);
      this.tick.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopTick();
    };
  }

  private stopTick(): void {
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
  }

  private changed(): void {
    if (this.listeners.size === 0 || this.pending) return;
    // Coalesce bursts (a flurry of appended lines) into one evaluation.
    this.pending = setTimeout(() => {
      this.pending = null;
      void this.emitIfChanged();
    }, 25);
    this.pending.unref();
  }

  private async emitIfChanged(): Promise<void> {
    const p = await this.payload();
    const key = contentKey(p);
    if (key === this.lastEmittedKey) return;
    this.lastEmittedKey = key;
    for (const l of [...this.listeners]) {
      try {
        l(p);
      } catch (err) {
        this.log?.warn({ err }, 'usage listener failed');
      }
    }
  }

  private snapshot(nowMs: number): Promise<{ snapshot: SourceSnapshot; stale: boolean }> {
    const wallNow = Date.now();
    // A refresh that has hung far past its deadline is abandoned so a source that recovers is asked again.
    if (this.inflight && wallNow - this.inflight.startedAt > this.deadlineMs * 10) this.inflight = null;
    if (!this.inflight) {
      const promise = (async () => this.source.snapshot(nowMs))();
      const entry = { promise, startedAt: wallNow };
      this.inflight = entry;
      promise.then(
        (snap) => {
          this.lastGood = sanitizeSnapshot(snap);
          this.consecutiveFailures = 0;
        },
        (err: unknown) => {
          this.consecutiveFailures++;
          // Log the first failure and then rarely, not once per request.
          if (this.consecutiveFailures === 1 || this.consecutiveFailures % 100 === 0)
            this.log?.warn(
              { err: err instanceof Error ? err.message : String(err), failures: this.consecutiveFailures },
              'source snapshot failed; serving last good values as stale',
            );
        },
      );
      void promise
        .catch(() => {})
        .finally(() => {
          if (this.inflight === entry) this.inflight = null;
        });
    }
    const { promise } = this.inflight;
    return new Promise((resolve) => {
      const fallback = () => resolve({ snapshot: this.lastGood ?? NOTHING_YET, stale: true });
      const timer = setTimeout(fallback, this.deadlineMs);
      promise.then(
        (snap) => {
          clearTimeout(timer);
          resolve({ snapshot: sanitizeSnapshot(snap), stale: false });
        },
        () => {
          clearTimeout(timer);
          fallback();
        },
      );
    });
  }
}
