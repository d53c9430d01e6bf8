#!/usr/bin/env node
// GET /usage latency under hostile load, beside the idle figure (issue 16). A daemon runs with
// --source otlp on loopback; a 1 Hz gauge would poll far less, here GET /usage is polled back to back
// (5 ms apart) and timed, in three phases:
//   1. idle: nothing else happens;
//   2. five 15 MB OTLP JSON batches (gzip on the wire, ~55,000 token points each, all decoded and
//      counted), posted one after another: the goal is /usage p99 <= 50 ms meanwhile;
//   3. a flood of hostile requests from another process (16 at a time: 404s carrying ?token=, foreign Host
//      headers, foreign Origins) for 10 s (a figure, no goal: the issue sets none).
// The daemon also measures its own event-loop delay per phase (bench/lib/loop-delay-probe.mjs): on a busy
// machine the poller's figures include its own scheduling delays, the daemon's do not.
// The batches are generated before any timing starts, and the flood runs in its own process, so the
// poller's own event loop is never what is measured. Options: --quick (2 batches, shorter phases).
// BENCH_DAEMON_BIN=<path to bin/claude-gauge.mjs> measures another build (e.g. before a change).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { nowMs, percentile, ROOT, report, row, sleep, startDaemon, tempDir } from './lib/common.mjs';
import { tokenBatchJson } from './lib/otlp-batch.mjs';

const quick = process.argv.includes('--quick');
const BATCHES = quick ? 2 : 5;
const BATCH_BYTES = 15 * 1024 * 1024;
const IDLE_MS = quick ? 5_000 : 10_000;
const FLOOD_MS = quick ? 5_000 : 10_000;
const POLL_GAP_MS = 5;
const GOAL_MS = 50;

/** GET /usage back to back (POLL_GAP_MS apart) until `done()`; the latency of each, ms. */
async function poll(port, done) {
  const lat = [];
  let failures = 0;
  while (!done()) {
    const t0 = nowMs();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/usage`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.ok) lat.push(nowMs() - t0);
      else failures++;
    } catch {
      failures++;
    }
    await sleep(POLL_GAP_MS);
  }
  return { lat: lat.sort((a, b) => a - b), failures };
}

const FLOOD = `
const http = require('node:http');
const [port, ms] = process.argv.slice(1).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const kinds = [
  { path: '/probe/x?token=s3cret-in-a-query', headers: {} },
  { path: '/usage/stream/?token=s3cret-in-a-query', headers: {} },
  { path: '/usage', headers: { Host: 'rebind.attacker.example' } },
  { path: '/usage', headers: { Origin: 'https://attacker.example' } },
];
let n = 0;
const end = Date.now() + ms;
function one(i) {
  if (Date.now() > end) return;
  const k = kinds[i % kinds.length];
  const req = http.request({ host: '127.0.0.1', port, path: k.path, headers: k.headers, agent }, (res) => {
    res.resume();
    res.on('end', () => { n++; one(i + 16); });
  });
  req.on('error', () => one(i + 16));
  req.end();
}
for (let i = 0; i < 16; i++) one(i);
const t = setInterval(() => { if (Date.now() > end + 2000) { clearInterval(t); console.log(n); process.exit(0); } }, 200);
`;

function flood(port, ms) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', FLOOD, String(port), String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms + 30_000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(Number(out.trim()) || 0);
    });
  });
}

const summary = (l) => ({
  n: l.lat.length,
  failures: l.failures,
  p50: percentile(l.lat, 0.5),
  p99: percentile(l.lat, 0.99),
  max: l.lat[l.lat.length - 1] ?? Number.NaN,
});

const dir = tempDir('hostile-load');
console.log(`generating ${BATCHES} OTLP batches of ${BATCH_BYTES / 1024 / 1024} MiB...`);
const bodies = [];
for (let i = 0; i < BATCHES; i++)
  bodies.push(gzipSync(tokenBatchJson({ bytes: BATCH_BYTES, nowMs: Date.now(), seed: i })));
// The daemon measures its own event-loop delay too (bench/lib/loop-delay-probe.mjs), read per phase.
const loopFile = join(dir, 'loop-delay.json');
const probe = pathToFileURL(join(ROOT, 'bench', 'lib', 'loop-delay-probe.mjs')).href;
const savedOptions = process.env.NODE_OPTIONS;
process.env.NODE_OPTIONS = `${savedOptions ?? ''} --import=${probe}`.trim();
process.env.LOOP_DELAY_FILE = loopFile;
const d = await startDaemon(dir, ['--source', 'otlp', '--ui', 'none']);
if (savedOptions === undefined) delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = savedOptions;
delete process.env.LOOP_DELAY_FILE;

/** The daemon's event-loop delay since the last call ({p50, p99, max} ms). */
async function loopDelay() {
  rmSync(loopFile, { force: true });
  d.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(loopFile); i++) await sleep(20);
  await sleep(20);
  try {
    return JSON.parse(readFileSync(loopFile, 'utf8'));
  } catch {
    return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  }
}
try {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${d.port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(50);
  }

  // 1. idle
  await loopDelay();
  const idleEnd = Date.now() + IDLE_MS;
  const idle = summary(await poll(d.port, () => Date.now() > idleEnd));
  const idleLoop = await loopDelay();
  console.log('idle', idle, 'daemon loop delay', idleLoop);

  // 2. 15 MB OTLP batches, one after another
  let batchesDone = false;
  const batchMs = [];
  const accepted = [];
  const poller = poll(d.port, () => batchesDone);
  for (const body of bodies) {
    const t0 = nowMs();
    const res = await fetch(`http://127.0.0.1:${d.port}/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body,
      signal: AbortSignal.timeout(120_000),
    });
    await res.arrayBuffer();
    batchMs.push(nowMs() - t0);
    accepted.push(`${res.status}:${res.headers.get('x-claude-gauge-accepted')}`);
  }
  batchesDone = true;
  const otlp = summary(await poller);
  const otlpLoop = await loopDelay();
  console.log('otlp', otlp, 'batches', batchMs.map(Math.round), accepted, 'daemon loop delay', otlpLoop);

  // 3. a flood of 404s, foreign Hosts and Origins from another process
  let floodDone = false;
  const floodPoller = poll(d.port, () => floodDone);
  const flooded = await flood(d.port, FLOOD_MS);
  floodDone = true;
  const fl = summary(await floodPoller);
  const floodLoop = await loopDelay();
  console.log('flood', fl, 'requests', flooded, 'daemon loop delay', floodLoop);

  const B = 'hostile-load';
  const sortedBatch = [...batchMs].sort((a, b) => a - b);
  report(
    B,
    [
      row({ bench: B, metric: `GET /usage p50, idle (${idle.n} requests)`, unit: 'ms', gauge: idle.p50 }),
      row({ bench: B, metric: 'GET /usage p99, idle', unit: 'ms', gauge: idle.p99 }),
      row({
        bench: B,
        metric: `GET /usage p50 during ${BATCHES} OTLP batches of 15 MiB (${otlp.n} requests)`,
        unit: 'ms',
        gauge: otlp.p50,
      }),
      row({
        bench: B,
        metric: `GET /usage p99 during ${BATCHES} OTLP batches of 15 MiB`,
        unit: 'ms',
        gauge: otlp.p99,
        goal: `<= ${GOAL_MS} ms`,
        met: otlp.p99 <= GOAL_MS && otlp.failures === 0,
      }),
      row({ bench: B, metric: 'GET /usage max during the batches', unit: 'ms', gauge: otlp.max }),
      row({ bench: B, metric: "the daemon's event-loop delay p99, idle", unit: 'ms', gauge: idleLoop.p99 }),
      row({
        bench: B,
        metric: "the daemon's event-loop delay p99 during the batches",
        unit: 'ms',
        gauge: otlpLoop.p99,
      }),
      row({
        bench: B,
        metric: "the daemon's event-loop delay max during the batches",
        unit: 'ms',
        gauge: otlpLoop.max,
      }),
      row({
        bench: B,
        metric: 'one 15 MiB OTLP batch, POST to 200 (median)',
        unit: 'ms',
        gauge: percentile(sortedBatch, 0.5),
      }),
      row({
        bench: B,
        metric: `GET /usage p99 during a flood of 404/421/403 requests (${Math.round(flooded / (FLOOD_MS / 1000))}/s)`,
        unit: 'ms',
        gauge: fl.p99,
      }),
    ],
    {
      method:
        'GET /usage back to back (5 ms apart) idle, during 15 MiB OTLP batches posted one after another, and during a hostile-request flood from another process',
      idle,
      otlp: { ...otlp, batchMs: batchMs.map(Math.round), accepted },
      flood: { ...fl, requests: flooded },
    },
  );
} finally {
  await d.stop();
  rmSync(dir, { recursive: true, force: true });
}
