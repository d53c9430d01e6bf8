// The official quota as Claude Code shows it (statusline stdin `rate_limits`), forwarded by
// `claude-gauge statusline` to POST /v1/statusline and kept here; and the pace projection built on it.
// Percentages are kept as fractions (0.235 for 23.5 %), like the payload's window_5h_pct.
// No heavy imports: the statusline command loads this file too.

import { isJsonObject } from '../json.js';
import { Listeners } from '../listeners.js';
import { plausiblePercent, plausibleReset, QUOTA_WINDOW_MS } from '../plausible.js';

/** An official reading counts for the fuel gauge while it is younger than this (and its window is open). */
export const QUOTA_FRESH_MS = 10 * 60_000;
/** The pace slope looks back this far within one 5 h window. */
export const SLOPE_LOOKBACK_MS = 15 * 60_000;
/** ...and needs readings at least this far apart to call it a slope. */
export const SLOPE_MIN_SPAN_MS = 2 * 60_000;
/** Before this much of a window has passed, its average rate says nothing. */
export const MIN_ELAPSED_MS = 5 * 60_000;
const WINDOW_5H_MS = 5 * 3_600_000;
const MAX_HISTORY = 256;

export class QuotaError extends Error {
  override name = 'QuotaError';
  /** Well-formed but beyond the plausibility bounds (a percentage over 100, a reset too far ahead). */
  constructor(
    message: string,
    readonly implausible = false,
  ) {
    super(message);
  }
}

export interface QuotaWindow {
  /** Fraction used, >= 0 (may exceed 1). */
  usedFraction: number;
  /** When the window resets, epoch ms, or null when not given. */
  resetsAtMs: number | null;
}

export interface QuotaReport {
  fiveHour: QuotaWindow | null;
  sevenDay: QuotaWindow | null;
}

export interface QuotaReading extends QuotaReport {
  /** When the daemon received it, epoch ms. */
  atMs: number;
}

/**
 * rate_limits.<window> → QuotaWindow; throws QuotaError on garbage, null when absent. With `nowMs`, the
 * plausibility bounds apply (plausible.ts): at most 100 %, and a reset no further ahead than the window.
 */
function windowOf(x: unknown, name: string, nowMs: number | null, windowMs: number): QuotaWindow | null {
  if (x === undefined || x === null) return null;
  if (typeof x !== 'object' || Array.isArray(x)) throw new QuotaError(`${name} is not an object`);
  const o = x as Record<string, unknown>;
  const pct = o.used_percentage;
  if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0)
    throw new QuotaError(`${name}.used_percentage is not a percentage`);
  if (!plausiblePercent(pct))
    throw new QuotaError(`${name}.used_percentage ${String(pct).slice(0, 20)} is above 100`, true);
  const resetsAtMs = resetOf(o.resets_at, `${name}.resets_at`);
  if (resetsAtMs !== null && nowMs !== null && !plausibleReset(resetsAtMs, nowMs, windowMs))
    throw new QuotaError(
      `${name}.resets_at is ${new Date(resetsAtMs).toISOString()}, further ahead than the window allows`,
      true,
    );
  // Rounded to 1e-8 so 41.2 % is 0.412, not 0.41200000000000003.
  return { usedFraction: Math.round(pct * 1e6) / 1e8, resetsAtMs };
}

/** resets_at: epoch seconds (what Claude Code sends), epoch ms, or an ISO string. */
function resetOf(x: unknown, name: string): number | null {
  if (x === undefined || x === null) return null;
  let ms: number;
  if (typeof x === 'number' && Number.isFinite(x) && x > 0) ms = x < 1e11 ? x * 1000 : x;
  else if (typeof x === 'string' && x.length <= 40 && /^\d{4}-\d{2}-\d{2}T/.test(x)) ms = Date.parse(x);
  else throw new QuotaError(`${name} is not a time`);
  if (!Number.isFinite(ms) || ms <= 0 || ms > 8.64e15) throw new QuotaError(`${name} is not a time`);
  return Math.round(ms);
}

/**
 * Validates a statusline report ({rate_limits: {five_hour, seven_day}}, or the two at the top level). With
 * `nowMs` (the daemon's clock) a reset further ahead than its window is refused too.
 */
export function parseQuotaReport(body: unknown, nowMs: number | null = null): QuotaReport {
  if (!isJsonObject(body)) throw new QuotaError('body is not a JSON object');
  const l = body.rate_limits === undefined ? body : body.rate_limits;
  if (!isJsonObject(l)) throw new QuotaError('rate_limits is not an object');
  const report = {
    fiveHour: windowOf(l.five_hour, 'five_hour', nowMs, QUOTA_WINDOW_MS.fiveHour),
    sevenDay: windowOf(l.seven_day, 'seven_day', nowMs, QUOTA_WINDOW_MS.sevenDay),
  };
  if (!report.fiveHour && !report.sevenDay) throw new QuotaError('neither five_hour nor seven_day is given');
  return report;
}

/** The latest official reading plus a short history of the 5 h figure for the pace slope. */
export class QuotaStore {
  private latest: QuotaReading | null = null;
  private history: Array<{ atMs: number; fraction: number; resetsAtMs: number | null }> = [];
  private readonly listeners = new Listeners();
  updates = 0;

  /** `clock` stamps the readings the route receives (the daemon's clock, frozen under --now). */
  constructor(readonly clock: () => number = Date.now) {}

  update(report: QuotaReport, atMs: number): void {
    // A window Claude Code left out keeps its previous figure (one statusline call may lack seven_day).
    const prev = this.latest;
    this.latest = {
      atMs,
      fiveHour: report.fiveHour ?? prev?.fiveHour ?? null,
      sevenDay: report.sevenDay ?? prev?.sevenDay ?? null,
    };
    if (report.fiveHour) {
      this.history.push({
        atMs,
        fraction: report.fiveHour.usedFraction,
        resetsAtMs: report.fiveHour.resetsAtMs,
      });
      const cutoff = atMs - SLOPE_LOOKBACK_MS;
      this.history = this.history.filter((h) => h.atMs >= cutoff && h.atMs <= atMs).slice(-MAX_HISTORY);
    }
    this.updates++;
    this.listeners.notify();
  }

  current(): QuotaReading | null {
    return this.latest;
  }

  /**
   * The 5 h burn in fraction per minute as of `nowMs`: the slope over the readings of the last 15 min in
   * the same window (spanning >= 2 min); else the window's average since it opened (>= 5 min in); else null.
   */
  fiveHourRatePerMin(nowMs: number): number | null {
    const cur = this.latest?.fiveHour;
    if (!cur) return null;
    const same = this.history.filter(
      (h) => h.resetsAtMs === cur.resetsAtMs && h.atMs >= nowMs - SLOPE_LOOKBACK_MS && h.atMs <= nowMs,
    );
    const first = same[0];
    const last = same[same.length - 1];
    if (first && last && last.atMs - first.atMs >= SLOPE_MIN_SPAN_MS)
      return Math.max(0, (last.fraction - first.fraction) / ((last.atMs - first.atMs) / 60_000));
    if (cur.resetsAtMs !== null) {
      const elapsed = nowMs - (cur.resetsAtMs - WINDOW_5H_MS);
      if (elapsed >= MIN_ELAPSED_MS && elapsed <= WINDOW_5H_MS) return cur.usedFraction / (elapsed / 60_000);
    }
    return null;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.subscribe(listener);
  }
}

/** True while the official 5 h reading may stand in for the estimate (fresh, window still open). */
export function isFresh(
  r: QuotaReading | null,
  nowMs: number,
): r is QuotaReading & { fiveHour: QuotaWindow } {
  if (!r?.fiveHour) return false;
  const age = nowMs - r.atMs;
  if (age < 0 || age >= QUOTA_FRESH_MS) return false;
  return r.fiveHour.resetsAtMs === null || r.fiveHour.resetsAtMs > nowMs;
}

export interface Pace {
  /** Projected fraction used at the reset at the current rate, or null (no reset time or no rate). */
  pctAtReset: number | null;
  /** Minutes until the fraction reaches 1 at the current rate; 0 when already full; null when the rate is
   * zero/unknown or the window resets first. */
  minutesToFull: number | null;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The pace projection from the fraction used, the seconds to the reset and the rate (fraction/min). */
export function projectPace(fraction: number, resetInS: number | null, ratePerMin: number | null): Pace {
  const rate = ratePerMin !== null && Number.isFinite(ratePerMin) && ratePerMin >= 0 ? ratePerMin : null;
  const minutesLeft = resetInS !== null && Number.isFinite(resetInS) && resetInS >= 0 ? resetInS / 60 : null;
  const pctAtReset = rate !== null && minutesLeft !== null ? round(fraction + rate * minutesLeft, 4) : null;
  let minutesToFull: number | null = null;
  if (fraction >= 1) minutesToFull = 0;
  else if (rate !== null && rate > 0) {
    const m = (1 - fraction) / rate;
    minutesToFull = minutesLeft !== null && m > minutesLeft ? null : round(m, 1);
  }
  return { pctAtReset, minutesToFull };
}
