#!/usr/bin/env node
// `npm test`: installs what is missing (scripts/bootstrap.sh), then runs every suite — lint and type
// check, C++ unit tests, the RISC-V build under QEMU, the shared vectors on native and wasm, the
// TypeScript tests, the browser tests and the HIL scenarios — and ends with one line
// `N passed, N failed` totalled over all of them. Only node built-ins here: it runs before `npm ci`.
//
//   npm test                  everything
//   npm test -- --only cpp,ts run some suites (names below)
//   npm test -- --list        list the suites
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esp32CheckRows } from './lib/esp32-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
mkdirSync('reports', { recursive: true });

/** A check that is one command: passes when it exits 0. */
const exitCode = (_out, code) => (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });

/** `N passed, N failed` (our own runners, QEMU program, HIL) — the last such line wins. */
const plainLine = (out, code) => {
  const m = [...out.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
  if (!m) return { passed: 0, failed: 1, note: 'no summary line' };
  const r = { passed: Number(m[1]), failed: Number(m[2]) };
  if (code !== 0 && r.failed === 0) r.failed = 1;
  return r;
};

/** A suite that may say `SKIPPED: why` (its inputs live outside the repo): one skip, never a pass. */
const orSkipped = (parse) => (out, code) => {
  const m = /^SKIPPED: (.*)$/m.exec(out);
  if (m && code === 0) return { passed: 0, failed: 0, skipped: 1, note: m[1] };
  return parse(out, code);
};

/** doctest: `[doctest] test cases: 40 | 40 passed | 0 failed | 0 skipped` */
const doctest = (out, code) => {
  const m = [...out.matchAll(/\[doctest\] test cases:\s*\d+\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/g)];
  if (m.length === 0) return { passed: 0, failed: 1, note: 'no doctest summary' };
  const r = m.reduce((a, x) => ({ passed: a.passed + Number(x[1]), failed: a.failed + Number(x[2]) }), {
    passed: 0,
    failed: 0,
  });
  if (code !== 0 && r.failed === 0) r.failed = 1;
  return r;
};

/** A JSON report written by vitest (`--reporter=json`) or Playwright (json reporter). */
const jsonReport = (file) => (_out, code) => {
  if (!existsSync(file)) return { passed: 0, failed: 1, note: `no report at ${file}` };
  const j = JSON.parse(readFileSync(file, 'utf8'));
  let r;
  if ('numPassedTests' in j)
    r = { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests };
  else if (j.stats)
    r = {
      passed: j.stats.expected + (j.stats.flaky ?? 0),
      failed: j.stats.unexpected,
      skipped: j.stats.skipped,
    };
  else return { passed: 0, failed: 1, note: 'unknown report format' };
  if (code !== 0 && r.failed === 0) r.failed = 1;
  return r;
};

const suites = [
  {
    name: 'contract',
    desc: 'generated TS types match the JSON Schema',
    cmd: 'node scripts/gen-contract-types.mjs --check',
    parse: exitCode,
  },
  { name: 'lint-ts', desc: 'Biome (format + lint)', cmd: 'npx biome check .', parse: exitCode },
  { name: 'lint-cpp', desc: 'clang-format', cmd: 'bash scripts/clang-format.sh --check', parse: exitCode },
  {
    name: 'typecheck',
    desc: 'tsc --noEmit (strict)',
    cmd: 'npx tsc -p tsconfig.json --noEmit',
    parse: exitCode,
  },
  {
    name: 'cpp',
    desc: 'C++ unit tests (g++ -Werror, doctest)',
    cmd: 'make -s --no-print-directory -C firmware test',
    parse: doctest,
    needs: 'firmware/Makefile',
  },
  {
    name: 'esp32-glue',
    desc: 'Arduino-free ESP32 glue against the real core (doctest)',
    cmd: 'make -s --no-print-directory -C firmware esp32-glue',
    parse: doctest,
    needs: 'firmware/platform/esp32/rules.mk',
  },
  {
    name: 'esp32-json',
    desc: "the device's JSON decode path against ArduinoJson 7.2.0 (ESP32 kit)",
    cmd: 'make -s --no-print-directory -C firmware esp32-json',
    parse: orSkipped(plainLine),
    needs: 'firmware/platform/esp32/rules.mk',
  },
  {
    name: 'esp32',
    desc: 'ESP32 app vs its real pinned headers, every env (clang-22 + GCC 12, -Werror)',
    cmd: 'node scripts/firmware-esp32.mjs',
    parse: (out, code) => ({ rows: esp32CheckRows(out, code) }),
  },
  {
    name: 'panel-model',
    desc: 'virtual ILI9341 of the virtual panel (doctest)',
    cmd: 'make -s --no-print-directory -C firmware panel-model',
    parse: doctest,
    needs: 'firmware/platform/panel/rules.mk',
  },
  {
    name: 'mcu',
    desc: 'rv32imc cross-compile + tests under QEMU',
    cmd: 'make -s --no-print-directory -C firmware mcu',
    parse: plainLine,
    needs: 'firmware/Makefile',
  },
  {
    name: 'vectors-native',
    desc: 'shared vectors on the native build',
    cmd: 'make -s --no-print-directory -C firmware vectors',
    parse: plainLine,
    needs: 'firmware/platform/native/rules.mk',
  },
  {
    name: 'wasm',
    desc: 'core built to wasm32-wasi',
    cmd: 'make -s --no-print-directory -C firmware wasm',
    parse: exitCode,
    needs: 'firmware/platform/wasm/rules.mk',
  },
  {
    name: 'build',
    desc: 'daemon compiled to dist/ (tsc)',
    cmd: 'npm run -s build && touch dist/.built',
    parse: exitCode,
  },
  {
    name: 'ts',
    desc: 'TypeScript tests (vitest)',
    cmd: 'npx vitest run --reporter=default --reporter=json --outputFile=reports/vitest.json',
    parse: jsonReport('reports/vitest.json'),
    pre: 'rm -f reports/vitest.json',
  },
  {
    name: 'hostile',
    desc: 'hostile inputs: FIFOs, manifest floods, rebinding, bombs, absurd numbers (vitest)',
    cmd: 'npx vitest run -c test/host/hostile/vitest.config.ts --reporter=default --reporter=json --outputFile=reports/hostile.json',
    parse: jsonReport('reports/hostile.json'),
    pre: 'rm -f reports/hostile.json',
  },
  {
    name: 'browser',
    desc: 'simulator in Chromium (Playwright)',
    cmd: 'npm run -s e2e',
    parse: jsonReport('reports/e2e.json'),
    needs: 'test/e2e',
    pre: 'rm -f reports/e2e.json',
  },
  {
    name: 'hil',
    desc: 'HIL scenarios on native, wasm, browser',
    cmd: 'npm run -s hil -- --target native,wasm,browser',
    parse: plainLine,
    needs: 'test/hil',
  },
];

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const s of suites) console.log(`${s.name.padEnd(16)} ${s.desc}`);
  process.exit(0);
}
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(args[onlyIdx + 1].split(',')) : null;

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ out, code: code ?? 1 }));
  });
}

const boot = spawnSync('bash', ['scripts/bootstrap.sh'], { stdio: 'inherit' });
if (boot.status !== 0) {
  console.error('test: bootstrap failed (see above); nothing was tested.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const results = [];
for (const s of suites) {
  if (only && !only.has(s.name)) continue;
  if (s.needs && !existsSync(s.needs)) {
    results.push({ name: s.name, passed: 0, failed: 1, note: `missing ${s.needs}` });
    continue;
  }
  console.log(`\n━━ ${s.name}: ${s.desc}\n$ ${s.cmd}`);
  if (s.pre) spawnSync('bash', ['-c', s.pre]);
  const t0 = Date.now();
  const { out, code } = await run(s.cmd);
  let r;
  try {
    r = s.parse(out, code);
  } catch (e) {
    r = { passed: 0, failed: 1, note: `could not read results: ${e.message}` };
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  // A suite may report several rows (the ESP32 check: one per env); the time goes on the first.
  const rows = r.rows ?? [{ name: s.name, ...r }];
  rows.forEach((row, i) => {
    results.push(i === 0 ? { ...row, secs } : row);
  });
}

console.log('\n━━ summary');
console.log(
  `${'suite'.padEnd(24)} ${'passed'.padStart(7)} ${'failed'.padStart(7)} ${'skipped'.padStart(8)}   time`,
);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of results) {
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped ?? 0;
  const line = `${r.name.padEnd(24)} ${String(r.passed).padStart(7)} ${String(r.failed).padStart(7)} ${String(r.skipped ?? 0).padStart(8)}   ${r.secs ? `${r.secs}s` : ''}`;
  console.log(r.note ? `${line}  (${r.note})` : line);
}
// CI reads the last line as exactly `N passed, N failed`: skips go on the line before it.
if (skipped) console.log(`${skipped} skipped (see the table)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
