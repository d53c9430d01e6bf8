import { describe, expect, it } from 'vitest';
import { blame, diffStates, sideBySide } from './lib/compare.js';
import { describeExpectation, mismatches } from './lib/expect.js';
import { counts, escapeXml, junitXml, type RunReport, summaryMarkdown, summaryTable } from './lib/report.js';
import type { ScenarioResult } from './lib/runScenario.js';
import { type GaugeState, parseStateLine } from './lib/stateLine.js';

const st = (over: string): GaugeState => {
  const base: Record<string, string> = {
    t: '1',
    phase: 'LIVE',
    tach: '-135.0',
    fuel: '120.0',
    temp: '-120.0',
    boost: '-120.0',
    lamps: 'IDLE',
    rgb: '000010',
    model: '-',
    stale: '0',
    over: '0',
    basis: 'estimate',
    week: '--',
    eta: '--',
  };
  for (const kv of over.split(' ').filter(Boolean)) {
    const [k, v] = kv.split('=') as [string, string];
    base[k] = v;
  }
  const s = parseStateLine(
    `GAUGE ${Object.entries(base)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  if (!s) throw new Error('bad fixture');
  return s;
};

describe('mismatches', () => {
  it('is empty when the state matches', () => {
    expect(
      mismatches(st(''), {
        phase: 'LIVE',
        lamps: ['IDLE'],
        model: '',
        needles: { tach: { fraction: 0 }, fuel: { fraction: 1 } },
      }),
    ).toEqual([]);
  });

  it('names every field that misses', () => {
    const m = mismatches(st('lamps=HOT,WARN model=opus-4.5 tach=0.0'), {
      phase: 'NOSIGNAL',
      lamps: ['HOT'],
      lampsExclude: ['WARN'],
      model: 'sonnet-4.5',
      needles: { tach: { fraction: 0.9 } },
    });
    expect(m).toHaveLength(5);
    expect(m.join('; ')).toMatch(
      /phase LIVE ≠ NOSIGNAL.*lamps HOT,WARN ≠ HOT.*lamp WARN active.*model "opus-4.5" ≠ "sonnet-4.5".*tach 0.0° ≠ 108.0°/,
    );
  });

  it('compares lamps as a set and needles with a tolerance', () => {
    expect(mismatches(st('lamps=HOT,WARN'), { lamps: ['WARN', 'HOT'] })).toEqual([]);
    expect(mismatches(st('tach=2.9'), { needles: { tach: { deg: 0 } } })).toEqual([]);
    expect(mismatches(st('tach=3.1'), { needles: { tach: { deg: 0 } } })).toHaveLength(1);
    expect(mismatches(st('tach=3.1'), { needles: { tach: { deg: 0, tolDeg: 5 } } })).toEqual([]);
    expect(mismatches(st('fuel=-129.6'), { needles: { fuel: { maxFraction: 0 } } })).toEqual([]);
    expect(mismatches(st('fuel=0.0'), { needles: { fuel: { maxFraction: 0.2 } } })).toHaveLength(1);
  });

  it('reports a missing state', () => {
    expect(mismatches(null, {})).toEqual(['no state line yet']);
  });

  it('describes an expectation compactly', () => {
    expect(
      describeExpectation({ phase: 'LIVE', lamps: [], model: '', needles: { tach: { minFraction: 0.9 } } }),
    ).toBe('phase=LIVE lamps=- model=- tach≥90%');
  });
});

describe('cross-target comparison', () => {
  it('finds no difference between equal states', () => {
    expect(diffStates({ native: st(''), wasm: st('t=99 rgb=FF0000') })).toEqual([]);
  });

  it('flags differing lamps and phase, and needles beyond the tolerance', () => {
    const states = {
      native: st('lamps=HOT tach=10.0'),
      wasm: st('lamps=HOT tach=11.5'),
      browser: st('lamps=WARN tach=20.0'),
    };
    const diffs = diffStates(states);
    expect(diffs.map((d) => d.field)).toEqual(['lamps', 'tach']);
    expect(blame(states, diffs)).toEqual(['browser']);
    const table = sideBySide(states, diffs);
    expect(table).toMatch(/≠ lamps\s+HOT\s+HOT\s+WARN/);
    expect(table).toMatch(/≠ tach\s+10.0°\s+11.5°\s+20.0°/);
    expect(table.split('\n')[0]).toMatch(/native\s+wasm\s+browser/);
  });

  it('ignores needles that are still moving', () => {
    expect(diffStates({ a: st('tach=0.0'), b: st('tach=50.0') }, [])).toEqual([]);
  });

  it('blames everyone on a tie', () => {
    const states = { native: st('phase=NOSIGNAL lamps=NOSIG'), wasm: st('') };
    expect(blame(states, diffStates(states)).sort()).toEqual(['native', 'wasm']);
  });
});

const scenario = (name: string, statuses: Record<string, 'passed' | 'failed'>): ScenarioResult => ({
  scenario: name,
  description: `what ${name} shows`,
  durationMs: 1234,
  results: Object.entries(statuses).map(([target, status]) => ({
    target: target as 'native',
    status,
    ...(status === 'failed' ? { error: 'lamps <HOT> ≠ "WARN" & more\nline 2 \u0007' } : {}),
    captures: [],
  })),
  assertions: [
    {
      label: 'hot',
      expectation: 'lamps=HOT',
      perTarget: { native: { ok: statuses.native === 'passed', ms: 800, state: st('lamps=HOT') } },
    },
  ],
  notes: [],
  daemonLog: 'daemon said <this>',
});

const report = (): RunReport => ({
  scenarios: [
    scenario('cold-boot', { native: 'passed', wasm: 'passed' }),
    scenario('redline-hot', { native: 'failed', wasm: 'passed' }),
  ],
  targets: ['native', 'wasm'],
  skipped: [{ target: 'serial', reason: 'HIL_PORT not set' }],
  durationMs: 5000,
  strips: { 'cold-boot': { wasm: 'strips/cold-boot.wasm.png' } },
});

describe('reports', () => {
  it('counts one result per scenario × target', () => {
    expect(counts(report())).toEqual({ passed: 3, failed: 1 });
  });

  it('escapes XML, including control characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'\u0000\u0007ok`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;ok');
  });

  it('writes JUnit XML with a suite per target, failures and skips', () => {
    const xml = junitXml(report());
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="hil" tests="6" failures="1" skipped="2"/,
    );
    expect(xml).toContain('<testsuite name="hil.native" tests="2" failures="1" skipped="0"');
    expect(xml).toContain('<testsuite name="hil.serial" tests="2" failures="0" skipped="2"');
    expect(xml).toContain('<failure message="lamps &lt;HOT&gt; ≠ &quot;WARN&quot; &amp; more">');
    expect(xml).toContain('<skipped message="HIL_PORT not set"/>');
    expect(xml).toContain('daemon said &lt;this&gt;');
    expect(xml).not.toContain('\u0007');
    // Balanced tags: every opened testcase/testsuite is closed.
    expect(xml.match(/<testcase /g)?.length).toBe(xml.match(/<\/testcase>/g)?.length);
    expect(xml.match(/<testsuite /g)?.length).toBe(xml.match(/<\/testsuite>/g)?.length);
  });

  it('prints a per-target table with totals', () => {
    const t = summaryTable(report());
    const lines = t.split('\n');
    expect(lines[0]).toMatch(/^scenario\s+native\s+wasm\s+time$/);
    expect(t).toMatch(/redline-hot\s+FAIL\s+pass\s+1.2s/);
    expect(lines.at(-1)).toMatch(/^passed\s+1\/2\s+2\/2\s+5.0s$/);
  });

  it('writes a Markdown summary with failures, skips and strip links', () => {
    const md = summaryMarkdown(report());
    expect(md).toContain('**3 passed, 1 failed**');
    expect(md).toContain('| redline-hot | ❌ | ✅ | 1.2 s |');
    expect(md).toContain('✅ [strip](strips/cold-boot.wasm.png)');
    expect(md).toContain('**serial** skipped: HIL_PORT not set');
    expect(md).toMatch(/### redline-hot[\s\S]*\*\*native\*\*[\s\S]*FAIL hot \[lamps=HOT\] after 800 ms/);
  });
});
