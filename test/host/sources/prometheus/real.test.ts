// Integration: the Prometheus source against a REAL Prometheus (Debian's 2.42 binary), no mocks. The
// TSDB is backfilled with promtool over the hour before `t`, so every gauge has an exact expected value
// computed here from the same series definitions. Also runs every PromQL expression of the Grafana
// dashboard through that Prometheus, which parses them for real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantQuery } from '../../../../host/src/sources/prometheus/client.js';
import { PrometheusSource } from '../../../../host/src/sources/prometheus/source.js';
import { dashboardExpressions } from '../helpers/dashboard.js';
import { haveBinary, type RealPrometheus, startBackfilledPrometheus } from '../helpers/real-prometheus.js';

const STEP_S = 15;
const OPUS = 'claude-opus-4-5-20251101';
const HAIKU = 'claude-haiku-4-5-20251001';

interface SeriesDef {
  type: 'input' | 'output' | 'cacheRead' | 'cacheCreation';
  model: string;
  host: string;
  /** Counter is 0 at `fromS`, grows by `perStep` every 15 s after it until `untilS` (inclusive), then stays. */
  perStep: number;
  fromS: number;
  untilS: number;
}

// t: a whole minute in the past, so subquery steps (aligned to minutes) land exactly on it.
const t = Math.floor(Date.now() / 60_000) * 60 - 120;
const T0 = t - 3600;
const SERIES: SeriesDef[] = [
  { type: 'input', model: OPUS, host: 'desk', perStep: 10, fromS: T0, untilS: t },
  { type: 'output', model: OPUS, host: 'desk', perStep: 20, fromS: T0, untilS: t - 1200 },
  { type: 'cacheRead', model: OPUS, host: 'desk', perStep: 300, fromS: T0, untilS: t },
  { type: 'cacheCreation', model: OPUS, host: 'desk', perStep: 50, fromS: T0, untilS: t },
  { type: 'output', model: HAIKU, host: 'desk', perStep: 5, fromS: t - 900, untilS: t },
  { type: 'input', model: HAIKU, host: 'laptop', perStep: 7, fromS: T0, untilS: t },
];

/** The counter's value at time s (undefined before the series exists). */
function valueAt(d: SeriesDef, s: number): number | undefined {
  if (s < d.fromS) return undefined;
  return Math.floor((Math.min(s, d.untilS) - d.fromS) / STEP_S) * d.perStep;
}

/** Exact increase over [s - rangeS, s]: every series starts at 0 and samples align, so no extrapolation. */
function increase(d: SeriesDef, s: number, rangeS: number): number {
  const end = valueAt(d, s);
  if (end === undefined) return 0;
  return end - (valueAt(d, Math.max(d.fromS, s - rangeS)) ?? 0);
}

function expected(s: number, host?: string) {
  const defs = SERIES.filter((d) => host === undefined || d.host === host);
  const sum = (f: (d: SeriesDef) => number, keep: (d: SeriesDef) => boolean = () => true) =>
    defs.filter(keep).reduce((a, d) => a + f(d), 0);
  const cacheRead = sum(
    (d) => increase(d, s, 300),
    (d) => d.type === 'cacheRead',
  );
  const inputSide = sum(
    (d) => increase(d, s, 300),
    (d) => d.type !== 'output',
  );
  // Newest output change: the last step ≤ s at which an output series moved within the previous minute.
  let lastModel = '';
  let lastS = -1;
  for (const d of defs.filter((x) => x.type === 'output' && x.fromS <= s)) {
    const moved = Math.min(s, d.untilS);
    if (moved > d.fromS && moved > lastS) {
      lastS = moved;
      lastModel = d.model;
    }
  }
  return {
    rate1m: sum((d) => increase(d, s, 60)),
    window5hTokens: sum((d) => increase(d, s, 5 * 3600)),
    window5hResetInS: null,
    thinkingRatio: 0,
    cacheHitRate: inputSide === 0 ? 0 : cacheRead / inputSide,
    lastModel,
    lastResponseAtMs: lastS < 0 ? null : lastS * 1000,
  };
}

function openMetrics(): string {
  const lines = [
    '# HELP claude_code_token_usage_tokens Tokens used.',
    '# TYPE claude_code_token_usage_tokens counter',
  ];
  for (const d of SERIES) {
    for (let s = d.fromS; s <= t; s += STEP_S) {
      lines.push(
        `claude_code_token_usage_tokens_total{type="${d.type}",model="${d.model}",host_name="${d.host}"} ${valueAt(d, s)} ${s}`,
      );
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

const available = haveBinary('prometheus') && haveBinary('promtool');
if (!available) {
  console.warn(
    'SKIPPED: the real-Prometheus integration test needs `prometheus` and `promtool` (apt-get install prometheus)',
  );
}

describe.skipIf(!available)('PrometheusSource against a real Prometheus 2.x', () => {
  let prom: RealPrometheus;
  beforeAll(async () => {
    prom = await startBackfilledPrometheus(openMetrics());
  });
  afterAll(async () => {
    await prom?.stop();
  });

  const close = (actual: Record<string, unknown>, want: ReturnType<typeof expected>) => {
    expect(actual.rate1m as number).toBeCloseTo(want.rate1m, 6);
    expect(actual.cacheHitRate as number).toBeCloseTo(want.cacheHitRate, 9);
    expect({ ...actual, rate1m: 0, cacheHitRate: 0 }).toEqual({ ...want, rate1m: 0, cacheHitRate: 0 });
  };

  it('answers every gauge exactly at the end of the data (all hosts summed)', async () => {
    const src = new PrometheusSource({ url: prom.url });
    const snap = await src.snapshot(t * 1000);
    const want = expected(t);
    close(snap as never, want);
    // Sanity of the fixture itself: haiku is the newest model, opus has the larger output counter.
    expect(want.lastModel).toBe(HAIKU);
    expect(want.rate1m).toBeGreaterThan(0);
    await src.stop();
  });

  it('answers exactly 25 minutes earlier, when opus was still the newest model', async () => {
    const src = new PrometheusSource({ url: prom.url });
    const s = t - 1500;
    const snap = await src.snapshot(s * 1000);
    const want = expected(s);
    expect(want.lastModel).toBe(OPUS);
    close(snap as never, want);
    await src.stop();
  });

  it('counts one host of several with label matchers', async () => {
    const src = new PrometheusSource({ url: prom.url, labelMatchers: 'host_name="laptop"' });
    const snap = await src.snapshot(t * 1000);
    const want = expected(t, 'laptop');
    // The laptop only ever sent input tokens: no output change, no cache traffic.
    expect(want.lastModel).toBe('');
    close(snap as never, want);
    await src.stop();
  });

  it('reports an idle gauge before any data existed', async () => {
    const src = new PrometheusSource({ url: prom.url });
    expect(await src.snapshot((T0 - 7200) * 1000)).toEqual({
      rate1m: 0,
      window5hTokens: 0,
      window5hResetInS: null,
      thinkingRatio: 0,
      cacheHitRate: 0,
      lastModel: '',
      lastResponseAtMs: null,
    });
    await src.stop();
  });

  it("passes on the real Prometheus' parse error", async () => {
    await expect(
      instantQuery({ baseUrl: prom.url, query: 'sum(rate(x[1m]', signal: AbortSignal.timeout(5_000) }),
    ).rejects.toThrow(/HTTP 400: invalid parameter "query": 1:15: parse error/);
  });

  it('parses every PromQL expression of the Grafana dashboard', async () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThan(0);
    for (const { title, expr } of exprs) {
      await expect(
        instantQuery({
          baseUrl: prom.url,
          query: expr,
          timeMs: t * 1000,
          signal: AbortSignal.timeout(5_000),
        }),
        `${title}: ${expr}`,
      ).resolves.toBeInstanceOf(Array);
    }
  });
});
