// The PromQL behind each gauge (design A in the data-sources seed), in one place so the source, the
// Grafana dashboard test and the docs all use the same expressions.

/** Claude Code's `claude_code.token.usage` counter after the collector's OTLP → Prometheus conversion. */
export const TOKEN_METRIC = 'claude_code_token_usage_tokens_total';

/** The daemon's own /metrics (the session bridge), scraped by ops/prometheus.yml. */
export const BRIDGE_METRICS = [
  'cc_sessions_active',
  'cc_session_started',
  'cc_sessions_active_by_model',
] as const;

export interface GaugeQueries {
  /** Tokens/min over the last minute, all token types. */
  tach: string;
  /** Tokens over a rolling 5 h window (not a ccusage block: Prometheus has no block boundaries). */
  fuel5h: string;
  /** cacheRead / (input + cacheRead + cacheCreation) over 5 min; NaN when there was no traffic. */
  cacheHitRate: string;
  /**
   * Per model, the newest evaluation step (1 min apart, over 5 h) at which its output counter had just
   * changed, as the timestamp of the sample seen there. The newest one is the last model and the last
   * response time, up to about a minute late.
   */
  lastOutputByModel: string;
  /** The seed's approximation: the model with the largest output counter. Used when nothing moved in 5 h. */
  lastModelByVolume: string;
}

// One matcher: label name, operator, double-quoted value with escapes. Nothing else may reach the
// query string, so a configured selector cannot inject PromQL.
const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\\n]|\\.)*"\s*`;
const MATCHER_LIST = new RegExp(`^(?:${MATCHER}(?:,${MATCHER})*)?,?\\s*$`);

/**
 * Checks extra label matchers such as `host_name="desk-mac",job="otel-collector"` (what one host's
 * gauge should count when several hosts report to one Prometheus). Returns them trimmed, without a
 * trailing comma; throws on anything that is not a plain matcher list.
 */
export function parseLabelMatchers(matchers: string): string {
  if (matchers.length > 1024) throw new Error('label matchers: longer than 1024 characters');
  if (!MATCHER_LIST.test(matchers)) {
    throw new Error(
      `label matchers: expected name="value" pairs separated by commas, got ${JSON.stringify(matchers.slice(0, 80))}`,
    );
  }
  return matchers.trim().replace(/,\s*$/, '');
}

/** Builds the gauge queries, optionally restricted by extra label matchers (see parseLabelMatchers). */
export function buildGaugeQueries(labelMatchers = ''): GaugeQueries {
  const extra = parseLabelMatchers(labelMatchers);
  const sel = (typeMatcher?: string): string => {
    const parts = [typeMatcher, extra].filter((p): p is string => Boolean(p));
    return parts.length === 0 ? TOKEN_METRIC : `${TOKEN_METRIC}{${parts.join(',')}}`;
  };
  const output = sel('type="output"');
  return {
    tach: `sum(rate(${sel()}[1m])) * 60`,
    fuel5h: `sum(increase(${sel()}[5h]))`,
    cacheHitRate:
      `sum(rate(${sel('type="cacheRead"')}[5m]))` +
      ` / sum(rate(${sel('type=~"input|cacheRead|cacheCreation"')}[5m]))`,
    lastOutputByModel: `max by (model) (max_over_time((timestamp(${output}) and (changes(${output}[1m]) > 0))[5h:1m]))`,
    lastModelByVolume: `topk(1, ${output})`,
  };
}

/** The unrestricted queries (one Prometheus, every host summed). */
export const GAUGE_QUERIES: GaugeQueries = buildGaugeQueries();

/** Queries over the bridge metrics the daemon exports, as used by the Grafana dashboard. */
export const BRIDGE_QUERIES = {
  sessionsActive: 'sum(cc_sessions_active)',
  sessionsActiveByModel: 'sum by (model) (cc_sessions_active_by_model)',
  sessionStartsPerHour: 'sum(increase(cc_session_started_total[1h]))',
} as const;

/** Breakdowns the Grafana dashboard shows next to the gauges (not used by the source). */
export const BREAKDOWN_QUERIES = {
  tokensPerMinuteByType: `sum by (type) (rate(${TOKEN_METRIC}[1m])) * 60`,
  tokensPerMinuteByModel: `sum by (model) (rate(${TOKEN_METRIC}[1m])) * 60`,
  cost5hUsd: 'sum(increase(claude_code_cost_usage_USD_total[5h]))',
  secondsSinceLastOutputByModel: `time() - ${GAUGE_QUERIES.lastOutputByModel}`,
} as const;

/** Every expression ops/grafana/claude-gauge-dashboard.json may use (its test holds it to this list). */
export const DASHBOARD_QUERIES: readonly string[] = [
  ...Object.values(GAUGE_QUERIES),
  ...Object.values(BRIDGE_QUERIES),
  ...Object.values(BREAKDOWN_QUERIES),
];
