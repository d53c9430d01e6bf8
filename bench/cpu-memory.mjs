#!/usr/bin/env node
// CPU and memory of the running daemon on the generated history, against the seed B design.
//   claude-gauge: `serve` on a live copy of the history; after its first correct answer and a 3 s
//   settle, (1) idle: nothing at all for W seconds; (2) loaded: GET /usage at 1 Hz plus one appended
//   assistant line per second for W seconds. CPU = utime + stime from /proc/<pid>/stat, before/after.
//   Memory: VmHWM (peak) and VmRSS from /proc/<pid>/status at the end.
//   Peer (seed B): ccusage spawned every 10 s (its 10 s cache under 1 Hz polling) for the same W seconds,
//   with the same appends; CPU = user + sys of each ccusage process tree (GNU time), summed; memory = its
//   peak RSS. Seed B's own web server and JSONL tail are not counted (in the peer's favour).
// W = 60 s (20 s with --quick). Options: --size 1g --days 60 --biggest 700m --seed 1 --quick
import { appendFileSync } from 'node:fs';
import {
  assistantLine,
  benchParams,
  getJson,
  historyParams,
  liveCopy,
  nowMs,
  PEER_TTL_MS,
  procMemMb,
  report,
  row,
  runCcusage,
  sleep,
  startDaemon,
  waitForUsage,
} from './lib/common.mjs';
import { ensureHistory } from './lib/history.mjs';

const params = benchParams(process.argv.slice(2));
const W = params.quick ? 20 : 60;
const history = await ensureHistory(historyParams(params), { needMs: 15 * 60_000 });
const live = liveCopy(history);
let serial = 0;

/** Runs `tick(i)` once per second for W seconds (fixed schedule, no drift). */
async function everySecond(tick) {
  const start = nowMs();
  for (let i = 0; i < W; i++) {
    await tick(i);
    await sleep(Math.max(0, start + (i + 1) * 1000 - nowMs()));
  }
}

try {
  const d = await startDaemon(live.claudeDir);
  let idleCpu;
  let loadedCpu;
  let mem;
  let polls = 0;
  try {
    await waitForUsage(d.port, (p) => !p.stale && p.window_5h_reset_in_s !== null, 60_000, 20);
    await sleep(3000);
    console.log(`claude-gauge idle for ${W} s…`);
    let c0 = d.cpu();
    await sleep(W * 1000);
    idleCpu = d.cpu() - c0;
    console.log(`claude-gauge: 1 Hz GET /usage + 1 append/s for ${W} s…`);
    c0 = d.cpu();
    await everySecond(async () => {
      appendFileSync(live.appendPath, assistantLine(live.session, 20_000 + ++serial));
      if (await getJson(d.port, '/usage', 900)) polls++;
    });
    loadedCpu = d.cpu() - c0;
    mem = { hwm: d.hwm(), rss: procMemMb(d.pid).rssMb };
  } finally {
    await d.stop();
  }

  console.log(`peer: ccusage every ${PEER_TTL_MS / 1000} s + 1 append/s for ${W} s…`);
  const runs = [];
  const start = nowMs();
  const appender = everySecond(() =>
    appendFileSync(live.appendPath, assistantLine(live.session, 20_000 + ++serial)),
  );
  while (nowMs() - start < W * 1000) {
    const t = nowMs();
    runs.push(await runCcusage(live.claudeDir));
    await sleep(Math.max(0, t + PEER_TTL_MS - nowMs()));
  }
  await appender;
  const peerCpu = runs.reduce((s, r) => s + r.cpuS, 0);
  const peerWall = (nowMs() - start) / 1000;
  const peerRss = Math.max(...runs.map((r) => r.maxRssMb));

  const pct = (cpuS, s) => (100 * cpuS) / s;
  const loadedPct = pct(loadedCpu, W);
  const idlePct = pct(idleCpu, W);
  const peerPct = pct(peerCpu, peerWall);
  const B = 'cpu-memory';
  const rows = [
    row({
      bench: B,
      metric: `CPU, 1 Hz polling + 1 append/s, ${W} s (peer: ${runs.length} ccusage runs)`,
      unit: '% of a core',
      gauge: loadedPct,
      peer: peerPct,
      goal: '<= 0.5 %',
      met: loadedPct <= 0.5,
    }),
    row({
      bench: B,
      metric: `CPU idle, no polling, ${W} s`,
      unit: '% of a core',
      gauge: idlePct,
      goal: '<= 0.5 %',
      met: idlePct <= 0.5,
    }),
    row({
      bench: B,
      metric: 'peak RSS: daemon VmHWM vs ccusage max RSS',
      unit: 'MB',
      gauge: mem.hwm,
      peer: peerRss,
      goal: '<= 100 MB',
      met: mem.hwm <= 100,
    }),
    row({
      bench: B,
      metric: `RSS at the end of the ${W} s run (VmRSS)`,
      unit: 'MB',
      gauge: mem.rss,
      peer: peerRss,
      goal: '<= 100 MB',
      met: mem.rss <= 100,
    }),
  ];
  report(B, rows, {
    windowS: W,
    gaugeCpuS: { idle: idleCpu, loaded: loadedCpu },
    gaugePollsAnswered: polls,
    peerRuns: runs.map((r) => ({ wallS: r.wallMs / 1000, cpuS: r.cpuS, maxRssMb: r.maxRssMb })),
  });
} finally {
  live.cleanup();
}
