// The JSONL source: Claude Code's transcripts under <claudeDir>/projects, tailed live, counted exactly like
// ccusage 20.0.24 `blocks`. See README.md in this directory for the algorithm.

import { sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { SourceName, SourceSnapshot, UsageSource } from '../source.js';
import { type Block, isActive } from './blocks.js';
import { Engine, type EngineOptions, type JsonlStats, type LogFn, type ObjectLogger } from './engine.js';

export type { JsonlStats, LogFn, ObjectLogger } from './engine.js';

export interface JsonlSourceOptions extends EngineOptions {
  claudeDirs: string[];
  clock?: () => number;
  log?: LogFn | ObjectLogger;
  /** Called with a copy of the counters after every batch of reads. */
  onStats?: (stats: JsonlStats) => void;
  /** Safety rescan (new dirs, missed events, unwatchable file systems). Default 10 s; 0 disables it. */
  rescanIntervalMs?: number;
  /** Use the file-system watcher (default true). Without it only the rescan finds changes. */
  watch?: boolean;
}

const DEFAULT_RESCAN_MS = 10_000;
const WATCHER_READY_MS = 10_000;
/**
 * chokidar 4 drops a file's further 'change' events for 50 ms after emitting one, with no trailing event,
 * so a line appended within 50 ms of the previous one (streamed blocks, a tool result right after its
 * tool_use) would wait for the next append or the 10 s rescan. Each change event therefore also schedules
 * one more read of that file just after the throttle window.
 */
const CHOKIDAR_CHANGE_THROTTLE_MS = 50;
const TRAILING_POLL_MS = CHOKIDAR_CHANGE_THROTTLE_MS + 10;
/** Eviction needs a block scan; once every few seconds is plenty. */
const EVICT_EVERY_MS = 30_000;

export class JsonlSource implements UsageSource {
  readonly name: SourceName = 'jsonl';
  private readonly engine: Engine;
  private readonly clock: () => number;
  private readonly listeners = new Set<() => void>();
  private watcher: FSWatcher | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private started: Promise<void> | null = null;
  private coldDone: Promise<void> | null = null;
  private stopped = false;
  private readonly queued = new Set<string>();
  private flushScheduled = false;
  private lastEvict = 0;
  private rescanning: Promise<void> | null = null;
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: JsonlSourceOptions) {
    this.engine = new Engine(opts);
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Resolves once the cold start is done, as UsageSource asks: the first snapshot can be answered. The
   * watcher's initial walk of the tree (a stat per transcript, ~0.3 s on a 1 GB history) goes on after
   * that; lines appended meanwhile are read by the rescan that follows it. `watching()` waits for it.
   */
  start(): Promise<void> {
    if (!this.coldDone) {
      this.coldDone = this.coldPhase();
      this.started = this.coldDone.then(() => this.livePhase());
      this.started.catch(() => {}); // its failure is the cold start's, reported through coldDone
    }
    return this.coldDone;
  }

  /** Resolves when the watcher is ready and has caught up with what was appended since the cold start. */
  watching(): Promise<void> {
    if (!this.started) return Promise.reject(new Error('jsonl source not started'));
    return this.started;
  }

  private async coldPhase(): Promise<void> {
    await this.engine.coldStart(this.clock());
    this.maybeEvict(true);
    this.emitStats();
  }

  private async livePhase(): Promise<void> {
    if (this.stopped) return;
    if (this.opts.watch !== false) {
      await this.startWatcher();
      // Lines appended between the cold start and the watcher being ready are read now.
      if (!this.stopped) await this.rescan();
    }
    const every = this.opts.rescanIntervalMs ?? DEFAULT_RESCAN_MS;
    if (every > 0) {
      this.rescanTimer = setInterval(() => void this.rescan(), every);
      this.rescanTimer.unref();
    }
  }

  /** Resolves when the watcher has its initial tree (or after WATCHER_READY_MS: the rescan covers the rest). */
  private async startWatcher(): Promise<void> {
    const roots = this.opts.claudeDirs;
    this.watcher = watch(roots, {
      ignoreInitial: true,
      persistent: false,
      // claudeDir/projects/<project>/<session>/subagents/<agent>.jsonl
      depth: 5,
      ignored: (path, stats) => {
        if (stats?.isFile()) return !this.engine.isTranscript(path);
        // Only descend into the projects tree (a claude dir also holds caches, todos, shell snapshots…).
        return (
          !roots.includes(path) &&
          !this.engine.projectRoots().some((p) => path === p || path.startsWith(p + sep))
        );
      },
    });
    this.watcher.on('add', (p) => this.enqueue(p));
    this.watcher.on('change', (p) => {
      this.enqueue(p);
      this.scheduleTrailingPoll(p);
    });
    this.watcher.on('unlink', (p) => {
      this.engine.forget(p);
      this.emitStats();
    });
    this.watcher.on('error', (err) => {
      this.engine.stats.readErrors++;
      this.logWarn('file watcher error; the periodic rescan keeps going', { error: String(err) });
    });
    const w = this.watcher;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WATCHER_READY_MS);
      timer.unref();
      w.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private logWarn(msg: string, fields: Record<string, unknown>): void {
    const log = this.opts.log;
    if (typeof log === 'function') log('warn', msg, fields);
    else log?.warn(fields, msg);
  }

  /** See TRAILING_POLL_MS. Restarted by every emitted event, so it always follows the last one. */
  private scheduleTrailingPoll(path: string): void {
    const prev = this.trailing.get(path);
    if (prev) clearTimeout(prev);
    const timer = setTimeout(() => {
      this.trailing.delete(path);
      this.enqueue(path);
    }, TRAILING_POLL_MS);
    timer.unref();
    this.trailing.set(path, timer);
  }

  private enqueue(path: string): void {
    if (this.stopped || !this.engine.isTranscript(path)) return;
    this.queued.add(path);
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
      const atEnd = await this.engine.poll(p);
      if (!atEnd) more = true;
    }
    this.maybeEvict(false);
    this.emitStats();
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // a listener's failure is its own business
      }
    }
    // A file that grows faster than one batch reads is finished on the next turn, not in a tight loop.
    if (more) for (const p of paths) this.enqueue(p);
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
    const found = await this.engine.discover();
    const seen = new Set(found.map((f) => f.path));
    for (const p of this.engine.tracked()) if (!seen.has(p)) this.engine.forget(p);
    for (const f of found) if (this.engine.needsPoll(f)) this.enqueue(f.path);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.rescanTimer = null;
    for (const t of this.trailing.values()) clearTimeout(t);
    this.trailing.clear();
    const w = this.watcher;
    this.watcher = null;
    if (w) await w.close();
    await this.started?.catch(() => {});
    await this.rescanning?.catch(() => {});
    await this.engine.idle();
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    if (!this.coldDone) throw new Error('jsonl source not started');
    await this.coldDone;
    return this.engine.snapshot(nowMs);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A copy of the counters (garbage, duplicates, long lines, errors…): for logs and /metrics. */
  stats(): JsonlStats {
    return structuredClone(this.engine.stats);
  }

  /** Waits until every queued read is done (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.flushScheduled || this.queued.size > 0) await new Promise((r) => setImmediate(r));
    await this.engine.idle();
  }

  private maybeEvict(force: boolean): void {
    const now = this.clock();
    if (!force && now - this.lastEvict < EVICT_EVERY_MS) return;
    this.lastEvict = now;
    this.engine.evict(now);
  }

  private emitStats(): void {
    this.opts.onStats?.(structuredClone(this.engine.stats));
  }
}

export interface HistoryResult {
  snapshot: SourceSnapshot;
  stats: JsonlStats;
}

/**
 * One-shot: the cold start (bounded horizon) and a snapshot as of `nowMs`, without any watcher. For the
 * CLI's `usage` command and the bench.
 */
export async function countHistory(
  claudeDirs: string[],
  nowMs: number,
  opts: Omit<EngineOptions, 'claudeDirs'> = {},
): Promise<HistoryResult> {
  const engine = new Engine({ ...opts, claudeDirs });
  await engine.coldStart(nowMs);
  return { snapshot: engine.snapshot(nowMs), stats: structuredClone(engine.stats) };
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

/** Reads ALL history (no horizon) and lists every block: the comparison with ccusage's full output. */
export async function historyBlocks(
  claudeDirs: string[],
  nowMs: number,
  opts: Omit<EngineOptions, 'claudeDirs'> = {},
): Promise<{ blocks: HistoryBlock[]; stats: JsonlStats }> {
  const engine = new Engine({ ...opts, claudeDirs });
  await engine.coldStart(nowMs, true);
  return {
    blocks: engine.blocks(nowMs).map((b) => toHistoryBlock(b, nowMs)),
    stats: structuredClone(engine.stats),
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
