import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_LINE_KEYS } from '../../firmware/platform/wasm/core.generated.js';
import {
  formatState,
  isStateLine,
  LineSplitter,
  lampNames,
  parseStateLine,
  StateLineError,
} from './lib/stateLine.js';

const header = readFileSync(
  join(import.meta.dirname, '..', '..', 'firmware', 'core', 'state_line.h'),
  'utf8',
);

/** The example the header documents (a comment split over lines after "Example:"). */
function headerExample(): string {
  const lines = header.split('\n');
  const at = lines.findIndex((l) => /\/\/\s*Example:/.test(l));
  const parts: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^\/\/\s+(.*)$/.exec(l);
    if (!m) break;
    parts.push((m[1] as string).trim());
  }
  return parts.join(' ');
}

const good =
  'GAUGE t=12345 phase=LIVE tach=-42.3 fuel=10.0 temp=-30.1 boost=55.0 lamps=HOT,WARN rgb=FF0000 model=opus-4.5 stale=0 over=0 basis=official week=63% eta=42m';

describe('parseStateLine', () => {
  it('parses the example documented in firmware/core/state_line.h', () => {
    const example = headerExample();
    expect(example.startsWith('GAUGE t=')).toBe(true);
    const s = parseStateLine(example);
    expect(s).toMatchObject({
      phase: 'LIVE',
      tach: -42.3,
      fuel: 10,
      temp: -30.1,
      boost: 55,
      lamps: ['HOT', 'WARN'],
    });
    expect(s?.model).toBe('opus-4.5');
  });

  it('knows every key and lamp name the header lists, in the header’s order', () => {
    const keysBlock = header.slice(
      header.indexOf('keys, in this order'),
      header.indexOf('Values never contain'),
    );
    const keys = [...keysBlock.matchAll(/^\/\/ {5}([a-z]+(?: [a-z]+)*)(?: {2,}|$)/gm)].flatMap((m) =>
      (m[1] as string).split(' '),
    );
    expect(keys).toEqual([...STATE_LINE_KEYS]);
    const order = /from\s+(?:\/\/\s+)?([A-Z,]+);/.exec(keysBlock)?.[1]?.split(',');
    expect(order).toEqual([...lampNames]);
    expect(Object.keys(parseStateLine(good)?.extra ?? {})).toEqual([]);
  });

  it('reads every field', () => {
    const s = parseStateLine(good);
    expect(s).toEqual({
      t: 12345,
      phase: 'LIVE',
      tach: -42.3,
      fuel: 10,
      temp: -30.1,
      boost: 55,
      lamps: ['HOT', 'WARN'],
      rgb: 'FF0000',
      model: 'opus-4.5',
      stale: false,
      over: false,
      basis: 'official',
      week: '63%',
      eta: '42m',
      extra: {},
      raw: good,
    });
  });

  it("reads the quota readouts' unknowns and the pace that lasts", () => {
    const s = parseStateLine(
      good
        .replace('basis=official', 'basis=estimate')
        .replace('week=63%', 'week=--')
        .replace('eta=42m', 'eta=--'),
    );
    expect(s).toMatchObject({ basis: 'estimate', week: '--', eta: '--' });
    expect(parseStateLine(good.replace('eta=42m', 'eta=lasts'))?.eta).toBe('lasts');
    expect(parseStateLine(good.replace('lamps=HOT,WARN', 'lamps=ATTN,HOT'))?.lamps).toEqual(['ATTN', 'HOT']);
  });

  it('maps "-" to no lamps and no model', () => {
    const s = parseStateLine(good.replace('lamps=HOT,WARN', 'lamps=-').replace('model=opus-4.5', 'model=-'));
    expect(s?.lamps).toEqual([]);
    expect(s?.model).toBe('');
  });

  it('keeps keys appended by newer firmware without failing', () => {
    const s = parseStateLine(`${good} sessions=2 future=x`);
    expect(s?.extra).toEqual({ sessions: '2', future: 'x' });
  });

  it('returns null for output that is not a state line', () => {
    for (const l of ['', '# ok url', 'ets Jun  8 2016 00:22:57', 'GAUGES t=1', 'rst:0x1 (POWERON_RESET)'])
      expect(parseStateLine(l)).toBeNull();
  });

  it('strips serial noise: CR, NUL, ANSI colour', () => {
    const s = parseStateLine(`\u0000\u001b[0;32m${good}\u001b[0m\r`);
    expect(s?.phase).toBe('LIVE');
  });

  it.each([
    ['a torn line', good.slice(0, 40)],
    ['a missing key', good.replace(' rgb=FF0000', '')],
    ['a repeated key', `${good} phase=LIVE`],
    ['a bad phase', good.replace('phase=LIVE', 'phase=DRIVING')],
    ['an angle without one decimal', good.replace('tach=-42.3', 'tach=-42')],
    ['NaN', good.replace('tach=-42.3', 'tach=nan')],
    ['an unknown lamp', good.replace('lamps=HOT,WARN', 'lamps=HOT,OIL')],
    ['a repeated lamp', good.replace('lamps=HOT,WARN', 'lamps=HOT,HOT')],
    ['lower-case rgb', good.replace('rgb=FF0000', 'rgb=ff0000')],
    ['a bad flag', good.replace('stale=0', 'stale=yes')],
    ['a token without =', `${good} garbage`],
    ['a t beyond uint32', good.replace('t=12345', 't=4294967296')],
    ['an unknown basis', good.replace('basis=official', 'basis=guess')],
    ['a week without %', good.replace('week=63%', 'week=63')],
    ['a negative week', good.replace('week=63%', 'week=-1%')],
    ['an eta in hours', good.replace('eta=42m', 'eta=2h')],
    ['a missing eta', good.replace(' eta=42m', '')],
  ])('rejects %s with a clear error', (_what, line) => {
    expect(() => parseStateLine(line)).toThrow(StateLineError);
  });

  it('cuts a 10 kB line in the error message', () => {
    const huge = `GAUGE t=1 phase=${'X'.repeat(10_000)}`;
    try {
      parseStateLine(huge);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(400);
    }
  });

  it('isStateLine only looks at the tag', () => {
    expect(isStateLine('GAUGE t=1')).toBe(true);
    expect(isStateLine('# GAUGE')).toBe(false);
  });

  it('formats a state compactly for reports', () => {
    const s = parseStateLine(good);
    expect(s && formatState(s)).toBe(
      'LIVE tach=-42.3 fuel=10.0 temp=-30.1 boost=55.0 lamps=HOT,WARN model=opus-4.5 basis=official week=63% eta=42m',
    );
  });
});

describe('LineSplitter', () => {
  it('reassembles lines split across chunks and keeps the tail', () => {
    const sp = new LineSplitter();
    expect(sp.push('GAUGE t=1 ph')).toEqual([]);
    expect(sp.push('ase=LIVE\nGAUGE t=2\nGA')).toEqual(['GAUGE t=1 phase=LIVE', 'GAUGE t=2']);
    expect(sp.flush()).toEqual(['GA']);
    expect(sp.flush()).toEqual([]);
  });

  it('drops an endless line instead of growing without bound', () => {
    const sp = new LineSplitter(100);
    sp.push('x'.repeat(500));
    expect(sp.push('\nGAUGE t=3\n')).toEqual(['', 'GAUGE t=3']);
  });
});
