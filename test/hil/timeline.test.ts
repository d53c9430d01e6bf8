import { describe, expect, it } from 'vitest';
import { parseStateLine } from './lib/stateLine.js';
import { ExpectJudge, judgeThroughout, restingAt, settleAfter, Timeline } from './lib/timeline.js';

interface Pic {
  phase?: string;
  lamps?: string;
  tach?: number;
  fuel?: number;
  model?: string;
  rgb?: string;
}

function state(t: number, p: Pic = {}) {
  const deg = (v: number) => v.toFixed(1);
  const line =
    `GAUGE t=${t} phase=${p.phase ?? 'LIVE'} tach=${deg(p.tach ?? -135)} fuel=${deg(p.fuel ?? 120)} ` +
    `temp=-120.0 boost=-120.0 lamps=${p.lamps ?? '-'} rgb=${p.rgb ?? '001000'} model=${p.model ?? '-'} ` +
    'stale=0 over=0 basis=estimate week=-- eta=--';
  const s = parseStateLine(line);
  if (!s) throw new Error('not a state line');
  return s;
}

/** A timeline from [t, picture] pairs, each arriving `latency` ms (host time) after it was shown. */
function timeline(points: [number, Pic][], latency = 5): Timeline {
  const tl = new Timeline();
  for (const [t, p] of points) expect(tl.record(state(t, p), 1000 + t + latency)).toBeNull();
  return tl;
}

describe('Timeline', () => {
  it('keeps one entry per picture; a repeat only extends how far the timeline is known', () => {
    const tl = timeline([
      [0, { phase: 'SELFTEST', lamps: 'NOSIG,HOT,WARN,STALL,IDLE' }],
      [20, { lamps: 'IDLE' }],
      [40, { lamps: 'IDLE' }],
      [1040, { lamps: 'IDLE' }],
    ]);
    expect(tl.entries.map((e) => e.t)).toEqual([0, 20]);
    expect(tl.coveredUntil).toBe(1040);
    expect(tl.latest()?.lamps).toEqual(['IDLE']);
    expect(tl.stateAt(19)?.phase).toBe('SELFTEST');
    expect(tl.stateAt(20)?.phase).toBe('LIVE');
    expect(tl.stateAt(-1)).toBeNull();
    expect(tl.indexAt(5000)).toBe(1);
  });

  it('unwraps a uint32 millis() that wraps, and reports a clock that goes back', () => {
    const tl = new Timeline();
    expect(tl.record(state(2 ** 32 - 10), 0)).toBeNull();
    expect(tl.record(state(10, { lamps: 'HOT' }), 20)).toBeNull();
    expect(tl.entries.map((e) => e.t)).toEqual([2 ** 32 - 10, 2 ** 32 + 10]);
    expect(tl.record(state(5, { lamps: 'WARN' }), 30)).toMatch(
      /device clock went back from t=10 to t=5 \(did it reboot\?\)/,
    );
    expect(tl.entries).toHaveLength(2);
  });

  it('places host time on the device clock at most one line latency early, never late', () => {
    const tl = new Timeline();
    // Device t=0 is host 1000; lines arrive 40, 3 and 90 ms after they were shown.
    tl.record(state(0), 1040);
    tl.record(state(100, { lamps: 'HOT' }), 1103);
    tl.record(state(200, { lamps: 'WARN' }), 1290);
    expect(tl.deviceTime(1500)).toBe(497); // truth 500: early by the smallest latency seen
    expect(new Timeline().deviceTime(1500)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('ExpectJudge', () => {
  const selfTest = timeline([
    [0, { phase: 'SELFTEST', lamps: 'NOSIG,HOT,WARN,STALL,IDLE', tach: -135 }],
    [100, { phase: 'SELFTEST', lamps: 'NOSIG,HOT,WARN,STALL,IDLE', tach: 130 }],
    [200, { phase: 'SELFTEST', lamps: 'NOSIG,HOT,WARN,STALL,IDLE', tach: -100 }],
    [300, { lamps: 'IDLE' }],
    [5000, { lamps: 'IDLE' }],
  ]);

  it('finds a state however briefly it was shown, at its own time', () => {
    const v = new ExpectJudge({ phase: 'SELFTEST', needles: { tach: { minFraction: 0.9 } } }, 0, 1500).poll(
      selfTest,
    );
    expect(v).toMatchObject({ status: 'pass', t: 100 });
  });

  it('counts the state in effect at the start, not the ones before it', () => {
    // From t=150 the picture showing is the one from t=100 (full scale): it counts, at t=150.
    expect(new ExpectJudge({ needles: { tach: { deg: 130 } } }, 150, 400).poll(selfTest)).toMatchObject({
      status: 'pass',
      t: 150,
    });
    // From t=250 the self-test is over except for its last frame; nothing after shows full scale.
    const v = new ExpectJudge({ needles: { tach: { deg: 130 } } }, 250, 1000).poll(selfTest);
    expect(v.status).toBe('fail');
    if (v.status !== 'fail') return;
    expect(v.t).toBe(1000);
    expect(v.state?.lamps).toEqual(['IDLE']);
    expect(v.reason).toMatch(/tach -135\.0° ≠ 130\.0°±3/);
  });

  it('ignores what comes after the deadline', () => {
    const v = new ExpectJudge({ lamps: ['IDLE'] }, 0, 250).poll(selfTest);
    expect(v).toMatchObject({ status: 'fail', t: 250, reason: 'lamps NOSIG,HOT,WARN,STALL,IDLE ≠ IDLE' });
  });

  it('waits (pending) until the timeline reaches the deadline, then judges what came', () => {
    const tl = timeline([[0, { phase: 'SELFTEST' }]]);
    const judge = new ExpectJudge({ lamps: ['HOT'] }, 0, 1000);
    expect(judge.poll(tl).status).toBe('pending');
    tl.record(state(600, { lamps: 'HOT' }), 5000); // reported very late: still on time for the device
    expect(judge.poll(tl)).toMatchObject({ status: 'pass', t: 600 });

    const late = new ExpectJudge({ lamps: ['WARN'] }, 0, 1000);
    expect(late.poll(tl).status).toBe('pending');
    tl.record(state(1000, { lamps: 'HOT' }), 6000);
    expect(late.poll(tl)).toMatchObject({ status: 'fail', t: 1000, reason: 'lamps HOT ≠ WARN' });
  });
});

describe('judgeThroughout', () => {
  const tl = timeline([
    [0, { lamps: 'WARN' }],
    [400, { lamps: 'WARN,HOT' }],
    [420, { lamps: 'WARN' }],
    [2000, { lamps: 'WARN' }],
  ]);

  it('fails on a blip inside the window, with the blip', () => {
    const v = judgeThroughout(tl, { lamps: ['WARN'] }, 100, 1000);
    expect(v).toMatchObject({ status: 'fail', t: 400 });
    if (v.status === 'fail') expect(v.reason).toMatch(/^lamps WARN,HOT ≠ WARN \(state: LIVE /);
  });

  it('passes a window the blip is outside of; the state in effect at its start counts', () => {
    expect(judgeThroughout(tl, { lamps: ['WARN'] }, 500, 1900).status).toBe('pass');
    expect(judgeThroughout(tl, { lamps: ['WARN'] }, 0, 399).status).toBe('pass');
    const v = judgeThroughout(tl, { lamps: ['WARN', 'HOT'] }, 410, 415);
    expect(v).toMatchObject({ status: 'pass', t: 415 });
    expect(judgeThroughout(tl, { lamps: ['WARN', 'HOT'] }, 410, 420)).toMatchObject({
      status: 'fail',
      t: 420,
    });
  });

  it('is pending until the timeline covers the window', () => {
    expect(judgeThroughout(tl, { lamps: ['WARN'] }, 500, 2001).status).toBe('pending');
    expect(judgeThroughout(new Timeline(), { lamps: ['WARN'] }, 0, 10).status).toBe('pending');
  });
});

describe('settleAfter / restingAt', () => {
  it('takes the picture once the needles and the rest held still for the window', () => {
    const tl = timeline([
      [0, { tach: -135 }],
      [100, { tach: -60 }],
      [200, { tach: -20 }],
      [300, { tach: -10.2 }],
      [400, { tach: -10.0 }], // moves less than 0.5°: still
      [500, { tach: -10.0, rgb: 'FF0000' }], // the LED blinking is not movement
      [900, { tach: -10.0 }],
    ]);
    expect(settleAfter(tl, 50, 2500)).toEqual({ t: 600, state: tl.stateAt(600), dials: expect.any(Array) });
    expect(settleAfter(tl, 50, 2500)?.dials).toHaveLength(4);
    expect(settleAfter(tl, 50, 2500)?.state.tach).toBe(-10);
  });

  it('is pending until the timeline covers the settling', () => {
    const tl = timeline([
      [0, { tach: -135 }],
      [100, { tach: 0 }],
      [250, { tach: 0 }],
    ]);
    expect(settleAfter(tl, 0, 2500)).toBeNull();
    tl.record(state(400, { tach: 0 }), 2000);
    expect(settleAfter(tl, 0, 2500)).toMatchObject({ t: 400 });
  });

  it('past the limit compares the state there, with only the needles that were still', () => {
    const points: [number, Pic][] = [];
    // The tach keeps climbing 1° every 50 ms; the fuel needle and the lamps are still.
    for (let t = 0; t <= 1000; t += 50) points.push([t, { tach: -100 + t / 50, lamps: 'HOT' }]);
    const tl = timeline(points);
    const s = settleAfter(tl, 0, 800);
    expect(s).toMatchObject({ t: 800 });
    expect(s?.state.tach).toBe(-84);
    expect(s?.dials).toEqual(['fuel', 'temp', 'boost']);
    expect(restingAt(tl, 1000)?.dials).toEqual(['fuel', 'temp', 'boost']);
    expect(restingAt(tl, 1001)).toBeNull();
  });

  it('a discrete change restarts the window', () => {
    const tl = timeline([
      [0, { lamps: '-' }],
      [250, { lamps: 'HOT' }],
      [500, { lamps: 'HOT' }],
      [550, { lamps: 'HOT' }],
    ]);
    expect(settleAfter(tl, 0, 2500)).toMatchObject({ t: 550 });
    expect(settleAfter(tl, 0, 2500)?.state.lamps).toEqual(['HOT']);
  });
});
