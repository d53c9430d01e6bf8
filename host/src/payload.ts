// The one place where a source's snapshot becomes the /usage contract: thresholds, lamps and sanitising.
// Sources are untrusted (NaN, negatives, huge strings); whatever they say, the payload validates.

import type { UsagePayload } from '../../contract/usage.js';
import { DEFAULTS, type PaceWarnMode } from './config.js';
import type { SourceSnapshot } from './sources/source.js';
import { isFresh, projectPace, type QuotaReading } from './statusline/quota.js';

export interface PayloadSettings {
  redline: number;
  /** Tokens per 5 h block. */
  ceiling: number;
  warnFraction: number;
  stallMinutes: number;
  /** When the pace (pace_pct_at_reset) may trip WARN; default DEFAULTS.paceWarn. */
  paceWarn?: PaceWarnMode;
  /** WARN when pace_pct_at_reset is above this fraction; default DEFAULTS.paceWarnFraction. */
  paceWarnFraction?: number;
}

/** What the session-manifest tracker knows, reduced to what the payload needs. */
export interface SessionView {
  /** Live sessions (manifest present, PID alive and matching). */
  active: number;
  /** Live sessions that are working (not known to wait for the user); STALL only considers these. */
  working: number;
  /** Newest startedAt among working sessions (epoch ms), or null. */
  newestWorkingStartMs: number | null;
  /**
   * False when no claude dir has a sessions/ directory at all: a Claude Code version that writes no
   * manifests, so the counts above say nothing. Default true.
   */
  manifestsAvailable?: boolean;
}

export const NO_SESSIONS: SessionView = { active: 0, working: 0, newestWorkingStartMs: null };

const MAX_MODEL_LEN = 128;

/** A finite number >= 0, else 0. */
export function nonNegative(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}

function unit(x: unknown): number {
  return Math.min(1, nonNegative(x));
}

/** Printable model id: no control characters, bounded length (the firmware has a fixed buffer). */
export function cleanModel(x: unknown): string {
  if (typeof x !== 'string') return '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return x.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, MAX_MODEL_LEN);
}

/** Sanitises a snapshot from an untrusted source. */
export function sanitizeSnapshot(s: Partial<SourceSnapshot> | null | undefined): SourceSnapshot {
  const src = s ?? {};
  const reset = src.window5hResetInS;
  const last = src.lastResponseAtMs;
  const out: SourceSnapshot = {
    rate1m: nonNegative(src.rate1m),
    window5hTokens: Math.round(nonNegative(src.window5hTokens)),
    window5hResetInS:
      typeof reset === 'number' && Number.isFinite(reset) ? Math.max(0, Math.round(reset)) : null,
    thinkingRatio: unit(src.thinkingRatio),
    cacheHitRate: unit(src.cacheHitRate),
    lastModel: cleanModel(src.lastModel),
    lastResponseAtMs: typeof last === 'number' && Number.isFinite(last) && last > 0 ? last : null,
  };
  if (src.sessionsActive !== undefined) out.sessionsActive = Math.round(nonNegative(src.sessionsActive));
  if (src.hub !== undefined)
    out.hub = {
      machines: Math.round(nonNegative(src.hub.machines)),
      sessionsActive: Math.round(nonNegative(src.hub.sessionsActive)),
      sessionsWorking: Math.round(nonNegative(src.hub.sessionsWorking)),
    };
  return out;
}

/** The official quota as the statusline reported it, and its 5 h burn (fraction per minute) or null. */
export interface OfficialQuotaInput {
  reading: QuotaReading | null;
  ratePerMin: number | null;
}

export interface BuildInput {
  snapshot: SourceSnapshot;
  sessions: SessionView;
  settings: PayloadSettings;
  nowMs: number;
  stale: boolean;
  source: string;
  /**
   * Given (even with a null reading): the payload carries the optional quota and pace fields, and a fresh
   * official 5 h figure replaces the token estimate in window_5h_pct / window_5h_reset_in_s.
   */
  quota?: OfficialQuotaInput;
  /** Given: the payload carries `attention`, the live sessions waiting for the user. */
  attention?: number;
}

const epochSeconds = (ms: number | null | undefined): number | null =>
  typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : null;

export function buildPayload({
  snapshot,
  sessions,
  settings,
  nowMs,
  stale,
  source,
  quota,
  attention,
}: BuildInput): UsagePayload {
  const snap = sanitizeSnapshot(snapshot);
  const ceiling = settings.ceiling > 0 ? settings.ceiling : 1;
  const redline = settings.redline > 0 ? settings.redline : 1;
  let pct = snap.window5hTokens / ceiling;
  let resetInS = snap.window5hResetInS;
  const reading = quota?.reading ?? null;
  const official = quota !== undefined && isFresh(reading, nowMs);
  if (official && reading?.fiveHour) {
    pct = nonNegative(reading.fiveHour.usedFraction);
    const resetsAt = reading.fiveHour.resetsAtMs;
    if (resetsAt !== null && Number.isFinite(resetsAt))
      resetInS = Math.max(0, Math.round((resetsAt - nowMs) / 1000));
  }

  // A source that scripts its own sessions (the demo) overrides the manifest tracker; then every live
  // session counts as working.
  let active = snap.sessionsActive ?? sessions.active;
  let working = snap.sessionsActive !== undefined ? snap.sessionsActive : sessions.working;
  const newestStart = snap.sessionsActive !== undefined ? null : sessions.newestWorkingStartMs;
  let stallKnowable = true;
  if (snap.sessionsActive === undefined && sessions.manifestsAvailable === false) {
    // No manifests to go by: one session is assumed active while responses keep coming (within the stall
    // minutes), none after. STALL cannot be told from a closed session then, so it stays dark.
    const recent =
      snap.lastResponseAtMs !== null && nowMs - snap.lastResponseAtMs <= settings.stallMinutes * 60_000;
    active = recent ? 1 : 0;
    working = active;
    stallKnowable = false;
  }
  // A hub adds the live sessions its other machines reported (docs/hub.md).
  if (snap.hub) {
    active += snap.hub.sessionsActive;
    working += snap.hub.sessionsWorking;
  }

  // STALL: a working session and nothing heard for stallMinutes, counted from the newest response or,
  // when a session started after it (or no response is known), from that session's start.
  let stall = false;
  if (stallKnowable && working > 0) {
    const since = Math.max(snap.lastResponseAtMs ?? -1, newestStart ?? -1);
    stall = since > 0 && nowMs - since > settings.stallMinutes * 60_000;
  }

  // The current rate: the official figure's own slope when it is the basis, else the tach over the ceiling.
  const rate = official ? (quota?.ratePerMin ?? null) : snap.rate1m / ceiling;
  const pace = projectPace(pct, resetInS, rate);
  // WARN: the fuel past the warn fraction, or the pace projecting past its fraction by the reset. On the
  // estimate basis the pace comes from the last minute's tach, so by default only the official one counts.
  const paceMode = settings.paceWarn ?? DEFAULTS.paceWarn;
  const paceFraction = settings.paceWarnFraction ?? DEFAULTS.paceWarnFraction;
  const paceWarns =
    (paceMode === 'always' || (paceMode === 'official' && official)) &&
    pace.pctAtReset !== null &&
    pace.pctAtReset > paceFraction;

  const payload: UsagePayload = {
    v: 1,
    ts: Math.max(0, Math.round(Number.isFinite(nowMs) ? nowMs : 0)),
    rate_1m: snap.rate1m,
    rate_redline: redline,
    window_5h_tokens: snap.window5hTokens,
    window_5h_pct: pct,
    window_5h_reset_in_s: resetInS,
    thinking_ratio: snap.thinkingRatio,
    cache_hit_rate: snap.cacheHitRate,
    last_model: snap.lastModel,
    sessions_active: active,
    hot: snap.rate1m > redline,
    warn: pct > settings.warnFraction || paceWarns,
    stall,
    idle: active === 0,
    stale,
    source: source.slice(0, 32),
  };
  // The optional groups in the schema's order (allOf), so `usage --json` prints what GET /usage serialises.
  const frac = (x: number | undefined) => (x === undefined ? null : nonNegative(x));
  return {
    ...payload,
    ...(quota !== undefined && {
      quota_5h_pct: frac(reading?.fiveHour?.usedFraction),
      quota_5h_resets_at: epochSeconds(reading?.fiveHour?.resetsAtMs),
      quota_7d_pct: frac(reading?.sevenDay?.usedFraction),
      quota_7d_resets_at: epochSeconds(reading?.sevenDay?.resetsAtMs),
      quota_observed_at: reading ? Math.max(0, Math.round(reading.atMs)) : null,
      fuel_basis: official ? 'official' : 'estimate',
      pace_pct_at_reset: pace.pctAtReset,
      minutes_to_full: pace.minutesToFull,
    }),
    ...(attention !== undefined && { attention: Math.round(nonNegative(attention)) }),
    // Always present (0: not a hub), so GET /usage, whose serialiser fills absent fields with the schema's
    // defaults, and `usage --json` print the same.
    machines: snap.hub?.machines ?? 0,
  };
}

/** The payload with `ts` removed: equal keys mean equal content (ETag, SSE change detection). */
export function contentKey(p: UsagePayload): string {
  const { ts: _ts, ...rest } = p;
  return JSON.stringify(rest);
}
