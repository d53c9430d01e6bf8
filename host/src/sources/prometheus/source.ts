// Design A: the gauges from Prometheus, fed by Claude Code's own OpenTelemetry metrics through the
// collector (ops/). Five instant queries per refresh, run in parallel, each with its own timeout and
// all under one overall deadline. What Prometheus cannot know is reported as such:
//   - window5hResetInS: null. The 5 h fuel is a rolling `increase(...[5h])`, not a ccusage block, so
//     there is no block end to count down to.
//   - thinkingRatio: 0. Claude Code's OTEL metrics have no thinking-token metric.
//   - lastResponseAtMs: the newest 1-minute step at which an output counter had just moved (up to about
//     a minute late, plus the export and scrape intervals), or null when none moved in 5 h.

import type { SourceSnapshot, UsageSource } from '../source.js';
import { excerpt, type InstantSample, instantQuery, PrometheusQueryError } from './client.js';
import { buildGaugeQueries, type GaugeQueries } from './queries.js';

export { PrometheusQueryError } from './client.js';
export { buildGaugeQueries, GAUGE_QUERIES, parseLabelMatchers } from './queries.js';

export interface PrometheusSourceOptions {
  /** Prometheus' base URL (http or https), e.g. http://127.0.0.1:9090 */
  url: string;
  /** Extra label matchers for every query, e.g. `host_name="desk-mac"`; default: all series. */
  labelMatchers?: string;
  /** Timeout of each HTTP request. Default 2000 ms. */
  requestTimeoutMs?: number;
  /** Deadline of a whole refresh (all queries). Default 4000 ms. */
  deadlineMs?: number;
  /** A refresh younger than this is reused, so several 1 Hz clients cost one round of queries. Default 1000 ms. */
  reuseForMs?: number;
  /** Monotonic clock in ms (tests). */
  clock?: () => number;
}

const MODEL_MAX_LENGTH = 128;

/** Validates a Prometheus base URL; throws a clear error for anything else. */
export function parsePrometheusUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `Prometheus URL is not a URL: ${JSON.stringify(excerpt(url, 80))} (expected e.g. http://127.0.0.1:9090)`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`Prometheus URL must be http or https, got ${parsed.protocol}`);
  }
  if (parsed.search || parsed.hash) throw new Error('Prometheus URL must not have a query or fragment');
  return parsed.href;
}

function cleanModel(label: string | undefined): string {
  if (!label) return '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: labels are untrusted
  return label.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MODEL_MAX_LENGTH);
}

/** The single value of a `sum(...)` query: 0 when there are no series yet. */
function singleValue(what: string, samples: InstantSample[]): number | undefined {
  if (samples.length > 1)
    throw new PrometheusQueryError(`${what}: expected one series, got ${samples.length}`);
  return samples[0]?.value;
}

function nonNegative(what: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) {
    throw new PrometheusQueryError(`${what}: Prometheus returned ${value}, expected a finite number ≥ 0`);
  }
  return value;
}

function ratio(what: string, value: number | undefined): number {
  // 0/0: no input-side tokens in 5 min. No traffic is not a failure; the boost gauge rests at 0.
  if (value === undefined || Number.isNaN(value)) return 0;
  if (!Number.isFinite(value) || value < 0 || value > 1 + 1e-9) {
    throw new PrometheusQueryError(`${what}: Prometheus returned ${value}, expected a ratio in 0..1`);
  }
  return Math.min(1, value);
}

/** Turns the five query answers into a snapshot. Exported for tests. */
export function snapshotFromResults(
  r: Record<keyof GaugeQueries, InstantSample[]>,
  nowMs: number,
): SourceSnapshot {
  const rate1m = nonNegative('tach', singleValue('tach', r.tach));
  const window5hTokens = Math.round(nonNegative('fuel', singleValue('fuel', r.fuel5h)));
  const cacheHitRate = ratio('cache hit rate', singleValue('cache hit rate', r.cacheHitRate));

  let lastModel = '';
  let lastResponseAtMs: number | null = null;
  let newestS = Number.NEGATIVE_INFINITY;
  for (const s of r.lastOutputByModel) {
    const model = cleanModel(s.metric.model);
    if (!Number.isFinite(s.value) || s.value <= 0 || model === '') continue;
    // Ties (two models within the same minute) go to the lexically smaller id, so answers are stable.
    if (s.value > newestS || (s.value === newestS && model < lastModel)) {
      newestS = s.value;
      lastModel = model;
    }
  }
  if (lastModel !== '') {
    lastResponseAtMs = Math.min(nowMs, Math.round(newestS * 1000));
  } else {
    lastModel = cleanModel(r.lastModelByVolume[0]?.metric.model);
  }
  return {
    rate1m,
    window5hTokens,
    window5hResetInS: null,
    thinkingRatio: 0,
    cacheHitRate,
    lastModel,
    lastResponseAtMs,
  };
}

/** One query may take this long... */
export const PROMETHEUS_QUERY_TIMEOUT_MS = 2000;
/** ...and one refresh (five queries in parallel) this long. */
export const PROMETHEUS_REFRESH_DEADLINE_MS = 4000;

export class PrometheusSource implements UsageSource {
  readonly name = 'prometheus' as const;
  readonly url: string;
  private readonly queries: GaugeQueries;
  private readonly requestTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly reuseForMs: number;
  private readonly clock: () => number;
  private readonly listeners = new Set<() => void>();
  private inflight: { nowMs: number; result: Promise<SourceSnapshot> } | undefined;
  private last: { atMono: number; nowMs: number; key: string; result: Promise<SourceSnapshot> } | undefined;
  private stopController = new AbortController();

  constructor(options: PrometheusSourceOptions) {
    this.url = parsePrometheusUrl(options.url);
    this.queries = buildGaugeQueries(options.labelMatchers ?? '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? PROMETHEUS_QUERY_TIMEOUT_MS;
    this.deadlineMs = options.deadlineMs ?? PROMETHEUS_REFRESH_DEADLINE_MS;
    this.reuseForMs = options.reuseForMs ?? 1000;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Tries one refresh so the first /usage is warm. A Prometheus that is down is not fatal: snapshots reject until it is back. */
  async start(): Promise<void> {
    if (this.stopController.signal.aborted) this.stopController = new AbortController();
    await this.snapshot(Date.now()).catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopController.abort(new Error('source stopped'));
    this.last = undefined;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  snapshot(nowMs: number): Promise<SourceSnapshot> {
    // Reused only for (nearly) the same evaluation time: a frozen or replayed daemon clock must not be
    // answered with the real-time warm-up of start().
    const near = (t: number) => Math.abs(t - nowMs) < this.reuseForMs;
    if (this.inflight && near(this.inflight.nowMs)) return this.inflight.result;
    if (this.last && near(this.last.nowMs) && this.clock() - this.last.atMono < this.reuseForMs)
      return this.last.result;
    const run = this.refresh(nowMs);
    const flight = { nowMs, result: run };
    this.inflight = flight;
    const settle = (key: string) => {
      if (this.inflight === flight) this.inflight = undefined;
      const changed = this.last !== undefined && this.last.key !== key;
      this.last = { atMono: this.clock(), nowMs, key, result: run };
      // Pull-driven: a refresh that changed the answer (values, or success ↔ failure) is news.
      if (changed) for (const l of [...this.listeners]) l();
    };
    run.then(
      (s) => settle(JSON.stringify(s)),
      (e: unknown) => settle(`error:${e instanceof Error ? e.message : String(e)}`),
    );
    return run;
  }

  private async refresh(nowMs: number): Promise<SourceSnapshot> {
    const deadline = AbortSignal.timeout(this.deadlineMs);
    const entries = Object.entries(this.queries) as [keyof GaugeQueries, string][];
    const answers = await Promise.all(
      entries.map(async ([key, query]) => {
        const signal = AbortSignal.any([
          deadline,
          this.stopController.signal,
          AbortSignal.timeout(this.requestTimeoutMs),
        ]);
        try {
          return [key, await instantQuery({ baseUrl: this.url, query, timeMs: nowMs, signal })] as const;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          const limit = deadline.aborted
            ? `deadline ${this.deadlineMs} ms`
            : `timeout ${this.requestTimeoutMs} ms`;
          const suffix = why === 'timed out' ? ` (${limit})` : '';
          throw new PrometheusQueryError(`prometheus ${this.url} ${key} query: ${why}${suffix}`);
        }
      }),
    );
    try {
      return snapshotFromResults(
        Object.fromEntries(answers) as Record<keyof GaugeQueries, InstantSample[]>,
        nowMs,
      );
    } catch (err) {
      throw new PrometheusQueryError(
        `prometheus ${this.url} ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
