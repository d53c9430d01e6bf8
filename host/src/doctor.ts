// `claude-gauge doctor`: checks what the daemon depends on and says what is wrong and how to fix it.
// Exit code 0 when nothing failed (warnings allowed), 1 otherwise.

import { EventEmitter } from 'node:events';
import { constants, existsSync, type FSWatcher, promises as fsp, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isLoopbackHost, type Settings } from './config.js';
import { daemonBaseUrl } from './daemon-client.js';
import { FAULTS, type FaultId, type FaultSummary, Faults, isFaultId } from './faults.js';
import { INSTALLED_HOOK_EVENTS } from './hooks/attention.js';
import type { ForwardStatus } from './hub/forwarder.js';
import { silentLog } from './log.js';
import { SessionTracker } from './sessions.js';
import { inspectSettings, readSettings, SettingsError, settingsFileFor } from './setup.js';
import { CcusageRunError, resolveCcusageCommand } from './sources/ccusage/run.js';
import { implementedSources } from './sources/factory.js';
import { DirWatcher, type WatchFn } from './sources/jsonl/dirwatch.js';
import { TRANSCRIPT_DIR_DEPTH, TranscriptReader } from './sources/jsonl/reader.js';
import { instantQuery } from './sources/prometheus/client.js';
import { closeQuietly, openRegularFile } from './user-files.js';

export type CheckLevel = 'ok' | 'info' | 'warn' | 'fail';

export interface CheckResult {
  level: CheckLevel;
  what: string;
  fix?: string;
}

/**
 * The transcripts the daemon reads in a claude dir: its own listing (`TranscriptReader.discover`), not a
 * second walk.
 * With a fault registry, each is also opened the daemon's way (and closed), so an unreadable one, an
 * unlistable directory or a FIFO named *.jsonl is counted there, as the daemon would count it.
 */
export async function countTranscripts(claudeDir: string, faults?: Faults): Promise<number> {
  const found = await new TranscriptReader({
    claudeDirs: [claudeDir],
    ...(faults ? { faults } : {}),
  }).discover();
  if (faults) {
    for (const f of found) {
      try {
        closeQuietly(openRegularFile(f.path).fd);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') faults.hit('transcript-unreadable', { file: f.path, code });
      }
    }
  }
  return found.length;
}

/** Doctor lines for faults: `read` ones fail (numbers are missing), the others warn. */
export function faultChecks(summary: FaultSummary, where: string): CheckResult[] {
  const out: CheckResult[] = [];
  for (const [id, f] of Object.entries(summary) as Array<[FaultId, NonNullable<FaultSummary[FaultId]>]>) {
    const spec = FAULTS[id];
    out.push({
      level: spec.kind === 'read' ? 'fail' : 'warn',
      what: `${where}: ${spec.what} (${f.count} time${f.count === 1 ? '' : 's'}; ${id})`,
      fix: spec.fix,
    });
  }
  return out;
}

/**
 * How many directories the daemon watches for these claude dirs: the transcript trees, walked by the
 * daemon's own DirWatcher with watches that watch nothing, plus each existing `sessions/`.
 */
export function directoriesToWatch(claudeDirs: string[]): number {
  const inert: WatchFn = () => Object.assign(new EventEmitter(), { close() {} }) as unknown as FSWatcher;
  const quiet = () => {};
  const w = new DirWatcher({
    roots: claudeDirs.map((d) => join(d, 'projects')),
    maxDepth: TRANSCRIPT_DIR_DEPTH,
    onFile: quiet,
    onDirGone: quiet,
    log: silentLog,
    watchFn: inert,
  });
  w.start();
  const n = w.watched;
  w.close();
  return n + claudeDirs.filter((d) => existsSync(join(d, 'sessions'))).length;
}

/** Linux's per-user inotify watch limit, or null where there is none to read (macOS, Windows). */
export function inotifyWatchLimit(procRoot = '/proc'): number | null {
  try {
    const n = Number(readFileSync(join(procRoot, 'sys', 'fs', 'inotify', 'max_user_watches'), 'utf8'));
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * Whether the daemon's directory watches fit the inotify limit. Past it, the directories left unwatched
 * are found by a full rescan every 10 s instead of every 60 s: it keeps working, at more idle CPU. Other
 * programs (editors, IDEs, file sync) draw on the same per-user limit, hence the warning from half of it.
 */
export function watchLimitCheck(needed: number, limit: number | null): CheckResult | null {
  if (limit === null) return null;
  const what = `${needed} director${needed === 1 ? 'y' : 'ies'} to watch; inotify allows ${limit} watches per user`;
  if (needed * 2 <= limit) return { level: 'ok', what };
  const suggest = 2 ** Math.ceil(Math.log2(Math.max(needed * 4, 65_536)));
  return {
    level: 'warn',
    what: `${what}: ${needed > limit ? 'too few' : 'little room left for other programs'}; directories not watched are rescanned every 10 s (more idle CPU)`,
    fix: `sudo sysctl fs.inotify.max_user_watches=${suggest} (and add that line to /etc/sysctl.d/ to keep it)`,
  };
}

/** Resolves when host:port can be bound (then releases it), else with the error code. */
export function portFree(host: string, port: number): Promise<{ free: boolean; code?: string }> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve({ free: false, code: err.code ?? 'error' }));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve({ free: true })));
  });
}

/** Whether a claude-gauge daemon answers /healthz on host:port; its version and source if so. */
export async function claudeGaugeAt(
  host: string,
  port: number,
  timeoutMs = 1500,
): Promise<{
  version: string;
  source: string;
  faults: FaultSummary;
  forward: Partial<ForwardStatus> | null;
  hub: boolean;
} | null> {
  const url = `${daemonBaseUrl(host, port)}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as {
      ok?: unknown;
      version?: unknown;
      source?: unknown;
      faults?: unknown;
      forward?: unknown;
      hub?: unknown;
    };
    if (res.ok && body.ok === true && typeof body.version === 'string' && typeof body.source === 'string')
      return {
        version: body.version.slice(0, 40),
        source: body.source.slice(0, 20),
        faults: faultsFrom(body.faults),
        forward:
          typeof body.forward === 'object' && body.forward !== null
            ? (body.forward as Partial<ForwardStatus>)
            : null,
        hub: typeof body.hub === 'object' && body.hub !== null,
      };
  } catch {
    // Refused, timed out, not HTTP or not JSON: something else holds the port.
  }
  return null;
}

/** The known faults of another daemon's /healthz (unknown ids and malformed entries are left out). */
function faultsFrom(x: unknown): FaultSummary {
  const out: FaultSummary = {};
  if (typeof x !== 'object' || x === null) return out;
  for (const [id, v] of Object.entries(x)) {
    const count = (v as { count?: unknown } | null)?.count;
    if (isFaultId(id) && typeof count === 'number' && Number.isFinite(count) && count > 0)
      out[id] = { kind: FAULTS[id].kind, count, last_at: Number((v as { last_at?: unknown }).last_at) || 0 };
  }
  return out;
}

/** Whether Prometheus at `url` answers a query, checked with the prometheus source's own client. */
export async function prometheusCheck(url: string, timeoutMs = 2000): Promise<CheckResult> {
  try {
    await instantQuery({ baseUrl: url, query: 'vector(1)', signal: AbortSignal.timeout(timeoutMs) });
    return { level: 'ok', what: `Prometheus at ${url} answers queries` };
  } catch (err) {
    return {
      level: 'fail',
      what: `Prometheus at ${url} does not answer: ${(err as Error).message}`,
      fix: 'start Prometheus (with the Claude Code metrics scraped), or point --prometheus-url at it',
    };
  }
}

/** The pinned ccusage, as the ccusage source finds and runs it (its resolver, not a second search). */
export function ccusageCheck(source: string, resolve: () => string[] = resolveCcusageCommand): CheckResult {
  const needed = source === 'ccusage';
  try {
    const argv = resolve();
    return {
      level: needed ? 'ok' : 'info',
      what: `ccusage: ${argv.join(' ')}${needed ? '' : ' (optional: a reference to compare totals with)'}`,
    };
  } catch (err) {
    const why = err instanceof CcusageRunError ? err.message : String(err);
    return needed
      ? {
          level: 'fail',
          what: `--source ccusage cannot run ccusage: ${why}`,
          fix: 'npm install in this checkout',
        }
      : { level: 'info', what: `ccusage not available (optional): ${why}` };
  }
}

/** Whether Claude Code's settings run claude-gauge statusline and hook, read as `setup` reads them. */
export function claudeSettingsChecks(file: string): CheckResult[] {
  const fix = 'claude-gauge setup --write (it shows the entries first without --write)';
  let read: ReturnType<typeof readSettings>;
  try {
    read = readSettings(file);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    return [
      {
        level: 'warn',
        what: `Claude Code settings: ${err.message}`,
        fix: 'fix the file by hand (Claude Code cannot read it either), then claude-gauge setup --write',
      },
    ];
  }
  if (!read.exists)
    return [
      {
        level: 'warn',
        what: `no Claude Code settings at ${file}: neither the official quota (statusLine) nor the ATTN lamp (hooks) reach the daemon`,
        fix,
      },
    ];
  const got = inspectSettings(read.json);
  const out: CheckResult[] = [];
  if (got.statusLine === 'ours')
    out.push({ level: 'ok', what: `statusLine runs claude-gauge statusline (${file})` });
  else
    out.push({
      level: 'warn',
      what:
        got.statusLine === 'missing'
          ? `no statusLine in ${file}: the fuel stays an estimate (the official quota never arrives)`
          : `the statusLine in ${file} runs another program: the official quota does not reach the daemon`,
      fix: got.statusLine === 'missing' ? fix : 'claude-gauge setup --write --replace-statusline',
    });
  if (got.missing.length === 0)
    out.push({
      level: 'ok',
      what: `hooks run claude-gauge hook on all ${INSTALLED_HOOK_EVENTS.length} events`,
    });
  else
    out.push({
      level: 'warn',
      what: `claude-gauge hook is not installed for ${got.missing.join(', ')}: the ATTN lamp ${got.hooked.length === 0 ? 'never lights' : 'misses some waits or stays lit'}`,
      fix,
    });
  return out;
}

/** The text of the running daemon's /metrics at host:port (a wildcard bind asked on loopback), with the token. */
async function daemonMetrics(
  host: string,
  port: number,
  token: string | null,
  timeoutMs: number,
): Promise<string | { error: string }> {
  try {
    const res = await fetch(`${daemonBaseUrl(host, port)}/metrics`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return { error: `HTTP ${res.status}` };
    return await res.text();
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export interface ReportTimes {
  statuslineMs: number | null;
  hookMs: number | null;
}

/** When the daemon at host:port last heard from the statusline and the hook (its /metrics, with the token). */
export async function lastReports(
  host: string,
  port: number,
  token: string | null,
  timeoutMs = 1500,
): Promise<ReportTimes | { error: string }> {
  const text = await daemonMetrics(host, port, token, timeoutMs);
  if (typeof text !== 'string') return text;
  const at = (command: string): number | null => {
    const m = new RegExp(
      `^claude_gauge_last_report_timestamp_seconds\\{command="${command}"\\} ([0-9.e+]+)$`,
      'm',
    ).exec(text);
    return m?.[1] ? Math.round(Number(m[1]) * 1000) : null;
  };
  return { statuslineMs: at('statusline'), hookMs: at('hook') };
}

/** "12 s ago", "3 min ago", "5 h ago", "2 days ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}

export function reportChecks(r: ReportTimes | { error: string }, nowMs: number): CheckResult[] {
  if ('error' in r)
    return [
      {
        level: 'warn',
        what: `cannot ask the running daemon when the statusline and hook last reported (${r.error})`,
        fix: "give doctor the daemon's --token (or CLAUDE_GAUGE_TOKEN)",
      },
    ];
  const line = (name: string, at: number | null, never: string): CheckResult =>
    at === null
      ? {
          level: 'info',
          what: `the running daemon has not heard from claude-gauge ${name} since it started${never}`,
        }
      : { level: 'ok', what: `the running daemon last heard from claude-gauge ${name} ${ago(nowMs - at)}` };
  return [
    line(
      'statusline',
      r.statuslineMs,
      ' (it forwards once Claude Code gives it rate_limits: Pro/Max plans, after the first response)',
    ),
    line('hook', r.hookMs, ' (it reports on the next prompt, tool call or end of a turn)'),
  ];
}

/** A hub's machines as its /metrics lists them (label, last heard, live, clock offset). */
export interface MachineLine {
  machine: string;
  lastSeenMs: number;
  live: boolean;
  clockOffsetMs: number | null;
}

/** The machines a running hub knows (its /metrics, with the token). */
export async function hubMachines(
  host: string,
  port: number,
  token: string | null,
  timeoutMs = 1500,
): Promise<MachineLine[] | { error: string }> {
  const text = await daemonMetrics(host, port, token, timeoutMs);
  if (typeof text !== 'string') return text;
  const series = (name: string) => {
    const out = new Map<string, number>();
    for (const m of text.matchAll(new RegExp(`^${name}\\{machine="([^"]*)"\\} (\\S+)$`, 'gm')))
      out.set(m[1] as string, Number(m[2]));
    return out;
  };
  const seen = series('claude_gauge_machine_last_seen_seconds');
  const live = series('claude_gauge_machine_live');
  const offset = series('claude_gauge_machine_clock_offset_seconds');
  return [...seen].map(([machine, s]) => ({
    machine,
    lastSeenMs: s * 1000,
    live: live.get(machine) === 1,
    clockOffsetMs: offset.has(machine) ? (offset.get(machine) as number) * 1000 : null,
  }));
}

/** Above this a machine's clock offset moves its responses on the tach (docs/hub.md, "Limits"). */
export const CLOCK_OFFSET_WARN_MS = 5_000;

export function machineChecks(
  r: MachineLine[] | { error: string },
  nowMs: number,
  timeoutSeconds: number,
): CheckResult[] {
  if ('error' in r)
    return [
      {
        level: 'warn',
        what: `cannot ask the running hub which machines it hears (${r.error})`,
        fix: "give doctor the hub's --token (or CLAUDE_GAUGE_TOKEN)",
      },
    ];
  const out: CheckResult[] = [];
  for (const m of r) {
    const s = Math.max(0, Math.round((nowMs - m.lastSeenMs) / 1000));
    if (!m.live) {
      out.push({
        level: 'warn',
        what: `machine ${m.machine}: silent for ${s} s: the hub left it out of machines and sessions_active after ${timeoutSeconds} s (what it forwarded still counts)`,
        fix: `on ${m.machine}: claude-gauge doctor (is its daemon running with --forward-to, and does it reach this hub?)`,
      });
      continue;
    }
    const off = m.clockOffsetMs;
    const sign = off === null || Math.abs(off) < 50 ? '±' : off > 0 ? '+' : '-';
    const clock = off === null ? '' : `, clock ${sign}${(Math.abs(off) / 1000).toFixed(1)} s`;
    out.push({ level: 'ok', what: `machine ${m.machine}: heard ${s} s ago${clock}` });
    if (off !== null && Math.abs(off) > CLOCK_OFFSET_WARN_MS)
      out.push({
        level: 'warn',
        what: `machine ${m.machine}: its clock is ${(Math.abs(off) / 1000).toFixed(0)} s ${off > 0 ? 'ahead of' : 'behind'} the hub's: the tach shows its responses that much ${off > 0 ? 'late' : 'early, or not at all past 60 s'}`,
        fix: `set the clock of ${m.machine} (NTP: timedatectl set-ntp true)`,
      });
  }
  return out;
}

/** Whether the hub a satellite forwards to answers, is a hub, and takes its token. */
export async function hubCheck(
  forwardTo: string,
  token: string | null,
  timeoutMs = 2000,
): Promise<CheckResult> {
  let origin: string;
  try {
    origin = new URL(forwardTo).origin;
  } catch {
    return {
      level: 'fail',
      what: `--forward-to ${forwardTo} is not a URL`,
      fix: 'give the hub as http://host:port',
    };
  }
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { ok?: unknown; hub?: unknown };
    if (!res.ok || body.ok !== true)
      return { level: 'fail', what: `the hub at ${origin} answers /healthz with HTTP ${res.status}` };
    if (typeof body.hub !== 'object' || body.hub === null)
      return {
        level: 'fail',
        what: `${origin} runs claude-gauge, but not as a hub: it does not take forwarded records`,
        fix: 'start the daemon there with --accept-forward',
      };
    const auth = await fetch(`${origin}/metrics`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    await auth.arrayBuffer();
    if (auth.status === 401)
      return {
        level: 'fail',
        what: `the hub at ${origin} refuses ${token ? 'this token' : 'requests without a token'}`,
        fix: "give --forward-token (or --token) the hub's --token",
      };
    return { level: 'ok', what: `the hub at ${origin} answers and takes forwarded records` };
  } catch (err) {
    return {
      level: 'fail',
      what: `the hub at ${origin} does not answer (${(err as Error).message}): records wait in the spool until it does`,
      fix: 'start the hub (claude-gauge serve --accept-forward there), or fix --forward-to',
    };
  }
}

/** What a running satellite says of its forwarding (its /healthz). */
export function forwardChecks(f: Partial<ForwardStatus>, nowMs: number): CheckResult[] {
  const waiting = `${f.queued ?? 0} record(s) queued, ${f.spooled ?? 0} spooled on disk`;
  if (f.state === 'failing')
    return [
      {
        level: 'warn',
        what: `the running daemon cannot deliver to its hub (${f.last_error ?? 'unknown'}): ${waiting}`,
        fix: 'see the hub line above; nothing is lost while the spool has room',
      },
    ];
  const last = typeof f.last_ok_at === 'number' ? `, last delivery ${ago(nowMs - f.last_ok_at)}` : '';
  return [
    {
      level: 'ok',
      what: `the running daemon forwards to its hub: ${f.delivered ?? 0} record(s) delivered${last}; ${waiting}`,
    },
  ];
}

async function readable(dir: string): Promise<boolean> {
  try {
    await fsp.access(dir, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function runDoctor(settings: Settings, home: string = homedir()): Promise<CheckResult[]> {
  const out: CheckResult[] = [];

  out.push(
    settings.configFiles.length > 0
      ? { level: 'ok', what: `config file(s): ${settings.configFiles.join(', ')}` }
      : {
          level: 'info',
          what: 'no config file (looked for ~/.config/claude-gauge/config.json and ./claude-gauge.config.json)',
        },
  );

  if (!implementedSources().includes(settings.source)) {
    out.push({
      level: 'fail',
      what: `source "${settings.source}" is not implemented in this version`,
      fix: `use --source ${implementedSources().join(' or --source ')}`,
    });
  } else {
    out.push({
      level: 'ok',
      what: `source ${settings.source}${settings.fallbackDemo ? ' (demo fallback on)' : ''}`,
    });
  }

  let transcripts = 0;
  // What the daemon would count as limits hit and read errors, found by doing what it does.
  const faults = new Faults();
  if (settings.claudeDirs.length === 0) {
    out.push({
      level: settings.source === 'jsonl' ? 'fail' : 'warn',
      what: 'no Claude Code data dir found (looked at $CLAUDE_CONFIG_DIR, $XDG_CONFIG_HOME/claude or ~/.config/claude, and ~/.claude)',
      fix: 'run Claude Code once, or pass --claude-dir <dir> / set CLAUDE_CONFIG_DIR; --source demo needs none',
    });
  }
  for (const dir of settings.claudeDirs) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      out.push({
        level: 'fail',
        what: `claude dir ${dir} does not exist or is not a directory`,
        fix: 'fix the path in --claude-dir / CLAUDE_GAUGE_CLAUDE_DIR / CLAUDE_CONFIG_DIR, or remove it',
      });
      continue;
    }
    if (!(await readable(dir))) {
      out.push({
        level: 'fail',
        what: `claude dir ${dir} is not readable by this user`,
        fix: `run the daemon as the user who runs Claude Code, or grant read access (chmod u+rx ${dir})`,
      });
      continue;
    }
    const n = await countTranscripts(dir, faults);
    transcripts += n;
    const tracker = new SessionTracker({ claudeDirs: [dir], watch: false, faults });
    await tracker.rescan();
    const c = tracker.counts();
    const parts = [
      `${n} transcript file${n === 1 ? '' : 's'}`,
      `${c.active} live session${c.active === 1 ? '' : 's'}`,
    ];
    if (c.stale)
      parts.push(`${c.stale} stale manifest${c.stale === 1 ? '' : 's'} (crashed sessions, ignored)`);
    if (c.invalid) parts.push(`${c.invalid} unreadable manifest${c.invalid === 1 ? '' : 's'} (skipped)`);
    if (c.skipped) parts.push(`${c.skipped} manifest${c.skipped === 1 ? '' : 's'} not read (scan budget)`);
    out.push({ level: 'ok', what: `claude dir ${dir}: ${parts.join(', ')}` });
  }
  out.push(...faultChecks(faults.summary(), 'claude dirs'));
  if (settings.claudeDirs.length > 0 && transcripts === 0 && settings.source === 'jsonl') {
    out.push({
      level: 'warn',
      what: 'no transcripts found: the gauges will read zero until Claude Code writes one',
      fix: 'use Claude Code once, point --claude-dir at the right dir, or try --source demo',
    });
  }

  if (settings.source === 'jsonl' || settings.source === 'hybrid') {
    const dirs = settings.claudeDirs.filter((d) => existsSync(d));
    const watches = watchLimitCheck(directoriesToWatch(dirs), inotifyWatchLimit());
    if (watches) out.push(watches);
  }

  const port = await portFree(settings.host, settings.port);
  const running = port.code === 'EADDRINUSE' ? await claudeGaugeAt(settings.host, settings.port) : null;
  if (port.free) out.push({ level: 'ok', what: `port ${settings.port} on ${settings.host} is free` });
  else if (running) {
    out.push({
      level: 'info',
      what: `a claude-gauge daemon (${running.version}, source ${running.source}) already serves port ${settings.port} on ${settings.host}`,
      fix: 'nothing to do; pass --port <n> to run a second one',
    });
    // What that daemon counted while running (its /healthz), beside what this check found itself.
    out.push(...faultChecks(running.faults, 'the running daemon'));
  } else if (port.code === 'EADDRNOTAVAIL')
    out.push({
      level: 'fail',
      what: `${settings.host} is not an address of this machine`,
      fix: 'use --host 127.0.0.1, --lan (all interfaces) or one of this machine’s addresses',
    });
  else
    out.push({
      level: 'fail',
      what: `port ${settings.port} on ${settings.host} is not available (${port.code})`,
      fix: `stop whatever uses it (another claude-gauge?) or pass --port <n>${port.code === 'EACCES' ? ' above 1023' : ''}`,
    });

  out.push(...claudeSettingsChecks(settingsFileFor(settings.claudeDirs, home)));
  if (running)
    out.push(...reportChecks(await lastReports(settings.host, settings.port, settings.token), Date.now()));
  if (running?.hub)
    out.push(
      ...machineChecks(
        await hubMachines(settings.host, settings.port, settings.token),
        Date.now(),
        settings.machineTimeoutSeconds,
      ),
    );
  if (settings.forwardTo !== null)
    out.push(await hubCheck(settings.forwardTo, settings.forwardToken ?? settings.token));
  if (running?.forward) out.push(...forwardChecks(running.forward, Date.now()));

  if (!isLoopbackHost(settings.host)) {
    out.push(
      settings.token
        ? { level: 'ok', what: `listening on ${settings.host} with a bearer token` }
        : {
            level: 'warn',
            what: `listening on ${settings.host} without a token: anyone on the network can read your usage`,
            fix: 'add --token <secret> (and put the same token in the firmware config)',
          },
    );
  }

  if (settings.ui) {
    out.push(
      existsSync(join(settings.ui, 'index.html'))
        ? { level: 'ok', what: `web UI: ${settings.ui}` }
        : {
            level: 'warn',
            what: `web UI dir ${settings.ui} has no index.html`,
            fix: 'build the simulator first',
          },
    );
  }

  if (settings.source === 'prometheus' || settings.source === 'hybrid')
    out.push(await prometheusCheck(settings.prometheusUrl));
  out.push(ccusageCheck(settings.source));
  return out;
}

export function formatChecks(results: CheckResult[]): string {
  const tag: Record<CheckLevel, string> = { ok: 'ok  ', info: 'info', warn: 'WARN', fail: 'FAIL' };
  const lines = results.flatMap((r) => [
    `  ${tag[r.level]}  ${r.what}`,
    ...(r.fix ? [`        fix: ${r.fix}`] : []),
  ]);
  const fails = results.filter((r) => r.level === 'fail').length;
  const warns = results.filter((r) => r.level === 'warn').length;
  lines.push(
    fails === 0
      ? warns
        ? `claude-gauge doctor: nothing failed, ${warns} warning${warns === 1 ? '' : 's'} to look at (WARN above)`
        : 'claude-gauge doctor: all good'
      : `claude-gauge doctor: ${fails} problem${fails === 1 ? '' : 's'} to fix`,
  );
  return `${lines.join('\n')}\n`;
}
