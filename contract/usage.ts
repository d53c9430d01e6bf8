// GENERATED from contract/usage.v1.schema.json by `npm run contract:gen`. Do not edit by hand.

/**
 * Body of GET /usage, contract v1. The single source of truth for the daemon's response schema, the TypeScript types (contract/usage.ts is generated from this file) and the firmware core's decoder defaults (tested against this file). Consumers ignore unknown fields; a missing field takes its `default`.
 */
export type UsagePayload = OfficialQuota &
  Attention & {
    /**
     * Contract version. Consumers reject a payload whose v is present and not 1.
     */
    v: 1;
    /**
     * When the daemon computed the payload, epoch milliseconds (UTC). 0 means unknown.
     */
    ts: number;
    /**
     * Tokens per minute over the last 60 s, all four token types (input, output, cache read, cache creation).
     */
    rate_1m: number;
    /**
     * Tokens per minute at which `hot` trips; the start of the tachometer's red zone.
     */
    rate_redline: number;
    /**
     * Tokens in the active 5-hour block (ccusage `blocks` semantics); 0 when no block is active.
     */
    window_5h_tokens: number;
    /**
     * window_5h_tokens as a fraction of the configured 5 h ceiling: 0..1, above 1 when over.
     */
    window_5h_pct: number;
    /**
     * Seconds until the active 5 h block ends; null when no block is active.
     */
    window_5h_reset_in_s: number | null;
    /**
     * Share of output tokens spent thinking over the recent window, 0..1.
     */
    thinking_ratio: number;
    /**
     * cacheRead / (input + cacheRead + cacheCreation) over the last 5 minutes, 0..1.
     */
    cache_hit_rate: number;
    /**
     * Model id of the newest non-synthetic response, e.g. claude-opus-4-5-20251101; empty when none.
     */
    last_model: string;
    /**
     * Live Claude Code sessions (manifest present, PID alive and matching).
     */
    sessions_active: number;
    /**
     * rate_1m > rate_redline.
     */
    hot: boolean;
    /**
     * window_5h_pct above the warn fraction (default 0.8), or the pace: pace_pct_at_reset above the pace warn fraction (default 1, on the official basis; docs/daemon.md).
     */
    warn: boolean;
    /**
     * A live session exists and no response has arrived for the stall minutes.
     */
    stall: boolean;
    /**
     * No live session.
     */
    idle: boolean;
    /**
     * The daemon's source failed to refresh within its deadline; values are the last good ones.
     */
    stale: boolean;
    /**
     * Which source produced the payload: jsonl, ccusage, prometheus, otlp, hybrid or demo.
     */
    source: string;
  };

/**
 * OPTIONAL fields (a consumer that does not know them ignores them; the firmware decodes them, each null or absent one as unknown, and shows the fuel's basis, the weekly readout and the pace readout from them): the official quota that Claude Code's statusline reports, forwarded by `claude-gauge statusline`, and the pace projection. Fractions like window_5h_pct (0.235 = 23.5 %). When the official 5 h figure is fresh (docs/daemon.md), window_5h_pct and window_5h_reset_in_s are taken from it and fuel_basis says so.
 */
export interface OfficialQuota {
  /**
   * Official 5 h quota used, as a fraction (rate_limits.five_hour.used_percentage / 100); null when never reported.
   */
  quota_5h_pct?: number | null;
  /**
   * When the official 5 h window resets, epoch seconds; null when unknown.
   */
  quota_5h_resets_at?: number | null;
  /**
   * Official 7-day quota used, as a fraction; null when never reported.
   */
  quota_7d_pct?: number | null;
  /**
   * When the official 7-day window resets, epoch seconds; null when unknown.
   */
  quota_7d_resets_at?: number | null;
  /**
   * When the daemon received the official figures, epoch milliseconds; null when never.
   */
  quota_observed_at?: number | null;
  /**
   * Where window_5h_pct comes from: official (a fresh statusline report) or estimate (tokens / configured ceiling).
   */
  fuel_basis?: 'official' | 'estimate';
  /**
   * window_5h_pct projected to the reset at the current rate (fraction); null when there is no reset time or no rate.
   */
  pace_pct_at_reset?: number | null;
  /**
   * Minutes until window_5h_pct reaches 1 at the current rate; 0 when already full; null when the rate is zero or unknown or the window resets first.
   */
  minutes_to_full?: number | null;
}
/**
 * OPTIONAL (a consumer that does not know it ignores it; the firmware decodes it, with 0 when absent): Claude Code sessions waiting for the user, from Claude Code's hooks forwarded by `claude-gauge hook` (docs/daemon.md). Only this count leaves the daemon: never a session id, prompt or message.
 */
export interface Attention {
  /**
   * Live sessions waiting for the user: a permission prompt, a question, or input after Claude stopped. 0 when none is waiting or no hook has reported.
   */
  attention?: number;
}

/** The schema's documented default for every field (what a consumer assumes when one is missing). */
export const USAGE_DEFAULTS: UsagePayload = {
  "v": 1,
  "ts": 0,
  "rate_1m": 0,
  "rate_redline": 1000000,
  "window_5h_tokens": 0,
  "window_5h_pct": 0,
  "window_5h_reset_in_s": null,
  "thinking_ratio": 0,
  "cache_hit_rate": 0,
  "last_model": "",
  "sessions_active": 0,
  "hot": false,
  "warn": false,
  "stall": false,
  "idle": false,
  "stale": false,
  "source": ""
};
