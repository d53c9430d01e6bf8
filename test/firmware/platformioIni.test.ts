// The one reader of the PlatformIO configuration (test/lib/platformioIni.mjs): platformio.ini and the files its
// extra_configs pulls in, merged as PlatformIO merges them; the committed override sample as a real override;
// and the flattened single file the ESP32 kit's check.sh is given, which must say exactly what the layered
// files say.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  configFiles,
  envDefines,
  envNames,
  flatIni,
  type Ini,
  loadIni,
  option,
  parseIni,
  readConfig,
} from '../lib/platformioIni.mjs';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'test', 'lib', 'platformioIni.mjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project directory holding these files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-pioini-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A copy of this repository's configuration (its committed files only), plus `extra`. */
function repoConfig(extra: Record<string, string> = {}): string {
  const dir = project(extra);
  const committed = spawnSync('git', ['ls-files', '--', '*.ini'], { cwd: root, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((f) => configFiles(root).includes(f));
  for (const f of committed) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(root, f), join(dir, f));
  }
  return dir;
}

/** Every option of every env, resolved: what PlatformIO would build each env with. */
function resolved(ini: Ini): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const env of envNames(ini)) {
    const names = new Set<string>(ini.get('env')?.keys() ?? []);
    const visit = (section: string) => {
      for (const k of ini.get(section)?.keys() ?? []) if (k !== 'extends') names.add(k);
      const parent = ini.get(section)?.get('extends');
      if (parent) for (const p of parent.split(/[\n,]/)) visit(p.trim());
    };
    visit(`env:${env}`);
    out[env] = Object.fromEntries([...names].sort().map((k) => [k, option(ini, `env:${env}`, k) ?? '']));
  }
  return out;
}

describe("this repository's configuration", () => {
  it('is platformio.ini, holding every board (the kit check.sh reads that file only), then the override', () => {
    expect(configFiles(root).filter((f) => f !== 'platformio_override.ini')).toEqual(['platformio.ini']);
    const envs = envNames(parseIni(readFileSync(join(root, 'platformio.ini'), 'utf8')));
    expect(new Set(envs).size).toBe(envs.length);
    expect(envs).toEqual(expect.arrayContaining(['cyd', 'cyd2usb', 'cyd_ota', 'esp32dev_ili9341']));
  });

  it('the override is gitignored, its sample committed', () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', 'platformio_override.ini'], { cwd: root });
    expect(ignored.status).toBe(0);
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', 'platformio_override.ini.sample'], {
      cwd: root,
    });
    expect(tracked.status).toBe(0);
  });
});

describe('extra_configs, as PlatformIO reads them', () => {
  const base = `[platformio]
src_dir = firmware
extra_configs =
    boards/*.ini
    platformio_override.ini

[env]
build_flags = -D COMMON=1
`;

  it('reads every match of a pattern in path order, and a pattern that matches nothing adds nothing', () => {
    const dir = project({
      'platformio.ini': base,
      'boards/b.ini': '[env:b]\nboard = esp32dev\n',
      'boards/a.ini': '[env:a]\nboard = esp32dev\n',
    });
    const { ini, files } = readConfig(dir);
    expect(files).toEqual(['platformio.ini', 'boards/a.ini', 'boards/b.ini']);
    expect(envNames(ini)).toEqual(['a', 'b']);
    expect(option(ini, 'env:a', 'build_flags')).toBe('-D COMMON=1');
  });

  it('a later file adds keys to a section and replaces the value of a key it sets again', () => {
    const dir = project({
      'platformio.ini': base,
      'boards/a.ini': '[env:a]\nboard = esp32dev\nupload_port = /dev/ttyUSB0\n',
      'platformio_override.ini':
        '[env]\nbuild_flags = -D MINE=1\n[env:a]\nupload_port = /dev/ttyACM0\nmonitor_speed = 9600\n[env:mine]\nextends = env:a\n',
    });
    const ini = loadIni(dir);
    expect(envNames(ini)).toEqual(['a', 'mine']);
    expect(option(ini, 'env:a', 'upload_port')).toBe('/dev/ttyACM0');
    expect(option(ini, 'env:a', 'board')).toBe('esp32dev');
    expect(option(ini, 'env:a', 'monitor_speed')).toBe('9600');
    expect(option(ini, 'env:mine', 'upload_port')).toBe('/dev/ttyACM0');
    expect(option(ini, 'env:mine', 'build_flags')).toBe('-D MINE=1');
  });

  it('follows extra_configs named by a file it pulled in, and reads no file twice', () => {
    const dir = project({
      'platformio.ini': '[platformio]\nextra_configs = one.ini\n',
      'one.ini': '[platformio]\nextra_configs =\n    one.ini\n    two.ini\n[env:one]\nboard = x\n',
      'two.ini': '[env:two]\nextends = env:one\n',
    });
    const { ini, files } = readConfig(dir);
    expect(files).toEqual(['platformio.ini', 'one.ini', 'two.ini']);
    expect(option(ini, 'env:two', 'board')).toBe('x');
  });

  it('a malformed extra file fails, naming that file and line', () => {
    const dir = project({ 'platformio.ini': base, 'boards/bad.ini': '[env:bad]\nboard esp32dev\n' });
    expect(() => loadIni(dir)).toThrow(/^boards\/bad\.ini:2: not a section, key = value, or comment/);
  });

  it('expands section.key, this.key and sysenv.NAME references; several sections in extends, in order', () => {
    process.env.CG_PIOINI_TEST = 'from-env';
    const dir = project({
      'platformio.ini': `[common]
flags = -D A=1
[pins]
tft_cs = 15
[env:x]
extends = pins, common
board = b
build_flags = \${common.flags} -D CS=\${this.tft_cs} -D WHO=\${sysenv.CG_PIOINI_TEST} -D B=\${this.board}
`,
    });
    const ini = loadIni(dir);
    expect(option(ini, 'env:x', 'build_flags')).toBe('-D A=1 -D CS=15 -D WHO=from-env -D B=b');
    expect(option(ini, 'env:x', 'flags')).toBe('-D A=1');
    expect(option(ini, 'env:x', 'nothing')).toBeUndefined();
    delete process.env.CG_PIOINI_TEST;
  });
});

describe('the committed platformio_override.ini.sample', () => {
  it('works as an override: its env builds on the CYD with its lamps, its upload_port replaces ours', () => {
    const dir = repoConfig();
    copyFileSync(join(root, 'platformio_override.ini.sample'), join(dir, 'platformio_override.ini'));
    const plain = loadIni(repoConfig());
    const ini = loadIni(dir);
    expect(configFiles(dir).at(-1)).toBe('platformio_override.ini');
    expect(envNames(ini)).toEqual([...envNames(plain), 'cyd_lamps']);
    const cyd = envDefines(plain, 'cyd');
    const lamps = envDefines(ini, 'cyd_lamps');
    expect(lamps?.get('GAUGE_LED_HOT')).toBe('22');
    expect(lamps?.get('GAUGE_LED_NOSIG')).toBe('27');
    for (const [k, v] of cyd ?? []) expect(lamps?.get(k), k).toBe(v);
    expect(option(plain, 'env:cyd_ota', 'upload_port')).toBe('claude-gauge.local');
    expect(option(ini, 'env:cyd_ota', 'upload_port')).toBe('claude-gauge-desk.local');
    expect(option(ini, 'env:cyd_ota', 'upload_protocol')).toBe('espota');
  });
});

describe('flatIni: the whole configuration as one file (for the ESP32 kit)', () => {
  it('says for every env exactly what the layered files say, with nothing left to follow', () => {
    const withOverride = repoConfig();
    copyFileSync(join(root, 'platformio_override.ini.sample'), join(withOverride, 'platformio_override.ini'));
    for (const dir of [root, withOverride]) {
      const ini = loadIni(dir);
      const text = flatIni(ini, 'generated');
      expect(text).not.toMatch(/extends|extra_configs|\$\{/);
      const flat = parseIni(text);
      expect(envNames(flat)).toEqual(envNames(ini));
      expect(resolved(flat)).toEqual(resolved(ini));
      expect(flat.get('platformio')?.get('src_dir')).toBe(ini.get('platformio')?.get('src_dir'));
      for (const env of envNames(ini)) expect(envDefines(flat, env)).toEqual(envDefines(ini, env));
    }
  });
});

describe('the command line (make, CI)', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });

  it('envs: every env, one per line; files: the files read; defines: an env -D options', () => {
    expect(run('envs').stdout.trim().split('\n')).toEqual(envNames(loadIni(root)));
    expect(run('files').stdout.trim().split('\n')).toEqual(configFiles(root));
    const defines = run('defines', 'cyd');
    expect(defines.status).toBe(0);
    expect(defines.stdout).toContain('-DGAUGE_BOARD_NAME=cyd\n');
  });

  it('an unknown env or command exits 2 saying what there is', () => {
    const unknown = run('defines', 'no_such_env');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no \[env:no_such_env\] \(envs: cyd, /);
    expect(run('nonsense').status).toBe(2);
  });
});
