// The one source interface. Every way of learning about Claude Code usage (the JSONL tail, ccusage,
// Prometheus, OTLP, the demo) is an adapter behind it; the payload builder turns a snapshot into the
// contract's UsagePayload, so thresholds and flags are computed in one place whatever the source.

/** What a source knows at one instant. Rates are tokens per minute; times are epoch milliseconds. */
export interface SourceSnapshot {
  /** Tokens/min over the last 60 s, all four token types. */
  rate1m: number;
  /** Tokens in the active 5 h block (ccusage `blocks` semantics); 0 when none is active. */
  window5hTokens: number;
  /** Seconds until the active block ends, or null when none is active. */
  window5hResetInS: number | null;
  /** 0..1: share of output tokens spent thinking (see the source's documented estimator). */
  thinkingRatio: number;
  /** 0..1: cacheRead / (input + cacheRead + cacheCreation) over 5 min. */
  cacheHitRate: number;
  /** Newest model id the gauge may show (isShownModel), or "" when none. */
  lastModel: string;
  /** When the newest response arrived (for STALL), or null when none is known. */
  lastResponseAtMs: number | null;
  /**
   * Live sessions, when the source itself knows them (the demo scripts them). Undefined means the
   * daemon's session-manifest tracker decides.
   */
  sessionsActive?: number;
  /**
   * A hub's view of the other machines (docs/hub.md): machines heard from within the timeout, itself
   * included, and the live sessions the others reported. Undefined for every other source.
   */
  hub?: HubView;
}

export interface HubView {
  machines: number;
  sessionsActive: number;
  sessionsWorking: number;
}

/**
 * The model Claude Code stamps on a response it made itself, without an API call (an interrupted turn, an
 * error). Every source follows one rule for it, defined here: its tokens count (ccusage counts them; they
 * are normally zero), but it is never the last model or the last response, nor a model a block lists.
 */
export const SYNTHETIC_MODEL = '<synthetic>';

/** Whether a response is one Claude Code made itself (its model is `<synthetic>`). */
export function isSyntheticModel(model: string | null | undefined): boolean {
  return model === SYNTHETIC_MODEL;
}

/** A model name the gauge may show or a block may list: a non-empty string, not `<synthetic>`. */
export function isShownModel(model: unknown): model is string {
  return typeof model === 'string' && model !== '' && !isSyntheticModel(model);
}

export type SourceName = 'jsonl' | 'ccusage' | 'prometheus' | 'otlp' | 'hybrid' | 'demo';

export interface UsageSource {
  readonly name: SourceName;
  /** Begin watching/polling. Resolves once the first snapshot can be answered (cold start done). */
  start(): Promise<void>;
  /** Release watchers, timers and child processes. Idempotent. */
  stop(): Promise<void>;
  /**
   * The snapshot as of `nowMs`. Rejects (or exceeds its deadline) when the source cannot refresh;
   * the daemon then serves the last good values with `stale: true`.
   */
  snapshot(nowMs: number): Promise<SourceSnapshot>;
  /** Called whenever new data may have changed the snapshot. Returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
