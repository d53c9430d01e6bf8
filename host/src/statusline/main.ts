// `claude-gauge statusline`: Claude Code's statusLine command. Reads the status JSON on stdin, forwards the
// official quota (rate_limits) to the daemon's POST /v1/statusline, and prints one compact line.
// It runs on every status refresh, so it must be quick whatever the daemon does: it imports only Node
// built-ins and quota.ts (no Fastify, no config loader), waits at most FORWARD_TIMEOUT_MS for the daemon,
// and always prints a line and exits 0 (a failing command would blank Claude Code's status bar) except on
// a bad flag, which is a setup error to show.

import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { parseQuotaReport, projectPace, type QuotaReport } from './quota.js';

export const FORWARD_TIMEOUT_MS = 300;
const STDIN_TIMEOUT_MS = 1000;
const MAX_STDIN_BYTES = 256 * 1024;
const MAX_NAME = 40;
const WINDOW_5H_MS = 5 * 3_600_000;

export interface StatuslineIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

export type ForwardResult = 'sent' | 'down' | 'unauthorized' | 'refused' | 'skipped';

const HELP = `claude-gauge statusline: Claude Code statusLine command (reads its JSON on stdin)

Forwards the official 5 h / 7 d quota to the daemon (POST /v1/statusline) and prints one line.
Install in ~/.claude/settings.json:
  "statusLine": { "type": "command", "command": "claude-gauge statusline" }

Flags (env):
  --url <url>      daemon base URL [http://<host>:<port>]
  --host <h>       daemon host (CLAUDE_GAUGE_HOST) [127.0.0.1]
  --port <n>       daemon port (CLAUDE_GAUGE_PORT) [8787]
  --token <t>      bearer token (CLAUDE_GAUGE_TOKEN) [none]
  --timeout-ms <n> how long to wait for the daemon [${FORWARD_TIMEOUT_MS}]
`;

/** Reads stdin up to a size and time bound; a TTY (run by hand) is not waited for. */
export function readInput(stdin: StatuslineIo['stdin'], timeoutMs = STDIN_TIMEOUT_MS): Promise<string> {
  if (stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', finish);
      stdin.removeListener('error', finish);
      stdin.pause?.();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size >= MAX_STDIN_BYTES) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', finish);
  });
}

/** What the line shows, pulled defensively from Claude Code's status JSON. */
export interface StatusInfo {
  model: string;
  quota: QuotaReport | null;
}

export function parseStatus(text: string): StatusInfo | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
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

/** POSTs the quota to the daemon; never takes longer than timeoutMs, never throws. */
export function forward(
  baseUrl: string,
  token: string | null,
  quota: QuotaReport,
  timeoutMs = FORWARD_TIMEOUT_MS,
): Promise<ForwardResult> {
  const win = (w: QuotaReport['fiveHour']) =>
    w
      ? {
          // Back to Claude Code's 0..100 scale, without float noise (23.5, not 23.499999999999996).
          used_percentage: Math.round(w.usedFraction * 1e8) / 1e6,
          ...(w.resetsAtMs !== null ? { resets_at: Math.round(w.resetsAtMs / 1000) } : {}),
        }
      : undefined;
  const body = JSON.stringify({
    rate_limits: { five_hour: win(quota.fiveHour), seven_day: win(quota.sevenDay) },
  });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: ForwardResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let url: URL;
    try {
      url = new URL('/v1/statusline', baseUrl);
    } catch {
      settle('refused');
      return;
    }
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        settle(code >= 200 && code < 300 ? 'sent' : code === 401 ? 'unauthorized' : 'refused');
      },
    );
    // A hard deadline over the whole exchange (connect, send, answer): a hung daemon costs 300 ms at most.
    const timer = setTimeout(() => {
      settle('down');
      req.destroy();
    }, timeoutMs);
    req.on('error', () => settle('down'));
    req.end(body);
  });
}

function daemonUrl(values: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  if (typeof values.url === 'string') return values.url;
  let host = (typeof values.host === 'string' ? values.host : env.CLAUDE_GAUGE_HOST) || '127.0.0.1';
  // A daemon bound to every interface is reached on loopback.
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const port = (typeof values.port === 'string' ? values.port : env.CLAUDE_GAUGE_PORT) || '8787';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function statuslineMain(argv: string[], io: StatuslineIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr(`claude-gauge statusline: ${(err as Error).message.split('\n')[0]} (see --help)\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const timeoutRaw = Number(values['timeout-ms'] ?? FORWARD_TIMEOUT_MS);
  const timeoutMs =
    Number.isFinite(timeoutRaw) && timeoutRaw > 0 ? Math.min(timeoutRaw, 5000) : FORWARD_TIMEOUT_MS;
  const token = (typeof values.token === 'string' ? values.token : io.env.CLAUDE_GAUGE_TOKEN) || null;
  const now = io.now ?? Date.now;

  const info = parseStatus(await readInput(io.stdin));
  const result: ForwardResult = info?.quota
    ? await forward(daemonUrl(values, io.env), token, info.quota, timeoutMs)
    : 'skipped';
  io.stdout(`${formatLine(info, result, now())}\n`);
  return 0;
}
