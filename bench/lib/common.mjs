// Shared pieces of the benchmarks: parameters, the daemon and the peer (ccusage) as child processes,
// /proc readings, percentiles, the results table. Loopback only; every wait is bounded.

import { spawn } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { ROOT } from './history.mjs';

export { benchParams, historyParams, ROOT } from './history.mjs';
// BENCH_DAEMON_BIN measures another build (another checkout's bin/claude-gauge.mjs, e.g. before a change).
export const DAEMON_BIN = process.env.BENCH_DAEMON_BIN ?? join(ROOT, 'bin', 'claude-gauge.mjs');
export const CCUSAGE_CLI = join(ROOT, 'node_modules', 'ccusage', 'src', 'cli.js');
export const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64
export const PEER_TTL_MS = 10_000; // seed B: "Cache ccusage output with a 10s TTL"

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nowMs = () => performance.now();

export function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function tempDir(prefix) {
  const base = join(ROOT, '.bench', 'tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:port/path → parsed JSON, or null on any failure (bounded by timeoutMs). */
export async function getJson(port, path, timeoutMs = 2000) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.arrayBuffer();
      return null;
    }
    return await res.json();
  } catch {
    return null;
  }
}

/** utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15). */
export function procCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function procMemMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Starts `claude-gauge serve` on a free loopback port (no mDNS, silent log). */
export async function startDaemon(claudeDir, extraArgs = []) {
  const port = await freePort();
  const startedAt = nowMs();
  const child = spawn(
    process.execPath,
    [
      DAEMON_BIN,
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--claude-dir',
      claudeDir,
      '--no-mdns',
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.stdout.resume();
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    pid: child.pid,
    port,
    startedAt,
    exited,
    stderr: () => stderr,
    hwm: () => procMemMb(child.pid).hwmMb,
    cpu: () => procCpuSeconds(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Polls GET /usage until `accept(payload)` holds; returns { payload, ms } or throws after timeoutMs. */
export async function waitForUsage(port, accept, timeoutMs, everyMs = 5) {
  const t0 = nowMs();
  let last = null;
  while (nowMs() - t0 < timeoutMs) {
    const p = await getJson(port, '/usage', 1000);
    if (p) last = p;
    if (p && accept(p)) return { payload: p, ms: nowMs() - t0 };
    await sleep(everyMs);
  }
  throw new Error(`no accepted /usage within ${timeoutMs} ms (last: ${JSON.stringify(last)?.slice(0, 300)})`);
}

/**
 * Runs a command under GNU time: wall (measured here), user+sys CPU and max RSS of the process tree
 * it waited for. Killed after timeoutMs.
 */
export async function runTimed(cmd, args, { env = {}, timeoutMs = 300_000 } = {}) {
  const dir = tempDir('time');
  const out = join(dir, 'time.txt');
  const t0 = nowMs();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', out, cmd, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC', ...env },
  });
  const chunks = [];
  let stderr = '';
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  const wallMs = nowMs() - t0;
  const line = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
  rmSync(dir, { recursive: true, force: true });
  const [user, sys, maxKb] = line.split(' ').map(Number);
  return {
    code,
    wallMs,
    cpuS: user + sys,
    maxRssMb: maxKb / 1024,
    stdout: Buffer.concat(chunks).toString('utf8'),
    stderr,
  };
}

/** The peer's answer: `ccusage blocks --active --json --offline`, timed. totalTokens of the active block. */
export async function runCcusage(claudeDir) {
  const r = await runTimed(process.execPath, [CCUSAGE_CLI, 'blocks', '--active', '--json', '--offline'], {
    env: { CLAUDE_CONFIG_DIR: claudeDir },
  });
  if (r.code !== 0) throw new Error(`ccusage exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  const json = JSON.parse(r.stdout);
  const active = (json.blocks ?? []).find((b) => b.isActive);
  return { ...r, totalTokens: active ? active.totalTokens : null };
}

export function ratio(gauge, peer, lowerIsBetter = true) {
  if (!Number.isFinite(gauge) || !Number.isFinite(peer) || gauge === 0) return null;
  return lowerIsBetter ? peer / gauge : gauge / peer;
}

/**
 * One table row. `ratio` is how many times better claude-gauge is than the peer (peer / gauge for
 * "lower is better" metrics). `goal` is a text, `met` true/false/null (no goal).
 */
export function row({ bench, metric, unit, gauge, peer = null, goal = '', met = null, note = '' }) {
  return {
    bench,
    metric,
    unit,
    gauge,
    peer,
    ratio: peer === null ? null : ratio(gauge, peer),
    goal,
    met,
    note,
  };
}

function fmtNum(v) {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function formatTable(rows) {
  const head = ['metric', 'claude-gauge', 'peer', 'ratio', 'goal', 'met?'];
  const body = rows.map((r) => [
    `${r.metric}${r.unit ? ` (${r.unit})` : ''}`,
    fmtNum(r.gauge),
    fmtNum(r.peer),
    r.ratio === null ? '-' : `${fmtNum(r.ratio)}x`,
    r.goal || '-',
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Prints the rows and stores them for scripts/bench.mjs (BENCH_RESULTS_DIR) or under .bench/results. */
export function report(name, rows, details = {}) {
  console.log(`\n${name}\n${formatTable(rows)}\n`);
  const dir = process.env.BENCH_RESULTS_DIR ?? join(ROOT, '.bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ name, at: new Date().toISOString(), rows, details }, null, 2)}\n`,
  );
}

/**
 * A live copy of a cached history for benches that write: every file hard-linked (free, same mtime),
 * except the append target (the newest ordinary session), which is copied, so appends never touch the
 * cache. Returns { claudeDir, appendPath, session: { sessionId, cwd, model }, cleanup }.
 */
export function liveCopy(history) {
  const base = tempDir('live');
  const from = history.claudeDir;
  const to = join(base, 'claude');
  const walk = (rel) => {
    mkdirSync(join(to, rel), { recursive: true });
    for (const d of readdirSync(join(from, rel), { withFileTypes: true })) {
      const r = join(rel, d.name);
      if (d.isDirectory()) walk(r);
      else if (join(from, r) === history.meta.appendTarget) {
        copyFileSync(join(from, r), join(to, r));
        const st = statSync(join(from, r));
        utimesSync(join(to, r), st.atime, st.mtime);
      } else linkSync(join(from, r), join(to, r));
    }
  };
  walk('');
  const appendPath = join(to, relative(from, history.meta.appendTarget));
  const head = readFileSync(appendPath, 'utf8').slice(0, 20_000);
  const pick = (key) => new RegExp(`"${key}":"([^"]+)"`).exec(head)?.[1];
  return {
    claudeDir: to,
    appendPath,
    session: { sessionId: pick('sessionId'), cwd: pick('cwd'), model: 'claude-sonnet-4-5-20250929' },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

let appendSerial = 0;

/**
 * One complete assistant line as Claude Code writes it, stamped now, whose four token counts add up to
 * exactly `tokens` (so the window grows by that amount and nothing else).
 */
export function assistantLine(session, tokens) {
  const n = ++appendSerial;
  const tag = `${process.pid.toString(36)}x${n.toString(36)}x${Date.now().toString(36)}`;
  const input = 3;
  const cacheRead = Math.max(0, tokens - input - 200);
  const output = tokens - input - cacheRead;
  return (
    `{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"${session.cwd}","sessionId":"${session.sessionId}",` +
    `"version":"2.1.14","gitBranch":"main","type":"assistant","message":{"id":"msg_01bench${tag}","type":"message",` +
    `"role":"assistant","model":"${session.model}","content":[{"type":"text","text":"bench append ${n}"}],` +
    `"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":${input},"cache_creation_input_tokens":0,` +
    `"cache_read_input_tokens":${cacheRead},"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},` +
    `"output_tokens":${output},"service_tier":"standard"}},"requestId":"req_011Cbench${tag}",` +
    `"uuid":"00000000-0000-4000-a000-${n.toString(16).padStart(12, '0')}","timestamp":"${new Date().toISOString()}"}\n`
  );
}

/**
 * Subscribes to GET /usage/stream (SSE) and keeps the latest payload; `waitFor(pred, ms)` resolves with
 * the time (performance.now()) at which an event satisfying pred arrived.
 */
export async function subscribeUsage(port) {
  const waiters = new Set();
  let latest = null;
  const req = httpGet({ host: '127.0.0.1', port, path: '/usage/stream', agent: false });
  const res = await new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no /usage/stream response in 5 s')));
  });
  req.setTimeout(0);
  if (res.statusCode !== 200) throw new Error(`/usage/stream answered ${res.statusCode}`);
  res.setEncoding('utf8');
  let buf = '';
  res.on('data', (chunk) => {
    const at = nowMs();
    buf += chunk;
    let cut = buf.indexOf('\n\n');
    while (cut >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      cut = buf.indexOf('\n\n');
      const data = event
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (!data) continue;
      latest = JSON.parse(data);
      for (const w of waiters) if (w.pred(latest)) w.resolve(at);
    }
  });
  return {
    latest: () => latest,
    waitFor(pred, timeoutMs) {
      if (latest && pred(latest)) return Promise.resolve(nowMs());
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (at) => {
            clearTimeout(w.timer);
            waiters.delete(w);
            resolve(at);
          },
        };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching /usage/stream event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () => req.destroy(),
  };
}
