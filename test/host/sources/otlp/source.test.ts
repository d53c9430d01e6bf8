import { describe, expect, it } from 'vitest';
import { decodeLogs, decodeMetrics } from '../../../../host/src/sources/otlp/decode.js';
import { EVENTS_PREFERRED_MS, OtlpSource, RETAIN_MS } from '../../../../host/src/sources/otlp/source.js';
import { SYNTHETIC_MODEL } from '../../../../host/src/sources/source.js';
import { eventRequest, fixture, OPUS, SONNET, T0, tokenRequest } from './helpers.js';

function sourceAt(startMs = T0) {
  let now = startMs;
  const source = new OtlpSource({ clock: () => now });
  return {
    source,
    setNow: (ms: number) => {
      now = ms;
    },
    started: source.start(),
  };
}

describe('otlp source: DELTA metrics', () => {
  it('turns one export into tach, fuel, boost and model', async () => {
    const { source, started } = sourceAt();
    await started;
    const r = source.ingestMetrics(decodeMetrics(fixture('metrics-delta.json')));
    expect(r).toEqual({ accepted: 4, duplicates: 0 });
    const s = await source.snapshot(T0);
    expect(s.rate1m).toBe(55_000);
    expect(s.window5hTokens).toBe(55_000);
    // Block from 10:00 to 15:00 (floored to the hour), seen at 10:00:30.
    expect(s.window5hResetInS).toBe(5 * 3600 - 30);
    expect(s.cacheHitRate).toBeCloseTo(50_000 / 54_200, 10);
    expect(s.lastModel).toBe(OPUS);
    expect(s.lastResponseAtMs).toBe(Date.parse('2026-11-22T10:00:00Z'));
    expect(s.thinkingRatio).toBe(0);
  });

  it('counts a retried batch once and says so', async () => {
    const { source, started } = sourceAt();
    await started;
    const points = decodeMetrics(fixture('metrics-delta.json'));
    source.ingestMetrics(points);
    expect(source.ingestMetrics(points)).toEqual({ accepted: 0, duplicates: 4 });
    expect((await source.snapshot(T0)).window5hTokens).toBe(55_000);
    expect(source.stats().batches.duplicate).toBe(1);
    expect(source.stats().dropped.duplicate).toBe(4);
  });

  it('leaves the rate after 60 s but keeps the tokens in the 5 h block', async () => {
    const { source, started } = sourceAt();
    await started;
    source.ingestMetrics(decodeMetrics(fixture('metrics-delta.json')));
    const later = Date.parse('2026-11-22T10:01:00Z');
    const s = await source.snapshot(later);
    expect(s.rate1m).toBe(0);
    expect(s.window5hTokens).toBe(55_000);
    // Cache hits are a 5 min figure: still there one minute on.
    expect(s.cacheHitRate).toBeGreaterThan(0.9);
    expect((await source.snapshot(Date.parse('2026-11-22T15:00:00Z'))).window5hTokens).toBe(0);
  });

  it('files records without a time, or stamped in the future, at now; drops ones older than it keeps', async () => {
    const { source, started } = sourceAt();
    await started;
    source.ingestMetrics(decodeMetrics(tokenRequest({ value: 10, time: '2026-11-23T10:00:00Z' })));
    source.ingestMetrics(
      decodeMetrics(tokenRequest({ value: 20, start: '2026-11-21T00:00:00Z', time: '2026-11-21T23:00:00Z' })),
    );
    const s = await source.snapshot(T0);
    expect(s.rate1m).toBe(10);
    expect(s.lastResponseAtMs).toBe(T0);
    expect(source.stats().dropped.too_old).toBe(1);
    expect(RETAIN_MS).toBeGreaterThan(5 * 3_600_000);
  });
});

describe('otlp source: CUMULATIVE metrics', () => {
  it('takes a series older than the source as a baseline and counts only its increase', async () => {
    const { source, started } = sourceAt();
    await started;
    source.ingestMetrics(decodeMetrics(fixture('metrics-cumulative-1.json')));
    expect((await source.snapshot(T0)).window5hTokens).toBe(0);
    source.ingestMetrics(decodeMetrics(fixture('metrics-cumulative-2.json')));
    expect((await source.snapshot(T0)).window5hTokens).toBe(500 + 200 + 10_000 + 100);
    // A retry of the second export, and the first arriving late, count nothing.
    expect(source.ingestMetrics(decodeMetrics(fixture('metrics-cumulative-2.json'))).accepted).toBe(0);
    expect(source.ingestMetrics(decodeMetrics(fixture('metrics-cumulative-1.json'))).accepted).toBe(0);
    expect((await source.snapshot(T0)).window5hTokens).toBe(10_800);
    // The exporter restarted (new start time): its whole new total is new usage.
    source.ingestMetrics(decodeMetrics(fixture('metrics-cumulative-restart.json')));
    expect((await source.snapshot(T0)).window5hTokens).toBe(10_800 + 150);
    expect(source.stats().dropped.baseline).toBe(4);
  });

  it('counts a series that started after the source from its first point', async () => {
    const { source, started } = sourceAt(Date.parse('2026-11-22T10:00:00Z'));
    await started;
    const start = '2026-11-22T10:00:05Z';
    source.ingestMetrics(
      decodeMetrics(tokenRequest({ temporality: 2, value: '300', start, time: '2026-11-22T10:00:10Z' })),
    );
    source.ingestMetrics(
      decodeMetrics(tokenRequest({ temporality: 2, value: '450', start, time: '2026-11-22T10:00:20Z' })),
    );
    expect((await source.snapshot(T0)).window5hTokens).toBe(450);
  });

  it('never counts a decrease within one series', async () => {
    const { source, started } = sourceAt(Date.parse('2026-11-22T10:00:00Z'));
    await started;
    const start = '2026-11-22T10:00:05Z';
    source.ingestMetrics(
      decodeMetrics(tokenRequest({ temporality: 2, value: '300', start, time: '2026-11-22T10:00:10Z' })),
    );
    source.ingestMetrics(
      decodeMetrics(tokenRequest({ temporality: 2, value: '100', start, time: '2026-11-22T10:00:20Z' })),
    );
    source.ingestMetrics(
      decodeMetrics(tokenRequest({ temporality: 2, value: '150', start, time: '2026-11-22T10:00:25Z' })),
    );
    expect((await source.snapshot(T0)).window5hTokens).toBe(300 + 50);
  });
});

describe('otlp source: api_request events', () => {
  it('gives a per-request tach and prefers the events over the metrics that describe the same tokens', async () => {
    const { source, started } = sourceAt();
    await started;
    source.ingestMetrics(decodeMetrics(fixture('metrics-delta.json')));
    expect(source.basis(T0)).toBe('metrics');
    source.ingestEvents(decodeLogs(fixture('logs-api-request.json')));
    expect(source.basis(T0)).toBe('events');
    const s = await source.snapshot(T0);
    const first = 1500 + 400 + 30_000 + 2000;
    const second = 200 + 600 + 40_000;
    expect(s.rate1m).toBe(first + second);
    expect(s.window5hTokens).toBe(first + second);
    expect(s.lastModel).toBe(OPUS);
    expect(s.cacheHitRate).toBeCloseTo(70_000 / (1500 + 30_000 + 2000 + 200 + 40_000), 10);
    // Without new events for a while, the metrics take over again.
    expect(source.basis(T0 + EVENTS_PREFERRED_MS + 1)).toBe('metrics');
  });

  it('counts each event once however often it is delivered', async () => {
    const { source, started } = sourceAt();
    await started;
    const events = decodeLogs(fixture('logs-api-request.json'));
    expect(source.ingestEvents(events)).toEqual({ accepted: 2, duplicates: 0 });
    expect(source.ingestEvents(events)).toEqual({ accepted: 0, duplicates: 2 });
    expect(source.ingestEvents(events.slice(1))).toEqual({ accepted: 0, duplicates: 1 });
    expect((await source.snapshot(T0)).window5hTokens).toBe(33_900 + 40_800);
  });

  it('counts a <synthetic> response but never shows it as the last model or response (sources/source.ts)', async () => {
    const { source, setNow, started } = sourceAt(Date.parse('2026-11-22T09:00:00Z'));
    await started;
    const at = (iso: string, model: string, input: number) => {
      setNow(Date.parse(iso));
      source.ingestEvents(
        decodeLogs(eventRequest({ 'event.timestamp': iso, model, input_tokens: input }, { time: iso })),
      );
    };
    at('2026-11-22T09:10:00Z', SONNET, 100);
    at('2026-11-22T09:10:30Z', SYNTHETIC_MODEL, 7);
    const s = await source.snapshot(Date.parse('2026-11-22T09:10:30Z'));
    expect(s.window5hTokens).toBe(107);
    expect(s.lastModel).toBe(SONNET);
    expect(s.lastResponseAtMs).toBe(Date.parse('2026-11-22T09:10:00Z'));
  });

  it('uses ccusage block semantics on the event times', async () => {
    const { source, setNow, started } = sourceAt(Date.parse('2026-11-22T09:00:00Z'));
    await started;
    const at = (iso: string, input: number, model = SONNET) => {
      setNow(Date.parse(iso));
      source.ingestEvents(
        decodeLogs(eventRequest({ 'event.timestamp': iso, model, input_tokens: input }, { time: iso })),
      );
    };
    at('2026-11-22T09:10:00Z', 100);
    at('2026-11-22T13:50:00Z', 200);
    // 14:30 is more than 5 h after the block start (09:00): a new block from 14:00.
    at('2026-11-22T14:30:00Z', 400);
    const s = await source.snapshot(Date.parse('2026-11-22T14:30:30Z'));
    expect(s.window5hTokens).toBe(400);
    expect(s.window5hResetInS).toBe(19 * 3600 - (14 * 3600 + 30 * 60 + 30));
  });

  it('notifies subscribers when tokens arrive, not for duplicates', async () => {
    const { source, started } = sourceAt();
    await started;
    let calls = 0;
    const off = source.subscribe(() => calls++);
    const events = decodeLogs(fixture('logs-api-request.json'));
    source.ingestEvents(events);
    source.ingestEvents(events);
    expect(calls).toBe(1);
    off();
    source.ingestEvents(decodeLogs(eventRequest({ input_tokens: 3 })));
    expect(calls).toBe(1);
  });
});
