// Static checks of the ESP32 app, which cannot be compiled on this machine (no PlatformIO registry, no
// Xtensa toolchain): platformio.ini parses and says what docs/firmware.md says, the source filter builds
// only the core and the ESP32 glue, secrets stay out of git, no third-party source is committed, and the
// Arduino-free half of the glue passes its native doctests (make -C firmware esp32-glue).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defines, loadIni, option } from '../lib/platformioIni.mjs';

const root = join(import.meta.dirname, '..', '..');
const esp32Dir = join(root, 'firmware', 'platform', 'esp32');

/** Capture group i of a regex match (these patterns always capture it). */
function group(m: RegExpMatchArray, i: number): string {
  const v = m[i];
  if (v === undefined) throw new Error(`no group ${i} in ${m[0]}`);
  return v;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** PlatformIO build_src_filter: ordered +<glob>/-<glob> over paths relative to src_dir; a dir matches its tree. */
function applySrcFilter(filter: string, srcDir: string): string[] {
  const rules = [...filter.matchAll(/([+-])<([^>]+)>/g)].map((m) => ({
    add: m[1] === '+',
    pattern: group(m, 2),
  }));
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '.')}${glob.endsWith('/') ? '.*' : '(/.*)?'}$`,
    );
  const sources = filesUnder(srcDir)
    .map((p) => relative(srcDir, p))
    .filter((p) => /\.(c|cc|cpp|S)$/.test(p) && !p.startsWith('build/'));
  return sources.filter((file) => {
    let keep = false;
    for (const r of rules) if (toRegex(r.pattern).test(file)) keep = r.add;
    return keep;
  });
}

const ini = loadIni(root);

describe('platformio.ini', () => {
  it('parses, and builds from firmware/ with the cyd env as default', () => {
    expect(ini.get('platformio')?.get('src_dir')).toBe('firmware');
    expect(ini.get('platformio')?.get('include_dir')).toBe('firmware/include');
    expect(ini.get('platformio')?.get('default_envs')).toBe('cyd');
    for (const env of ['env:cyd', 'env:cyd2usb', 'env:cyd_ota', 'env:esp32dev_ili9341'])
      expect(ini.has(env)).toBe(true);
    for (const [name, sec] of ini) {
      const parent = sec.get('extends');
      if (parent) expect(ini.has(parent), `${name} extends ${parent}`).toBe(true);
    }
  });

  it('pins the platform and every library to an exact version', () => {
    expect(option(ini, 'env:cyd', 'platform')).toMatch(/^espressif32 @ \d+\.\d+\.\d+$/);
    expect(option(ini, 'env:cyd', 'framework')).toBe('arduino');
    const deps = (option(ini, 'env:cyd', 'lib_deps') ?? '').split('\n').map((d) => d.trim());
    expect(deps).toHaveLength(3);
    for (const d of deps) expect(d).toMatch(/^[\w-]+\/[\w-]+ @ \d+\.\d+\.\d+$/);
    expect(deps.find((d) => d.startsWith('bodmer/TFT_eSPI @'))).toBeDefined();
    expect(deps.find((d) => d.startsWith('bblanchon/ArduinoJson @ 7.'))).toBeDefined();
    expect(deps.find((d) => d.startsWith('tzapu/WiFiManager @'))).toBeDefined();
  });

  it('configures the CYD entirely through build flags: ILI9341 on HSPI with its pins and the active-low RGB LED', () => {
    const d = defines(option(ini, 'env:cyd', 'build_flags') ?? '');
    expect(d.get('USER_SETUP_LOADED')).toBe('1');
    expect(d.has('ILI9341_DRIVER') || d.has('ILI9341_2_DRIVER')).toBe(true);
    expect(d.has('USE_HSPI_PORT')).toBe(true);
    expect(
      Object.fromEntries(
        ['TFT_MISO', 'TFT_MOSI', 'TFT_SCLK', 'TFT_CS', 'TFT_DC', 'TFT_BL'].map((k) => [k, d.get(k)]),
      ),
    ).toEqual({
      TFT_MISO: '12',
      TFT_MOSI: '13',
      TFT_SCLK: '14',
      TFT_CS: '15',
      TFT_DC: '2',
      TFT_BL: '21',
    });
    expect(d.get('TFT_WIDTH')).toBe('240');
    expect(d.get('TFT_HEIGHT')).toBe('320');
    expect(Number(d.get('SPI_FREQUENCY'))).toBeGreaterThan(0);
    expect(d.has('LOAD_GLCD')).toBe(true); // the Frame's text is drawn in the built-in 6x8 font
    expect([d.get('GAUGE_RGB_LED_R'), d.get('GAUGE_RGB_LED_G'), d.get('GAUGE_RGB_LED_B')]).toEqual([
      '4',
      '16',
      '17',
    ]);
    expect(d.get('GAUGE_RGB_LED_ACTIVE_LOW')).toBe('1');
    expect(d.get('ARDUINOJSON_ENABLE_NAN')).toBe('0');
  });

  it('gives the generic esp32dev env its own documented wiring without strapping pins for LEDs', () => {
    const d = defines(option(ini, 'env:esp32dev_ili9341', 'build_flags') ?? '');
    expect(d.get('USER_SETUP_LOADED')).toBe('1');
    expect(d.has('ILI9341_DRIVER')).toBe(true);
    expect(d.has('USE_HSPI_PORT')).toBe(false);
    const leds = [
      'GAUGE_LED_HOT',
      'GAUGE_LED_WARN',
      'GAUGE_LED_STALL',
      'GAUGE_LED_IDLE',
      'GAUGE_LED_NOSIG',
    ].map((k) => Number(d.get(k)));
    const strapping = [0, 2, 5, 12, 15];
    const tftPins = ['TFT_MISO', 'TFT_MOSI', 'TFT_SCLK', 'TFT_CS', 'TFT_DC', 'TFT_RST', 'TFT_BL'].map((k) =>
      Number(d.get(k)),
    );
    for (const pin of leds) {
      expect(strapping).not.toContain(pin);
      expect(tftPins).not.toContain(pin);
      expect(pin).toBeLessThan(34); // 34..39 are input-only
    }
    expect(new Set(leds).size).toBe(leds.length);
    const doc = readFileSync(join(root, 'docs', 'firmware.md'), 'utf8');
    for (const pin of [...leds, ...tftPins]) expect(doc).toContain(`${pin}`);
  });

  it('compiles only the core and the ESP32 glue (no native, wasm or test sources)', () => {
    for (const env of ['env:cyd', 'env:esp32dev_ili9341']) {
      const selected = applySrcFilter(
        option(ini, env, 'build_src_filter') ?? '+<*>',
        join(root, 'firmware'),
      ).sort();
      const expected = filesUnder(join(root, 'firmware'))
        .map((p) => relative(join(root, 'firmware'), p))
        .filter(
          (p) =>
            /^core\/[^/]+\.cpp$/.test(p) || /^platform\/esp32\/(host_tested|board_only)\/[^/]+\.cpp$/.test(p),
        )
        .sort();
      expect(selected).toEqual(expected);
      expect(selected).toContain('platform/esp32/board_only/main.cpp');
      expect(selected.some((f) => f.startsWith('core/'))).toBe(true);
      expect(selected.filter((f) => /platform\/(native|wasm)|test\//.test(f))).toEqual([]);
    }
  });
});

describe('secrets', () => {
  it('the real override is gitignored and a sample with empty values is committed', () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', 'firmware/include/secrets.h'], { cwd: root });
    expect(ignored.status).toBe(0);
    const sample = readFileSync(join(root, 'firmware', 'include', 'secrets.sample.h'), 'utf8');
    // settings.cpp is the one file that reads secrets.h.
    const settings = readFileSync(join(esp32Dir, 'board_only', 'settings.cpp'), 'utf8');
    const used = [...settings.matchAll(/#ifndef (GAUGE_[A-Z_]+)\n#define \1 ""/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThanOrEqual(5);
    for (const name of used) expect(sample).toMatch(new RegExp(`#define ${name} ""`));
    expect(settings).toContain('__has_include("secrets.h")');
    const readers = filesUnder(esp32Dir)
      .filter((f) => /\.(h|cpp)$/.test(f))
      .filter((f) => readFileSync(f, 'utf8').includes('__has_include("secrets.h")'))
      .map((f) => relative(esp32Dir, f));
    expect(readers).toEqual(['board_only/settings.cpp']);
    const tracked = execFileSync('git', ['ls-files', 'firmware/include'], { cwd: root, encoding: 'utf8' });
    expect(tracked.split('\n')).not.toContain('firmware/include/secrets.h');
  });
});

describe('no third-party source in the repository', () => {
  const tracked = () =>
    execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);

  it('has no vendored library files or PlatformIO download folders', () => {
    const files = tracked();
    const vendored = files.filter((f) =>
      /(^|\/)(TFT_eSPI|TFT_eSprite|Sprite|ArduinoJson|WiFiManager|HTTPClient|ESPmDNS|ArduinoOTA|User_Setup(_Select)?)\.(h|hpp|cpp|c)$/.test(
        f,
      ),
    );
    expect(vendored).toEqual([]);
    expect(files.filter((f) => f.startsWith('.pio/') || /^firmware\/lib\//.test(f))).toEqual([]);
  });

  it('carries no library copyright headers in the firmware sources', () => {
    const firmware = tracked().filter((f) => f.startsWith('firmware/') && /\.(h|hpp|c|cpp)$/.test(f));
    const foreign =
      /Benoit BLANCHON|Bodmer|tzapu|Markus Sattler|Hristo Gochkov|Espressif Systems|Adafruit Industries/;
    for (const f of firmware) {
      const head = readFileSync(join(root, f), 'utf8').slice(0, 4000);
      expect(foreign.test(head), f).toBe(false);
    }
  });
});

describe('ESP32 glue sources', () => {
  // Two halves (docs/firmware.md): host_tested/ is compiled and tested on the host, board_only/ only on the board.
  const halves = ['host_tested', 'board_only'];
  const sources = halves.flatMap((h) =>
    readdirSync(join(esp32Dir, h))
      .filter((f) => /\.(h|cpp)$/.test(f))
      .map((f) => `${h}/${f}`),
  );
  const includes = (f: string) =>
    [...readFileSync(join(esp32Dir, f), 'utf8').matchAll(/^\s*#\s*include\s*[<"]([^>"]+)[>"]/gm)].map((m) =>
      group(m, 1),
    );
  const boardOnly = new Set(sources.filter((f) => f.startsWith('board_only/')).map((f) => basename(f)));

  it('has no source outside the two halves', () => {
    expect(readdirSync(esp32Dir).filter((f) => /\.(h|cpp)$/.test(f))).toEqual([]);
    expect(sources.filter((f) => f.startsWith('host_tested/')).length).toBeGreaterThan(0);
    expect(boardOnly.has('main.cpp')).toBe(true);
  });

  it('include only the pinned libraries, the Arduino-ESP32 core and our own headers', () => {
    const own = new Set([
      ...sources.map((f) => basename(f)),
      ...readdirSync(join(root, 'firmware', 'core')),
      'secrets.h', // gitignored, optional (__has_include)
    ]);
    // The Arduino core and its libraries, and the ESP-IDF 4.4 components they ship (esp_*, lwIP, mDNS).
    const core =
      /^(Arduino|WiFi|ESPmDNS|ArduinoOTA|Preferences|mdns|esp_(task_wdt|arduino_version|log|heap_caps|system|timer|attr|wifi))\.h$|^(freertos|lwip)\//;
    const libs = /^(TFT_eSPI|ArduinoJson|WiFiManager)\.h$/;
    const cStd = /^(stddef|stdint|stdio|stdlib|string|math|errno|stdarg|unistd)\.h$|^new$/;
    // socket_transport.h's non-ESP branch: the host's BSD sockets (the native tests run it on loopback).
    const posixSockets = /^(arpa\/inet|fcntl|netinet\/in|netinet\/tcp|sys\/select|sys\/socket)\.h$/;
    for (const f of sources)
      for (const inc of includes(f))
        expect(
          own.has(inc) ||
            core.test(inc) ||
            libs.test(inc) ||
            cStd.test(inc) ||
            (basename(f) === 'socket_transport.h' && posixSockets.test(inc)),
          `${f}: ${inc}`,
        ).toBe(true);
  });

  it('keeps the natively tested half free of Arduino and library headers', () => {
    const arduinoFree = [
      'board_config.h',
      'app_config.h',
      'render_plan.h',
      'http_response.h',
      'http_body.h',
      'http_request.h',
      'poll_session.h',
      'daemon_finder.h',
      'socket_transport.h',
      'wifi_supervisor.h',
      'boot_setup.h',
      'console_lines.h',
      'timers.h',
      'led_output.h',
      'serial_commands.h',
      'state_line_gate.h',
      'poll_bridge.h',
      'improv_link.h',
    ].map((f) => `host_tested/${f}`);
    for (const f of arduinoFree) {
      expect(existsSync(join(esp32Dir, f)), f).toBe(true);
      for (const inc of includes(f))
        expect(/Arduino|TFT_eSPI|WiFi|HTTPClient|freertos|esp_/.test(inc), `${f}: ${inc}`).toBe(false);
    }
    // The rest of host_tested is tested natively against the kit's real libraries, never Arduino itself:
    // usage_json.* (ArduinoJson, make esp32-json) and tft_canvas.h (TFT_eSPI, the virtual panel).
    const withLibrary = sources.filter((f) => f.startsWith('host_tested/') && !arduinoFree.includes(f));
    expect(withLibrary.sort()).toEqual([
      'host_tested/tft_canvas.h',
      'host_tested/usage_json.cpp',
      'host_tested/usage_json.h',
    ]);
  });

  it('never lets the host-tested half include the board-only half', () => {
    for (const f of sources.filter((x) => x.startsWith('host_tested/')))
      for (const inc of includes(f)) expect(boardOnly.has(inc), `${f}: ${inc}`).toBe(false);
  });
});
