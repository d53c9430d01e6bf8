// `npm run hil -- --target native,wasm,browser [--scenario NAME[,NAME]] [--list]`
// Runs every scenario against every chosen target (targets in parallel within a scenario, scenarios one
// after another), writes reports/hil/junit.xml, summary.md and the browser's PNG strips, and ends with
// `N passed, N failed` (one per scenario × target). Exit status 1 on any failure.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureDaemonBuilt } from './lib/daemon.js';
import { readFirmwareTiming } from './lib/firmwareConfig.js';
import {
  counts,
  junitXml,
  type RunReport,
  type SkippedTarget,
  summaryMarkdown,
  summaryTable,
} from './lib/report.js';
import { runScenario, type ScenarioResult } from './lib/runScenario.js';
import { scenarios } from './scenarios/index.js';
import { createTarget } from './targets/index.js';
import { SerialTarget } from './targets/serial.js';
import { type Target, type TargetName, TargetUnavailable, targetNames } from './targets/target.js';

interface Args {
  targets: TargetName[];
  scenarios: string[];
  list: boolean;
  reportDir: string;
}

const usage = `usage: npm run hil -- [--target native,wasm,browser,serial] [--scenario NAME[,NAME...]] [--list]
  --target     targets to run (default native,wasm,browser; serial needs HIL_PORT, see docs/hil.md)
  --scenario   only these scenarios (repeatable or comma-separated)
  --list       list scenarios and targets, run nothing
  --report-dir where to write junit.xml, summary.md and strips (default reports/hil)`;

function parseArgs(argv: string[], repoRoot: string): Args {
  const args: Args = {
    targets: ['native', 'wasm', 'browser'],
    scenarios: [],
    list: false,
    reportDir: join(repoRoot, 'reports', 'hil'),
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${usage}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    switch (flag) {
      case '--target':
      case '--targets': {
        const v = inline ?? value(i++, flag);
        const names = v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        for (const n of names)
          if (!targetNames.includes(n as TargetName))
            throw new Error(`unknown target "${n}" (known: ${targetNames.join(', ')})`);
        args.targets = [...new Set(names as TargetName[])];
        break;
      }
      case '--scenario':
      case '--scenarios':
        args.scenarios.push(
          ...(inline ?? value(i++, flag))
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        );
        break;
      case '--list':
        args.list = true;
        break;
      case '--report-dir':
        args.reportDir = inline ?? value(i++, flag);
        break;
      case '--help':
      case '-h':
        console.log(usage);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${usage}`);
    }
  }
  return args;
}

export async function main(argv: string[], repoRoot: string): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv, repoRoot);
  } catch (err) {
    console.error(`hil: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (args.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(20)} ${s.description}`);
    console.log(`\ntargets: ${targetNames.join(', ')} (default native,wasm,browser)`);
    return 0;
  }
  const chosen = args.scenarios.length
    ? scenarios.filter((s) => args.scenarios.includes(s.name))
    : [...scenarios];
  const unknown = args.scenarios.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`hil: unknown scenario(s) ${unknown.join(', ')}; --list shows them`);
    return 2;
  }

  const t0 = Date.now();
  const timing = readFirmwareTiming(repoRoot);
  const skipped: SkippedTarget[] = [];
  const broken = new Map<TargetName, string>();
  const ready: Target[] = [];
  try {
    ensureDaemonBuilt(repoRoot);
  } catch (err) {
    console.error(`hil: ${err instanceof Error ? err.message : String(err)}`);
    for (const name of args.targets) broken.set(name, `daemon build failed: ${String(err)}`);
  }
  for (const name of args.targets) {
    if (broken.has(name)) continue;
    const target = createTarget(name, repoRoot);
    try {
      console.log(`hil: preparing ${name}`);
      await target.prepare();
      ready.push(target);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof TargetUnavailable && name === 'serial') {
        console.log(`hil: serial target skipped: ${reason}`);
        skipped.push({ target: name, reason });
      } else {
        console.error(`hil: ${name} is not usable: ${reason}`);
        broken.set(name, reason);
      }
      await target.dispose().catch(() => {});
    }
  }

  // The serial board polls over WiFi, so with it the daemon and proxy must be reachable from the LAN (not
  // for HIL_PORT=virtual: the virtual device on this machine polls loopback).
  const serial = ready.some((t) => t instanceof SerialTarget && !t.virtual);
  const bindHost = serial ? (process.env.HIL_BIND ?? '0.0.0.0') : '127.0.0.1';
  const advertiseHost = serial ? process.env.HIL_HOST_IP : undefined;

  const results: ScenarioResult[] = [];
  for (const scenario of chosen) {
    const wanted = (name: TargetName) => !scenario.targets || scenario.targets.includes(name);
    const targets = ready.filter((t) => wanted(t.name));
    const result = targets.length
      ? await runScenario(scenario, targets, {
          repoRoot,
          timing,
          bindHost,
          ...(advertiseHost ? { advertiseHost } : {}),
          log: (line) => console.log(line),
        })
      : {
          scenario: scenario.name,
          description: scenario.description,
          durationMs: 0,
          results: [],
          assertions: [],
          notes: [],
          daemonLog: '',
        };
    for (const [name, reason] of broken) {
      if (wanted(name))
        result.results.push({
          target: name,
          status: 'failed',
          error: `target not usable: ${reason}`,
          captures: [],
        });
    }
    results.push(result);
  }

  // Strips: the browser draws its captures side by side.
  const strips: RunReport['strips'] = {};
  const stripDir = join(args.reportDir, 'strips');
  rmSync(stripDir, { recursive: true, force: true });
  for (const r of results) {
    for (const tr of r.results) {
      const target = ready.find((t) => t.name === tr.target);
      if (!target?.composeStrip || tr.captures.length === 0) continue;
      try {
        const png = await target.composeStrip(`${r.scenario} on ${tr.target}`, tr.captures);
        mkdirSync(stripDir, { recursive: true });
        const file = join(stripDir, `${r.scenario}.${tr.target}.png`);
        writeFileSync(file, png);
        strips[r.scenario] = { ...strips[r.scenario], [tr.target]: relative(args.reportDir, file) };
      } catch (err) {
        r.notes.push(`strip for ${tr.target} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  await Promise.all(ready.map((t) => t.dispose().catch(() => {})));

  const report: RunReport = {
    scenarios: results,
    targets: args.targets.filter((t) => !skipped.some((s) => s.target === t)),
    skipped,
    durationMs: Date.now() - t0,
    strips,
  };
  mkdirSync(args.reportDir, { recursive: true });
  writeFileSync(join(args.reportDir, 'junit.xml'), junitXml(report));
  writeFileSync(join(args.reportDir, 'summary.md'), summaryMarkdown(report));
  const { passed, failed } = counts(report);
  console.log('');
  console.log(summaryTable(report));
  for (const r of results)
    for (const tr of r.results.filter((x) => x.status === 'failed'))
      console.log(`\n✗ ${r.scenario} on ${tr.target}:\n  ${(tr.error ?? '').split('\n').join('\n  ')}`);
  if (skipped.length) console.log(`\n${skipped.map((s) => `${s.target} skipped: ${s.reason}`).join('\n')}`);
  console.log(
    `\nreports: ${relative(repoRoot, join(args.reportDir, 'junit.xml'))}, ${relative(repoRoot, join(args.reportDir, 'summary.md'))}`,
  );
  if (skipped.length) console.log(`${skipped.length * chosen.length} skipped (scenario × target)`);
  console.log(`${passed} passed, ${failed} failed`);
  // A run where every target was skipped is not a failure (no board attached); one that ran nothing is.
  return failed === 0 && (passed > 0 || skipped.length > 0) ? 0 : 1;
}
