// Owns the source and the session tracker and answers "what is the payload now?" for every route.
// A source that rejects or hangs never blocks a client for longer than the deadline: the last good
// snapshot is served with stale: true, and one refresh at a time is in flight, so a hung source cannot
// pile up requests.

import type { UsagePayload } from '../../contract/usage.js';
import { Faults } from './faults.js';
import type { AttentionStore } from './hooks/attention.js';
import type { ForwardStatus } from './hub/forwarder.js';
import type { MachineView } from './hub/machines.js';
import type { Log } from './log.js';
import { buildPayload, contentKey, NO_SESSIONS, type PayloadSettings, sanitizeSnapshot } from './payload.js';
import { implausibleSnapshotFields } from './plausible.js';
import type { SessionCounts, SessionTracker } from './sessions.js';
import type { SourceSnapshot, UsageSource } from './sources/source.js';
import type { QuotaStore } from './statusline/quota.js';

export interface UsageServiceOptions {
  source: UsageSource;
  sessions?: SessionTracker | null;
  /** The official quota forwarded by `claude-gauge statusline`; the payload then carries the quota fields. */
  quota?: QuotaStore | null;
  /** Sessions waiting for the user, from `claude-gauge hook`; the payload then carries `attention`. */
  attention?: AttentionStore | null;
  settings: PayloadSettings;
  clock?: () => number;
  /** How long a payload waits for the source before falling back to the last good snapshot. */
  deadlineMs?: number;
  /** How often change listeners re-evaluate time-driven fields (stall, reset countdown). */
  tickMs?: number;
  /** How long start() waits for the source's cold start before serving (stale) anyway. */
  startWaitMs?: number;
  log?: Pick<Log, 'warn' | 'error'>;
  /** The daemon's fault registry (limits hit, read errors, implausible values); one of its own by default. */
  faults?: Faults;
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
  skipped: 0,
};

const NOTHING_YET: SourceSnapshot = sanitizeSnapshot({});

/**
 * After a change is evaluated for listeners, further changes within this window are folded into one
 * evaluation at its end. The first change goes out at once; a burst (a response's streamed lines, a
 * tool result right after its tool call) costs two evaluations, not one per line, and listeners get at
 * most 40 events a second, more than the gauge can draw.
 */
export const COALESCE_MS = 25;

export class UsageService {
  readonly source: UsageSource;
  private readonly sessions: SessionTracker | null;
  readonly quota: QuotaStore | null;
  readonly attention: AttentionStore | null;
  private readonly settings: PayloadSettings;
  private readonly clock: () => number;
  private readonly deadlineMs: number;
  private readonly tickMs: number;
  private readonly startWaitMs: number;
  private readonly log: Pick<Log, 'warn' | 'error'> | undefined;
  readonly faults: Faults;
  private lastGood: SourceSnapshot | null = null;
  private inflight: { promise: Promise<SourceSnapshot>; startedAt: number; changes: number } | null = null;
  private readonly listeners = new Set<(p: UsagePayload) => void>();
  private unsubscribers: Array<() => void> = [];
  private tick: NodeJS.Timeout | null = null;
  /** Open while changes are being coalesced (see COALESCE_MS). */
  private window: NodeJS.Timeout | null = null;
  /** A change arrived inside the window: evaluate once more when it closes. */
  private again = false;
  /** Evaluations run one after another, so events go out in the order they were computed. */
  private evaluations: Promise<void> = Promise.resolve();
  /** Counts change notifications; a refresh remembers the count it started at (see emitIfChanged). */
  private changes = 0;
  private lastEmittedKey = '';
  private started = false;
  /** Failures since the last good snapshot (for /healthz and logs). */
  consecutiveFailures = 0;
  /** A satellite's forwarding state (counts and times; docs/hub.md), set by the daemon; null otherwise. */
  forwardStatus: (() => ForwardStatus) | null = null;

  constructor(opts: UsageServiceOptions) {
    this.source = opts.source;
    this.sessions = opts.sessions ?? null;
    this.quota = opts.quota ?? null;
    this.attention = opts.attention ?? null;
    this.settings = opts.settings;
    this.clock = opts.clock ?? Date.now;
    this.deadlineMs = opts.deadlineMs ?? 800;
    this.tickMs = opts.tickMs ?? 1000;
    this.startWaitMs = opts.startWaitMs ?? 30_000;
    this.log = opts.log;
    this.faults = opts.faults ?? new Faults({ log: opts.log ?? null });
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
    if (this.attention) this.unsubscribers.push(this.attention.subscribe(() => this.changed()));
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
    if (this.window) clearTimeout(this.window);
    this.window = null;
    this.again = false;
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

  /** A hub's machines (names, last heard, clock offsets): for /metrics and doctor. Null when not a hub. */
  machineList(): MachineView[] | null {
    const hub = this.source as UsageSource & { machineList?: () => MachineView[] };
    return typeof hub.machineList === 'function' ? hub.machineList() : null;
  }

  sessionCounts(): SessionCounts {
    return this.sessions?.counts() ?? EMPTY_COUNTS;
  }

  /**
   * Live sessions waiting for the user: the hook reports, less the sessions whose manifest says their
   * process is gone (a crash sends no SessionEnd).
   */
  private attentionCount(nowMs: number): number {
    if (!this.attention) return 0;
    const live = new Set<string>();
    const gone = new Set<string>();
    for (const s of this.sessions?.list() ?? []) {
      if (!s.manifest.sessionId) continue;
      if (s.state === 'live') live.add(s.manifest.sessionId);
      else if (s.state === 'stale') gone.add(s.manifest.sessionId);
    }
    return this.attention.count(nowMs, (id) => gone.has(id) && !live.has(id));
  }

  /** When `claude-gauge statusline` and `claude-gauge hook` last reported (epoch ms), or null. */
  reportTimes(): { statuslineMs: number | null; hookMs: number | null } {
    return {
      statuslineMs: this.quota?.current()?.atMs ?? null,
      hookMs: this.attention?.lastReportMs ?? null,
    };
  }

  /** The payload as of the service's clock. Never rejects; resolves within the deadline. */
  async payload(): Promise<UsagePayload> {
    return (await this.evaluate()).payload;
  }

  /** The payload, and whether its snapshot is from a refresh that started before the latest change. */
  private async evaluate(): Promise<{ payload: UsagePayload; behind: boolean }> {
    const nowMs = this.clock();
    const { snapshot, stale, changes } = await this.snapshot(nowMs);
    const c = this.sessionCounts();
    const payload = buildPayload({
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
      ...(this.attention ? { attention: this.attentionCount(nowMs) } : {}),
    });
    return { payload, behind: !stale && changes < this.changes };
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
      this.tick = setInterval(() => this.schedule(), this.tickMs);
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

  /** The source, the sessions or the quota changed. */
  private changed(): void {
    this.changes++;
    this.schedule();
  }

  /** Evaluates for listeners now, or at the end of the open coalescing window. */
  private schedule(): void {
    if (this.listeners.size === 0) return;
    if (this.window) {
      this.again = true;
      return;
    }
    this.window = setTimeout(() => {
      this.window = null;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }, COALESCE_MS);
    this.window.unref();
    this.evaluations = this.evaluations
      .then(() => this.emitIfChanged())
      .catch((err: unknown) => this.log?.warn({ err }, 'usage change evaluation failed'));
  }

  private async emitIfChanged(): Promise<void> {
    if (this.listeners.size === 0) return;
    const { payload: p, behind } = await this.evaluate();
    // The answer came from a refresh that was already running when the change arrived (a slow source
    // shares one refresh between callers): it may not show the change, so look again after the window.
    if (behind) this.schedule();
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

  private snapshot(nowMs: number): Promise<{ snapshot: SourceSnapshot; stale: boolean; changes: number }> {
    const wallNow = Date.now();
    // A refresh that has hung far past its deadline is abandoned so a source that recovers is asked again.
    if (this.inflight && wallNow - this.inflight.startedAt > this.deadlineMs * 10) this.inflight = null;
    if (!this.inflight) {
      const promise = (async () => {
        const snap = await this.source.snapshot(nowMs);
        // The last line of the plausibility bounds: whatever a source says (Prometheus, ccusage), numbers
        // beyond them are not served; the last good values are, as stale.
        const bad = implausibleSnapshotFields(sanitizeSnapshot(snap));
        if (bad.length > 0) {
          this.faults.hit('implausible-snapshot', { source: this.source.name, fields: bad.join(', ') });
          throw new Error(`implausible snapshot from ${this.source.name}: ${bad.join(', ')}`);
        }
        return snap;
      })();
      const entry = { promise, startedAt: wallNow, changes: this.changes };
      this.inflight = entry;
      promise.then(
        (snap) => {
          this.lastGood = sanitizeSnapshot(snap);
          this.consecutiveFailures = 0;
        },
        (err: unknown) => {
          this.consecutiveFailures++;
          // Counted every time, logged by the registry: the first, then at most every 10 min.
          this.faults.hit('source-failed', {
            source: this.source.name,
            err: err instanceof Error ? err.message : String(err),
            failures: this.consecutiveFailures,
          });
        },
      );
      void promise
        .catch(() => {})
        .finally(() => {
          if (this.inflight === entry) this.inflight = null;
        });
    }
    const { promise, changes } = this.inflight;
    return new Promise((resolve) => {
      const fallback = () => resolve({ snapshot: this.lastGood ?? NOTHING_YET, stale: true, changes });
      const timer = setTimeout(fallback, this.deadlineMs);
      promise.then(
        (snap) => {
          clearTimeout(timer);
          resolve({ snapshot: sanitizeSnapshot(snap), stale: false, changes });
        },
        () => {
          clearTimeout(timer);
          fallback();
        },
      );
    });
  }
}
