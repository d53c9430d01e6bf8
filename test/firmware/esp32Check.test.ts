// `npm run firmware:esp32` (scripts/firmware-esp32.mjs): the ESP32 app against the real headers of its pinned
// libraries. The suite itself checks the real tree in every env; these tests check the checker: without a kit
// it says SKIPPED and counts a skip (never a pass), and on a copy of the app with planted mistakes (an
// Arduino-ESP32 3.x call, an unused variable) it fails on exactly those files.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script helpers without type declarations
import { esp32CheckRows, findEsp32Kit } from '../../scripts/lib/esp32-kit.mjs';
import { configFiles, envNames, loadIni, option } from '../lib/platformioIni.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const script = join(repo, 'scripts', 'firmware-esp32.mjs');
const kit = findEsp32Kit();
const tools = ['clang-22', 'xtensa-lx106-elf-g++'].every(
  (c) => spawnSync('bash', ['-c', `command -v ${c}`]).status === 0,
);
if (!kit.dir)
  console.warn(`SKIPPED: the ESP32 check of a planted mistake: no ESP32 kit in ${kit.looked.join(', ')}`);

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { out: `${r.stdout}${r.stderr}`, code: r.status ?? 1 };
}

describe('firmware:esp32 without a kit', () => {
  it('says SKIPPED with where it looked, exits 0, and the summary counts a skip, not a pass', () => {
    const { out, code } = run([], { GAUGE_ESP32_KIT: '/nonexistent/esp32-kit' });
    expect(code).toBe(0);
    expect(out).toMatch(/^SKIPPED: no ESP32 kit in \/nonexistent\/esp32-kit/m);
    expect(esp32CheckRows(out, code)).toEqual([
      expect.objectContaining({ name: 'esp32', passed: 0, failed: 0, skipped: 1 }),
    ]);
  });

  it('refuses an env platformio.ini does not have', () => {
    const { out, code } = run(['no_such_env']);
    expect(code).toBe(2);
    expect(out).toContain('no [env:no_such_env] in platformio.ini');
  });

  it('a run that printed no per-env line counts as a failure', () => {
    expect(esp32CheckRows('check.sh: kit incomplete', 2)).toEqual([
      expect.objectContaining({ name: 'esp32', passed: 0, failed: 1 }),
    ]);
  });
});

describe.skipIf(!kit.dir || !tools)('firmware:esp32 on a copy of the app with planted mistakes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-esp32-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on exactly the two broken files, in that env', () => {
    for (const f of configFiles(repo).filter((f) => !f.startsWith('firmware/'))) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(repo, f), join(dir, f));
    }
    cpSync(join(repo, 'firmware'), join(dir, 'firmware'), {
      recursive: true,
      filter: (src) => !src.includes(`${join('firmware', 'build')}`),
    });
    // An Arduino-ESP32 3.x API (2.0.17 has ledcSetup/ledcAttachPin, not ledcAttach): an error.
    const main = join(dir, 'firmware', 'platform', 'esp32', 'board_only', 'main.cpp');
    writeFileSync(main, `${readFileSync(main, 'utf8')}\nvoid plantedMistake() { ledcAttach(4, 5000, 8); }\n`);
    // An unused variable: only a warning, which the check treats as an error in the project's own files.
    const usage = join(dir, 'firmware', 'core', 'readout.cpp');
    writeFileSync(usage, `${readFileSync(usage, 'utf8')}\nvoid plantedWarning() { int unused = 1; }\n`);

    const { out, code } = run(['--project', dir, 'cyd']);
    expect(code).toBe(1);
    const rows = esp32CheckRows(out, code);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'esp32 cyd', failed: 2 });
    expect(rows[0].passed).toBeGreaterThan(0);
    expect(out).toMatch(/FAIL firmware\/platform\/esp32\/board_only\/main\.cpp/);
    expect(out).toMatch(/ledcAttach/);
    expect(out).toMatch(/warn firmware\/core\/readout\.cpp/);
  }, 300_000);
});

describe('the GitHub workflow that builds real images (.github/workflows/firmware.yml, not runnable here)', () => {
  const text = readFileSync(join(repo, '.github', 'workflows', 'firmware.yml'), 'utf8');

  it('builds every env of the configuration, listed by the one parser', () => {
    const list = /run: echo "list=\$\((node [^|]+?) \|/.exec(text)?.[1];
    expect(list).toBe('node test/lib/platformioIni.mjs envs');
    const r = spawnSync('bash', ['-c', list as string], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(envNames(loadIni(repo)));
    expect(text).toContain(`pio run -e "\${{ matrix.env }}"`);
  });

  it('merges bootloader, partitions, boot_app0 and app at the ESP32 Arduino offsets into one image at 0', () => {
    expect(text).toMatch(
      /merge_bin[\s\S]*0x1000 "\$b\/bootloader\.bin" 0x8000 "\$b\/partitions\.bin" 0xe000 /,
    );
    expect(text).toMatch(/0x10000 "\$b\/firmware\.bin"/);
    expect(text).toContain(`claude-gauge-\${{ matrix.env }}-factory.bin`);
    // The app offset is the first app slot of the partition table every env picks (min_spiffs.csv).
    const ini = loadIni(repo);
    for (const env of envNames(ini))
      expect(option(ini, `env:${env}`, 'board_build.partitions'), env).toBe('min_spiffs.csv');
  });
});
