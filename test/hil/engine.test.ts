import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from './lib/engine.js';
import type { FirmwareTiming } from './lib/firmwareConfig.js';
import { defineScenario } from './lib/scenario.js';
import { LineTarget, type StartContext, type TargetName } from './targets/target.js';

// A stand-in for bin/claude-gauge.mjs: the engine only needs something that serves GET /usage on the port
// and host it is told. (The real daemon is exercised by `npm run hil`.)
const fakeDaemon = `
import { createServer } from 'node:http';
const arg = (f) => process.argv[process.argv.indexOf(f) + 1];
createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"v":1}'); })
  .listen(Number(arg('--port')), arg('--host'));
`;

let repoRoot = '';
beforeAll(() => {
  repoRoot = mkdtempSync(join(tmpdir(), 'hil-engine-'));
  mkdirSync(join(repoRoot, 'bin'));
  writeFileSync(join(repoRoot, 'bin', 'claude-gauge.mjs'), fakeDaemon);
});
afterAll(() => rmSync(repoRoot, { recursive: true, force: true }));

const timing: FirmwareTiming = {
  pollIntervalMs: 1000,
  requestTimeoutMs: 1500,
  noSignalAfterMs: 5000,
  backoffMaxMs: 4000,
  selfTestMs: 1500,
};

const line = (lamps: string, tach = '-135.0') =>
  `GAUGE t=1 phase=LIVE tach=${tach} fuel=120.0 temp=-120.0 boost=-120.0 lamps=${lamps} rgb=001000 model=opus-4.5 stale=0 over=0`;

/** A target that shows fixed lines, set by the test. */
class FakeTarget extends LineTarget {
  started: StartContext | null = null;
  constructor(
    readonly name: TargetName,
    private readonly lines: string[],
  ) {
    super();
  }
  async prepare() {}
  async start(ctx: StartContext) {
    this.resetObservations();
    this.started = ctx;
    for (const l of this.lines) this.feedLine(l);
  }
  async stop() {}
  async dispose() {}
  show(l: string) {
    this.feedLine(l);
  }
}

describe('runScenario', () => {
  it('passes every target that shows the expectation, polling through the proxy', async () => {
    const a = new FakeTarget('native', [line('HOT')]);
    const b = new FakeTarget('wasm', [line('HOT')]);
    const scenario = defineScenario({
      name: 'agree',
      description: 'both show HOT',
      async run(s) {
        const res = await fetch(a.started?.usageUrl ?? '');
        expect(await res.json()).toEqual({ v: 1 });
        await s.expect('hot', { phase: 'LIVE', lamps: ['HOT'], model: 'opus-4.5' }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing });
    expect(r.results.map((x) => [x.target, x.status])).toEqual([
      ['native', 'passed'],
      ['wasm', 'passed'],
    ]);
    expect(a.started?.usageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage$/);
    expect(r.assertions[0]?.perTarget.native?.ok).toBe(true);
    expect(r.assertions[0]?.disagreement).toBeUndefined();
  });

  it('fails a run where targets disagree on what was not asserted, with a side-by-side diff', async () => {
    const a = new FakeTarget('native', [line('HOT')]);
    const b = new FakeTarget('wasm', [line('WARN')]);
    const scenario = defineScenario({
      name: 'disagree',
      description: 'lamps differ',
      async run(s) {
        await s.expect('live', { phase: 'LIVE' }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing });
    // Two targets, no majority: both are blamed.
    expect(r.results.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(r.results[0]?.error).toMatch(/targets disagree after "live" \(lamps\)/);
    expect(r.assertions[0]?.disagreement).toMatch(/≠ lamps\s+HOT\s+WARN/);
  });

  it('blames only the odd one out, and compares settled needles too', async () => {
    const a = new FakeTarget('native', [line('HOT', '10.0')]);
    const b = new FakeTarget('wasm', [line('HOT', '10.1')]);
    const c = new FakeTarget('browser', [line('HOT', '40.0')]);
    const scenario = defineScenario({
      name: 'odd-one',
      description: 'browser needle differs',
      async run(s) {
        await s.expect('hot', { lamps: ['HOT'] }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b, c], { repoRoot, timing });
    expect(r.results.map((x) => [x.target, x.status])).toEqual([
      ['native', 'passed'],
      ['wasm', 'passed'],
      ['browser', 'failed'],
    ]);
    expect(r.results[2]?.error).toMatch(/≠ tach\s+10\.0°\s+10\.1°\s+40\.0°/);
  });

  it('fails only the target that never shows the expectation, and keeps going with the others', async () => {
    const a = new FakeTarget('native', [line('-')]);
    const b = new FakeTarget('wasm', [line('-')]);
    const scenario = defineScenario({
      name: 'one-fails',
      description: 'wasm never lights HOT',
      async run(s) {
        setTimeout(() => a.show(line('HOT')), 50);
        await s.expect('hot', { lamps: ['HOT'] }, { timeoutMs: 500, compare: false });
        await s.expect('still hot', { lamps: ['HOT'] }, { timeoutMs: 500 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing });
    expect(r.results.map((x) => x.status)).toEqual(['passed', 'failed']);
    expect(r.results[1]?.error).toMatch(
      /^hot: timed out after 500 ms waiting for lamps=HOT; last seen: lamps - ≠ HOT/,
    );
    expect(r.assertions[1]?.perTarget.wasm).toBeUndefined(); // not asked again once failed
  });

  it('checks every state reported during expectThroughout', async () => {
    const a = new FakeTarget('native', [line('WARN')]);
    let done = false;
    const scenario = defineScenario({
      name: 'throughout',
      description: 'a blip of HOT in between',
      async run(s) {
        setTimeout(() => a.show(line('HOT')), 20);
        setTimeout(() => a.show(line('WARN')), 40);
        setTimeout(() => {
          done = true;
        }, 150);
        await s.expectThroughout('warn only', { lamps: ['WARN'] }, () => done, { timeoutMs: 2000 });
      },
    });
    const r = await runScenario(scenario, [a], { repoRoot, timing });
    expect(r.results[0]?.status).toBe('failed');
    expect(r.results[0]?.error).toMatch(/warn only: lamps HOT ≠ WARN/);
  });

  it('fails every target when a scenario step throws, and reports bad state lines', async () => {
    const a = new FakeTarget('native', [line('-'), 'GAUGE t=2 phase=LIVE tach=oops']);
    const scenario = defineScenario({
      name: 'throws',
      description: 'a daemon-side wait fails',
      async run(s) {
        await s.until('something that never happens', () => false, 50);
      },
    });
    const r = await runScenario(scenario, [a], { repoRoot, timing });
    expect(r.results[0]?.status).toBe('failed');
    expect(r.results[0]?.error).toMatch(
      /scenario step failed: timed out after 50 ms waiting for something that never happens/,
    );

    const ok = defineScenario({ name: 'bad-line', description: 'a torn state line', async run() {} });
    const r2 = await runScenario(
      ok,
      [new FakeTarget('native', [line('-'), 'GAUGE t=2 phase=LIVE tach=oops'])],
      { repoRoot, timing },
    );
    expect(r2.results[0]?.error).toMatch(/device output problems: (missing|bad) /);
  });
});
