import { describe, expect, it } from 'vitest';
import { buildPayload, NO_SESSIONS } from '../../../host/src/payload.js';
import { DEMO_ACTS, DEMO_LOOP_S, DemoSource, demoAct, demoSnapshot } from '../../../host/src/sources/demo.js';
import { validatePayload } from '../helpers/fixtures.js';

const settings = { redline: 1_000_000, ceiling: 20_000_000, warnFraction: 0.8, stallMinutes: 5 };
const T0 = Date.UTC(2026, 0, 1); // a multiple of the loop, so second s of the loop is T0 + s*1000

function payloadAt(ms: number) {
  return buildPayload({
    snapshot: demoSnapshot(ms, settings),
    sessions: NO_SESSIONS,
    settings,
    nowMs: ms,
    stale: false,
    source: 'demo',
  });
}

describe('demo source', () => {
  it('is a pure function of the clock', async () => {
    const a = new DemoSource({ ...settings });
    const b = new DemoSource({ ...settings });
    for (const s of [0, 33, 77, 150, 200, 239]) {
      expect(await a.snapshot(T0 + s * 1000)).toEqual(await b.snapshot(T0 + s * 1000));
      // And it loops (response times are relative to now, so compare their age).
      const now1 = T0 + s * 1000;
      const now2 = now1 + DEMO_LOOP_S * 1000;
      const { lastResponseAtMs: r1, ...one } = await a.snapshot(now1);
      const { lastResponseAtMs: r2, ...two } = await a.snapshot(now2);
      expect(one).toEqual(two);
      expect(now1 - (r1 ?? 0)).toBe(now2 - (r2 ?? 0));
    }
  });

  it('drives every gauge and lamp within one loop, and every payload validates', () => {
    const lamps = { hot: false, warn: false, stall: false, idle: false };
    const models = new Set<string>();
    let maxPct = 0;
    let maxRate = 0;
    let minRate = Number.POSITIVE_INFINITY;
    let maxThinking = 0;
    for (let s = 0; s < DEMO_LOOP_S; s++) {
      const p = payloadAt(T0 + s * 1000);
      expect(validatePayload(p), `second ${s}: ${JSON.stringify(validatePayload.errors)}`).toBe(true);
      for (const k of Object.keys(lamps) as Array<keyof typeof lamps>) lamps[k] ||= p[k];
      if (p.last_model) models.add(p.last_model);
      maxPct = Math.max(maxPct, p.window_5h_pct);
      maxRate = Math.max(maxRate, p.rate_1m);
      minRate = Math.min(minRate, p.rate_1m);
      maxThinking = Math.max(maxThinking, p.thinking_ratio);
    }
    expect(lamps).toEqual({ hot: true, warn: true, stall: true, idle: true });
    expect(maxPct).toBeGreaterThan(1);
    expect(maxRate).toBeGreaterThan(settings.redline);
    expect(minRate).toBe(0);
    expect(maxThinking).toBeGreaterThan(0.5);
    expect(models.size).toBeGreaterThanOrEqual(3);
  });

  it('lights the lamp each act is named for', () => {
    const at = (name: string) => {
      const act = DEMO_ACTS.find((a) => a.name === name);
      if (!act) throw new Error(name);
      return payloadAt(T0 + (act.at + 10) * 1000);
    };
    expect(demoAct(T0 + 80_000).name).toBe('redline');
    expect(at('redline').hot).toBe(true);
    expect(at('fuel-warn').warn).toBe(true);
    expect(at('over-ceiling').window_5h_pct).toBeGreaterThan(1);
    expect(at('stall').stall).toBe(true);
    expect(at('idle').idle).toBe(true);
    expect(at('cruise')).toMatchObject({ hot: false, warn: false, stall: false, idle: false });
  });

  it('scales with the configured redline and ceiling', () => {
    const small = { redline: 100, ceiling: 1000, stallMinutes: 1 };
    const snap = demoSnapshot(T0 + 80_000, small);
    expect(snap.rate1m).toBeGreaterThan(100);
    expect(snap.rate1m).toBeLessThan(200);
    expect(snap.window5hTokens).toBeLessThan(1000);
  });

  it('notifies subscribers while started and stops cleanly', async () => {
    const src = new DemoSource({ tickMs: 5 });
    let calls = 0;
    const off = src.subscribe(() => calls++);
    await src.start();
    await new Promise((r) => setTimeout(r, 40));
    await src.stop();
    off();
    const after = calls;
    expect(after).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(after);
  });
});
