#!/usr/bin/env node
// append → /usage reflects it. A daemon runs on a live copy of the generated history; we append one
// assistant line at a time (each with a unique token count) to the newest session file and time from
// appendFileSync returning until the daemon shows window_5h_tokens = before + that count:
//   - main figure: GET /usage polled back to back (keep-alive), 200 appends 100-300 ms apart (random, so
//     no phase lock with any timer), 5 s bound on each;
//   - GET /usage/stream (SSE) events, 100 appends (the service coalesces changes for 25 ms first);
//   - bursts: 100 appends 10-40 ms apart, closer than the 50 ms throttle of the watcher the daemon used before (chokidar 4).
//
// Peer: seed B's daemon (data-sources.md, "Daemon (B)"): GET /usage runs `ccusage blocks` unless its
// output is less than 10 s old. Reproduced here in-process: a 1 Hz poller (the ESP32) calls a handler that
// spawns the pinned ccusage (`blocks --active --json --offline`, lighter than seed B's
// `npx ccusage@latest blocks --json`) when the cache is ≥ 10 s old and otherwise answers from it. 5
// appends, each at a random point of the cache period; latency = append → first poll answer with the new
// total. Options: --size 1g --days 60 --biggest 700m --seed 1 --quick
import { appendFileSync } from 'node:fs';
import {
  assistantLine,
  benchParams,
  historyParams,
  liveCopy,
  nowMs,
  PEER_TTL_MS,
  percentile,
  report,
  row,
  runCcusage,
  sleep,
  startDaemon,
  subscribeUsage,
  waitForUsage,
} from './lib/common.mjs';
import { ensureHistory } from './lib/history.mjs';

const APPENDS = Number(process.env.BENCH_APPENDS ?? 200);
const PEER_APPENDS = Number(process.env.BENCH_PEER_APPENDS ?? 5);
const params = benchParams(process.argv.slice(2));
const history = await ensureHistory(historyParams(params), { needMs: 15 * 60_000 });
const live = liveCopy(history);
let serial = 0;
const uniqueTokens = () => 10_000 + 17 * ++serial; // never the same count twice

/**
 * `count` appends, `gapMs()` apart. mode 'poll': GET /usage back to back (keep-alive) until the window
 * shows the append; 'sse': the first /usage/stream event that shows it.
 */
async function measureGauge(d, mode, count, gapMs) {
  const latencies = [];
  let timeouts = 0;
  const sub = await subscribeUsage(d.port);
  try {
    await sub.waitFor(() => true, 5000);
    let window = sub.latest().window_5h_tokens;
    for (let i = 0; i < count; i++) {
      const tokens = uniqueTokens();
      const expected = window + tokens;
      appendFileSync(live.appendPath, assistantLine(live.session, tokens));
      const t0 = nowMs();
      try {
        if (mode === 'sse')
          latencies.push(Math.max(0, (await sub.waitFor((p) => p.window_5h_tokens === expected, 5000)) - t0));
        else latencies.push((await waitForUsage(d.port, (p) => p.window_5h_tokens === expected, 5000, 0)).ms);
      } catch {
        timeouts++;
      }
      window = (await waitForUsage(d.port, (p) => p.window_5h_tokens >= expected, 15_000, 5)).payload
        .window_5h_tokens;
      await sleep(gapMs());
    }
  } finally {
    sub.close();
  }
  console.log(`claude-gauge ${mode}: ${count} appends, ${timeouts} not seen within 5 s`);
  return { latencies, timeouts };
}

async function measurePeer() {
  let cache = null;
  const spawnMs = [];
  // Seed B's handler: ccusage when the cached output is 10 s old or more, else the cache.
  const handle = async () => {
    if (!cache || Date.now() - cache.at >= PEER_TTL_MS) {
      const r = await runCcusage(live.claudeDir);
      spawnMs.push(r.wallMs);
      cache = { tokens: r.totalTokens, at: Date.now() };
    }
    return cache.tokens;
  };
  const listeners = new Set();
  let running = true;
  let last = null;
  let failure = null;
  const poller = (async () => {
    while (running && !failure) {
      const start = nowMs();
      try {
        last = await handle();
      } catch (err) {
        failure = err;
        break;
      }
      const at = nowMs();
      for (const l of listeners) l(last, at);
      await sleep(Math.max(0, 1000 - (nowMs() - start)));
    }
  })();
  const latencies = [];
  let timeouts = 0;
  try {
    while (last === null && !failure) await sleep(50);
    if (failure) throw failure;
    let window = last;
    for (let i = 0; i < PEER_APPENDS; i++) {
      await sleep(Math.random() * PEER_TTL_MS);
      const tokens = uniqueTokens();
      const expected = window + tokens;
      appendFileSync(live.appendPath, assistantLine(live.session, tokens));
      const t0 = nowMs();
      const at = await new Promise((resolve) => {
        const timer = setTimeout(() => done(null), 120_000);
        const done = (v) => {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(v);
        };
        const check = (tokensNow, atNow) => tokensNow === expected && done(atNow);
        listeners.add(check);
      });
      if (at === null) timeouts++;
      else latencies.push(at - t0);
      window = expected;
      console.log(
        `peer append ${i + 1}/${PEER_APPENDS}: ${at === null ? 'timeout' : `${((at - t0) / 1000).toFixed(2)} s`}`,
      );
    }
  } finally {
    running = false;
    await poller;
  }
  return { latencies, timeouts, spawnMs };
}

const between = (lo, hi) => () => lo + Math.random() * (hi - lo);
try {
  const d = await startDaemon(live.claudeDir);
  let spaced;
  let sse;
  let burst;
  try {
    await waitForUsage(d.port, (p) => !p.stale && p.window_5h_reset_in_s !== null, 60_000, 20);
    spaced = await measureGauge(d, 'poll', APPENDS, between(100, 300));
    sse = await measureGauge(d, 'sse', APPENDS / 2, between(100, 300));
    burst = await measureGauge(d, 'poll', APPENDS / 2, between(10, 40));
  } finally {
    await d.stop();
  }
  const peer = await measurePeer();
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const g = sorted(spaced.latencies);
  const p = sorted(peer.latencies);
  // More than 5 % of appends never seen: the p95 is unbounded.
  const p95of = (r, n) =>
    r.timeouts > n * 0.05 ? Number.POSITIVE_INFINITY : percentile(sorted(r.latencies), 0.95);
  const p95 = p95of(spaced, APPENDS);
  const spawnMedian = percentile(sorted(peer.spawnMs), 0.5);
  const B = 'append-latency';
  const rows = [
    row({
      bench: B,
      metric: `append -> GET /usage p50 (${APPENDS} appends 100-300 ms apart; peer ${PEER_APPENDS})`,
      unit: 'ms',
      gauge: percentile(g, 0.5),
      peer: percentile(p, 0.5),
    }),
    row({
      bench: B,
      metric: 'append -> GET /usage p95',
      unit: 'ms',
      gauge: p95,
      peer: percentile(p, 0.95),
      goal: '<= 20 ms',
      met: p95 <= 20,
    }),
    row({
      bench: B,
      metric: 'append -> GET /usage max',
      unit: 'ms',
      gauge: g[g.length - 1],
      peer: p[p.length - 1],
    }),
    row({
      bench: B,
      metric: `append -> /usage/stream event p50 (${APPENDS / 2} appends)`,
      unit: 'ms',
      gauge: percentile(sorted(sse.latencies), 0.5),
      peer: percentile(p, 0.5),
    }),
    row({
      bench: B,
      metric: 'append -> /usage/stream event p95',
      unit: 'ms',
      gauge: p95of(sse, APPENDS / 2),
      peer: percentile(p, 0.95),
    }),
    row({
      bench: B,
      metric: `append -> GET /usage p95, bursts 10-40 ms apart (${APPENDS / 2})`,
      unit: 'ms',
      gauge: p95of(burst, APPENDS / 2),
      peer: percentile(p, 0.95),
    }),
    row({
      bench: B,
      metric: 'appends never seen (bound 5 s; peer 120 s)',
      unit: 'count',
      gauge: spaced.timeouts + sse.timeouts + burst.timeouts,
      peer: peer.timeouts,
      goal: '0',
      met: spaced.timeouts + sse.timeouts + burst.timeouts === 0,
    }),
  ];
  report('append-latency', rows, {
    method:
      'daemon: GET /usage polled back to back (and /usage/stream events); peer: seed B handler (10 s TTL, ccusage on expiry) polled at 1 Hz',
    gaugeLatenciesMs: spaced.latencies.map((x) => Math.round(x * 100) / 100),
    sseLatenciesMs: sse.latencies.map((x) => Math.round(x * 100) / 100),
    burstLatenciesMs: burst.latencies.map((x) => Math.round(x * 100) / 100),
    peerLatenciesMs: peer.latencies.map(Math.round),
    peerCcusageSpawnMedianMs: Math.round(spawnMedian),
  });
} finally {
  live.cleanup();
}
