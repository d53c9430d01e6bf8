// The payload with the official quota: which basis the fuel uses, the pace fields, the contract.

import { describe, expect, it } from 'vitest';
import { buildPayload, NO_SESSIONS, type OfficialQuotaInput } from '../../../host/src/payload.js';
import type { QuotaReading } from '../../../host/src/statusline/quota.js';
import { SNAP, validatePayload } from '../helpers/fixtures.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const RESET = Date.parse('2026-11-22T14:00:00Z');
const settings = { redline: 1_000_000, ceiling: 100_000, warnFraction: 0.8, stallMinutes: 5 };
const reading: QuotaReading = {
  atMs: NOW - 60_000,
  fiveHour: { usedFraction: 0.85, resetsAtMs: RESET },
  sevenDay: { usedFraction: 0.41, resetsAtMs: Date.parse('2026-11-26T08:00:00Z') },
};

function build(quota: OfficialQuotaInput | undefined, nowMs = NOW) {
  const p = buildPayload({
    // 5000 tokens of 100 000: the estimate says 5 %, 1000 tokens/min.
    snapshot: SNAP,
    sessions: NO_SESSIONS,
    settings,
    nowMs,
    stale: false,
    source: 'jsonl',
    ...(quota ? { quota } : {}),
  });
  expect(validatePayload(p), JSON.stringify(validatePayload.errors)).toBe(true);
  return p;
}

describe('payload with the official quota', () => {
  it('uses a fresh official 5 h figure for the fuel, its reset and the WARN lamp', () => {
    const p = build({ reading, ratePerMin: 0.001 });
    expect(p.fuel_basis).toBe('official');
    expect(p.window_5h_pct).toBe(0.85);
    expect(p.window_5h_reset_in_s).toBe(7200);
    expect(p.warn).toBe(true);
    // The token count stays the estimate's: it is what the tokens say.
    expect(p.window_5h_tokens).toBe(5000);
    expect(p.quota_5h_pct).toBe(0.85);
    expect(p.quota_5h_resets_at).toBe(RESET / 1000);
    expect(p.quota_7d_pct).toBe(0.41);
    expect(p.quota_7d_resets_at).toBe(Date.parse('2026-11-26T08:00:00Z') / 1000);
    expect(p.quota_observed_at).toBe(NOW - 60_000);
    // 85 % + 0.1 %/min × 120 min = 97 % at the reset; the rest (15 %) would take 150 min, after the reset.
    expect(p.pace_pct_at_reset).toBeCloseTo(0.97, 10);
    expect(p.minutes_to_full).toBeNull();
  });

  it('falls back to the estimate when the reading is old, and says so', () => {
    const p = build({ reading, ratePerMin: 0.001 }, NOW + 10 * 60_000);
    expect(p.fuel_basis).toBe('estimate');
    expect(p.window_5h_pct).toBe(0.05);
    expect(p.window_5h_reset_in_s).toBe(3600);
    expect(p.warn).toBe(false);
    // The official figures are still reported, with their age visible through quota_observed_at.
    expect(p.quota_5h_pct).toBe(0.85);
    // Estimate pace: the tach (1000/min) over the ceiling is 1 %/min; 60 min to the block end.
    expect(p.pace_pct_at_reset).toBeCloseTo(0.65, 10);
    expect(p.minutes_to_full).toBeNull();
  });

  it('falls back to the estimate once the official window has reset', () => {
    const p = build({ reading: { ...reading, atMs: NOW }, ratePerMin: 0.001 }, RESET + 1000);
    expect(p.fuel_basis).toBe('estimate');
  });

  it('gives minutes to full when the estimate would fill before its reset', () => {
    const hot = { ...SNAP, rate1m: 5000, window5hTokens: 90_000 };
    const p = buildPayload({
      snapshot: hot,
      sessions: NO_SESSIONS,
      settings,
      nowMs: NOW,
      stale: false,
      source: 'jsonl',
      quota: { reading: null, ratePerMin: null },
    });
    expect(validatePayload(p)).toBe(true);
    // 10 % left at 5 %/min: 2 min.
    expect(p.minutes_to_full).toBe(2);
    expect(p.quota_5h_pct).toBeNull();
    expect(p.quota_observed_at).toBeNull();
    expect(p.fuel_basis).toBe('estimate');
  });

  it('leaves the quota fields out when the caller keeps no quota (the original contract fields only)', () => {
    const p = build(undefined);
    expect('fuel_basis' in p).toBe(false);
    expect('pace_pct_at_reset' in p).toBe(false);
  });

  it('never emits a number the schema refuses, whatever the reading holds', () => {
    const odd: QuotaReading = {
      atMs: NOW,
      fiveHour: { usedFraction: Number.NaN, resetsAtMs: Number.POSITIVE_INFINITY },
      sevenDay: { usedFraction: -3, resetsAtMs: -5 },
    };
    const p = build({ reading: odd, ratePerMin: Number.NaN });
    expect(p.window_5h_pct).toBe(0);
    expect(p.quota_7d_pct).toBe(0);
    expect(p.quota_7d_resets_at).toBeNull();
  });
});

describe('WARN from the pace', () => {
  // 50 % used, 120 min to the reset: below the 0.8 warn fraction on its own.
  const half: QuotaReading = {
    atMs: NOW - 60_000,
    fiveHour: { usedFraction: 0.5, resetsAtMs: RESET },
    sevenDay: null,
  };
  const warnWith = (
    quota: OfficialQuotaInput | undefined,
    extra: { paceWarn?: 'official' | 'always' | 'off'; paceWarnFraction?: number } = {},
    snapshot = SNAP,
  ) => {
    const p = buildPayload({
      snapshot,
      sessions: NO_SESSIONS,
      settings: { ...settings, ...extra },
      nowMs: NOW,
      stale: false,
      source: 'jsonl',
      ...(quota ? { quota } : {}),
    });
    expect(validatePayload(p), JSON.stringify(validatePayload.errors)).toBe(true);
    return p;
  };

  it('trips on the official pace projected past 100 % before the reset, below the fuel threshold', () => {
    // 50 % + 0.5 %/min × 120 min = 110 % at the reset.
    const p = warnWith({ reading: half, ratePerMin: 0.005 });
    expect(p.window_5h_pct).toBe(0.5);
    expect(p.pace_pct_at_reset).toBeCloseTo(1.1, 10);
    expect(p.warn).toBe(true);
    // 50 % + 0.3 %/min × 120 min = 86 %: no.
    expect(warnWith({ reading: half, ratePerMin: 0.003 }).warn).toBe(false);
    // Exactly 100 % is not past it.
    expect(warnWith({ reading: half, ratePerMin: 0.5 / 120 }).pace_pct_at_reset).toBe(1);
    expect(warnWith({ reading: half, ratePerMin: 0.5 / 120 }).warn).toBe(false);
  });

  it('follows paceWarnFraction and paceWarn off', () => {
    const q = { reading: half, ratePerMin: 0.005 };
    expect(warnWith(q, { paceWarnFraction: 1.2 }).warn).toBe(false);
    expect(warnWith(q, { paceWarnFraction: 0.9 }).warn).toBe(true);
    expect(warnWith(q, { paceWarn: 'off' }).warn).toBe(false);
    // The fuel threshold works alone, whatever the pace rule says.
    expect(warnWith({ reading, ratePerMin: 0 }, { paceWarn: 'off' }).warn).toBe(true);
  });

  it('leaves the estimate’s pace (the tach) out unless paceWarn is always', () => {
    // 5 % of the ceiling, 5 %/min on the tach, 60 min to the block end: 305 % projected.
    const burst = { ...SNAP, rate1m: 5000 };
    const p = warnWith({ reading: null, ratePerMin: null }, {}, burst);
    expect(p.fuel_basis).toBe('estimate');
    expect(p.pace_pct_at_reset).toBeCloseTo(3.05, 10);
    expect(p.warn).toBe(false);
    expect(warnWith({ reading: null, ratePerMin: null }, { paceWarn: 'always' }, burst).warn).toBe(true);
    // Without a quota store the pace still decides under always, never under official.
    expect(warnWith(undefined, { paceWarn: 'always' }, burst).warn).toBe(true);
    expect(warnWith(undefined, {}, burst).warn).toBe(false);
  });

  it('does not trip without a projection (no rate or no reset time)', () => {
    expect(warnWith({ reading: half, ratePerMin: null }).pace_pct_at_reset).toBeNull();
    expect(warnWith({ reading: half, ratePerMin: null }).warn).toBe(false);
    const noReset: QuotaReading = { ...half, fiveHour: { usedFraction: 0.5, resetsAtMs: null } };
    const p = warnWith(
      { reading: noReset, ratePerMin: 0.5 },
      { paceWarn: 'always' },
      { ...SNAP, window5hResetInS: null },
    );
    expect(p.pace_pct_at_reset).toBeNull();
    expect(p.warn).toBe(false);
  });
});
