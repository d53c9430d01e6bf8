// The Prometheus source against a mocked HTTP API (msw): every answer shape Prometheus (or something
// pretending to be it) can give, and what the source makes of it.
import fc from 'fast-check';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseQueryResponse, parseSampleValue } from '../../../../host/src/sources/prometheus/client.js';
import {
  buildGaugeQueries,
  GAUGE_QUERIES,
  PrometheusSource,
  parseLabelMatchers,
  parsePrometheusUrl,
} from '../../../../host/src/sources/prometheus/source.js';

const PROM = 'http://127.0.0.1:9090';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

type QueryKey = keyof typeof GAUGE_QUERIES;
const keyOf = (query: string | null, queries = GAUGE_QUERIES): QueryKey => {
  const hit = (Object.keys(queries) as QueryKey[]).find((k) => queries[k] === query);
  if (!hit) throw new Error(`unexpected query ${query}`);
  return hit;
};

const vector = (samples: { metric?: Record<string, string>; value: string }[], t = 1_795_317_060) =>
  HttpResponse.json({
    status: 'success',
    data: {
      resultType: 'vector',
      result: samples.map((s) => ({ metric: s.metric ?? {}, value: [t, s.value] })),
    },
  });

/** A Prometheus that answers each gauge query from `answers` (missing keys → empty vector). */
function promAnswering(
  answers: Partial<Record<QueryKey, () => Response | Promise<Response>>>,
  seen: URL[] = [],
  base = PROM,
  queries = GAUGE_QUERIES,
) {
  server.use(
    http.get(`${base}/api/v1/query`, ({ request }) => {
      const url = new URL(request.url);
      seen.push(url);
      const answer = answers[keyOf(url.searchParams.get('query'), queries)];
      return answer ? answer() : vector([]);
    }),
  );
}

const healthy: Partial<Record<QueryKey, () => Response>> = {
  tach: () => vector([{ value: '1460.0000000000002' }]),
  fuel5h: () => vector([{ value: '90800.4' }]),
  cacheHitRate: () => vector([{ value: '0.8333333333333334' }]),
  lastOutputByModel: () =>
    vector([
      { metric: { model: 'claude-opus-4-5-20251101' }, value: '1795315860' },
      { metric: { model: 'claude-haiku-4-5-20251001' }, value: '1795317060' },
    ]),
  lastModelByVolume: () =>
    vector([{ metric: { __name__: 'x', model: 'claude-opus-4-5-20251101', type: 'output' }, value: '3200' }]),
};

const NOW = 1_795_317_090_500;
const fresh = (opts: Partial<ConstructorParameters<typeof PrometheusSource>[0]> = {}) =>
  new PrometheusSource({ url: PROM, requestTimeoutMs: 300, deadlineMs: 600, reuseForMs: 0, ...opts });

describe('PrometheusSource snapshot', () => {
  it('maps the five answers onto a snapshot, evaluated at nowMs', async () => {
    const seen: URL[] = [];
    promAnswering(healthy, seen);
    const snap = await fresh().snapshot(NOW);
    expect(snap).toEqual({
      rate1m: 1460.0000000000002,
      window5hTokens: 90800,
      window5hResetInS: null,
      thinkingRatio: 0,
      cacheHitRate: 0.8333333333333334,
      lastModel: 'claude-haiku-4-5-20251001',
      lastResponseAtMs: 1_795_317_060_000,
    });
    expect(seen.map((u) => keyOf(u.searchParams.get('query'))).sort()).toEqual(
      Object.keys(GAUGE_QUERIES).sort(),
    );
    for (const u of seen) expect(u.searchParams.get('time')).toBe('1795317090.500');
  });

  it('reads an empty Prometheus (no Claude Code data yet) as an idle gauge', async () => {
    promAnswering({});
    expect(await fresh().snapshot(NOW)).toEqual({
      rate1m: 0,
      window5hTokens: 0,
      window5hResetInS: null,
      thinkingRatio: 0,
      cacheHitRate: 0,
      lastModel: '',
      lastResponseAtMs: null,
    });
  });

  it("falls back to the seed's topk model when no output counter moved in 5 h", async () => {
    promAnswering({ ...healthy, lastOutputByModel: () => vector([]) });
    const snap = await fresh().snapshot(NOW);
    expect(snap.lastModel).toBe('claude-opus-4-5-20251101');
    expect(snap.lastResponseAtMs).toBeNull();
  });

  it('breaks a tie between two models deterministically and never reports a response from the future', async () => {
    promAnswering({
      ...healthy,
      lastOutputByModel: () =>
        vector([
          { metric: { model: 'claude-sonnet-4-5' }, value: '1795317999' },
          { metric: { model: 'claude-haiku-4-5' }, value: '1795317999' },
        ]),
    });
    const snap = await fresh().snapshot(NOW);
    expect(snap.lastModel).toBe('claude-haiku-4-5');
    expect(snap.lastResponseAtMs).toBe(NOW);
  });

  it('ignores non-finite, zero or negative timestamps and models without a name', async () => {
    promAnswering({
      ...healthy,
      lastOutputByModel: () =>
        vector([
          { metric: { model: 'a' }, value: 'NaN' },
          { metric: { model: 'b' }, value: '+Inf' },
          { metric: { model: 'c' }, value: '-5' },
          { metric: { model: 'd' }, value: '0' },
          { metric: {}, value: '1795317000' },
          { metric: { model: 'claude-sonnet-4-5' }, value: '1795316000' },
        ]),
    });
    const snap = await fresh().snapshot(NOW);
    expect(snap.lastModel).toBe('claude-sonnet-4-5');
    expect(snap.lastResponseAtMs).toBe(1_795_316_000_000);
  });

  it('treats NaN cache ratio (0/0, no traffic) as 0', async () => {
    promAnswering({ ...healthy, cacheHitRate: () => vector([{ value: 'NaN' }]) });
    expect((await fresh().snapshot(NOW)).cacheHitRate).toBe(0);
  });

  it.each([
    ['tach', 'NaN', /tach: Prometheus returned NaN/],
    ['tach', '-5', /tach: Prometheus returned -5/],
    ['fuel5h', '+Inf', /fuel: Prometheus returned Infinity/],
    ['fuel5h', '-Inf', /fuel: Prometheus returned -Infinity/],
    ['cacheHitRate', '+Inf', /cache hit rate: Prometheus returned Infinity/],
    ['cacheHitRate', '1.5', /expected a ratio/],
    ['tach', 'twelve', /sample value is not a number/],
  ] as const)('rejects %s = %s with a clear error', async (key, value, message) => {
    promAnswering({ ...healthy, [key]: () => vector([{ value }]) });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(message);
  });

  it('rejects more than one series where a sum must give one', async () => {
    promAnswering({ ...healthy, tach: () => vector([{ value: '1' }, { metric: { a: 'b' }, value: '2' }]) });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/expected one series, got 2/);
  });

  it("passes on Prometheus' own error (HTTP 400, status error)", async () => {
    promAnswering({
      ...healthy,
      fuel5h: () =>
        HttpResponse.json(
          { status: 'error', errorType: 'bad_data', error: '1:15: parse error: unclosed left parenthesis' },
          { status: 400 },
        ),
    });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(
      /prometheus http:\/\/127\.0\.0\.1:9090\/ fuel5h query: HTTP 400: 1:15: parse error/,
    );
  });

  it('rejects status error even with HTTP 200, and a status that is neither', async () => {
    promAnswering({
      ...healthy,
      tach: () => HttpResponse.json({ status: 'error', errorType: 'timeout', error: 'query timed out' }),
    });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/Prometheus error \(timeout\): query timed out/);
    promAnswering({ ...healthy, tach: () => HttpResponse.json({ status: 'partial' }) });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/unexpected status "partial"/);
  });

  it('rejects an HTTP error without a JSON body', async () => {
    promAnswering({ ...healthy, cacheHitRate: () => new HttpResponse('upstream down', { status: 503 }) });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(
      /cacheHitRate query: HTTP 503, response is not JSON: "upstream down"/,
    );
  });

  it('rejects a non-JSON 200 (a login page, a proxy) and a torn JSON body', async () => {
    promAnswering({ ...healthy, tach: () => HttpResponse.html('<html><body>Sign in</body></html>') });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/response is not JSON: "<html><body>Sign in/);
    promAnswering({
      ...healthy,
      tach: () => new HttpResponse('{"status":"success","data":{"resu', { status: 200 }),
    });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/response is not JSON/);
  });

  it('rejects a range query answer (matrix) and malformed samples', async () => {
    promAnswering({
      ...healthy,
      tach: () => HttpResponse.json({ status: 'success', data: { resultType: 'matrix', result: [] } }),
    });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/expected an instant vector, got resultType matrix/);
    promAnswering({
      ...healthy,
      tach: () =>
        HttpResponse.json({ status: 'success', data: { resultType: 'vector', result: [{ value: [1, 2] }] } }),
    });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/sample value is not a string/);
  });

  it('accepts a scalar answer', async () => {
    promAnswering({
      ...healthy,
      tach: () => HttpResponse.json({ status: 'success', data: { resultType: 'scalar', result: [1, '42'] } }),
    });
    expect((await fresh().snapshot(NOW)).rate1m).toBe(42);
  });

  it('times out a slow Prometheus per request', async () => {
    promAnswering({
      ...healthy,
      fuel5h: async () => {
        await delay(5_000);
        return vector([{ value: '1' }]);
      },
    });
    await expect(fresh({ requestTimeoutMs: 100, deadlineMs: 2_000 }).snapshot(NOW)).rejects.toThrow(
      /fuel5h query: timed out \(timeout 100 ms\)/,
    );
  });

  it('enforces the overall deadline when it is shorter than the per-request timeout', async () => {
    promAnswering({
      ...healthy,
      tach: async () => {
        await delay(5_000);
        return vector([{ value: '1' }]);
      },
    });
    await expect(fresh({ requestTimeoutMs: 2_000, deadlineMs: 100 }).snapshot(NOW)).rejects.toThrow(
      /tach query: timed out \(deadline 100 ms\)/,
    );
  });

  it('reports a network failure', async () => {
    promAnswering({ ...healthy, lastModelByVolume: () => HttpResponse.error() });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/lastModelByVolume query: /);
  });

  it('refuses an oversized body', async () => {
    const huge = 'x'.repeat(2 << 20);
    promAnswering({
      ...healthy,
      tach: () =>
        HttpResponse.json({ status: 'success', data: { resultType: 'vector', result: [], pad: huge } }),
    });
    await expect(fresh().snapshot(NOW)).rejects.toThrow(/response larger than 1048576 bytes/);
  });

  it('keeps hostile 10 kB strings out of the snapshot and out of error messages', async () => {
    const long = `claude-${'z'.repeat(10_000)}`;
    promAnswering({
      ...healthy,
      lastOutputByModel: () => vector([{ metric: { model: `\u0007${long}` }, value: '1795317000' }]),
    });
    const snap = await fresh().snapshot(NOW);
    expect(snap.lastModel).toBe(long.slice(0, 128));
    promAnswering({
      ...healthy,
      tach: () => HttpResponse.json({ status: 'error', errorType: 'x', error: long }, { status: 422 }),
    });
    const err = await fresh()
      .snapshot(NOW)
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message.length).toBeLessThan(400);
  });

  it('talks to a Prometheus behind a path prefix', async () => {
    const seen: URL[] = [];
    promAnswering(healthy, seen, `${PROM}/prometheus`);
    const snap = await fresh({ url: `${PROM}/prometheus` }).snapshot(NOW);
    expect(snap.rate1m).toBeCloseTo(1460, 6);
    expect(seen.every((u) => u.pathname === '/prometheus/api/v1/query')).toBe(true);
  });

  it('restricts every query with configured label matchers (one host of several)', async () => {
    const queries = buildGaugeQueries('host_name="desk-mac"');
    const seen: URL[] = [];
    promAnswering(healthy as never, seen, PROM, queries);
    await fresh({ labelMatchers: 'host_name="desk-mac"' }).snapshot(NOW);
    expect(seen).toHaveLength(5);
    for (const u of seen) expect(u.searchParams.get('query')).toContain('host_name="desk-mac"');
  });
});

describe('PrometheusSource refresh policy', () => {
  it('coalesces concurrent calls and reuses a fresh answer, then refreshes', async () => {
    const seen: URL[] = [];
    promAnswering(healthy, seen);
    let mono = 0;
    const src = fresh({ reuseForMs: 1_000, clock: () => mono });
    const [a, b] = await Promise.all([src.snapshot(NOW), src.snapshot(NOW)]);
    expect(a).toEqual(b);
    expect(seen).toHaveLength(5);
    mono = 999;
    await src.snapshot(NOW + 999);
    expect(seen).toHaveLength(5);
    mono = 1_001;
    await src.snapshot(NOW + 1_001);
    expect(seen).toHaveLength(10);
  });

  it('never answers one evaluation time with a refresh made for another (frozen or replayed clocks)', async () => {
    const seen: URL[] = [];
    promAnswering(healthy, seen);
    const src = fresh({ reuseForMs: 1_000, clock: () => 0 });
    await Promise.all([src.snapshot(NOW), src.snapshot(NOW - 3_600_000)]);
    await src.snapshot(NOW - 3_600_000);
    expect(seen.map((u) => u.searchParams.get('time')).sort()).toEqual([
      ...Array(5).fill('1795313490.500'),
      ...Array(5).fill('1795317090.500'),
    ]);
  });

  it('recovers after a failure and notifies subscribers only when the answer changes', async () => {
    let tach = '10';
    let down = true;
    promAnswering({
      ...healthy,
      tach: () => (down ? new HttpResponse('bad gateway', { status: 502 }) : vector([{ value: tach }])),
    });
    const src = fresh();
    let notified = 0;
    const unsubscribe = src.subscribe(() => notified++);
    await expect(src.snapshot(NOW)).rejects.toThrow(/HTTP 502/);
    await expect(src.snapshot(NOW)).rejects.toThrow(/HTTP 502/);
    expect(notified).toBe(0);
    down = false;
    expect((await src.snapshot(NOW)).rate1m).toBe(10);
    expect(notified).toBe(1);
    await src.snapshot(NOW);
    expect(notified).toBe(1);
    tach = '20';
    expect((await src.snapshot(NOW)).rate1m).toBe(20);
    expect(notified).toBe(2);
    unsubscribe();
    tach = '30';
    await src.snapshot(NOW);
    expect(notified).toBe(2);
  });

  it('start() survives a Prometheus that is down; stop() aborts a refresh in flight', async () => {
    promAnswering({ ...healthy, tach: () => HttpResponse.error() });
    const src = fresh({ requestTimeoutMs: 5_000, deadlineMs: 5_000 });
    await expect(src.start()).resolves.toBeUndefined();
    promAnswering({
      ...healthy,
      tach: async () => {
        await delay(5_000);
        return vector([{ value: '1' }]);
      },
    });
    const pending = src.snapshot(NOW);
    await delay(50);
    await src.stop();
    await expect(pending).rejects.toThrow(/source stopped/);
    await src.stop();
  });
});

describe('Prometheus answer parsing', () => {
  it('parses every float spelling Prometheus uses', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseSampleValue('1e+21')).toBe(1e21);
    expect(parseSampleValue('-0.5')).toBe(-0.5);
    for (const bad of ['', ' 1', '0x10', '1,5', 'Infinity', 'nan', '1e', '--1']) {
      expect(() => parseSampleValue(bad), bad).toThrow(/not a number/);
    }
  });

  it('round-trips any finite double', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (x) => Object.is(parseSampleValue(String(x)), x) || (x === 0 && parseSampleValue(String(x)) === 0),
      ),
    );
  });

  it('never throws anything but a PrometheusQueryError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          parseQueryResponse(body);
        } catch (e) {
          return (e as Error).name === 'PrometheusQueryError';
        }
        return true;
      }),
    );
  });
});

describe('Prometheus configuration', () => {
  it('accepts http(s) URLs only', () => {
    expect(parsePrometheusUrl('http://127.0.0.1:9090')).toBe('http://127.0.0.1:9090/');
    expect(() => parsePrometheusUrl('127.0.0.1:9090')).toThrow(
      /not a URL: "127.0.0.1:9090" \(expected e.g. http/,
    );
    expect(() => parsePrometheusUrl('not a url')).toThrow(/not a URL/);
    expect(() => parsePrometheusUrl('ftp://x')).toThrow(/http or https/);
    expect(() => parsePrometheusUrl('http://x/?query=up')).toThrow(/query or fragment/);
  });

  it('accepts plain label matchers and refuses anything that could inject PromQL', () => {
    expect(parseLabelMatchers('host_name="desk-mac", job=~"otel.*",')).toBe(
      'host_name="desk-mac", job=~"otel.*"',
    );
    expect(parseLabelMatchers('a="x\\"y"')).toBe('a="x\\"y"');
    for (const bad of ['host', 'a="b"} or vector(1) #', 'a="b",,c="d"', 'a=b', '1a="b"', 'a="b"{']) {
      expect(() => parseLabelMatchers(bad), bad).toThrow(/label matchers/);
    }
    expect(buildGaugeQueries('a="b"').tach).toBe(
      'sum(rate(claude_code_token_usage_tokens_total{a="b"}[1m])) * 60',
    );
  });

  it('keeps the seed queries verbatim when unrestricted', () => {
    expect(GAUGE_QUERIES.tach).toBe('sum(rate(claude_code_token_usage_tokens_total[1m])) * 60');
    expect(GAUGE_QUERIES.fuel5h).toBe('sum(increase(claude_code_token_usage_tokens_total[5h]))');
    expect(GAUGE_QUERIES.cacheHitRate).toBe(
      'sum(rate(claude_code_token_usage_tokens_total{type="cacheRead"}[5m])) / sum(rate(claude_code_token_usage_tokens_total{type=~"input|cacheRead|cacheCreation"}[5m]))',
    );
    expect(GAUGE_QUERIES.lastModelByVolume).toBe(
      'topk(1, claude_code_token_usage_tokens_total{type="output"})',
    );
  });
});
