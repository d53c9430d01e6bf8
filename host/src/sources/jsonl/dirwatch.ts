// Watches the transcript trees (<claudeDir>/projects/**) with one fs.watch per DIRECTORY (inotify on
// Linux), not one per file: a directory watch reports every create, write, rename and delete of the names
// in it, so 225 watches cover a tree of 831 transcripts, and nothing is stat'ed or walked after the start.
// Unlike chokidar 4 it neither throttles nor drops events, so no trailing re-read is needed.
// Directories created later are watched as their 'rename' event arrives (and listed right after, so files
// written before the watch existed are not missed). A directory that cannot be watched (ENOSPC: the
// inotify watch limit; EMFILE; EACCES) is logged once and left to the source's periodic rescan, which also
// calls reconcile() to retry it and to pick up roots that did not exist yet.

import { type FSWatcher, watch as fsWatch, lstatSync, readdirSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import type { Log } from '../../log.js';

export type WatchListener = (event: string, name: string | Buffer | null) => void;
/** fs.watch's shape, injectable so tests can make watching fail (ENOSPC) without touching the machine. */
export type WatchFn = (dir: string, opts: { persistent: boolean }, listener: WatchListener) => FSWatcher;

export interface DirWatcherOptions {
  /** Tree roots (`<claudeDir>/projects`); missing ones are retried by reconcile(). */
  roots: string[];
  /** Deepest directory level watched, a root being level 1 (projects/<project>/<session>/subagents = 4). */
  maxDepth: number;
  /** A `*.jsonl` name was created, written, renamed or deleted in a watched directory (or found in a new one). */
  onFile: (path: string) => void;
  /** A watched directory disappeared, with everything under it. */
  onDirGone: (dir: string) => void;
  /**
   * warn: a directory could not be watched (given once until all are watched again); info: every
   * directory is watched again after a failure.
   */
  log: Pick<Log, 'warn' | 'info'>;
  watchFn?: WatchFn;
}

interface Entry {
  depth: number;
  /** null: the directory is known and listed, but watching it failed (the rescan covers it). */
  watcher: FSWatcher | null;
}

const defaultWatch: WatchFn = (dir, opts, listener) => fsWatch(dir, opts, listener);

function isDir(path: string): boolean {
  // lstat: a symlinked directory is not descended into, as TranscriptReader.discover does not either.
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

export class DirWatcher {
  private readonly dirs = new Map<string, Entry>();
  private readonly watchFn: WatchFn;
  private closed = false;
  /** Whether the "cannot watch" warning was given since the watcher was last whole. */
  private warned = false;

  constructor(private readonly opts: DirWatcherOptions) {
    this.watchFn = opts.watchFn ?? defaultWatch;
  }

  /** Watches every existing root and the directories under it. Synchronous: a few ms for 225 directories. */
  start(): void {
    for (const root of this.opts.roots) this.attach(root, 1, false);
  }

  /** Directories watched (failed ones not counted). */
  get watched(): number {
    let n = 0;
    for (const e of this.dirs.values()) if (e.watcher) n++;
    return n;
  }

  /** True when some known directory could not be watched. */
  get degraded(): boolean {
    for (const e of this.dirs.values()) if (!e.watcher) return true;
    return false;
  }

  /** Every root exists and is watched, and so is every directory under it: no change can go unreported. */
  get complete(): boolean {
    return this.opts.roots.every((r) => this.dirs.has(r)) && !this.degraded;
  }

  /**
   * Called by the periodic rescan: watches roots that appeared since, and retries (and lists again) the
   * directories whose watch failed. Costs nothing while every directory is watched. Announces nothing:
   * the rescan that calls it finds the files.
   */
  reconcile(): void {
    if (this.closed) return;
    for (const root of this.opts.roots) if (!this.dirs.has(root)) this.attach(root, 1, false);
    const failed = [...this.dirs].filter(([, e]) => !e.watcher);
    for (const [dir, e] of failed) this.relist(dir, e, false);
    if (this.warned && !this.degraded) {
      this.warned = false;
      this.opts.log.info({ dirs: this.watched }, 'watching every transcript directory again');
    }
  }

  close(): void {
    this.closed = true;
    for (const e of this.dirs.values()) e.watcher?.close();
    this.dirs.clear();
  }

  private attach(dir: string, depth: number, announce: boolean): void {
    if (this.closed || this.dirs.has(dir)) return;
    let watcher: FSWatcher | null = null;
    try {
      watcher = this.watchFn(dir, { persistent: false }, (event, name) => this.onEvent(dir, event, name));
      watcher.on('error', (err) => this.onWatcherError(dir, err));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // gone already, or a root that does not exist yet
      this.failed(dir, err);
    }
    this.dirs.set(dir, { depth, watcher });
    // Listed only now that the watch is in place, so a file created in between is not missed.
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') this.detach(dir);
      // Anything else (EACCES) is counted and logged by the rescan's own listing.
      return;
    }
    for (const d of entries) {
      const p = join(dir, d.name);
      if (d.isDirectory()) {
        if (depth < this.opts.maxDepth) this.attach(p, depth + 1, announce);
      } else if (announce && d.name.endsWith('.jsonl')) this.opts.onFile(p);
    }
  }

  /** Watches and lists `dir` afresh (its watch failed, or an event did not name what changed). */
  private relist(dir: string, entry: Entry, announce: boolean): void {
    this.dirs.delete(dir);
    entry.watcher?.close();
    this.attach(dir, entry.depth, announce);
    if (!this.dirs.has(dir)) this.detach(dir); // gone meanwhile: drop what was under it
  }

  private onEvent(dir: string, event: string, rawName: string | Buffer | null): void {
    if (this.closed) return;
    const entry = this.dirs.get(dir);
    if (!entry) return; // detached meanwhile
    if (rawName === null) {
      // The platform did not say which name changed: list the directory again.
      this.relist(dir, entry, true);
      return;
    }
    const name = typeof rawName === 'string' ? rawName : rawName.toString('utf8');
    const path = join(dir, name);
    if (event === 'rename') {
      // A name appeared or disappeared: maybe a directory. Linux also reports the watched directory's own
      // deletion or move as a 'rename' of its own base name.
      const known = this.dirs.has(path);
      const nowDir = isDir(path);
      if (known && !nowDir) this.detach(path);
      else if (!known && nowDir && entry.depth < this.opts.maxDepth) this.attach(path, entry.depth + 1, true);
      if (name === basename(dir) && !isDir(dir)) {
        this.detach(dir);
        return;
      }
      if (nowDir) return;
    }
    if (name.endsWith('.jsonl') && !this.dirs.has(path)) this.opts.onFile(path);
  }

  private onWatcherError(dir: string, err: unknown): void {
    const entry = this.dirs.get(dir);
    if (!entry) return;
    entry.watcher?.close();
    entry.watcher = null;
    if (!isDir(dir)) this.detach(dir);
    else this.failed(dir, err);
  }

  /** `dir` is gone: forgets it and every directory under it, closing their watchers, and says so. */
  private detach(dir: string): void {
    const prefix = dir + sep;
    let any = false;
    for (const [d, e] of this.dirs) {
      if (d !== dir && !d.startsWith(prefix)) continue;
      e.watcher?.close();
      this.dirs.delete(d);
      any = true;
    }
    if (any) this.opts.onDirGone(dir);
  }

  private failed(dir: string, err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOSPC'
        ? 'the inotify watch limit is reached: raise fs.inotify.max_user_watches (sysctl)'
        : code === 'EMFILE'
          ? 'too many open files: raise the open-file limit (ulimit -n)'
          : 'see the error';
    this.opts.log.warn(
      { dir, code, error: String((err as Error).message ?? err), hint },
      'cannot watch a transcript directory; changes there are found by the periodic rescan only',
    );
  }
}
