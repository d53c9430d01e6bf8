#!/usr/bin/env node
// `npm run firmware:esp32 [-- ENV...]`: the ESP32 app checked against the real headers of its pinned
// libraries, for every env of the PlatformIO configuration. It runs the ESP32 kit's check.sh (clang-22
// --target=xtensa -fsyntax-only, plus Debian's xtensa-lx106 GCC 12 with -S -Os: GCC=1) on every file
// PlatformIO would build for the env, with PlatformIO's flags, and fails on any error or warning in the
// project's own files (WERROR=1; the libraries' own headers are -isystem).
//
// check.sh reads one platformio.ini and follows neither extra_configs (a developer's platformio_override.ini)
// nor a non-env `extends`, so it is given a flattened copy: a temporary
// project whose platformio.ini is the whole configuration as read by the one parser (test/lib/platformioIni.mjs,
// flatIni: every env with every option written out) and whose other entries are symlinks to the project's, so
// check.sh finds, names and compiles the same files as in the project itself.
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
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configFiles, envNames, flatIni, loadIni } from '../test/lib/platformioIni.mjs';
import { findEsp32Kit, repoRoot } from './lib/esp32-kit.mjs';

const kit = findEsp32Kit();
if (!kit.dir) {
  console.log(`SKIPPED: no ESP32 kit in ${kit.looked.join(', ')} (set GAUGE_ESP32_KIT to its path)`);
  process.exit(0);
}

// --project DIR checks another tree (the tests use it on a copy with a planted mistake).
const args = process.argv.slice(2);
const projIdx = args.indexOf('--project');
const project = projIdx >= 0 ? resolve(args.splice(projIdx, 2)[1]) : repoRoot;
const ini = loadIni(project);
const all = envNames(ini);
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

// The flattened project check.sh is run on: removed on every way out.
const configs = new Set(configFiles(project));
const flat = mkdtempSync(join(tmpdir(), 'gauge-esp32-'));
process.on('exit', () => rmSync(flat, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
for (const entry of readdirSync(project)) {
  if (!configs.has(entry)) symlinkSync(join(project, entry), join(flat, entry));
}
writeFileSync(
  join(flat, 'platformio.ini'),
  flatIni(ini, `Flattened by scripts/firmware-esp32.mjs from ${[...configs].join(', ')} for check.sh.`),
);
/** check.sh names files relative to the project; a diagnostic's absolute path points into the real one. */
const unflatten = (text) => text.split(`${flat}/`).join(`${project}/`);

/** One env through the kit: its output and, per file, whether every compiler was clean. */
function checkEnv(env) {
  return new Promise((resolveEnv) => {
    const child = spawn('bash', [join(kit.dir, 'check.sh'), flat, env], {
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
    child.on('close', (code) => resolveEnv({ env, out: unflatten(out), code: code ?? 1 }));
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
