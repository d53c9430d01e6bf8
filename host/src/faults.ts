// One registry of everything that went wrong quietly: a limit that was hit (something not read, kept or
// served), a user file or directory that could not be read, a value refused as implausible, a request
// refused for its Host or Origin. Every part of the daemon reports here instead of only logging, so each
// fault is counted, logged once (then at most once per LOG_EVERY_MS, with the number since), and shown by
// `doctor` and `/healthz`. Counts and ids only leave the daemon: details (which may name a file) go to the
// log, never to a route.

import type { Log } from './log.js';

/** What kind of trouble a fault is; `doctor` fails on `read`, warns on the others. */
export type FaultKind = 'limit' | 'read' | 'implausible' | 'refused';

export interface FaultSpec {
  kind: FaultKind;
  /** What happened, as doctor and the log say it. */
  what: string;
  /** What to do about it. */
  fix: string;
}

/** Every fault the daemon can report. docs/daemon.md ("Limits") describes each; a test holds them in step. */
export const FAULTS = {
  'transcript-unreadable': {
    kind: 'read',
    what: 'a transcript could not be read (permissions, I/O error, or not a regular file such as a FIFO); its tokens are missing',
    fix: 'make the files under <claude dir>/projects readable by the user running the daemon, and remove anything there that is not a regular file',
  },
  'transcript-dir-unlistable': {
    kind: 'read',
    what: 'a directory under <claude dir>/projects could not be listed; the transcripts in it are missing',
    fix: 'chmod u+rx the directory, or run the daemon as the user who runs Claude Code',
  },
  'sessions-dir-unlistable': {
    kind: 'read',
    what: 'a <claude dir>/sessions directory could not be listed; live sessions there are not seen',
    fix: 'chmod u+rx <claude dir>/sessions, or run the daemon as the user who runs Claude Code',
  },
  'manifest-unreadable': {
    kind: 'read',
    what: 'a session manifest could not be read (permissions, too large, or not a regular file such as a FIFO)',
    fix: 'remove or repair the file in <claude dir>/sessions (Claude Code rewrites its own manifests)',
  },
  'session-transcript-unreadable': {
    kind: 'read',
    what: "a live session's transcript could not be read to label its model (permissions, or not a regular file such as a FIFO)",
    fix: 'make the transcript a readable regular file (Claude Code writes it)',
  },
  'manifests-skipped': {
    kind: 'limit',
    what: 'session manifests were left unread by the scan budget (the oldest, dead ones first)',
    fix: 'delete the stale manifests in <claude dir>/sessions (crashed sessions leave them behind)',
  },
  'transcript-line-too-long': {
    kind: 'limit',
    what: 'a transcript line over the parse limit was skipped; its tokens are missing',
    fix: 'nothing to do unless it recurs: Claude Code does not write such lines',
  },
  'transcript-late': {
    kind: 'limit',
    what: 'a response older than the memory the daemon keeps arrived and was not counted',
    fix: 'restart the daemon to read the history again',
  },
  'stream-clients-full': {
    kind: 'limit',
    what: '/usage/stream refused a client: the maximum number of clients was reached',
    fix: 'raise --max-stream-clients, or find the client that opens streams without closing them',
  },
  'stream-client-slow': {
    kind: 'limit',
    what: 'a /usage/stream client stopped reading and was disconnected',
    fix: 'nothing to do unless it recurs: check that client',
  },
  'hook-sessions-evicted': {
    kind: 'limit',
    what: 'more sessions reported by `claude-gauge hook` than the daemon remembers: the one heard from least recently was forgotten',
    fix: 'nothing to do unless it recurs: it takes hundreds of sessions at once',
  },
  'otlp-busy': {
    kind: 'limit',
    what: 'an OTLP request was answered 503: too many batches were waiting to be decoded',
    fix: 'nothing to do when it is rare (exporters retry); otherwise lower the export rate',
  },
  'otlp-decode-timeout': {
    kind: 'limit',
    what: 'an OTLP batch took too long to decode and was answered 503',
    fix: 'send smaller batches (OTEL_METRIC_EXPORT_INTERVAL, OTEL_LOGS_EXPORT_INTERVAL)',
  },
  'otlp-dedupe-evicted': {
    kind: 'limit',
    what: 'OTLP retry memory was full: the oldest keys were forgotten early, so a very late retry could count twice',
    fix: 'nothing to do unless it recurs: it takes far more records than Claude Code sends',
  },
  'otlp-records-dropped': {
    kind: 'limit',
    what: 'the OTLP record store was full: the oldest records were dropped',
    fix: 'nothing to do unless it recurs: it takes far more records than Claude Code sends',
  },
  'otlp-series-evicted': {
    kind: 'limit',
    what: 'too many OTLP cumulative series: the longest silent ones were forgotten (their next point is a new baseline)',
    fix: 'set OTEL_METRICS_INCLUDE_SESSION_ID=false on Claude Code, or use DELTA temporality',
  },
  'otlp-start-moved': {
    kind: 'implausible',
    what: 'an OTLP cumulative series changed its start time within its own reported interval; the value was taken as a new baseline, not counted again',
    fix: 'check the exporter: a restarted counter starts after its previous point',
  },
  'forward-spool-full': {
    kind: 'limit',
    what: 'the spool of records the hub has not taken yet was full: the oldest unsent records were dropped, so the hub misses them',
    fix: 'bring the hub back (claude-gauge doctor on this machine says why it is not reached), or give the spool more room in a state dir with space',
  },
  'forward-refused': {
    kind: 'refused',
    what: 'the hub refused forwarded records (a wrong or missing token, or a delivery it could not read); they are kept and sent again',
    fix: "give --forward-token (or --token) the hub's --token; doctor on this machine checks the hub",
  },
  'hub-records-dropped': {
    kind: 'limit',
    what: 'the hub held as many responses as it keeps: the oldest were dropped',
    fix: 'nothing to do unless it recurs: it takes far more responses than Claude Code makes in a day',
  },
  'hub-machines-evicted': {
    kind: 'limit',
    what: 'more machines reported to the hub than it remembers: the one heard from least recently was forgotten',
    fix: 'nothing to do unless it recurs: give each satellite one stable --machine name',
  },
  'hub-clock-ahead': {
    kind: 'implausible',
    what: "a forwarded response was stamped more than 60 s ahead of the hub's clock and was counted at the hub's now",
    fix: "set the sending machine's clock (NTP); doctor on the hub shows each machine's clock offset",
  },
  'implausible-transcript-tokens': {
    kind: 'implausible',
    what: 'a transcript line with a token count above the plausibility bound was skipped',
    fix: 'find the line (the log names the file) and fix or remove it',
  },
  'implausible-otlp': {
    kind: 'implausible',
    what: 'OTLP tokens above the plausibility bound were not counted',
    fix: 'check the exporter that sends to this daemon',
  },
  'implausible-statusline': {
    kind: 'implausible',
    what: 'a statusline report out of bounds (a percentage over 100, a reset time too far ahead) was refused',
    fix: 'check what posts to /v1/statusline',
  },
  'source-failed': {
    kind: 'limit',
    what: "the source's answer could not be used (an error, a timeout, an answer over its size limit); the last good values were served as stale",
    fix: 'the log says why; `claude-gauge doctor` checks what the source needs',
  },
  'implausible-snapshot': {
    kind: 'implausible',
    what: "a source's numbers were beyond the plausibility bounds; the last good values were served as stale",
    fix: 'check the source (Prometheus, ccusage) for garbage',
  },
  'http-host-refused': {
    kind: 'refused',
    what: 'requests with a Host the daemon does not answer to were refused with 421 (DNS rebinding, or a name not allowed)',
    fix: 'if the gauge reaches the daemon by a name, allow it with --allowed-hosts <name>',
  },
  'http-origin-refused': {
    kind: 'refused',
    what: "requests from a web page of another site were refused with 403 (its Origin is not one of the daemon's names)",
    fix: 'serve the page from the daemon (or localhost), or allow its host with --allowed-hosts <name>',
  },
} as const satisfies Record<string, FaultSpec>;

export type FaultId = keyof typeof FAULTS;

/** A hit is logged the first time, then at most once per this interval (with the number of hits since). */
export const LOG_EVERY_MS = 10 * 60_000;

export interface FaultEntry {
  id: FaultId;
  kind: FaultKind;
  count: number;
  firstAtMs: number;
  lastAtMs: number;
}

interface State extends FaultEntry {
  loggedAtMs: number;
  sinceLog: number;
}

/** What /healthz shows: ids, kinds, counts and when. No detail, no path. */
export type FaultSummary = Partial<Record<FaultId, { kind: FaultKind; count: number; last_at: number }>>;

export class Faults {
  private readonly states = new Map<FaultId, State>();
  private readonly clock: () => number;
  private readonly logEveryMs: number;
  log: Pick<Log, 'warn'> | null;

  constructor(opts: { log?: Pick<Log, 'warn'> | null; clock?: () => number; logEveryMs?: number } = {}) {
    this.log = opts.log ?? null;
    // Wall clock on purpose: a frozen --now must not stop the rate limit from ever letting a line through.
    this.clock = opts.clock ?? Date.now;
    this.logEveryMs = opts.logEveryMs ?? LOG_EVERY_MS;
  }

  /** Counts `n` hits of `id`; logs the first, then at most once per LOG_EVERY_MS. `detail` goes to the log only. */
  hit(id: FaultId, detail: Record<string, unknown> = {}, n = 1): void {
    if (n <= 0) return;
    const now = this.clock();
    let s = this.states.get(id);
    if (!s) {
      s = {
        id,
        kind: FAULTS[id].kind,
        count: 0,
        firstAtMs: now,
        lastAtMs: now,
        loggedAtMs: Number.NEGATIVE_INFINITY,
        sinceLog: 0,
      };
      this.states.set(id, s);
    }
    s.count += n;
    s.lastAtMs = now;
    s.sinceLog += n;
    if (now - s.loggedAtMs < this.logEveryMs) return;
    const first = s.loggedAtMs === Number.NEGATIVE_INFINITY;
    s.loggedAtMs = now;
    const hits = s.sinceLog;
    s.sinceLog = 0;
    try {
      this.log?.warn(
        { fault: id, kind: s.kind, hits, total: s.count, ...detail, fix: FAULTS[id].fix },
        first
          ? FAULTS[id].what
          : `${FAULTS[id].what} (${hits} times since the last report; logged at most every ${Math.round(this.logEveryMs / 60_000)} min)`,
      );
    } catch {
      // A broken logger must not break the part that reported the fault.
    }
  }

  count(id: FaultId): number {
    return this.states.get(id)?.count ?? 0;
  }

  get total(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.count;
    return n;
  }

  entries(): FaultEntry[] {
    return [...this.states.values()].map(({ id, kind, count, firstAtMs, lastAtMs }) => ({
      id,
      kind,
      count,
      firstAtMs,
      lastAtMs,
    }));
  }

  summary(): FaultSummary {
    const out: FaultSummary = {};
    for (const s of this.states.values()) out[s.id] = { kind: s.kind, count: s.count, last_at: s.lastAtMs };
    return out;
  }
}

/** True when `x` names a fault in the catalogue (for what /healthz of another daemon reports). */
export function isFaultId(x: string): x is FaultId {
  return Object.hasOwn(FAULTS, x);
}
