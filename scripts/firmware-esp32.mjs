#!/usr/bin/env node
// `npm run firmware:esp32 [-- ENV...]`: the ESP32 app checked against the real headers of its pinned
// libraries, for every env of platformio.ini. It runs the ESP32 kit's check.sh (clang-22 --target=xtensa
// -fsyntax-only, plus Debian's xtensa-lx106 GCC 12 with -S -Os: GCC=1) on every file PlatformIO would
// build for the env, with PlatformIO's flags, and fails on any error or warning in the project's own files
// (WERROR=1; the libraries' own headers are -isystem).
//
// What a pass proves: every type, function, signature, member and macro the app uses exists, with those
// arguments, in Arduino-ESP32 2.0.17 / ESP-IDF 4.4.7 / TFT_eSPI 2.5.43 / ArduinoJson 7.2.0 / WiFiManager
// 2.0.17, in every env's configuration, and -Wall finds nothing. What it does not prove: code generation
// for the ESP32's Xtensa LX6, linking (undefined symbols, IRAM placement), that the image fits the flash,
// or anything about running on a board.
//
//   npm run firmware:esp32 -- [ENV...] [--project DIR]
//
// Output: the kit's section headers, totals and diagnostics (not its "ok FILE" lines), then one line per env
//   esp32-check env=cyd files=12 compilers=clang,gcc clean=12 failed=0
// which scripts/test-all.mjs turns into one summary row per env. Without a kit:
//   SKIPPED: no ESP32 kit in <each place looked>
// and exit 0 (the test summary counts a skip, never a pass). Exit 1 on any failure, 2 on a broken setup.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findEsp32Kit, platformioEnvs, repoRoot } from './lib/esp32-kit.mjs';

const kit = findEsp32Kit();
if (!kit.dir) {
  console.log(`SKIPPED: no ESP32 kit in ${kit.looked.join(', ')} (set GAUGE_ESP32_KIT to its path)`);
  process.exit(0);
}

// --project DIR checks another tree (the tests use it on a copy with a planted mistake).
const args = process.argv.slice(2);
const projIdx = args.indexOf('--project');
const project = projIdx >= 0 ? resolve(args.splice(projIdx, 2)[1]) : repoRoot;
const all = platformioEnvs(readFileSync(join(project, 'platformio.ini'), 'utf8'));
const asked = args.filter((a) => !a.startsWith('-'));
const unknown = asked.filter((e) => !all.includes(e));
if (unknown.length) {
  console.error(
    `firmware:esp32: no [env:${unknown.join('], [env:')}] in platformio.ini (envs: ${all.join(', ')})`,
  );
  process.exit(2);
}
const envs = asked.length ? asked : all;

const missing = ['clang-22', 'xtensa-lx106-elf-g++'].filter(
  (c) => spawnSync('bash', ['-c', `command -v ${c}`]).status !== 0,
);
if (missing.length) {
  console.error(
    `firmware:esp32: ${missing.join(' and ')} not found; scripts/bootstrap.sh installs them ` +
      '(Debian packages clang-22 gcc-xtensa-lx106)',
  );
  process.exit(2);
}

/** One env through the kit: its output and, per file, whether every compiler was clean. */
function checkEnv(env) {
  return new Promise((resolveEnv) => {
    const child = spawn('bash', [join(kit.dir, 'check.sh'), project, env], {
      env: { ...process.env, WERROR: '1', GCC: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolveEnv({ env, out, code: code ?? 1 }));
  });
}

function summarise({ env, out, code }) {
  const compilers = [...out.matchAll(/^== env:\S+ \((\w+), \d+ files\)/gm)].map((m) => m[1]);
  const files = new Map(); // file -> clean under every compiler
  for (const m of out.matchAll(/^(ok|warn|FAIL) (\S+)/gm)) {
    files.set(m[2], (files.get(m[2]) ?? true) && m[1] === 'ok');
  }
  const clean = [...files.values()].filter(Boolean).length;
  let failed = files.size - clean;
  // A broken kit or setup (exit 2) or a run that checked nothing is a failure, never a pass.
  if ((code !== 0 && failed === 0) || files.size === 0) failed = Math.max(failed, 1);
  return { env, files: files.size, compilers, clean, failed, code };
}

// Two envs at a time: the kit compiles one file after another, and this machine has two cores.
const results = [];
const queue = [...envs];
const t0 = Date.now();
async function worker() {
  for (let env = queue.shift(); env; env = queue.shift()) {
    const r = await checkEnv(env);
    // The kit prints "ok FILE" per clean compile: show its section headers, totals and every diagnostic.
    process.stdout.write(r.out.replace(/^ok .*\n/gm, ''));
    results.push(summarise(r));
  }
}
await Promise.all([worker(), worker()]);

console.log(`\nESP32 kit: ${kit.dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
let bad = 0;
for (const env of envs) {
  const r = results.find((x) => x.env === env);
  bad += r.failed;
  console.log(
    `esp32-check env=${r.env} files=${r.files} compilers=${r.compilers.join(',') || '-'} clean=${r.clean} failed=${r.failed}`,
  );
}
process.exit(bad === 0 ? 0 : 1);
