import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareTiming } from './lib/firmwareConfig.js';
import { runScenario } from './lib/runScenario.js';
import { defineScenario } from './lib/scenario.js';
import { delay } from './lib/waitFor.js';
import { LineTarget, type StartContext, type TargetName } from './targets/target.js';

// A stand-in for bin/claude-gauge.mjs: runScenario only needs something that serves GET /usage on the port
// and host it is told. (The real daemon is exercised by `npm run hil`.)
const fakeDaemon = `
import { createServer } from 'node:http';
const arg = (f) => process.argv[process.argv.indexOf(f) + 1];
createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"v":1}'); })
  .listen(Number(arg('--port')), arg('--host'));
`;

let repoRoot = '';
beforeAll(() => {
  repoRoot = mkdtempSync(join(tmpdir(), 'hil-run-scenario-'));
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

/** A state line body (everything after t=). */
const pic = (lamps: string, tach = '-135.0', phase = 'LIVE') =>
  `phase=${phase} tach=${tach} fuel=120.0 temp=-120.0 boost=-120.0 lamps=${lamps} rgb=001000 model=opus-4.5 stale=0 over=0 basis=estimate week=-- eta=--`;
const selfTest = pic('NOSIG,ATTN,HOT,WARN,STALL,IDLE', '-135.0', 'SELFTEST');

/**
 * A device with its own clock (ms since its start): it boots into a self-test line, then shows what it was
 * given, reporting the current picture every 10 ms like a device's heartbeat. `lagMs` delays every report
 * (a busy browser); `show` changes the picture now, on the device's clock.
 */
class FakeTarget extends LineTarget {
  started: StartContext | null = null;
  private origin = 0;
  private current = '';
  private timers: NodeJS.Timeout[] = [];
  constructor(
    readonly name: TargetName,
    private readonly lines: string[],
    private readonly options: { lagMs?: number; script?: [number, string][] } = {},
  ) {
    super();
  }
  async prepare() {}
  async start(ctx: StartContext) {
    this.resetObservations();
    this.started = ctx;
    this.origin = performance.now();
    this.show(selfTest);
    for (const l of this.lines) this.show(l);
    for (const [ms, body] of this.options.script ?? [])
      this.timers.push(setTimeout(() => this.show(body), ms));
    this.timers.push(setInterval(() => this.report(this.current), 10));
  }
  async stop() {
    this.mute();
  }
  /** Stops reporting (a crashed device, an unplugged cable). */
  mute() {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
  async dispose() {}
  now(): number {
    return Math.floor(performance.now() - this.origin);
  }
  show(body: string) {
    this.current = body;
    this.report(body);
  }
  private report(body: string) {
    const line = body.startsWith('GAUGE') ? body : `GAUGE t=${this.now()} ${body}`;
    if (this.options.lagMs) this.timers.push(setTimeout(() => this.feedLine(line), this.options.lagMs));
    else this.feedLine(line);
  }
}

describe('runScenario', () => {
  it('passes every target that shows the expectation, polling through the proxy', async () => {
    const a = new FakeTarget('native', [pic('HOT')]);
    const b = new FakeTarget('wasm', [pic('HOT')]);
    const scenario = defineScenario({
      name: 'agree',
      description: 'both show HOT',
      async run(s) {
        const res = await fetch(a.started?.usageUrl ?? '');
        expect(await res.json()).toEqual({ v: 1 });
        await s.expect('hot', { phase: 'LIVE', lamps: ['HOT'], model: 'opus-4.5' }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing, reportLagMs: 3000 });
    expect(r.results.map((x) => [x.target, x.status])).toEqual([
      ['native', 'passed'],
      ['wasm', 'passed'],
    ]);
    expect(a.started?.usageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage$/);
    expect(r.assertions[0]?.perTarget.native?.ok).toBe(true);
    expect(r.assertions[0]?.disagreement).toBeUndefined();
  });

  it('fails a run where targets disagree on what was not asserted, with a side-by-side diff', async () => {
    const a = new FakeTarget('native', [pic('HOT')]);
    const b = new FakeTarget('wasm', [pic('WARN')]);
    const scenario = defineScenario({
      name: 'disagree',
      description: 'lamps differ',
      async run(s) {
        await s.expect('live', { phase: 'LIVE' }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing, reportLagMs: 3000 });
    // Two targets, no majority: both are blamed.
    expect(r.results.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(r.results[0]?.error).toMatch(/targets disagree after "live" \(lamps\)/);
    expect(r.assertions[0]?.disagreement).toMatch(/≠ lamps\s+HOT\s+WARN/);
  });

  it('blames only the odd one out, and compares settled needles too', async () => {
    const a = new FakeTarget('native', [pic('HOT', '10.0')]);
    const b = new FakeTarget('wasm', [pic('HOT', '10.1')]);
    const c = new FakeTarget('browser', [pic('HOT', '40.0')]);
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
    const a = new FakeTarget('native', [pic('-')]);
    const b = new FakeTarget('wasm', [pic('-')]);
    const scenario = defineScenario({
      name: 'one-fails',
      description: 'wasm never lights HOT',
      async run(s) {
        setTimeout(() => a.show(pic('HOT')), 50);
        await s.expect('hot', { lamps: ['HOT'] }, { timeoutMs: 1000, compare: false });
        await s.expect('still hot', { lamps: ['HOT'] }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing, reportLagMs: 3000 });
    expect(r.results.map((x) => x.status)).toEqual(['passed', 'failed']);
    expect(r.results[1]?.error).toMatch(
      /^hot: not shown within 1000 ms on the device's clock \(looked at t=\d+…\d+\) waiting for lamps=HOT; at t=\d+: lamps - ≠ HOT — LIVE /,
    );
    expect(r.assertions[1]?.perTarget.wasm).toBeUndefined(); // not asked again once failed
  });

  it('checks every state reported during expectThroughout', async () => {
    const a = new FakeTarget('native', [pic('WARN')]);
    let done = false;
    const scenario = defineScenario({
      name: 'throughout',
      description: 'a blip of HOT in between',
      async run(s) {
        await s.expect('warn', { lamps: ['WARN'] }, { timeoutMs: 1000 });
        setTimeout(() => a.show(pic('HOT')), 20);
        setTimeout(() => a.show(pic('WARN')), 40);
        setTimeout(() => {
          done = true;
        }, 150);
        await s.expectThroughout('warn only', { lamps: ['WARN'] }, () => done, { timeoutMs: 2000 });
      },
    });
    const r = await runScenario(scenario, [a], { repoRoot, timing });
    expect(r.results[0]?.status).toBe('failed');
    expect(r.results[0]?.error).toMatch(
      /^warn only: at t=\d+ \(window t=\d+…\d+\): lamps HOT ≠ WARN \(state: LIVE /,
    );
  });

  it('fails every target when a scenario step throws, and reports bad state lines', async () => {
    const a = new FakeTarget('native', [pic('-'), 'GAUGE t=2 phase=LIVE tach=oops']);
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
      [new FakeTarget('native', [pic('-'), 'GAUGE t=2 phase=LIVE tach=oops'])],
      { repoRoot, timing },
    );
    expect(r2.results[0]?.error).toMatch(/device output problems: (missing|bad) /);
  });

  it('judges each target on its own timeline: a slow reporter never makes a fast one miss a short state', async () => {
    // A 300 ms self-test: needles reach full scale at 100 ms, LIVE at 300 ms. The browser reports
    // everything 1.5 s late, so by the time it has shown the first assertion the others are long LIVE.
    const full = pic('NOSIG,HOT,WARN,STALL,IDLE', '130.0', 'SELFTEST');
    const script: [number, string][] = [
      [100, full],
      [200, selfTest],
      [300, pic('IDLE')],
    ];
    const a = new FakeTarget('native', [], { script });
    const b = new FakeTarget('wasm', [], { script });
    const c = new FakeTarget('browser', [], { script, lagMs: 1500 });
    const scenario = defineScenario({
      name: 'sweep',
      description: 'a short self-test, one slow reporter',
      async run(s) {
        const sweep = { timeoutMs: 1000, compare: false };
        await s.expect(
          'lamps',
          { phase: 'SELFTEST', lamps: ['NOSIG', 'HOT', 'WARN', 'STALL', 'IDLE'] },
          sweep,
        );
        await s.expect('full scale', { phase: 'SELFTEST', needles: { tach: { minFraction: 0.9 } } }, sweep);
        await s.expect('live', { phase: 'LIVE', lamps: ['IDLE'] }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b, c], { repoRoot, timing, reportLagMs: 5000 });
    expect(r.results.map((x) => [x.target, x.status, x.error])).toEqual([
      ['native', 'passed', undefined],
      ['wasm', 'passed', undefined],
      ['browser', 'passed', undefined],
    ]);
    // Each verdict is at the time the target itself showed the state (its own t=), however late it said so.
    for (const target of [a, b, c]) {
      const [, sweep, live] = r.assertions.map((x) => x.perTarget[target.name]);
      const entries = target.timeline().entries;
      const first = (p: (e: (typeof entries)[number]) => boolean) => entries.find(p)?.t;
      expect(sweep?.t).toBe(first((e) => e.state.tach === 130));
      expect(live?.t).toBe(first((e) => e.state.phase === 'LIVE'));
    }
  });

  it('never looks before a target’s previous verdict or the last daemon-side step', async () => {
    // Both show IDLE at boot and drop it at 200 ms; after the step only wasm lights it again.
    const script: [number, string][] = [[200, pic('-')]];
    const a = new FakeTarget('native', [pic('IDLE')], { script });
    const b = new FakeTarget('wasm', [pic('IDLE')], { script });
    const scenario = defineScenario({
      name: 'cursor',
      description: 'IDLE before the step does not count after it',
      async run(s) {
        await s.expect('no lamps', { lamps: [] }, { timeoutMs: 1000 });
        s.proxy.setFault({ kind: 'pass' }); // a step
        setTimeout(() => b.show(pic('IDLE')), 100);
        await s.expect('IDLE after the step', { lamps: ['IDLE'] }, { timeoutMs: 1000, compare: false });
        // The state showing when the step happened counts: a "still" assertion passes at once.
        await s.expect('still IDLE', { lamps: ['IDLE'] }, { timeoutMs: 1000, compare: false });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing, reportLagMs: 3000 });
    expect(r.results.map((x) => x.status)).toEqual(['failed', 'passed']);
    expect(r.results[0]?.error).toMatch(/^IDLE after the step: not shown within 1000 ms/);
    expect(r.assertions[2]?.perTarget.wasm).toMatchObject({ ok: true, ms: 0 });
  });

  it('looks for a step’s effect from its start, and counts the deadline from its end', async () => {
    const a = new FakeTarget('native', [pic('-')]);
    const b = new FakeTarget('wasm', [pic('-')]);
    const scenario = defineScenario({
      name: 'long-step',
      description: 'a step that takes 600 ms',
      async run(s) {
        await s.expect('dark', { lamps: [] }, { timeoutMs: 1000 });
        // native lights HOT while the step (≥ 600 ms) is still running; wasm 300 ms after it is over, so
        // more than 800 ms after it began.
        await s.claude.appendTornTurn(s.sessionId, { input: 1, output: 1 }, async () => {
          a.show(pic('HOT'));
          await delay(600);
        });
        setTimeout(() => b.show(pic('HOT')), 300);
        await s.expect('hot', { lamps: ['HOT'] }, { timeoutMs: 800 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing, reportLagMs: 3000 });
    expect(r.results.map((x) => [x.status, x.error])).toEqual([
      ['passed', undefined],
      ['passed', undefined],
    ]);
    expect(r.assertions[1]?.perTarget.native?.ms).toBeLessThan(600);
    expect(r.assertions[1]?.perTarget.wasm?.ms).toBeGreaterThan(800);
  });

  it('compares where each target came to rest, and looks again at the end of the window', async () => {
    // wasm passes with WARN lit, which goes out 600 ms later: a poll in flight, not a disagreement.
    const a = new FakeTarget('native', [pic('HOT')]);
    const b = new FakeTarget('wasm', [pic('HOT,WARN')], { script: [[600, pic('HOT')]], lagMs: 700 });
    const scenario = defineScenario({
      name: 'settle',
      description: 'a short difference resolves',
      async run(s) {
        await s.expect('hot', { lampsInclude: ['HOT'] }, { timeoutMs: 1000 });
      },
    });
    const r = await runScenario(scenario, [a, b], { repoRoot, timing, reportLagMs: 3000 });
    expect(r.results.map((x) => x.status)).toEqual(['passed', 'passed']);
    expect(r.assertions[0]?.disagreement).toBeUndefined();
  });

  it('fails a device that stops reporting with how far its timeline got', async () => {
    const a = new FakeTarget('native', [pic('-')]);
    const scenario = defineScenario({
      name: 'silent',
      description: 'the device goes quiet',
      async run(s) {
        a.mute();
        await s.expect('hot', { lamps: ['HOT'] }, { timeoutMs: 200 });
      },
    });
    const r = await runScenario(scenario, [a], { repoRoot, timing, reportLagMs: 300 });
    expect(r.results[0]?.error).toMatch(/^hot: the device reported nothing past t=\d+ for \d+ ms — LIVE /);
  });
});
