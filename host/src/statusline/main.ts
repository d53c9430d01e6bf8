// `claude-gauge statusline`: Claude Code's statusLine command. Reads the status JSON on stdin, forwards the
// official quota (rate_limits) to the daemon's POST /v1/statusline, and prints one compact line.
// It runs on every status refresh, so it must be quick whatever the daemon does: it imports only Node
// built-ins, daemon-client.ts and quota.ts (no Fastify, no config loader), waits at most FORWARD_TIMEOUT_MS
// for the daemon, and always prints a line and exits 0 (a failing command would blank Claude Code's status
// bar) except on a bad flag, which is a setup error to show.

import {
  type CommandIo,
  DAEMON_FLAGS_HELP,
  type DaemonEndpoint,
  daemonEndpoint,
  type ForwardResult,
  parseDaemonFlags,
  postJson,
  readInput,
} from '../daemon-client.js';
import { parseJsonObject } from '../json.js';
import { parseQuotaReport, projectPace, type QuotaReport } from './quota.js';

export type StatuslineIo = CommandIo;

const MAX_STDIN_BYTES = 256 * 1024;
const MAX_NAME = 40;
const WINDOW_5H_MS = 5 * 3_600_000;

const HELP = `claude-gauge statusline: Claude Code statusLine command (reads its JSON on stdin)

Forwards the official 5 h / 7 d quota to the daemon (POST /v1/statusline) and prints one line.
Install in ~/.claude/settings.json (or let \`claude-gauge setup --write\` do it):
  "statusLine": { "type": "command", "command": "claude-gauge statusline" }

${DAEMON_FLAGS_HELP}`;

/** What the line shows, pulled defensively from Claude Code's status JSON. */
export interface StatusInfo {
  model: string;
  quota: QuotaReport | null;
}

export function parseStatus(text: string): StatusInfo | null {
  const o = parseJsonObject(text);
  if (!o) return null;
  const model = o.model as Record<string, unknown> | undefined;
  const name =
    typeof model?.display_name === 'string'
      ? model.display_name
      : typeof model?.id === 'string'
        ? model.id
        : '';
  let quota: QuotaReport | null = null;
  if (o.rate_limits !== undefined && o.rate_limits !== null) {
    try {
      quota = parseQuotaReport({ rate_limits: o.rate_limits });
    } catch {
      quota = null;
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a status line must not carry control characters
  return { model: name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, MAX_NAME), quota };
}

/** "42m", "2h14m", "3d4h". */
export function shortDuration(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min}m`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h}h${String(min % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** The printed line: model, 5 h (with the pace projection to its reset), 7 d, and whether the gauge got it. */
export function formatLine(info: StatusInfo | null, forward: ForwardResult, nowMs: number): string {
  if (!info) return 'claude-gauge: no status JSON on stdin';
  const parts: string[] = [];
  if (info.model) parts.push(info.model);
  const five = info.quota?.fiveHour;
  if (five) {
    let s = `5h ${pct(five.usedFraction)}`;
    if (five.resetsAtMs !== null && five.resetsAtMs > nowMs) {
      const elapsed = nowMs - (five.resetsAtMs - WINDOW_5H_MS);
      // The window's average burn so far, projected to its reset.
      const rate = elapsed >= 5 * 60_000 ? five.usedFraction / (elapsed / 60_000) : null;
      const pace = projectPace(five.usedFraction, (five.resetsAtMs - nowMs) / 1000, rate);
      if (pace.pctAtReset !== null) s += ` → ${pct(pace.pctAtReset)}`;
      s += ` ↻ ${shortDuration(five.resetsAtMs - nowMs)}`;
    }
    parts.push(s);
  }
  const seven = info.quota?.sevenDay;
  if (seven) {
    let s = `7d ${pct(seven.usedFraction)}`;
    if (seven.resetsAtMs !== null && seven.resetsAtMs > nowMs)
      s += ` ↻ ${shortDuration(seven.resetsAtMs - nowMs)}`;
    parts.push(s);
  }
  if (!five && !seven) parts.push('quota n/a');
  const gauge: Record<ForwardResult, string | null> = {
    sent: 'gauge ✓',
    down: 'gauge off',
    unauthorized: 'gauge: bad token',
    refused: 'gauge ?',
    skipped: null,
  };
  const g = gauge[forward];
  if (g) parts.push(g);
  return parts.join(' │ ');
}

/** POSTs the quota to the daemon; never takes longer than the endpoint's timeout, never throws. */
export function forward(endpoint: DaemonEndpoint, quota: QuotaReport): Promise<ForwardResult> {
  const win = (w: QuotaReport['fiveHour']) =>
    w
      ? {
          // Back to Claude Code's 0..100 scale, without float noise (23.5, not 23.499999999999996).
          used_percentage: Math.round(w.usedFraction * 1e8) / 1e6,
          ...(w.resetsAtMs !== null ? { resets_at: Math.round(w.resetsAtMs / 1000) } : {}),
        }
      : undefined;
  return postJson(endpoint, '/v1/statusline', {
    rate_limits: { five_hour: win(quota.fiveHour), seven_day: win(quota.sevenDay) },
  });
}

export async function statuslineMain(argv: string[], io: StatuslineIo): Promise<number> {
  const values = parseDaemonFlags(argv, io, { name: 'statusline', help: HELP, badFlagExit: 2 });
  if (typeof values === 'number') return values;
  const now = io.now ?? Date.now;
  const info = parseStatus(await readInput(io.stdin, MAX_STDIN_BYTES));
  const result: ForwardResult = info?.quota
    ? await forward(daemonEndpoint(values, io.env), info.quota)
    : 'skipped';
  io.stdout(`${formatLine(info, result, now())}\n`);
  return 0;
}
