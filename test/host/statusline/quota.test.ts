import { describe, expect, it } from 'vitest';
import {
  isFresh,
  parseQuotaReport,
  projectPace,
  QUOTA_FRESH_MS,
  QuotaError,
  QuotaStore,
} from '../../../host/src/statusline/quota.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const RESET = Date.parse('2026-11-22T14:00:00Z'); // the window opened at 09:00: 3 h in, 2 h left

describe('statusline quota report', () => {
  it("reads Claude Code's rate_limits: percent to fraction, epoch seconds to ms", () => {
    const r = parseQuotaReport({
      rate_limits: {
        five_hour: { used_percentage: 23.5, resets_at: RESET / 1000 },
        seven_day: { used_percentage: 41.2, resets_at: 1_738_857_600 },
      },
    });
    expect(r.fiveHour).toEqual({ usedFraction: 0.235, resetsAtMs: RESET });
    expect(r.sevenDay?.resetsAtMs).toBe(1_738_857_600_000);
  });

  it('takes one window alone, 100 % exactly, and ISO reset times', () => {
    const r = parseQuotaReport({ five_hour: { used_percentage: 100, resets_at: '2026-11-22T14:00:00Z' } });
    expect(r.fiveHour).toEqual({ usedFraction: 1, resetsAtMs: RESET });
    expect(r.sevenDay).toBeNull();
  });

  it.each([
    ['no window at all', { rate_limits: {} }, /neither five_hour nor seven_day/],
    ['a string percentage', { five_hour: { used_percentage: '23' } }, /used_percentage is not a percentage/],
    ['a negative percentage', { five_hour: { used_percentage: -1 } }, /not a percentage/],
    ['infinity', { five_hour: { used_percentage: Number.POSITIVE_INFINITY } }, /not a percentage/],
    [
      'a reset that is a word',
      { five_hour: { used_percentage: 1, resets_at: 'soon' } },
      /resets_at is not a time/,
    ],
    [
      'a 10 kB reset string',
      { five_hour: { used_percentage: 1, resets_at: `2026-${'9'.repeat(10_000)}` } },
      /not a time/,
    ],
    ['an array body', [1, 2], /not a JSON object/],
    ['rate_limits as a string', { rate_limits: 'x' }, /rate_limits is not an object/],
  ])('rejects %s', (_label, body, reason) => {
    expect(() => parseQuotaReport(body)).toThrow(QuotaError);
    expect(() => parseQuotaReport(body)).toThrow(reason);
  });
});

describe('quota store', () => {
  it('keeps the 7 d figure when a later report has only the 5 h one', () => {
    const store = new QuotaStore(() => NOW);
    store.update(
      parseQuotaReport({ five_hour: { used_percentage: 10 }, seven_day: { used_percentage: 40 } }),
      NOW,
    );
    store.update(parseQuotaReport({ five_hour: { used_percentage: 12 } }), NOW + 1000);
    expect(store.current()?.sevenDay?.usedFraction).toBe(0.4);
    expect(store.current()?.fiveHour?.usedFraction).toBe(0.12);
    expect(store.current()?.atMs).toBe(NOW + 1000);
  });

  it("measures the 5 h burn from its readings' slope, else the window's average", () => {
    const store = new QuotaStore();
    const at = (min: number, pct: number) =>
      store.update(
        parseQuotaReport({ five_hour: { used_percentage: pct, resets_at: RESET / 1000 } }),
        NOW + min * 60_000,
      );
    at(0, 30);
    // One reading: the average since the window opened (30 % in 180 min).
    expect(store.fiveHourRatePerMin(NOW)).toBeCloseTo(0.3 / 180, 12);
    at(1, 30.5);
    // 1 min apart is too short for a slope: still the average (30.5 % in 181 min).
    expect(store.fiveHourRatePerMin(NOW + 60_000)).toBeCloseTo(0.305 / 181, 12);
    at(4, 32);
    // 2 % in 4 min.
    expect(store.fiveHourRatePerMin(NOW + 4 * 60_000)).toBeCloseTo(0.02 / 4, 12);
    // 20 min later, the old readings have left the 15 min look-back: the average again.
    expect(store.fiveHourRatePerMin(NOW + 24 * 60_000)).toBeCloseTo(0.32 / 204, 12);
  });

  it('has no rate without a reading, or too early in a window', () => {
    const store = new QuotaStore();
    expect(store.fiveHourRatePerMin(NOW)).toBeNull();
    // The window opened 2 min ago.
    store.update(
      parseQuotaReport({ five_hour: { used_percentage: 5, resets_at: (NOW + 298 * 60_000) / 1000 } }),
      NOW,
    );
    expect(store.fiveHourRatePerMin(NOW)).toBeNull();
  });

  it('calls subscribers on each update', () => {
    const store = new QuotaStore();
    let n = 0;
    const off = store.subscribe(() => n++);
    store.update(parseQuotaReport({ five_hour: { used_percentage: 1 } }), NOW);
    off();
    store.update(parseQuotaReport({ five_hour: { used_percentage: 2 } }), NOW);
    expect(n).toBe(1);
    expect(store.updates).toBe(2);
  });

  it('calls a reading fresh for 10 minutes and only while its window is open', () => {
    const reading = { atMs: NOW, fiveHour: { usedFraction: 0.3, resetsAtMs: RESET }, sevenDay: null };
    expect(isFresh(reading, NOW)).toBe(true);
    expect(isFresh(reading, NOW + QUOTA_FRESH_MS - 1)).toBe(true);
    expect(isFresh(reading, NOW + QUOTA_FRESH_MS)).toBe(false);
    expect(isFresh({ ...reading, fiveHour: { usedFraction: 0.3, resetsAtMs: NOW - 1 } }, NOW)).toBe(false);
    expect(isFresh({ ...reading, fiveHour: null }, NOW)).toBe(false);
    expect(isFresh(null, NOW)).toBe(false);
  });
});

describe('pace projection', () => {
  it('projects the fraction at the reset and the minutes to full', () => {
    // 30 % used, 1 %/10 min, 120 min left: 42 % at the reset; full in 700 min, after the reset.
    expect(projectPace(0.3, 7200, 0.001)).toEqual({ pctAtReset: 0.42, minutesToFull: null });
    // 60 % used, 0.5 %/min, 120 min left: 120 % at the reset, full in 80 min.
    expect(projectPace(0.6, 7200, 0.005)).toEqual({ pctAtReset: 1.2, minutesToFull: 80 });
  });

  it('says null where there is nothing to project, 0 when already full', () => {
    expect(projectPace(0.3, 7200, 0)).toEqual({ pctAtReset: 0.3, minutesToFull: null });
    expect(projectPace(0.3, null, 0.01)).toEqual({ pctAtReset: null, minutesToFull: 70 });
    expect(projectPace(0.3, 7200, null)).toEqual({ pctAtReset: null, minutesToFull: null });
    expect(projectPace(1.05, 7200, 0.01).minutesToFull).toBe(0);
    expect(projectPace(0.3, 7200, Number.NaN)).toEqual({ pctAtReset: null, minutesToFull: null });
    expect(projectPace(0.3, 7200, -1)).toEqual({ pctAtReset: null, minutesToFull: null });
  });
});
