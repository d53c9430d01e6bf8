#!/usr/bin/env node
// `npm run bench`: generates (or reuses) the benchmark history, runs every bench/*.mjs in name order,
// one at a time (2 shared cores: parallel runs would measure each other), then prints one combined table
// and writes reports/bench.json.
//   npm run bench                  1 GB / 60 days / ~700 MB biggest file (generated once, cached in .bench/)
//   npm run bench -- --quick       ~100 MB, shorter CPU windows: a fast check
//   npm run bench -- --size 2g --days 90 --biggest 1g --seed 7
//   npm run bench -- --only device       only the named bench/*.mjs (comma-separated); no history is made
//                                        unless one of them reads it
// The history options go to our bench scripts; bench/frame-cost.mjs (the simulator's) runs with --json
// and its JSON line becomes rows of the combined table.
// A script reports rows by writing $BENCH_RESULTS_DIR/<name>.json (see bench/lib/common.mjs `report`).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null;
const args = onlyAt >= 0 ? [...argv.slice(0, onlyAt), ...argv.slice(onlyAt + 2)] : argv;
const { benchParams, formatBytes, historyKey, historyParams } = await import(
  join(root, 'bench', 'lib', 'history.mjs')
);
const { formatTable } = await import(join(root, 'bench', 'lib', 'common.mjs'));
const params = benchParams(args); // validates the options before anything long starts
const TAKES_HISTORY_ARGS = new Set(['append-latency.mjs', 'cold-start.mjs', 'cpu-memory.mjs']);
const SCRIPT_TIMEOUT_MS = 15 * 60_000;

// Live copies left behind by an interrupted run (Ctrl-C skips the scripts' own cleanup).
rmSync(join(root, '.bench', 'tmp'), { recursive: true, force: true });
const resultsDir = join(root, '.bench', 'results', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(resultsDir, { recursive: true });

/** Runs one script; its output is shown as it comes and (the last 64 kB of stdout) kept. */
function run(label, file, argv) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${label} ===`);
    const child = spawn(process.execPath, [file, ...argv], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_RESULTS_DIR: resultsDir },
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      stdout = (stdout + d).slice(-65_536);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ name: label, code, signal, seconds: (Date.now() - started) / 1000, stdout });
    });
  });
}

/** bench/frame-cost.mjs (the simulator's) prints one JSON line with --json; its rows, no peer. */
function frameCostRows(stdout) {
  const last = stdout.trim().split('\n').pop() ?? '';
  let r;
  try {
    r = JSON.parse(last);
  } catch {
    return null;
  }
  if (typeof r?.p95_ms !== 'number') return null;
  const bench = 'frame-cost';
  const metric = `simulator frame cost over ${r.frames} frames`;
  const goal = `<= ${r.goal_p95_ms} ms`;
  return [
    {
      bench,
      metric: `${metric} p50`,
      unit: 'ms',
      gauge: r.p50_ms,
      peer: null,
      ratio: null,
      goal: '',
      met: null,
    },
    {
      bench,
      metric: `${metric} p95`,
      unit: 'ms',
      gauge: r.p95_ms,
      peer: null,
      ratio: null,
      goal,
      met: r.p95_ms <= r.goal_p95_ms,
    },
    {
      bench,
      metric: `${metric} max`,
      unit: 'ms',
      gauge: r.max_ms,
      peer: null,
      ratio: null,
      goal: '',
      met: null,
    },
  ];
}

const allScripts = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.mjs'))
  .sort();
const scripts = only ? allScripts.filter((f) => only.has(f.replace(/\.mjs$/, ''))) : allScripts;
if (only && scripts.length !== only.size) {
  const known = allScripts.map((f) => f.replace(/\.mjs$/, '')).join(', ');
  console.error(`bench: --only names a bench that does not exist (benches: ${known})`);
  process.exit(2);
}
const needsHistory = scripts.some((f) => TAKES_HISTORY_ARGS.has(f));
const t0 = Date.now();
if (needsHistory) {
  const gen = await run('history', join(root, 'bench', 'lib', 'history.mjs'), args);
  if (gen.code !== 0) {
    console.error('bench: the history generator failed; nothing measured');
    process.exit(1);
  }
}
const afterGen = Date.now();
const outcomes = [];
for (const f of scripts) {
  const argv = TAKES_HISTORY_ARGS.has(f)
    ? args
    : f === 'frame-cost.mjs'
      ? ['--json']
      : args.filter((a) => a === '--quick');
  const outcome = await run(f.replace(/\.mjs$/, ''), join(root, 'bench', f), argv);
  const rows = f === 'frame-cost.mjs' && outcome.code === 0 ? frameCostRows(outcome.stdout) : null;
  if (rows)
    writeFileSync(
      join(resultsDir, 'frame-cost.json'),
      JSON.stringify({ name: 'frame-cost', rows, details: {} }),
    );
  delete outcome.stdout;
  outcomes.push(outcome);
}

const results = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')));
const rows = results.flatMap((r) => r.rows.map((x) => ({ ...x, metric: `${r.name}: ${x.metric}` })));
const meta = needsHistory
  ? JSON.parse(
      readFileSync(join(root, '.bench', 'history', historyKey(historyParams(params)), 'meta.json'), 'utf8'),
    )
  : null;
console.log(
  meta
    ? `\n=== claude-gauge vs peer (seed B design, ccusage 20.0.24), ${new Date().toISOString()}, history ${formatBytes(meta.bytes)} / ` +
        `${meta.params.days} days / biggest file ${formatBytes(meta.biggestBytes)} ===`
    : `\n=== claude-gauge, ${new Date().toISOString()}, ${scripts.map((f) => f.replace(/\.mjs$/, '')).join(', ')} only ===`,
);
console.log(formatTable(rows));
for (const o of outcomes) {
  const reported = results.some((r) => r.name === o.name);
  if (o.code !== 0 || !reported)
    console.log(
      `${o.name}: ${o.code === 0 ? 'ran, reported no rows' : `FAILED (exit ${o.code ?? o.signal})`}`,
    );
}
const missed = rows.filter((r) => r.met === false).length;
console.log(
  `\n${rows.length} figures, ${rows.filter((r) => r.met === true).length} goals met, ${missed} missed; ` +
    `${((Date.now() - afterGen) / 1000).toFixed(0)} s of benchmarks after ${((afterGen - t0) / 1000).toFixed(0)} s of history`,
);
mkdirSync(join(root, 'reports'), { recursive: true });
writeFileSync(
  join(root, 'reports', 'bench.json'),
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      machine: { node: process.version, platform: process.platform, arch: process.arch },
      params: { ...params, quick: args.includes('--quick') },
      history: meta,
      scripts: outcomes,
      rows,
      details: Object.fromEntries(results.map((r) => [r.name, r.details])),
    },
    null,
    2,
  )}\n`,
);
rmSync(resultsDir, { recursive: true, force: true });
console.log('wrote reports/bench.json');
process.exitCode = outcomes.some((o) => o.code !== 0) ? 1 : 0;
