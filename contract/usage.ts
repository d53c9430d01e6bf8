// GENERATED from contract/usage.v1.schema.json by `npm run contract:gen`. Do not edit by hand.

/**
 * Body of GET /usage, contract v1. The single source of truth for the daemon's response schema, the TypeScript types (contract/usage.ts is generated from this file) and the firmware core's decoder defaults (tested against this file). Consumers ignore unknown fields; a missing field takes its `default`.
 */
export interface UsagePayload {
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
   * window_5h_pct above the warn fraction (default 0.8).
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
