// Plausibility bounds, in one place for every source. A number beyond them is not usage but garbage (or an
// attack): it is refused where it enters (a transcript line, an OTLP point or event, a statusline report,
// a source's snapshot) and counted as a fault, instead of lighting HOT and WARN for a whole block.
// The bounds are far above anything Claude Code does, so they never cut real usage:
//  - one API response reads at most its context window (1 M tokens today): 10 M per kind is 10x that;
//  - a very heavy user (ten sessions at 200 k-token turns every few seconds) makes ~25 M tokens a minute.

/** Largest count of one token kind (input, output, cache read, cache creation) in one API response. */
export const MAX_TOKENS_PER_RESPONSE = 10_000_000;
/** Largest rate, tokens per minute, all kinds: of everything together and of any one OTLP series. */
export const MAX_TOKENS_PER_MINUTE = 50_000_000;
/** Aggregated counts (an OTLP delta point, a counter's increase) are measured over at least a minute. */
const MIN_SPAN_MS = 60_000;
/** The official quota's windows, and how far their reset may lie beyond now + the window (clock skew). */
export const QUOTA_WINDOW_MS = { fiveHour: 5 * 3_600_000, sevenDay: 7 * 24 * 3_600_000 } as const;
export const QUOTA_RESET_SLACK_MS = 10 * 60_000;
/** Largest percentage a statusline report may carry. */
export const MAX_QUOTA_PERCENT = 100;

/** A token count of one kind in one response: a finite, non-negative number within the bound. */
export function plausibleResponseCount(n: number): boolean {
  return Number.isFinite(n) && n >= 0 && n <= MAX_TOKENS_PER_RESPONSE;
}

/** All four kinds of one response within the bound. */
export function plausibleResponse(t: {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}): boolean {
  return (
    plausibleResponseCount(t.input) &&
    plausibleResponseCount(t.output) &&
    plausibleResponseCount(t.cacheRead) &&
    plausibleResponseCount(t.cacheCreation)
  );
}

/**
 * Tokens counted over a span (an OTLP delta point's interval, a cumulative series' increase since its last
 * point, a restarted series since its start): at most MAX_TOKENS_PER_MINUTE per minute of it, and a span
 * shorter than a minute (or unknown: null) counts as one minute.
 */
export function plausibleOverSpan(tokens: number, spanMs: number | null): boolean {
  if (!Number.isFinite(tokens) || tokens < 0) return false;
  const span = spanMs !== null && Number.isFinite(spanMs) && spanMs > MIN_SPAN_MS ? spanMs : MIN_SPAN_MS;
  return tokens <= MAX_TOKENS_PER_MINUTE * (span / 60_000);
}

/** A statusline percentage: finite, 0..100. */
export function plausiblePercent(p: number): boolean {
  return Number.isFinite(p) && p >= 0 && p <= MAX_QUOTA_PERCENT;
}

/** A quota window's reset: no further ahead of `nowMs` than the window's length (plus slack). */
export function plausibleReset(resetsAtMs: number, nowMs: number, windowMs: number): boolean {
  return Number.isFinite(resetsAtMs) && resetsAtMs <= nowMs + windowMs + QUOTA_RESET_SLACK_MS;
}

/** The 5 h window can hold at most the rate bound for five hours. */
export const MAX_WINDOW_TOKENS = MAX_TOKENS_PER_MINUTE * 300;

/**
 * What is implausible in a source's snapshot (the fields' names), or [] when nothing is. The daemon serves
 * the last good values as stale instead of such a snapshot.
 */
export function implausibleSnapshotFields(s: {
  rate1m: number;
  window5hTokens: number;
  window5hResetInS: number | null;
}): string[] {
  const bad: string[] = [];
  if (Number.isFinite(s.rate1m) && s.rate1m > MAX_TOKENS_PER_MINUTE) bad.push('rate1m');
  if (Number.isFinite(s.window5hTokens) && s.window5hTokens > MAX_WINDOW_TOKENS) bad.push('window5hTokens');
  // A 5 h block never ends more than 5 h from now.
  if (s.window5hResetInS !== null && Number.isFinite(s.window5hResetInS) && s.window5hResetInS > 5 * 3600 + 1)
    bad.push('window5hResetInS');
  return bad;
}
