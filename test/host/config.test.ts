import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  claudeDirOf,
  DEFAULTS,
  defaultClaudeDirs,
  envLayer,
  OPTIONS,
  PLAN_CEILINGS,
  resolveSettings,
  showDefault,
  withDefaultText,
} from '../../host/src/config.js';
import { tempDir } from './helpers/fixtures.js';

let tmp: ReturnType<typeof tempDir>;
let home: string;
let cwd: string;
beforeEach(() => {
  tmp = tempDir('cg-config-');
  home = join(tmp.path, 'home');
  cwd = join(tmp.path, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
});
afterEach(() => tmp.cleanup());

function userConfig(body: unknown): string {
  const dir = join(home, '.config', 'claude-gauge');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.json');
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

const resolve = (flags = {}, env: NodeJS.ProcessEnv = {}, configPath?: string) =>
  resolveSettings({ flags, env, home, cwd, configPath });

describe('settings precedence', () => {
  it('uses the defaults when nothing is set', () => {
    const s = resolve();
    expect(s.port).toBe(8787);
    expect(s.host).toBe('127.0.0.1');
    expect(s.token).toBeNull();
    expect(s.plan).toBe('pro');
    expect(s.ceiling).toBe(PLAN_CEILINGS.pro);
    expect(s.redline).toBe(DEFAULTS.redline);
    expect(s.warnFraction).toBe(0.8);
    expect(s.source).toBe('jsonl');
    expect(s.configFiles).toEqual([]);
    expect(s.claudeDirs).toEqual([]);
  });

  it('ranks flags over env over the config file over defaults, key by key', () => {
    const file = userConfig({ port: 9001, redline: 5000, warnFraction: 0.5, stallMinutes: 7 });
    const env = { CLAUDE_GAUGE_PORT: '9002', CLAUDE_GAUGE_REDLINE: '6000' };
    const s = resolve({ port: 9003 }, env);
    expect(s.configFiles).toEqual([file]);
    expect(s.port).toBe(9003); // flag
    expect(s.redline).toBe(6000); // env
    expect(s.warnFraction).toBe(0.5); // file
    expect(s.stallMinutes).toBe(7); // file
    expect(s.heartbeatSeconds).toBe(DEFAULTS.heartbeatSeconds); // default
  });

  it('lets the working directory config override the user one', () => {
    userConfig({ port: 9001, plan: 'max5' });
    writeFileSync(join(cwd, 'claude-gauge.config.json'), JSON.stringify({ port: 9100 }));
    const s = resolve();
    expect(s.port).toBe(9100);
    expect(s.plan).toBe('max5');
    expect(s.configFiles).toHaveLength(2);
  });

  it('reads only an explicit --config, and fails when it is missing', () => {
    userConfig({ port: 9001 });
    const other = join(tmp.path, 'other.json');
    writeFileSync(other, JSON.stringify({ port: 9200 }));
    expect(resolve({}, {}, other).port).toBe(9200);
    expect(resolve({}, { CLAUDE_GAUGE_CONFIG: other }).port).toBe(9200);
    expect(() => resolve({}, {}, join(tmp.path, 'nope.json'))).toThrow(/does not exist/);
  });

  it('decides plan vs ceiling by the highest layer that sets either', () => {
    userConfig({ ceiling: 123_456 });
    expect(resolve().ceiling).toBe(123_456);
    expect(resolve().plan).toBe('custom');
    const s = resolve({ plan: 'max20' });
    expect(s.plan).toBe('max20');
    expect(s.ceiling).toBe(PLAN_CEILINGS.max20);
    expect(resolve({ plan: 'max20', ceiling: 42 }).ceiling).toBe(42);
  });

  it('makes --lan mean 0.0.0.0 and refuses --lan with a loopback --host', () => {
    expect(resolve({ lan: true }).host).toBe('0.0.0.0');
    expect(resolve({ lan: true, host: '198.51.100.5' }).host).toBe('198.51.100.5');
    expect(() => resolve({ lan: true, host: '127.0.0.1' })).toThrow(ConfigError);
  });

  it('parses env values by type, treats empty as unset and accepts digit separators', () => {
    const l = envLayer({
      CLAUDE_GAUGE_CEILING: '50_000_000',
      CLAUDE_GAUGE_MDNS: 'off',
      CLAUDE_GAUGE_CLAUDE_DIR: '/a, /b ,',
      CLAUDE_GAUGE_TOKEN: '',
      CLAUDE_GAUGE_NOW: '2026-01-31T12:00:00Z',
      HOME: '/ignored',
    });
    expect(l).toEqual({
      ceiling: 50_000_000,
      mdns: false,
      claudeDirs: ['/a', '/b'],
      now: Date.UTC(2026, 0, 31, 12),
    });
  });
});

describe('the WARN rule settings', () => {
  it('defaults to the fuel threshold and the official pace past 100 %', () => {
    const s = resolve();
    expect([s.warnFraction, s.paceWarn, s.paceWarnFraction]).toEqual([0.8, 'official', 1]);
    // --help and docs/daemon.md show the same defaults.
    const shown = (key: string) => OPTIONS.find((o) => o.key === key)?.defaultText;
    expect([shown('warnFraction'), shown('paceWarn'), shown('paceWarnFraction')]).toEqual([
      '0.8',
      'official',
      '1',
    ]);
  });

  it('takes each from a flag, the environment or a config file', () => {
    userConfig({ paceWarn: 'off', paceWarnFraction: 0.9 });
    expect(resolve()).toMatchObject({ paceWarn: 'off', paceWarnFraction: 0.9 });
    expect(resolve({}, { CLAUDE_GAUGE_PACE_WARN: 'always' })).toMatchObject({ paceWarn: 'always' });
    expect(
      resolve({ paceWarnFraction: 1.5 }, { CLAUDE_GAUGE_PACE_WARN_FRACTION: '1.2' }).paceWarnFraction,
    ).toBe(1.5);
  });

  it('refuses what it cannot use, naming the setting', () => {
    expect(() => resolve({}, { CLAUDE_GAUGE_PACE_WARN: 'sometimes' })).toThrow(
      /CLAUDE_GAUGE_PACE_WARN: expected one of official, always, off/,
    );
    expect(() => resolve({}, { CLAUDE_GAUGE_PACE_WARN_FRACTION: '0' })).toThrow(/must be > 0/);
    expect(() => resolve({}, { CLAUDE_GAUGE_PACE_WARN_FRACTION: '11' })).toThrow(/must be <= 10/);
  });
});

describe('settings validation', () => {
  const bad: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['port out of range', { CLAUDE_GAUGE_PORT: '70000' }, /CLAUDE_GAUGE_PORT: must be <= 65535/],
    ['port not a number', { CLAUDE_GAUGE_PORT: '80abc' }, /expected a number/],
    ['fractional port', { CLAUDE_GAUGE_PORT: '80.5' }, /expected an integer/],
    ['NaN redline', { CLAUDE_GAUGE_REDLINE: 'NaN' }, /expected a number/],
    ['zero redline', { CLAUDE_GAUGE_REDLINE: '0' }, /must be > 0/],
    ['negative warn fraction', { CLAUDE_GAUGE_WARN_FRACTION: '-0.1' }, /must be > 0/],
    ['unknown plan', { CLAUDE_GAUGE_PLAN: 'enterprise' }, /expected one of pro, max5, max20/],
    ['unknown source', { CLAUDE_GAUGE_SOURCE: 'carrier-pigeon' }, /expected one of jsonl/],
    ['bad bool', { CLAUDE_GAUGE_LAN: 'maybe' }, /expected true\/false/],
    ['bad time', { CLAUDE_GAUGE_NOW: 'yesterday' }, /ISO-8601/],
    ['typo in a variable name', { CLAUDE_GAUGE_PROT: '1' }, /CLAUDE_GAUGE_PROT: unknown setting/],
    ['control characters in host', { CLAUDE_GAUGE_HOST: 'a\nb' }, /control characters/],
    ['a short token', { CLAUDE_GAUGE_TOKEN: 'abc' }, /CLAUDE_GAUGE_TOKEN: must be 8 or more/],
    ['a token with spaces', { CLAUDE_GAUGE_TOKEN: 'abcd efgh ijkl' }, /must be 8 or more/],
  ];
  for (const [what, env, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => resolve({}, env)).toThrow(message);
    });
  }

  it('never echoes the token in an error', () => {
    const file = userConfig({ token: 42 });
    let msg = '';
    try {
      resolve();
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain(file);
    expect(msg).toContain('(hidden)');
    expect(msg).not.toContain('42');
  });

  it('rejects config files that are not JSON objects or have unknown keys', () => {
    userConfig('{ "port": 1, ');
    expect(() => resolve()).toThrow(/invalid JSON/);
    userConfig([1, 2]);
    expect(() => resolve()).toThrow(/JSON object/);
    userConfig({ prot: 1 });
    expect(() => resolve()).toThrow(/unknown key "prot"/);
    userConfig({ port: '8080' });
    expect(resolve().port).toBe(8080);
  });

  it('has a flag, an env var and a distinct key for every option', () => {
    const flags = new Set(OPTIONS.map((o) => o.flag));
    const envs = new Set(OPTIONS.map((o) => o.env));
    expect(flags.size).toBe(OPTIONS.length);
    expect(envs.size).toBe(OPTIONS.length);
    for (const o of OPTIONS) expect(o.env).toMatch(/^CLAUDE_GAUGE_[A-Z_]+$/);
  });
});

describe('defaults, defined once', () => {
  it('resolves every setting DEFAULTS holds to its value when nothing is set', () => {
    const s = resolve() as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(DEFAULTS))
      if (key in s) expect(s[key], key).toEqual(Array.isArray(value) ? [...value] : value);
    expect(resolve().host).toBe(DEFAULTS.host); // lan off by default: the host stays
  });

  it('shows, in --help and docs/daemon.md, the value DEFAULTS holds, or a text where it holds none', () => {
    const defaults = DEFAULTS as Record<string, unknown>;
    for (const o of OPTIONS) {
      const value = defaults[o.key];
      if (value !== undefined && value !== null) expect(o.defaultText, o.key).toBe(showDefault(value));
      else expect(o.defaultText, o.key).not.toBe('');
    }
    expect(showDefault(null)).toBe('none');
    expect(showDefault([])).toBe('none');
    expect(showDefault(1_000_000)).toBe('1000000');
  });

  it('refuses a default text written again beside its value, or a default given nowhere', () => {
    const entry = { flag: 'x', env: 'CLAUDE_GAUGE_X', kind: 'int', help: 'x' } as const;
    expect(() => withDefaultText({ ...entry, key: 'port', defaultText: '8787' })).toThrow(
      /"port" has a default in DEFAULTS; do not write its text again/,
    );
    expect(() => withDefaultText({ ...entry, key: 'ui' })).toThrow(
      /"ui" needs a default in DEFAULTS or a text describing it/,
    );
    expect(withDefaultText({ ...entry, key: 'token', defaultText: 'none, say' }).defaultText).toBe(
      'none, say',
    );
  });
});

describe('default claude dirs', () => {
  it('follows ccusage: CLAUDE_CONFIG_DIR (comma-separated) first, else existing ~/.config/claude and ~/.claude', () => {
    expect(defaultClaudeDirs({}, home)).toEqual([]);
    mkdirSync(join(home, '.claude'));
    expect(defaultClaudeDirs({}, home)).toEqual([join(home, '.claude')]);
    mkdirSync(join(home, '.config', 'claude'), { recursive: true });
    expect(defaultClaudeDirs({}, home)).toEqual([join(home, '.config', 'claude'), join(home, '.claude')]);
    expect(defaultClaudeDirs({ CLAUDE_CONFIG_DIR: '/x, ~/y' }, home)).toEqual(['/x', join(home, 'y')]);
  });

  it('follows ccusage: $XDG_CONFIG_HOME/claude in place of ~/.config/claude when XDG_CONFIG_HOME is set', () => {
    const xdg = join(home, 'xdg');
    mkdirSync(join(xdg, 'claude'), { recursive: true });
    mkdirSync(join(home, '.config', 'claude'), { recursive: true });
    expect(defaultClaudeDirs({ XDG_CONFIG_HOME: xdg }, home)).toEqual([join(xdg, 'claude')]);
    expect(defaultClaudeDirs({ XDG_CONFIG_HOME: '' }, home)).toEqual([join(home, '.config', 'claude')]);
  });

  it('follows ccusage: a projects/ dir given for a claude dir means the dir above it', () => {
    mkdirSync(join(home, 'data', 'projects'), { recursive: true });
    const projects = join(home, 'data', 'projects');
    expect(defaultClaudeDirs({ CLAUDE_CONFIG_DIR: projects }, home)).toEqual([join(home, 'data')]);
    expect(resolve({ claudeDirs: [projects, join(home, 'data')] }).claudeDirs).toEqual([join(home, 'data')]);
    // A claude dir that happens to be named projects, holding its own projects/, stays as it is.
    mkdirSync(join(home, 'projects', 'projects'), { recursive: true });
    expect(claudeDirOf(join(home, 'projects'))).toBe(join(home, 'projects'));
  });

  it('resolves paths in a config file relative to that file', () => {
    userConfig({ claudeDirs: ['data', '/abs'] });
    expect(resolve().claudeDirs).toEqual([join(home, '.config', 'claude-gauge', 'data'), '/abs']);
  });

  it('resolves --claude-dir relative to the working directory and drops duplicates', () => {
    const s = resolve({ claudeDirs: ['a', './a', '/abs'] });
    expect(s.claudeDirs).toEqual([join(cwd, 'a'), '/abs']);
    expect(s.claudeDirsExplicit).toBe(true);
  });
});

describe('docs/daemon.md', () => {
  it('documents every option by config key, flag and environment variable', () => {
    const doc = readFileSync(new URL('../../docs/daemon.md', import.meta.url), 'utf8');
    for (const o of OPTIONS) {
      // A table row: | `key` | `--flag` ... (Biome pads the columns).
      expect(doc, o.key).toMatch(new RegExp(`\\| \`${o.key}\` +\\| \`--${o.flag}\``));
      expect(doc, o.env).toContain(`\`${o.env}\``);
    }
  });

  it("shows every option's default as --help does (OPTIONS' defaultText)", () => {
    const doc = readFileSync(new URL('../../docs/daemon.md', import.meta.url), 'utf8');
    for (const o of OPTIONS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${o.key}\` `));
      // Columns: key, flag, variable, default, meaning; the doc may set names in backticks.
      expect(row?.split('|')[4]?.trim().replaceAll('`', ''), o.key).toBe(o.defaultText);
    }
  });
});
