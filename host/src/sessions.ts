// Live Claude Code sessions from the runtime manifests <claudeDir>/sessions/<pid>.json that Claude Code
// writes at start and removes on a clean exit. A crash leaves the file behind and PIDs get reused, so a
// manifest is live only if its PID is alive AND, where the manifest records the process start time
// (`procStart`), that matches the running process. What Claude Code writes (seen in the wild):
//   Linux 2.1.x: "procStart":"50424"  = field 22 of /proc/<pid>/stat (clock ticks since boot), verbatim;
//                "pidDomain":"linux::pid:[4026531836]" = the PID namespace the pid belongs to.
//   macOS:       "procStart":"Thu Jul  9 04:18:26 2026" = `ps -o lstart` (local time, 1 s resolution).
//   Older:       no procStart at all ({sessionId, pid, cwd, startedAt}).
// Without a checkable procStart (absent, or in a format not recognised) the process itself is asked: on
// Linux /proc/<pid>/cmdline must name Claude Code and the process must not be younger than the session's
// startedAt; elsewhere `ps` answers the same two questions. Only when neither can be read does the PID
// decide alone.
// Manifests are files anyone can write: they are opened the one safe way (user-files.ts), and a scan reads
// a bounded number of them, bytes and milliseconds, live and newest first (see scanOnce).
// A live session's model is its transcript's: the JSONL source reads it (sources/jsonl/session-models.ts).

import { execFileSync } from 'node:child_process';
import { type FSWatcher, opendirSync, readFileSync, readlinkSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { Faults } from './faults.js';
import { parseJsonObject } from './json.js';
import type { Log } from './log.js';
import { SessionModels } from './sources/jsonl/session-models.js';
import { readRegularFile } from './user-files.js';

export type ManifestState = 'live' | 'stale' | 'invalid';

export interface Manifest {
  sessionId: string;
  pid: number;
  cwd: string | null;
  kind: string | null;
  version: string | null;
  startedAt: number | null;
  procStart: string | null;
  pidDomain: string | null;
  status: string | null;
}

export interface SessionInfo {
  /** Never leaves the daemon: no route serialises it. */
  manifest: Manifest;
  claudeDir: string;
  state: ManifestState;
  /** Why a manifest is stale (dead pid, pid reused, other namespace). */
  reason: string | null;
  model: string;
}

export interface SessionCounts {
  active: number;
  working: number;
  newestWorkingStartMs: number | null;
  stale: number;
  invalid: number;
  /** Sessions first seen live by this daemon, cumulative. */
  started: number;
  byModel: Map<string, number>;
  /** Whether any claude dir has a sessions/ directory (Claude Code versions without manifests have none). */
  manifestsAvailable: boolean;
  /** Manifests the last scan left unread (its budget ran out): the oldest, dead ones first. */
  skipped: number;
}

/** A manifest is a few hundred bytes; a bigger file is not one (counted unreadable). */
export const MAX_MANIFEST_BYTES = 64 * 1024;
/** Names listed per sessions dir and scan; the rest of a bigger directory is not seen (counted skipped). */
export const MAX_MANIFEST_NAMES = 10_000;
/** Manifests read and checked per scan (all claude dirs): live (by the PID in the name) and newest first. */
export const MAX_MANIFESTS = 2000;
/** Bytes of manifests read per scan. */
export const MAX_MANIFEST_SCAN_BYTES = 4 * 1024 * 1024;
/** Milliseconds of reading and checking per scan (the event loop gets a turn every 10 ms of it). */
export const MAX_MANIFEST_SCAN_MS = 250;
/** Longest stretch of synchronous scan work before the event loop gets a turn. */
const TURN_MS = 10;
/**
 * A parsed manifest is reused while its size, mtime and inode hold, but only once its mtime is this far in
 * the past: a rewrite within the file system's timestamp granularity (coarse kernel clock, 2 s on FAT)
 * could keep all three, as git's "racily clean" entries can.
 */
const RACY_MS = 3000;

interface CachedManifest {
  size: number;
  mtimeMs: number;
  ino: number;
  manifest: Manifest;
}

/** Parses a manifest; null when it is not one (garbage, wrong types). */
export function parseManifest(text: string): Manifest | null {
  const o = parseJsonObject(text);
  if (!o) return null;
  const pid = o.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid > 4_194_304) return null;
  const str = (v: unknown, max = 4096): string | null =>
    typeof v === 'string' && v.length <= max ? v : null;
  const sessionId = str(o.sessionId, 256) ?? '';
  const startedAt = typeof o.startedAt === 'number' && Number.isFinite(o.startedAt) ? o.startedAt : null;
  let procStart: string | null = null;
  if (typeof o.procStart === 'string') procStart = o.procStart.slice(0, 64);
  else if (typeof o.procStart === 'number' && Number.isFinite(o.procStart)) procStart = String(o.procStart);
  return {
    sessionId,
    pid,
    cwd: str(o.cwd),
    kind: str(o.kind, 64),
    version: str(o.version, 64),
    startedAt,
    procStart,
    pidDomain: str(o.pidDomain, 128),
    status: str(o.status, 64),
  };
}

/** process.kill(pid, 0): ESRCH = gone; EPERM = exists but belongs to someone else (alive). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 (starttime, clock ticks since boot) of a /proc/<pid>/stat line; the comm may hold ") ". */
export function statStartTicks(statLine: string): string | null {
  const close = statLine.lastIndexOf(')');
  if (close < 0) return null;
  // After "pid (comm)" come fields 3..; starttime is field 22, i.e. index 19 of the rest.
  const fields = statLine
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const v = fields[19];
  return v !== undefined && /^\d+$/.test(v) ? v : null;
}

/** Host facts the liveness check depends on; injectable so tests can fake /proc. */
export interface ProcHost {
  alive(pid: number): boolean;
  /** Raw field 22 of /proc/<pid>/stat, or null when unavailable (not Linux, gone, unreadable). */
  startTicks(pid: number): string | null;
  /** Process start as epoch ms (for ctime-style procStart), or null. */
  startMs(pid: number): number | null;
  /** This host's PID namespace as Claude Code names it ("linux::pid:[N]"), or null when unknown. */
  pidDomain(): string | null;
  /** The process's command line (argv, or the whole `ps` args line as one item), or null when unknown. */
  commandLine?(pid: number): string[] | null;
}

/**
 * Whether a command line is Claude Code's: the native `claude` binary, `node …/bin/claude`, or node running
 * `@anthropic-ai/claude-code` (its process title is `claude`). Only the program and its first argument are
 * looked at, so a shell whose arguments mention claude does not pass.
 */
export function looksLikeClaudeCode(argv: readonly string[]): boolean {
  const words = argv.length === 1 ? (argv[0] ?? '').trim().split(/\s+/) : argv;
  return words.slice(0, 2).some((w) => /claude/i.test(w));
}

export function linuxProcHost(procRoot = '/proc'): ProcHost {
  let bootMs: number | null | undefined;
  let domain: string | null | undefined;
  // USER_HZ is 100 on every mainstream Linux ABI; only the ctime comparison (1 s slack) depends on it.
  const ticksPerSecond = 100;
  const readStat = (pid: number): string | null => {
    try {
      return statStartTicks(readFileSync(join(procRoot, String(pid), 'stat'), 'utf8'));
    } catch {
      return null;
    }
  };
  return {
    alive: pidAlive,
    startTicks: readStat,
    startMs(pid) {
      const ticks = readStat(pid);
      if (ticks === null) return null;
      if (bootMs === undefined) {
        try {
          const m = /^btime\s+(\d+)$/m.exec(readFileSync(join(procRoot, 'stat'), 'utf8'));
          bootMs = m?.[1] ? Number(m[1]) * 1000 : null;
        } catch {
          bootMs = null;
        }
      }
      return bootMs === null ? null : bootMs + (Number(ticks) / ticksPerSecond) * 1000;
    },
    pidDomain() {
      if (domain === undefined) {
        try {
          domain = `linux::${readlinkSync(join(procRoot, 'self', 'ns', 'pid'))}`;
        } catch {
          domain = null;
        }
      }
      return domain;
    },
    commandLine(pid) {
      try {
        // /proc files are the kernel's, not user files: a plain read cannot block.
        const raw = readFileSync(join(procRoot, String(pid), 'cmdline'), 'utf8');
        const argv = raw.split('\0');
        if (argv[argv.length - 1] === '') argv.pop();
        // Empty for kernel threads and zombies: nothing to go by.
        return argv.length > 0 ? argv : null;
      } catch {
        return null;
      }
    },
  };
}

/**
 * Where there is no /proc (macOS, the BSDs): the start time from `ps -o lstart=`, the very format Claude
 * Code writes there. One short `ps` per live manifest per rescan; a handful of sessions make that cheap.
 */
export function psProcHost(): ProcHost {
  return {
    alive: pidAlive,
    startTicks: () => null,
    startMs(pid) {
      const out = psColumn(pid, 'lstart');
      const ms = out === null ? Number.NaN : Date.parse(out.replace(/\s+/g, ' '));
      return Number.isFinite(ms) ? ms : null;
    },
    pidDomain: () => null,
    commandLine(pid) {
      const out = psColumn(pid, 'args');
      return out ? [out] : null;
    },
  };
}

/** One column of `ps -o <column>= -p <pid>`, trimmed; null when ps fails (no such process, no ps). */
function psColumn(pid: number, column: 'lstart' | 'args'): string | null {
  try {
    return execFileSync('ps', ['-o', `${column}=`, '-p', String(pid)], {
      encoding: 'utf8',
      timeout: 1000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export function defaultProcHost(): ProcHost {
  return process.platform === 'linux' ? linuxProcHost() : psProcHost();
}

/** Start times from /proc (10 ms ticks, 1 s boot time) or `ps -o lstart` (1 s) are compared with this slack. */
const START_SLACK_MS = 2000;

/** Decides whether a manifest names a running process. */
export function checkLiveness(m: Manifest, host: ProcHost): { live: boolean; reason: string | null } {
  // A pid from another PID namespace (a container) says nothing about our process table.
  const ours = host.pidDomain();
  if (m.pidDomain && ours && m.pidDomain.startsWith('linux::') && m.pidDomain !== ours)
    return { live: false, reason: 'other-pid-namespace' };
  if (!host.alive(m.pid)) return { live: false, reason: 'pid-dead' };
  const ps = m.procStart?.trim();
  if (ps && /^\d+$/.test(ps)) {
    const ticks = host.startTicks(m.pid);
    if (ticks !== null)
      return ticks === ps ? { live: true, reason: null } : { live: false, reason: 'pid-reused' };
  } else if (ps) {
    const whenMs = Date.parse(ps.replace(/\s+/g, ' '));
    const actual = Number.isFinite(whenMs) ? host.startMs(m.pid) : null;
    // lstart has 1 s resolution and boot-time arithmetic rounds.
    if (actual !== null)
      return Math.abs(actual - whenMs) <= START_SLACK_MS
        ? { live: true, reason: null }
        : { live: false, reason: 'pid-reused' };
  }
  return checkIdentity(m, host);
}

/**
 * No procStart to compare (absent, unrecognised, or not checkable here): is the live PID Claude Code at all?
 * A process younger than the session cannot be its process (the PID was reused); a process whose command
 * line is not Claude Code's (pid 1, a shell) is not a session. Unknowable on this host: the PID decides.
 */
function checkIdentity(m: Manifest, host: ProcHost): { live: boolean; reason: string | null } {
  if (m.startedAt !== null) {
    const startedMs = host.startMs(m.pid);
    if (startedMs !== null && startedMs > m.startedAt + START_SLACK_MS)
      return { live: false, reason: 'pid-reused' };
  }
  const argv = host.commandLine?.(m.pid) ?? null;
  if (argv !== null && !looksLikeClaudeCode(argv)) return { live: false, reason: 'not-claude-code' };
  return { live: true, reason: null };
}

export interface SessionTrackerOptions {
  claudeDirs: string[];
  host?: ProcHost;
  /** Periodic rescan: PIDs die without touching the manifest. */
  rescanMs?: number;
  watch?: boolean;
  log?: Pick<Log, 'warn'>;
  /**
   * A fixed clock (`--now`): manifests only say what runs NOW, so sessions started after this instant are
   * left out. One that ended since cannot be known; what remains is exact for the sessions still running.
   */
  asOfMs?: number | null;
  /** Where unreadable files, unlistable dirs and skipped manifests are counted (one of its own by default). */
  faults?: Faults;
  /** Scan budgets (tests make them small). */
  budget?: Partial<ScanBudget>;
}

export interface ScanBudget {
  names: number;
  manifests: number;
  bytes: number;
  ms: number;
}

const DEFAULT_BUDGET: ScanBudget = {
  names: MAX_MANIFEST_NAMES,
  manifests: MAX_MANIFESTS,
  bytes: MAX_MANIFEST_SCAN_BYTES,
  ms: MAX_MANIFEST_SCAN_MS,
};

/** A manifest file found by the listing, before it is read. */
interface Candidate {
  claudeDir: string;
  file: string;
  /** The PID in the name (<pid>.json) is alive: read before any other. */
  aliveByName: boolean;
  mtimeMs: number;
}

/** Watches <claudeDir>/sessions of every dir and keeps the counts current. */
export class SessionTracker {
  private readonly dirs: string[];
  private readonly host: ProcHost;
  private readonly rescanMs: number;
  private readonly useWatch: boolean;
  private readonly log: SessionTrackerOptions['log'];
  private readonly asOfMs: number | null;
  readonly faults: Faults;
  private readonly budget: ScanBudget;
  private sessions: SessionInfo[] = [];
  private invalid = 0;
  private skipped = 0;
  private readonly seen = new Set<string>();
  private lastGoodManifests = new Map<string, Manifest>();
  private manifestCache = new Map<string, CachedManifest>();
  private sessionsDirFound = false;
  private startedTotal = 0;
  /** Each live session's model, from its transcript (the JSONL source reads transcripts). */
  private readonly models: SessionModels;
  private readonly listeners = new Set<() => void>();
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private rescanQueued = false;
  private lastKey = '';
  private stopped = false;

  constructor(opts: SessionTrackerOptions) {
    this.dirs = [...opts.claudeDirs];
    this.host = opts.host ?? defaultProcHost();
    this.rescanMs = opts.rescanMs ?? 5000;
    this.useWatch = opts.watch ?? true;
    this.log = opts.log;
    this.asOfMs = opts.asOfMs ?? null;
    this.faults = opts.faults ?? new Faults({ log: opts.log ?? null });
    this.budget = { ...DEFAULT_BUDGET, ...opts.budget };
    this.models = new SessionModels(this.faults);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.rescan();
    if (this.useWatch) this.watchDirs();
    this.timer = setInterval(() => {
      if (this.useWatch && this.watchers.length < this.dirs.length) this.watchDirs();
      void this.rescan();
    }, this.rescanMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = null;
    this.debounce = null;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.scanning;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): readonly SessionInfo[] {
    return this.sessions;
  }

  counts(): SessionCounts {
    let active = 0;
    let working = 0;
    let stale = 0;
    let newest: number | null = null;
    const byModel = new Map<string, number>();
    for (const s of this.sessions) {
      if (this.asOfMs !== null && (s.manifest.startedAt ?? Number.NEGATIVE_INFINITY) > this.asOfMs) continue;
      if (s.state === 'stale') stale++;
      if (s.state !== 'live') continue;
      active++;
      const model = s.model || 'unknown';
      byModel.set(model, (byModel.get(model) ?? 0) + 1);
      // Newer manifests say "idle" while waiting for the user: that is not a stall.
      if (s.manifest.status === 'idle') continue;
      working++;
      const st = s.manifest.startedAt;
      if (st !== null && (newest === null || st > newest)) newest = st;
    }
    return {
      active,
      working,
      newestWorkingStartMs: newest,
      stale,
      invalid: this.invalid,
      started: this.startedTotal,
      byModel,
      manifestsAvailable: this.sessionsDirFound,
      skipped: this.skipped,
    };
  }

  /** Rescans now (single-flight: a request during a scan queues exactly one more). */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanQueued = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.rescanQueued = false;
          await this.scanOnce();
        } while (this.rescanQueued && !this.stopped);
      } finally {
        this.scanning = null;
      }
    })();
    return this.scanning;
  }

  private watchDirs(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    for (const dir of this.dirs) {
      try {
        const w = watch(join(dir, 'sessions'), { persistent: false }, () => this.schedule());
        w.on('error', () => {
          // The dir vanished; the periodic rescan re-creates the watcher when it is back.
          w.close();
          this.watchers = this.watchers.filter((x) => x !== w);
        });
        this.watchers.push(w);
      } catch {
        // No sessions dir yet: the periodic rescan notices when it appears.
      }
    }
  }

  private schedule(): void {
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.rescan();
    }, 100);
    this.debounce.unref();
  }

  /**
   * Lists every sessions dir (at most budget.names names each), stats the manifests, and reads them in
   * order: those whose name's PID is alive first, then newest by mtime. Reading stops when the count, bytes
   * or time budget is spent; what is left unread (old, dead manifests first) is counted as skipped and
   * reported, never silently dropped, and never ahead of a live or newer one.
   */
  private async scanOnce(): Promise<void> {
    const found: SessionInfo[] = [];
    const seenProcesses = new Set<string>();
    const goodNow = new Map<string, Manifest>();
    const cacheNow = new Map<string, CachedManifest>();
    let invalid = 0;
    let skipped = 0;
    let dirFound = false;
    let turn = performance.now();
    const pause = async () => {
      if (performance.now() - turn < TURN_MS) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      turn = performance.now();
    };

    const candidates: Candidate[] = [];
    for (const claudeDir of this.dirs) {
      const dir = join(claudeDir, 'sessions');
      const listed = this.listManifests(dir);
      if (listed === null) continue;
      dirFound = true;
      skipped += listed.more;
      for (const name of listed.names) {
        await pause();
        const file = join(dir, name);
        // lstat-free: a symlinked manifest is followed by the safe open later; here only its mtime matters.
        const st = statSync(file, { throwIfNoEntry: false });
        if (!st) continue;
        candidates.push({ claudeDir, file, aliveByName: this.aliveByName(name), mtimeMs: st.mtimeMs });
      }
    }
    candidates.sort((a, b) =>
      a.aliveByName !== b.aliveByName ? (a.aliveByName ? -1 : 1) : b.mtimeMs - a.mtimeMs,
    );

    // Work time only: the turns given to the event loop (pause) do not count against the budget.
    let workMs = 0;
    let workFrom: number | null = null;
    let bytes = 0;
    let considered = 0;
    for (const c of candidates) {
      if (workFrom !== null) workMs += performance.now() - workFrom;
      // Manifests whose name's PID is alive are always read (they are few: the process table bounds
      // them); the budgets bound the rest, which come newest first.
      if (
        !c.aliveByName &&
        (considered >= this.budget.manifests || bytes >= this.budget.bytes || workMs >= this.budget.ms)
      ) {
        skipped += candidates.length - considered;
        break;
      }
      considered++;
      await pause();
      workFrom = performance.now();
      const read = this.readManifest(c.file, cacheNow);
      bytes += read.bytes;
      let manifest = read.manifest;
      if (!manifest) {
        // A manifest being rewritten can be read torn: one that parsed before keeps its last good
        // content (its liveness is still checked), so a live session does not blink out.
        const previous = this.lastGoodManifests.get(c.file);
        if (!previous) {
          invalid++;
          continue;
        }
        manifest = previous;
      }
      goodNow.set(c.file, manifest);
      // The same sessions dir reached through two claude dirs (a symlink) must not count twice.
      const processKey = `${manifest.pid}\0${manifest.procStart ?? ''}\0${manifest.sessionId}`;
      if (seenProcesses.has(processKey)) continue;
      seenProcesses.add(processKey);
      const { live, reason } = checkLiveness(manifest, this.host);
      found.push({ manifest, claudeDir: c.claudeDir, state: live ? 'live' : 'stale', reason, model: '' });
    }
    if (skipped > 0)
      this.faults.hit('manifests-skipped', {
        skipped,
        budget: `${this.budget.manifests} manifests, ${this.budget.bytes} bytes, ${this.budget.ms} ms per scan; ${this.budget.names} names per dir`,
      });
    this.lastGoodManifests = goodNow;
    this.manifestCache = cacheNow; // only what this scan saw: bounded by the budget
    this.sessionsDirFound = dirFound;
    this.skipped = skipped;
    for (const s of found)
      if (s.state === 'live')
        s.model = this.models.modelOf(s.claudeDir, s.manifest.sessionId, s.manifest.cwd);

    const liveKeys = new Set<string>();
    for (const s of found) {
      if (s.state !== 'live') continue;
      const key = `${s.manifest.pid}\0${s.manifest.procStart ?? ''}\0${s.manifest.sessionId}`;
      liveKeys.add(key);
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.startedTotal++;
      }
    }
    // Forget sessions that ended so the set stays bounded; a session is never live again once gone.
    for (const key of this.seen) if (!liveKeys.has(key)) this.seen.delete(key);

    this.sessions = found;
    this.invalid = invalid;
    const c = this.counts();
    const key = JSON.stringify([
      c.manifestsAvailable,
      c.active,
      c.working,
      c.newestWorkingStartMs,
      c.stale,
      c.invalid,
      [...c.byModel],
    ]);
    if (key !== this.lastKey) {
      this.lastKey = key;
      for (const l of this.listeners) {
        try {
          l();
        } catch (err) {
          this.log?.warn({ err }, 'session listener failed');
        }
      }
    }
  }

  /** Claude Code names a manifest <pid>.json: whether that PID is alive (cheap: no read, no stat). */
  private aliveByName(name: string): boolean {
    const pid = /^(\d{1,7})\.json$/.exec(name)?.[1];
    return pid !== undefined && this.host.alive(Number(pid));
  }

  /**
   * The `*.json` names of one sessions dir: the first budget.names, and beyond them only those whose name's
   * PID is alive (a live session is never left out); how many more there were. Null when the dir does not
   * exist (Claude Code versions without manifests) or cannot be listed (counted).
   */
  private listManifests(dir: string): { names: string[]; more: number } | null {
    const names: string[] = [];
    let more = 0;
    let handle: ReturnType<typeof opendirSync>;
    try {
      handle = opendirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.faults.hit('sessions-dir-unlistable', { dir, code });
      return null;
    }
    try {
      for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
        if (!d.name.endsWith('.json')) continue;
        if (names.length < this.budget.names || this.aliveByName(d.name)) names.push(d.name);
        else more++;
      }
    } catch (err) {
      this.faults.hit('sessions-dir-unlistable', { dir, code: (err as NodeJS.ErrnoException).code });
    } finally {
      handle.closeSync();
    }
    return { names, more };
  }

  /**
   * Synchronous on purpose: a manifest is a few hundred bytes of a local dir, and this runs every 5 s for
   * every manifest, stale ones included (a crash leaves its manifest behind for good). Through
   * fs.promises a stat + readFile cost ~0.25 ms of CPU each (thread-pool round trips): 200 stale manifests
   * made 1 % of a core. Unchanged manifests are not read again (see RACY_MS). Opened the safe way: a FIFO
   * or an oversized file is refused at once and counted.
   */
  private readManifest(
    file: string,
    cacheNow: Map<string, CachedManifest>,
  ): { manifest: Manifest | null; bytes: number } {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st) return { manifest: null, bytes: 0 };
    const hit = this.manifestCache.get(file);
    if (hit && st.isFile() && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) {
      cacheNow.set(file, hit);
      return { manifest: hit.manifest, bytes: 0 };
    }
    let data: Buffer;
    let opened: { size: number; mtimeMs: number; ino: number };
    try {
      const r = readRegularFile(file, MAX_MANIFEST_BYTES);
      data = r.data;
      opened = r.st;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.faults.hit('manifest-unreadable', { file, code, error: String(err) });
      return { manifest: null, bytes: 0 };
    }
    const manifest = parseManifest(data.toString('utf8'));
    // Torn reads (null) are never cached: the next scan reads the file again.
    if (manifest && Date.now() - opened.mtimeMs > RACY_MS)
      cacheNow.set(file, { size: opened.size, mtimeMs: opened.mtimeMs, ino: opened.ino, manifest });
    return { manifest, bytes: data.length };
  }
}
