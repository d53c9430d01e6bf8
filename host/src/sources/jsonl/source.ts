// The JSONL source: Claude Code's transcripts under <claudeDir>/projects, tailed live, counted exactly like
// ccusage 20.0.24 `blocks`. See README.md in this directory for the algorithm.

import { sep } from 'node:path';
import { Listeners } from '../../listeners.js';
import { type Log, silentLog } from '../../log.js';
import type { SourceName, SourceSnapshot, UsageSource } from '../source.js';
import { type Block, isActive } from './blocks.js';
import { DirWatcher, type WatchFn } from './dirwatch.js';
import type { Entry } from './ledger.js';
import {
  type FoundFile,
  type JsonlStats,
  type ReaderOptions,
  TRANSCRIPT_DIR_DEPTH,
  TranscriptReader,
} from './reader.js';

export type { JsonlStats } from './reader.js';

export interface JsonlSourceOptions extends ReaderOptions {
  claudeDirs: string[];
  clock?: () => number;
  log?: Log;
  /** Called with a copy of the counters after every batch of reads. */
  onStats?: (stats: JsonlStats) => void;
  /**
   * Safety tick (missed events, new roots, unwatchable directories). Default 10 s; 0 disables it. While
   * every directory is watched, a tick stats only the transcripts written in the last hour, and lists the
   * whole tree every FULL_RESCAN_EVERY_TICKS ticks; otherwise every tick lists the whole tree.
   */
  rescanIntervalMs?: number;
  /** Use the file-system watcher (default true). Without it only the rescan finds changes. */
  watch?: boolean;
  /** Replaces fs.watch (tests: a watcher that fails with ENOSPC). */
  watchFn?: WatchFn;
}

const DEFAULT_RESCAN_MS = 10_000;
/**
 * A full rescan (every directory listed, every transcript stat'ed: ~14 ms for the 1 GB bench history) on
 * every 6th tick, 60 s by default, while the watcher reports every change. A missed event on a file
 * written in the last hour is still caught within one tick, by the stat of the recent files.
 */
export const FULL_RESCAN_EVERY_TICKS = 6;
/** Transcripts changed this recently (wall clock) are stat'ed on every tick. */
export const RECENT_MS = 3_600_000;
/** Eviction needs a block scan; once every few seconds is plenty. */
const EVICT_EVERY_MS = 30_000;
/** A last line's quiet poll comes this much after finalLineQuietMs: the file's mtime may be a bit late. */
const LAST_LINE_MARGIN_MS = 50;

export class JsonlSource implements UsageSource {
  readonly name: SourceName = 'jsonl';
  private readonly reader: TranscriptReader;
  private readonly log: Log;
  private readonly clock: () => number;
  private readonly listeners = new Listeners();
  private watcher: DirWatcher | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private started: Promise<void> | null = null;
  private coldDone: Promise<void> | null = null;
  private stopped = false;
  /** False until the cold start is done: events meanwhile are only queued (see start()). */
  private live = false;
  private readonly queued = new Set<string>();
  private flushScheduled = false;
  private lastEvict = 0;
  private rescanning: Promise<void> | null = null;
  private ticks = 0;
  /** Transcripts changed in the last RECENT_MS: path → when (wall clock ms) it was last seen changing. */
  private readonly recent = new Map<string, number>();
  /** Transcripts holding a last line without a newline: polled again once their file may be quiet. */
  private readonly lastLineTimers = new Map<string, NodeJS.Timeout>();
  private readonly entryListeners = new Set<(e: Entry) => void>();

  constructor(private readonly opts: JsonlSourceOptions) {
    this.reader = new TranscriptReader(opts);
    this.log = opts.log ?? silentLog;
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Resolves once the cold start is done, as UsageSource asks: the first snapshot can be answered. The
   * directory watches are set up BEFORE the cold start (a few ms), so a line appended while it runs is an
   * event queued until it is done, then read forward from where the cold start left that file: no
   * catch-up rescan is needed. `watching()` resolves when the live phase (rescan timer) is set up too.
   */
  start(): Promise<void> {
    if (!this.coldDone) {
      if (this.opts.watch !== false) this.startWatcher();
      this.coldDone = this.coldPhase();
      this.started = this.coldDone.then(() => this.livePhase());
      this.started.catch(() => {}); // its failure is the cold start's, reported through coldDone
    }
    return this.coldDone;
  }

  /** Resolves when the watcher is set up and what was appended during the cold start is queued for reading. */
  watching(): Promise<void> {
    if (!this.started) return Promise.reject(new Error('jsonl source not started'));
    return this.started;
  }

  private async coldPhase(): Promise<void> {
    this.noteRecent(await this.reader.coldStart(this.clock()));
    this.maybeEvict(true);
    this.emitStats();
  }

  private livePhase(): void {
    if (this.stopped) return;
    this.live = true;
    if (this.queued.size > 0) this.scheduleFlush();
    for (const p of this.reader.heldLines()) this.armLastLine(p);
    const every = this.opts.rescanIntervalMs ?? DEFAULT_RESCAN_MS;
    if (every > 0) {
      this.rescanTimer = setInterval(() => void this.safetyTick(), every);
      this.rescanTimer.unref();
    } else if (this.watcher?.degraded) {
      this.log.warn({}, 'some transcript directories are not watched and the rescan is disabled');
    }
  }

  private startWatcher(): void {
    this.watcher = new DirWatcher({
      roots: this.reader.projectRoots(),
      maxDepth: TRANSCRIPT_DIR_DEPTH,
      onFile: (p) => this.enqueue(p),
      // Its files are polled: each finds ENOENT and is forgotten (or, if it came back, read).
      onDirGone: (dir) => {
        for (const p of this.reader.tracked()) if (p.startsWith(dir + sep)) this.enqueue(p);
      },
      log: {
        warn: (fields, msg) => {
          this.reader.stats.readErrors++;
          this.log.warn(fields, msg);
        },
        info: (fields, msg) => this.log.info(fields, msg),
      },
      ...(this.opts.watchFn ? { watchFn: this.opts.watchFn } : {}),
    });
    this.watcher.start();
  }

  private enqueue(path: string): void {
    if (this.stopped || !this.reader.isTranscript(path)) return;
    this.recent.set(path, Date.now());
    this.queued.add(path);
    if (this.live) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const paths = [...this.queued];
    this.queued.clear();
    let more = false;
    for (const p of paths) {
      if (this.stopped) return;
      const atEnd = await this.reader.poll(p);
      if (!atEnd) more = true;
      this.armLastLine(p);
    }
    this.maybeEvict(false);
    this.emitStats();
    this.listeners.notify();
    // A file that grows faster than one batch reads is finished on the next turn, not in a tight loop.
    if (more) for (const p of paths) this.enqueue(p);
  }

  /**
   * A transcript whose last line has no newline yet is polled again when it may have been quiet for
   * finalLineQuietMs: that poll counts the line if it is complete and the file unchanged since (a write
   * meanwhile is read, and the wait starts over). Every poll re-arms or clears this.
   */
  private armLastLine(path: string): void {
    const old = this.lastLineTimers.get(path);
    if (old) clearTimeout(old);
    this.lastLineTimers.delete(path);
    if (this.stopped || !this.reader.holdsLastLine(path)) return;
    const timer = setTimeout(() => {
      this.lastLineTimers.delete(path);
      this.enqueue(path);
    }, this.reader.finalLineQuietMs + LAST_LINE_MARGIN_MS);
    timer.unref();
    this.lastLineTimers.set(path, timer);
  }

  /** Full rescan when some change may go unreported (see FULL_RESCAN_EVERY_TICKS), else the recent files. */
  private safetyTick(): Promise<void> {
    this.ticks++;
    const watched = this.watcher?.complete ?? false;
    if (!watched || this.ticks % FULL_RESCAN_EVERY_TICKS === 0) return this.rescan();
    this.pollRecent();
    return Promise.resolve();
  }

  /**
   * Between full rescans: stats the transcripts changed in the last hour (a handful) and reads those whose
   * size or inode moved, in case the watcher missed their event.
   */
  pollRecent(): void {
    const now = Date.now();
    for (const [path, at] of this.recent) {
      if (now - at > RECENT_MS) {
        this.recent.delete(path);
        continue;
      }
      const f = this.reader.statTranscript(path);
      if (f === null) {
        this.enqueue(path); // gone (or unreadable): its poll forgets it (or reports why)
        this.recent.delete(path);
      } else if (this.reader.needsPoll(f)) this.enqueue(path);
    }
  }

  /** Remembers which of these transcripts were written in the last RECENT_MS. */
  private noteRecent(found: FoundFile[]): void {
    const since = Date.now() - RECENT_MS;
    for (const f of found) {
      if (f.mtimeMs >= since && f.mtimeMs > (this.recent.get(f.path) ?? 0))
        this.recent.set(f.path, f.mtimeMs);
    }
  }

  /** Finds what the watcher missed: new files (also in directories created later), growth, deletions. */
  rescan(): Promise<void> {
    if (!this.rescanning)
      this.rescanning = this.doRescan().finally(() => {
        this.rescanning = null;
      });
    return this.rescanning;
  }

  private async doRescan(): Promise<void> {
    if (this.stopped) return;
    // First, so that a directory watched from now on is also listed by the discover below.
    this.watcher?.reconcile();
    const found = await this.reader.discover();
    this.noteRecent(found);
    const seen = new Set(found.map((f) => f.path));
    for (const p of this.reader.tracked()) if (!seen.has(p)) this.reader.forget(p);
    for (const f of found) if (this.reader.needsPoll(f)) this.enqueue(f.path);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.rescanTimer = null;
    this.watcher?.close();
    this.watcher = null;
    for (const t of this.lastLineTimers.values()) clearTimeout(t);
    this.lastLineTimers.clear();
    await this.started?.catch(() => {});
    await this.rescanning?.catch(() => {});
    await this.reader.idle();
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    if (!this.coldDone) throw new Error('jsonl source not started');
    await this.coldDone;
    return this.reader.snapshot(nowMs);
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /**
   * Every response counted, from the cold start on: resolves, once the cold start is done, with the kept
   * entries as they are then, and calls `listener` with each entry that is added or changes after that (a
   * better copy, more content: Ledger.onChange). What a hub counts and a satellite forwards.
   */
  async follow(listener: (e: Entry) => void): Promise<readonly Entry[]> {
    if (!this.coldDone) throw new Error('jsonl source not started');
    await this.coldDone;
    // From here to the return nothing else runs: reads happen in later turns (flush, rescan), so no entry
    // falls between the list and the listener.
    this.entryListeners.add(listener);
    this.reader.ledger.onChange ??= (e) => {
      for (const l of this.entryListeners) l(e);
    };
    return this.reader.ledger.sorted().slice();
  }

  /** The kept entries now, in time order (a copy of the list; the entries are the ledger's own). */
  entries(): readonly Entry[] {
    return this.reader.ledger.sorted().slice();
  }

  /** A copy of the counters (garbage, duplicates, long lines, errors…): for logs and /metrics. */
  stats(): JsonlStats {
    return structuredClone(this.reader.stats);
  }

  /** Waits until every queued read is done (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.flushScheduled || this.queued.size > 0) await new Promise((r) => setImmediate(r));
    await this.reader.idle();
  }

  private maybeEvict(force: boolean): void {
    const now = this.clock();
    if (!force && now - this.lastEvict < EVICT_EVERY_MS) return;
    this.lastEvict = now;
    this.reader.evict(now);
  }

  private emitStats(): void {
    this.opts.onStats?.(structuredClone(this.reader.stats));
  }
}

export interface HistoryResult {
  snapshot: SourceSnapshot;
  stats: JsonlStats;
}

/**
 * One-shot: the cold start (bounded horizon) and a snapshot as of `nowMs`, without any watcher. For the
 * bench and tests. A complete last line without a newline counts at once (nothing waits for it to settle).
 */
export async function countHistory(
  claudeDirs: string[],
  nowMs: number,
  opts: Omit<ReaderOptions, 'claudeDirs'> = {},
): Promise<HistoryResult> {
  const reader = new TranscriptReader({ finalLineQuietMs: 0, ...opts, claudeDirs });
  await reader.coldStart(nowMs);
  return { snapshot: reader.snapshot(nowMs), stats: structuredClone(reader.stats) };
}

/** A block as `ccusage blocks --json` reports it (gap blocks left out). */
export interface HistoryBlock {
  startTime: string;
  endTime: string;
  actualEndTime: string;
  isActive: boolean;
  entries: number;
  tokenCounts: {
    inputTokens: number;
    outputTokens: number;
    cacheCreationInputTokens: number;
    cacheReadInputTokens: number;
  };
  totalTokens: number;
}

/**
 * Reads ALL history (no horizon) and lists every block: the comparison with ccusage's full output. A
 * complete last line without a newline counts at once, as in countHistory.
 */
export async function historyBlocks(
  claudeDirs: string[],
  nowMs: number,
  opts: Omit<ReaderOptions, 'claudeDirs'> = {},
): Promise<{ blocks: HistoryBlock[]; stats: JsonlStats }> {
  const reader = new TranscriptReader({ finalLineQuietMs: 0, ...opts, claudeDirs });
  await reader.coldStart(nowMs, true);
  return {
    blocks: reader.blocks(nowMs).map((b) => toHistoryBlock(b, nowMs)),
    stats: structuredClone(reader.stats),
  };
}

function toHistoryBlock(b: Block, nowMs: number): HistoryBlock {
  return {
    startTime: new Date(b.startMs).toISOString(),
    endTime: new Date(b.endMs).toISOString(),
    actualEndTime: new Date(b.lastMs).toISOString(),
    isActive: isActive(b, nowMs),
    entries: b.entries,
    tokenCounts: {
      inputTokens: b.input,
      outputTokens: b.output,
      cacheCreationInputTokens: b.cacheCreation,
      cacheReadInputTokens: b.cacheRead,
    },
    totalTokens: b.total,
  };
}
