#!/usr/bin/env node
// Cold start to the first correct payload, claude-gauge vs `ccusage blocks --active --json --offline`,
// on the generated history (default 1 GB / 60 days / one ~700 MB file), plus the peak RSS of each.
//   claude-gauge, two ways: `claude-gauge usage --json` end to end (process start to exit), and
//   `claude-gauge serve` start → first GET /usage answer whose window_5h_tokens is the right one.
// Correctness: the daemon's window_5h_tokens must equal ccusage's active-block totalTokens.
// Each is run RUNS times (after one ccusage warm-up run, so both read from the page cache); the table
// shows medians. Beside them, two references that are not claude-gauge: `node -e 0` (Node's own start)
// and lib/floor-reader.cjs, a naive reader doing only what no exact Node reader can skip (list, read back,
// JSON.parse the usage lines). They bound the speed-up any Node implementation can reach on this machine.
// Options: --size 1g --days 60 --biggest 700m --seed 1 --quick
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  benchParams,
  CCUSAGE_CLI,
  DAEMON_BIN,
  historyParams,
  nowMs,
  ROOT,
  report,
  row,
  runCcusage,
  runTimed,
  startDaemon,
  waitForUsage,
} from './lib/common.mjs';
import { ensureHistory, formatBytes } from './lib/history.mjs';

const RUNS = 3;
const params = benchParams(process.argv.slice(2));
const { claudeDir, meta } = await ensureHistory(historyParams(params), { needMs: 10 * 60_000 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `cold start on ${formatBytes(meta.bytes)}, ${meta.files} files, biggest ${formatBytes(meta.biggestBytes)}`,
);
spawnSync('sync');
const warm = await runCcusage(claudeDir);
if (warm.totalTokens === null) throw new Error('ccusage sees no active block: the history is too old');
const expected = warm.totalTokens;
const floorFromMs = await readBackFrom(claudeDir);
const FLOOR_READER = join(ROOT, 'bench', 'lib', 'floor-reader.cjs');

/**
 * How far back any exact reader must go: 5 h before the first entry of the active block's chain, to see
 * the gap that anchors it. Taken from ccusage's own blocks: the end of its last gap block is that entry.
 */
async function readBackFrom(dir) {
  const r = await runTimed(process.execPath, [CCUSAGE_CLI, 'blocks', '--json', '--offline'], {
    env: { CLAUDE_CONFIG_DIR: dir },
  });
  if (r.code !== 0) throw new Error(`ccusage blocks exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  const blocks = JSON.parse(r.stdout).blocks ?? [];
  const lastGap = blocks.findLast((b) => b.isGap);
  const first = lastGap ? Date.parse(lastGap.endTime) : Date.parse(blocks[0]?.startTime ?? '');
  if (!Number.isFinite(first)) throw new Error('ccusage blocks gave no block to start from');
  return first - 5 * 3_600_000;
}

/** One timed run of a reference (not claude-gauge); its wall time in ms. */
async function timeReference(args, check) {
  const r = await runTimed(process.execPath, args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  check?.(r.stdout);
  return r.wallMs;
}
const floorCheck = (stdout) => {
  if (!(JSON.parse(stdout).usageLines > 0)) throw new Error(`the floor reader read nothing: ${stdout}`);
};

const peer = [];
const usageCli = [];
const serve = [];
const serveHwm = [];
const nodeStart = [];
const floor1 = [];
const floor2 = [];
for (let i = 0; i < RUNS; i++) {
  const c = await runCcusage(claudeDir);
  if (c.totalTokens !== expected)
    throw new Error(`ccusage changed its answer: ${c.totalTokens} vs ${expected}`);
  peer.push(c);

  const u = await runTimed(
    process.execPath,
    [DAEMON_BIN, 'usage', '--json', '--claude-dir', claudeDir, '--no-mdns'],
    {
      timeoutMs: 120_000,
    },
  );
  const payload = JSON.parse(u.stdout);
  if (payload.window_5h_tokens !== expected)
    throw new Error(`usage --json says window_5h_tokens ${payload.window_5h_tokens}, ccusage ${expected}`);
  usageCli.push(u);

  const d = await startDaemon(claudeDir);
  try {
    const first = await waitForUsage(d.port, (p) => p.window_5h_tokens === expected, 60_000, 5);
    serve.push(nowMs() - d.startedAt);
    serveHwm.push(d.hwm());
    if (first.payload.stale) throw new Error('first correct /usage answer is stale');
  } finally {
    await d.stop();
  }
  nodeStart.push(await timeReference(['-e', '0']));
  floor1.push(await timeReference([FLOOR_READER, claudeDir, String(floorFromMs), '1'], floorCheck));
  floor2.push(await timeReference([FLOOR_READER, claudeDir, String(floorFromMs), '2'], floorCheck));
  console.log(
    `run ${i + 1}: ccusage ${(c.wallMs / 1000).toFixed(2)} s ${c.maxRssMb.toFixed(0)} MB | usage --json ${(u.wallMs / 1000).toFixed(3)} s ` +
      `${u.maxRssMb.toFixed(0)} MB | serve → /usage ${(serve[i] / 1000).toFixed(3)} s | window_5h_tokens ${payload.window_5h_tokens} = ${c.totalTokens}`,
  );
  console.log(
    `       references: node -e 0 ${(nodeStart[i] / 1000).toFixed(3)} s | floor reader ${(floor1[i] / 1000).toFixed(3)} s, ` +
      `with a worker ${(floor2[i] / 1000).toFixed(3)} s`,
  );
}

const peerS = median(peer.map((r) => r.wallMs)) / 1000;
const cliS = median(usageCli.map((r) => r.wallMs)) / 1000;
const serveS = median(serve) / 1000;
const peerRss = Math.max(...peer.map((r) => r.maxRssMb));
const cliRss = Math.max(...usageCli.map((r) => r.maxRssMb));
const serveRss = Math.max(...serveHwm);
const speedGoal = (s) => s <= 0.5 && peerS / s >= 20;
const reference = (metric, ms, note) =>
  row({ bench: 'cold-start', metric, unit: 's', gauge: median(ms) / 1000, peer: peerS, note });
const rows = [
  row({
    bench: 'cold-start',
    metric: 'window_5h_tokens (must be equal)',
    unit: 'tokens',
    gauge: expected,
    peer: expected,
    goal: 'equal',
    met: true,
  }),
  row({
    bench: 'cold-start',
    metric: 'cold start, usage --json end to end',
    unit: 's',
    gauge: cliS,
    peer: peerS,
    goal: '<= 0.5 s, >= 20x',
    met: speedGoal(cliS),
  }),
  reference('reference, not claude-gauge: node -e 0', nodeStart, "Node's own start and exit"),
  reference(
    'reference, not claude-gauge: floor reader, 1 thread',
    floor1,
    'list, read back, JSON.parse usage lines; nothing else',
  ),
  reference('reference, not claude-gauge: floor reader, 2 threads', floor2, 'the same, half in a worker'),
  row({
    bench: 'cold-start',
    metric: 'cold start, serve -> first correct /usage',
    unit: 's',
    gauge: serveS,
    peer: peerS,
    goal: '<= 0.5 s, >= 20x',
    met: speedGoal(serveS),
  }),
  row({
    bench: 'cold-start',
    metric: 'peak RSS, usage --json vs ccusage',
    unit: 'MB',
    gauge: cliRss,
    peer: peerRss,
    goal: '<= 100 MB',
    met: cliRss <= 100,
  }),
  row({
    bench: 'cold-start',
    metric: 'peak RSS (VmHWM), serve at first answer',
    unit: 'MB',
    gauge: serveRss,
    peer: peerRss,
    goal: '<= 100 MB',
    met: serveRss <= 100,
  }),
];
report('cold-start', rows, {
  history: { bytes: meta.bytes, files: meta.files, biggestBytes: meta.biggestBytes, days: meta.params.days },
  runs: RUNS,
  ccusageWallS: peer.map((r) => r.wallMs / 1000),
  usageJsonWallS: usageCli.map((r) => r.wallMs / 1000),
  nodeStartWallS: nodeStart.map((ms) => ms / 1000),
  floorReaderWallS: floor1.map((ms) => ms / 1000),
  floorReaderTwoThreadsWallS: floor2.map((ms) => ms / 1000),
  floorReadBackFrom: new Date(floorFromMs).toISOString(),
  twentyTimesNeedsS: peerS / 20,
  serveFirstAnswerS: serve.map((ms) => ms / 1000),
  expectedTokens: expected,
});
const floorS = median(floor1) / 1000;
console.log(
  `20x ccusage means <= ${(peerS / 20).toFixed(3)} s here. Node alone takes ${(median(nodeStart) / 1000).toFixed(3)} s; ` +
    `the floor reader, which checks nothing, ${floorS.toFixed(3)} s (${(peerS / floorS).toFixed(1)}x ccusage).`,
);
