import { describe, expect, it } from 'vitest';
import { arcs, fractionToDeg, tachDeg, tachFullScale } from './lib/dials.js';
import { parseConfigConstants, readFirmwareTiming } from './lib/firmwareConfig.js';

const repoRoot = new URL('../..', import.meta.url).pathname;

describe('firmware timing', () => {
  it('reads the real constants from gauge_config.h', () => {
    const t = readFirmwareTiming(repoRoot);
    expect(t.noSignalAfterMs).toBeGreaterThan(t.pollIntervalMs);
    expect(t.selfTestMs).toBeGreaterThan(0);
    expect(t.backoffMaxMs).toBeGreaterThanOrEqual(t.pollIntervalMs);
  });

  it('evaluates literals and sums of earlier constants, skipping what it cannot', () => {
    const v = parseConfigConstants(`
      constexpr uint32_t kA = 650;
      constexpr uint32_t kB = 200;
      constexpr uint32_t kSum = kA + kB + 5;
      constexpr float kF = 9.0f;
      constexpr double kBig = 1e9;
      constexpr uint32_t kOdd = kUnknown + 1;
    `);
    expect(v.get('kSum')).toBe(855);
    expect(v.get('kF')).toBe(9);
    expect(v.get('kBig')).toBe(1e9);
    expect(v.has('kOdd')).toBe(false);
  });
});

describe('dial geometry', () => {
  it('picks the smallest nice full scale at 1.25 x the redline', () => {
    expect(tachFullScale(600)).toBe(800);
    expect(tachFullScale(400)).toBe(500);
    expect(tachFullScale(1_000_000)).toBe(1_500_000);
    expect(tachFullScale(2000)).toBe(2500);
    expect(tachFullScale(1)).toBe(10);
    expect(tachFullScale(8)).toBe(10);
    expect(tachFullScale(9)).toBe(15);
  });

  it('turns values into angles on the firmware’s arcs', () => {
    expect(fractionToDeg('fuel', 0.5)).toBeCloseTo((arcs.fuel.startDeg + arcs.fuel.endDeg) / 2);
    expect(tachDeg(0, 600)).toBe(arcs.tach.startDeg);
    expect(tachDeg(800, 600)).toBe(arcs.tach.endDeg);
    expect(tachDeg(1e9, 600)).toBe(arcs.tach.endDeg); // clamped like the firmware
  });

  it('matches the arcs in firmware/core/cluster.cpp', async () => {
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(`${repoRoot}/firmware/core/cluster.cpp`, 'utf8');
    const tach = /kTachStart = (-?[\d.]+)f, kTachEnd = (-?[\d.]+)f/.exec(src);
    const small = /kSmallStart = (-?[\d.]+)f, kSmallEnd = (-?[\d.]+)f/.exec(src);
    expect(tach && [Number(tach[1]), Number(tach[2])]).toEqual([arcs.tach.startDeg, arcs.tach.endDeg]);
    for (const d of ['fuel', 'temp', 'boost'] as const)
      expect(small && [Number(small[1]), Number(small[2])]).toEqual([arcs[d].startDeg, arcs[d].endDeg]);
  });
});
