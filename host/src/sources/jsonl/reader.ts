// The transcript reader, without any watcher: file discovery, the cold start with its growing horizon, the
// forward tail of one file, counters, and the snapshot. JsonlSource adds the watcher; countHistory uses
// this alone.

import { closeSync, type Dirent, fstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Faults } from '../../faults.js';
import { type Log, silentLog } from '../../log.js';
import { fileKind, openRegularFile as openRegular } from '../../user-files.js';
import type { SourceSnapshot } from '../source.js';
import { activeBlock, BLOCK_MS, type Block } from './blocks.js';
import { type AddOutcome, type Entry, Ledger, THINKING_WINDOW_MS } from './ledger.js';
import { isCompleteLine, parseUsageLine, type SkipReason } from './parse.js';
import {
  closeHeldLine,
  completeLinesEnd,
  type FileState,
  fingerprintHolds,
  holdsLine,
  newFileState,
  readForward,
  scanBackward,
  type TailEvents,
  type TailLimits,
  takeFingerprint,
} from './tail.js';

export interface JsonlStats {
  filesTracked: number;
  bytesRead: number;
  linesRead: number;
  /** Lines the `"usage":{` byte pre-filter let through to JSON.parse. */
  linesParsed: number;
  usageRecords: number;
  entriesKept: number;
  duplicates: number;
  replaced: number;
  /** Responses older than what memory keeps, refused rather than counted into the wrong block. */
  late: number;
  /** Lines that passed the pre-filter but were not counted. `schema` includes progress lines with nested usage. */
  skipped: Record<Exclude<SkipReason, 'no-usage'>, number>;
  /** Lines over maxParsedLineBytes, skipped. */
  longLines: number;
  /** Lines over maxLineBytes (too long to hold while streaming) counted all the same, read again whole. */
  longLinesRead: number;
  /** Last lines without a newline, counted as complete once their file was quiet (see finalLineQuietMs). */
  lastLinesClosed: number;
  truncations: number;
  rotations: number;
  deletions: number;
  readErrors: number;
  evicted: number;
  /** How far back the cold start had to read (ms before its clock), 0 before it ran. */
  coldHorizonMs: number;
}

export interface ReaderOptions {
  claudeDirs: string[];
  log?: Log;
  chunkBytes?: number;
  maxLineBytes?: number;
  maxParsedLineBytes?: number;
  /** First cold-start lookback; moved back until the active block's start is certain (see coldStart). */
  initialLookbackMs?: number;
  /** Whole blocks whose last entry is older than this are evicted from memory. */
  retainMs?: number;
  /**
   * A last line without a newline counts once its file has been unchanged (mtime) this long, if it is
   * complete JSON. 0: at once, for one-shot commands. Default DEFAULT_FINAL_LINE_QUIET_MS.
   */
  finalLineQuietMs?: number;
  /** Where read errors, skipped long lines and implausible lines are counted (and logged, rate-limited). */
  faults?: Faults;
}

export const DEFAULT_CHUNK_BYTES = 512 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;
/** JSON.parse of a line costs a few times its size in memory; 64 MB is far beyond any real Write. */
export const DEFAULT_MAX_PARSED_LINE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_INITIAL_LOOKBACK_MS = 10 * 3_600_000;
export const DEFAULT_RETAIN_MS = 6 * 3_600_000;
/**
 * Claude Code writes each line with its newline in one append, so a last line without one is either being
 * written this very moment or will never get one (the file was copied, synced or restored without it).
 * Two seconds without a change tell the two apart.
 */
export const DEFAULT_FINAL_LINE_QUIET_MS = 2_000;
/** A line this much older than the horizon ends a backward scan (lines inside a file are nearly in order). */
export const SCAN_SLACK_MS = 15 * 60_000;
/** How far past 5 h before the earliest entry loaded the next lookback goes (a gap must exceed 5 h). */
const ANCHOR_MARGIN_MS = 60_000;
/** The thinking window's far edge moves in whole seconds (ring.ts): keep content a little older. */
const BUCKET_SLACK_MS = 2_000;
/**
 * Deepest directory level read for transcripts, `projects` being level 1. Claude Code writes to level 4
 * today (projects/<project>/<session>/subagents/<agent>.jsonl), but ccusage reads every *.jsonl under
 * projects/ at any depth, so a deeper layout must count too; the bound only stops a pathological tree.
 * The listing, the directory watcher and the doctor all stop here.
 */
export const TRANSCRIPT_DIR_DEPTH = 16;

export interface FoundFile {
  path: string;
  mtimeMs: number;
  size: number;
  ino: number;
  dev: number;
}

/**
 * Longest stretch of synchronous file work (listing, reading, counting) before the event loop gets a turn.
 * All file I/O here is synchronous, on purpose: transcripts are local files, nearly always in the page
 * cache, and going through the libuv thread pool (fs.promises) cost more than the reads themselves — a
 * 1 GB history's cold start spent ~115 ms just waiting for pool round trips. The price is that a read
 * that hangs (a dead network mount) blocks the whole process; README.md says so.
 */
const TURN_MS = 10;

function foundFile(path: string, st: Stats): FoundFile {
  return { path, mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, dev: st.dev };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing to do: the descriptor is gone either way.
  }
}

export class TranscriptReader {
  readonly ledger = new Ledger();
  readonly limits: TailLimits;
  readonly faults: Faults;
  private readonly files = new Map<string, FileState>();
  private readonly busy = new Map<string, Promise<void>>();
  private nextFileId = 1;
  private readonly log: Log;
  private readonly initialLookbackMs: number;
  private readonly retainMs: number;
  /** See ReaderOptions.finalLineQuietMs. */
  readonly finalLineQuietMs: number;
  /** Backward scans of files found after the cold start go this far back. */
  private liveHorizonMs = Number.NEGATIVE_INFINITY;
  /**
   * Responses stamped before this are read without their content summary: the thinking ratio only looks at
   * the last 5 min, and the clock never goes back past the cold start's.
   */
  private contentFromMs = Number.NEGATIVE_INFINITY;
  /** When the current stretch of synchronous work began (see TURN_MS). */
  private turnStart = 0;
  readonly stats: JsonlStats = {
    filesTracked: 0,
    bytesRead: 0,
    linesRead: 0,
    linesParsed: 0,
    usageRecords: 0,
    entriesKept: 0,
    duplicates: 0,
    replaced: 0,
    late: 0,
    skipped: {
      'invalid-utf8': 0,
      'bad-json': 0,
      'null-field': 0,
      schema: 0,
      timestamp: 0,
      'invalid-entry': 0,
      implausible: 0,
    },
    longLines: 0,
    longLinesRead: 0,
    lastLinesClosed: 0,
    truncations: 0,
    rotations: 0,
    deletions: 0,
    readErrors: 0,
    evicted: 0,
    coldHorizonMs: 0,
  };
  private readonly events: TailEvents = {
    longLine: (file, offset) => {
      this.stats.longLines++;
      this.faults.hit('transcript-line-too-long', {
        limit: sizeText(this.limits.maxParsedLineBytes),
        file: file.path,
        offset,
      });
    },
    longLineRead: (file, offset, length) => {
      this.stats.longLinesRead++;
      this.log.debug?.({ file: file.path, offset, length }, 'long transcript line read whole');
    },
    bytes: (n) => {
      this.stats.bytesRead += n;
    },
    pause: () => this.pause(),
  };

  /** A promise to await when the synchronous work of this turn has lasted TURN_MS; null otherwise. */
  private pause(): Promise<void> | null {
    if (performance.now() - this.turnStart < TURN_MS) return null;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.turnStart = performance.now();
    });
  }

  constructor(readonly opts: ReaderOptions) {
    this.limits = {
      chunkBytes: opts.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      maxParsedLineBytes: opts.maxParsedLineBytes ?? DEFAULT_MAX_PARSED_LINE_BYTES,
    };
    this.log = opts.log ?? silentLog;
    this.faults = opts.faults ?? new Faults({ log: this.log });
    this.initialLookbackMs = opts.initialLookbackMs ?? DEFAULT_INITIAL_LOOKBACK_MS;
    this.retainMs = opts.retainMs ?? DEFAULT_RETAIN_MS;
    this.finalLineQuietMs = opts.finalLineQuietMs ?? DEFAULT_FINAL_LINE_QUIET_MS;
  }

  /** The project roots watched: `<claudeDir>/projects`. */
  projectRoots(): string[] {
    return this.opts.claudeDirs.map((d) => join(d, 'projects'));
  }

  isTranscript(path: string): boolean {
    return path.endsWith('.jsonl') && this.projectRoots().some((r) => path.startsWith(r + sep));
  }

  /** Every `*.jsonl` under the project roots, with its mtime; unreadable directories are counted, not fatal. */
  async discover(): Promise<FoundFile[]> {
    const found: FoundFile[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      const p = this.pause();
      if (p) await p;
      let names: Dirent[];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          this.stats.readErrors++;
          this.faults.hit('transcript-dir-unlistable', { dir, code });
        }
        return;
      }
      for (const d of names) {
        const path = join(dir, d.name);
        if (d.isDirectory()) {
          if (depth < TRANSCRIPT_DIR_DEPTH) await walk(path, depth + 1);
          continue;
        }
        if (!d.name.endsWith('.jsonl')) continue;
        try {
          // Follows symlinks; a FIFO, socket or device named *.jsonl is counted (never opened).
          const st = statSync(path);
          if (st.isFile()) found.push(foundFile(path, st));
          else this.readError(path, { code: 'ENOTFILE', message: `${fileKind(st)}, not a regular file` });
        } catch (err) {
          this.readError(path, err);
        }
      }
    };
    for (const root of this.projectRoots()) await walk(root, 1);
    found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return found;
  }

  /**
   * Cold start as of `nowMs`: read only what the active 5 h block can need. Files older than the horizon
   * are skipped; the others are read backwards until lines are older than the horizon. The horizon starts
   * at `initialLookbackMs` and moves back until the start of the last block is certain (see `anchoring`)
   * or all history is read: to 5 h and a minute before the earliest entry loaded, which is just far enough
   * to see whether a gap of more than 5 h comes before it (doubling would also read the evening before a
   * morning session, say), or twice as far while nothing is loaded. `fullHistory` reads everything (for
   * the ccusage comparison). Returns the transcripts found.
   */
  async coldStart(nowMs: number, fullHistory = false): Promise<FoundFile[]> {
    this.contentFromMs = nowMs - THINKING_WINDOW_MS - BUCKET_SLACK_MS;
    const found = await this.discover();
    const pending = new Map<string, FoundFile>(); // not yet scanned at all
    for (const f of found) pending.set(f.path, f);
    let lookback = this.initialLookbackMs;
    for (;;) {
      const horizon = fullHistory ? Number.NEGATIVE_INFINITY : nowMs - lookback;
      for (const [path, f] of pending) {
        if (f.mtimeMs < horizon) continue;
        pending.delete(path);
        await this.exclusive(path, () => this.openAndScan(path, horizon));
      }
      for (const state of this.files.values()) {
        if (state.coldFrom > 0) await this.exclusive(state.path, () => this.scanMore(state, horizon));
      }
      const everything = pending.size === 0 && [...this.files.values()].every((s) => s.coldFrom === 0);
      const chain = this.anchoring(horizon, nowMs);
      if (everything || chain.anchored) {
        this.stats.coldHorizonMs = fullHistory ? Number.POSITIVE_INFINITY : lookback;
        this.liveHorizonMs = horizon;
        // Files skipped by mtime (most of the tree) are tailed from their end as it was at discovery. They
        // are not even opened now: where their complete lines end is looked up on their first read, from
        // the size seen here, so a line appended in between is read exactly once (see `forward`).
        for (const f of pending.values()) {
          if (this.files.has(f.path)) continue; // a watcher event got there first
          const state = newFileState(f.path, this.nextFileId++, f.dev, f.ino);
          state.offset = f.size;
          state.partialStart = f.size;
          state.deferred = true;
          this.files.set(f.path, state);
        }
        this.stats.filesTracked = this.files.size;
        return found;
      }
      lookback =
        chain.firstMs === null
          ? lookback * 2
          : Math.max(lookback * 1.25, nowMs - (chain.firstMs - BLOCK_MS - ANCHOR_MARGIN_MS));
    }
  }

  /**
   * True when every entry at or after `horizon` is loaded and the blocks from some point on cannot depend
   * on anything older: there is a gap of more than 5 h between two loaded entries (or between the horizon
   * and the first entry after it), which forces a new block whatever came before. With no entry in the
   * last 5 h no block can be active; we still read on until one response is known (last model).
   * `firstMs` is the earliest entry at or after `horizon` (null: none yet).
   */
  private anchoring(horizon: number, nowMs: number): { anchored: boolean; firstMs: number | null } {
    const entries = this.ledger.upTo(nowMs).filter((e) => e.ts >= horizon);
    const first = entries[0];
    if (first === undefined) return { anchored: false, firstMs: null };
    const last = entries[entries.length - 1] as Entry;
    if (nowMs - last.ts >= BLOCK_MS) return { anchored: true, firstMs: first.ts };
    let prev = horizon;
    for (const e of entries) {
      if (e.ts - prev > BLOCK_MS) return { anchored: true, firstMs: first.ts };
      prev = e.ts;
    }
    return { anchored: false, firstMs: first.ts };
  }

  private async openAndScan(path: string, horizon: number): Promise<void> {
    let opened: { fd: number; st: Stats };
    try {
      opened = openRegular(path);
    } catch (err) {
      // Gone between the listing and the open: nothing to read, not an error.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.readError(path, err);
      return;
    }
    const { fd, st } = opened;
    try {
      const state = newFileState(path, this.nextFileId++, st.dev, st.ino);
      await this.startTailAtLinesEnd(fd, state, st.size);
      this.files.set(path, state);
      this.stats.filesTracked = this.files.size;
      takeFingerprint(fd, state);
      await scanBackward(fd, state, horizon - SCAN_SLACK_MS, this.limits, this.sink, this.events);
      // A last line without a newline: held like any partial line, and counted now if it is complete
      // and its file quiet (at once in a one-shot command). Before any further pass of the cold start,
      // which may need its timestamp to see that a gap is bridged.
      if (st.size > state.offset) await this.readToEnd(fd, state);
    } catch (err) {
      this.readError(path, err);
    } finally {
      closeQuietly(fd);
    }
  }

  private async scanMore(state: FileState, horizon: number): Promise<void> {
    let fd: number;
    try {
      fd = openRegular(state.path).fd;
    } catch (err) {
      this.readError(state.path, err);
      state.coldFrom = 0; // cannot go further back; do not retry forever
      return;
    }
    try {
      await scanBackward(fd, state, horizon - SCAN_SLACK_MS, this.limits, this.sink, this.events);
    } catch (err) {
      this.readError(state.path, err);
      state.coldFrom = 0;
    } finally {
      closeQuietly(fd);
    }
  }

  /**
   * Reads what was appended to `path` since last time. A file seen for the first time is scanned back to
   * the live horizon; a truncated or replaced file (size below the offset, other inode) starts over the
   * same way — the ledger's dedupe keeps already counted responses from counting twice.
   */
  async poll(path: string): Promise<boolean> {
    return this.exclusive(path, async () => {
      const state = this.files.get(path);
      if (!state) {
        await this.openAndScan(path, this.liveHorizonMs);
        const fresh = this.files.get(path);
        if (fresh) await this.forward(fresh);
        return true;
      }
      return this.forward(state);
    });
  }

  private async forward(state: FileState): Promise<boolean> {
    let opened: { fd: number; st: Stats };
    try {
      opened = openRegular(state.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') this.forget(state.path);
      else this.readError(state.path, err);
      return true;
    }
    const { fd, st } = opened;
    try {
      const replaced = st.ino !== state.ino || st.dev !== state.dev;
      if (replaced || st.size < state.offset || !fingerprintHolds(fd, state)) {
        if (replaced) this.stats.rotations++;
        else this.stats.truncations++;
        this.log.info(
          { file: state.path },
          replaced ? 'transcript replaced, reading it again' : 'transcript truncated, reading it again',
        );
        const fresh = newFileState(state.path, state.fileId, st.dev, st.ino);
        await this.startTailAtLinesEnd(fd, fresh, st.size);
        this.files.set(state.path, fresh);
        // Same fileId: what this file already counted is recognised when read again (see beginReread),
        // until its last line is settled too (below): it may be one counted before without a newline.
        this.ledger.beginReread(state.fileId);
        fresh.rereading = true;
        await scanBackward(
          fd,
          fresh,
          this.liveHorizonMs - SCAN_SLACK_MS,
          this.limits,
          this.sink,
          this.events,
        );
        state = fresh;
      } else if (state.deferred) {
        // First read of a file the cold start skipped: its tail starts after the last complete line
        // within the size seen at discovery (same inode, not shorter), exactly where an eager look-up
        // would have put it then; whatever was appended since lies beyond and is read below.
        await this.startTailAtLinesEnd(fd, state, state.offset);
        state.deferred = false;
      }
      return await this.readToEnd(fd, state);
    } catch (err) {
      this.readError(state.path, err);
      return true;
    } finally {
      if (state.rereading && !holdsLine(state)) {
        state.rereading = false;
        this.ledger.endReread(state.fileId);
      }
      closeQuietly(fd);
    }
  }

  /**
   * Reads forward to the end of the file (or one poll's worth), then counts a held last line (no newline)
   * that is complete once the file has been quiet for finalLineQuietMs: its mtime says how long. Returns
   * true when at the end.
   */
  private async readToEnd(fd: number, state: FileState): Promise<boolean> {
    const atEnd = await readForward(fd, state, this.limits, this.sink, this.events);
    if (atEnd && holdsLine(state) && !state.heldTorn) {
      const st = fstatSync(fd);
      const quiet = this.finalLineQuietMs <= 0 || Date.now() - st.mtimeMs >= this.finalLineQuietMs;
      if (st.size === state.offset && quiet) {
        if (closeHeldLine(fd, state, this.limits, this.sink, this.events, isCompleteLine))
          this.stats.lastLinesClosed++;
      }
    }
    takeFingerprint(fd, state);
    return atEnd;
  }

  /**
   * Transcripts whose last line has no newline yet and may still count: JsonlSource polls each again once
   * finalLineQuietMs has passed (a torn one is not listed again until its file grows).
   */
  heldLines(): string[] {
    const out: string[] = [];
    for (const s of this.files.values()) if (holdsLine(s) && !s.heldTorn && !s.deferred) out.push(s.path);
    return out;
  }

  /** True when `path` is among `heldLines()`. */
  holdsLastLine(path: string): boolean {
    const s = this.files.get(path);
    return s !== undefined && holdsLine(s) && !s.heldTorn && !s.deferred;
  }

  /**
   * Points the forward tail (and the backward scan's start) just after the last complete line within the
   * first `size` bytes: a partial last line waits for its newline.
   */
  private async startTailAtLinesEnd(fd: number, state: FileState, size: number): Promise<void> {
    const end = await completeLinesEnd(fd, size, this.limits.chunkBytes, this.events.pause);
    state.offset = end;
    state.partialStart = end;
    state.coldFrom = end;
  }

  /** A deleted transcript: stop tailing it. What it already contributed stays counted (it was real usage). */
  forget(path: string): void {
    const state = this.files.get(path);
    if (state?.rereading) this.ledger.endReread(state.fileId);
    if (this.files.delete(path)) {
      this.stats.deletions++;
      this.stats.filesTracked = this.files.size;
      this.log.info({ file: path }, 'transcript deleted');
    }
  }

  /** One transcript as `discover` reports it, or null when it is gone or not a regular file. */
  statTranscript(path: string): FoundFile | null {
    try {
      const st = statSync(path);
      return st.isFile() ? foundFile(path, st) : null;
    } catch {
      return null; // the read that follows reports anything but ENOENT
    }
  }

  /** Cheap check for the periodic rescan: is there anything to read (or a new/replaced/shrunk file)? */
  needsPoll(f: FoundFile): boolean {
    const state = this.files.get(f.path);
    return !state || state.ino !== f.ino || state.dev !== f.dev || f.size !== state.offset;
  }

  tracked(): string[] {
    return [...this.files.keys()];
  }

  private readError(path: string, err: unknown): void {
    this.stats.readErrors++;
    const e = err as NodeJS.ErrnoException;
    this.faults.hit('transcript-unreadable', { file: path, code: e.code, error: String(e.message ?? e) });
  }

  private readonly sink = (line: Buffer, offset: number, file: FileState): number | null => {
    this.stats.linesRead++;
    const parsed = parseUsageLine(line, this.contentFromMs);
    if (!parsed.ok) {
      if (parsed.reason !== 'no-usage') {
        this.stats.linesParsed++;
        this.stats.skipped[parsed.reason]++;
        if (parsed.reason === 'implausible')
          this.faults.hit('implausible-transcript-tokens', { file: file.path, offset });
      }
      return null;
    }
    this.stats.linesParsed++;
    let oldest: number | null = null;
    for (const rec of parsed.records) {
      this.stats.usageRecords++;
      const outcome: AddOutcome = this.ledger.add(rec, file.fileId, offset);
      if (outcome === 'duplicate') this.stats.duplicates++;
      else if (outcome === 'replaced') this.stats.replaced++;
      else if (outcome === 'late') {
        this.stats.late++;
        this.faults.hit('transcript-late', { file: file.path, offset });
      }
      if (oldest === null || rec.ts < oldest) oldest = rec.ts;
    }
    this.stats.entriesKept = this.ledger.size;
    return oldest;
  };

  /** Serialises work per file: a watcher event never reads a file while another read of it runs. */
  private exclusive<T>(path: string, job: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(path) ?? Promise.resolve();
    const run = prev.then(job, job);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.busy.set(path, settled);
    void settled.then(() => {
      if (this.busy.get(path) === settled) this.busy.delete(path);
    });
    return run;
  }

  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.all([...this.busy.values()]);
  }

  evict(nowMs: number): void {
    const n = this.ledger.evict(nowMs, this.retainMs);
    this.stats.evicted += n;
    this.stats.entriesKept = this.ledger.size;
  }

  snapshot(nowMs: number): SourceSnapshot {
    const blocks = this.ledger.blocks(nowMs);
    const active = activeBlock(blocks, nowMs);
    const w = this.ledger.windowNumbers(nowMs);
    return {
      rate1m: w.rate1m,
      window5hTokens: active ? active.total : 0,
      window5hResetInS: active ? Math.max(0, Math.ceil((active.endMs - nowMs) / 1000)) : null,
      thinkingRatio: w.thinkingRatio,
      cacheHitRate: w.cacheHitRate,
      lastModel: w.lastModel,
      lastResponseAtMs: w.lastResponseAtMs,
    };
  }

  blocks(nowMs: number): Block[] {
    return this.ledger.blocks(nowMs);
  }
}

/** `64 MB` for whole megabytes, else bytes (small limits in tests). */
function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}
