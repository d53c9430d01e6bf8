import { describe, expect, it } from 'vitest';
import { decodeLogs, decodeMetrics, OtlpDecodeError } from '../../../../host/src/sources/otlp/decode.js';
import {
  eventRequest,
  firstMetric,
  firstPoint,
  firstRecord,
  fixture,
  ns,
  OPUS,
  SONNET,
  tokenRequest,
} from './helpers.js';

describe('OTLP JSON decoding: metrics', () => {
  it('reads claude_code.token.usage from a Claude Code export and skips the other metrics', () => {
    const points = decodeMetrics(fixture('metrics-delta.json'));
    expect(points.map((p) => [p.type, p.value, p.model, p.temporality])).toEqual([
      ['input', 1200, OPUS, 'delta'],
      ['output', 800, OPUS, 'delta'],
      ['cacheRead', 50000, OPUS, 'delta'],
      ['cacheCreation', 3000, OPUS, 'delta'],
    ]);
    expect(points[0]?.timeMs).toBe(Date.parse('2026-11-22T10:00:00Z'));
    expect(points[0]?.startMs).toBe(Date.parse('2026-11-22T09:59:50Z'));
    // One series per attribute set: the four types differ.
    expect(new Set(points.map((p) => p.seriesKey)).size).toBe(4);
  });

  it('reads cumulative sums and the enum spelled by name', () => {
    expect(
      decodeMetrics(fixture('metrics-cumulative-1.json')).every((p) => p.temporality === 'cumulative'),
    ).toBe(true);
    const named = tokenRequest({ temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE' });
    expect(decodeMetrics(named)[0]?.temporality).toBe('cumulative');
  });

  it('accepts int64 as a number or a decimal string, and asDouble', () => {
    expect(decodeMetrics(tokenRequest({ value: 42 }))[0]?.value).toBe(42);
    expect(decodeMetrics(tokenRequest({ value: '42' }))[0]?.value).toBe(42);
    const dbl = tokenRequest({});
    const dp = firstPoint(dbl);
    delete dp.asInt;
    dp.asDouble = 12.5;
    expect(decodeMetrics(dbl)[0]?.value).toBe(12.5);
  });

  it('treats an empty request and empty lists as nothing, not as an error', () => {
    expect(decodeMetrics({})).toEqual([]);
    expect(decodeMetrics({ resourceMetrics: [] })).toEqual([]);
    expect(decodeMetrics({ resourceMetrics: [{ scopeMetrics: [{ metrics: [] }] }] })).toEqual([]);
  });

  it.each([
    ['a non-object body', 'garbage', /body is not an object/],
    ['resourceMetrics not a list', { resourceMetrics: {} }, /resourceMetrics is not an array/],
    ['a negative value', tokenRequest({ value: '-5' }), /out of range/],
    ['a fractional string', tokenRequest({ value: '1.5' }), /not an integer/],
    ['a huge value', tokenRequest({ value: '99999999999999999' }), /out of range/],
    ['a value that is an object', tokenRequest({ value: { n: 1 } }), /not an integer/],
    ['an unknown token type', tokenRequest({ type: 'thinking' }), /attribute type is not one of/],
    ['an unknown temporality', tokenRequest({ temporality: 0 }), /DELTA \(1\) or CUMULATIVE \(2\)/],
  ])('rejects %s with a reason', (_label, body, reason) => {
    expect(() => decodeMetrics(body)).toThrow(OtlpDecodeError);
    expect(() => decodeMetrics(body)).toThrow(reason);
  });

  it('rejects a token metric that is not a sum, and a bad timestamp', () => {
    const gauge = tokenRequest({});
    const m = firstMetric(gauge);
    m.gauge = m.sum;
    delete m.sum;
    expect(() => decodeMetrics(gauge)).toThrow(/is not a sum/);
    const badTime = tokenRequest({});
    firstPoint(badTime).timeUnixNano = 'soon';
    expect(() => decodeMetrics(badTime)).toThrow(/timeUnixNano is not a nanosecond timestamp/);
  });

  it('bounds model names and strips control characters', () => {
    const p = decodeMetrics(tokenRequest({ model: `a\u0000b${'x'.repeat(10_000)}` }))[0];
    expect(p?.model.startsWith('ab')).toBe(true);
    expect(p?.model.length).toBe(128);
  });
});

describe('OTLP JSON decoding: log events', () => {
  it('reads the api_request events of a Claude Code export, counts as strings or ints', () => {
    const events = decodeLogs(fixture('logs-api-request.json'));
    // Claude Code's own events carry none of what a satellite's forwarded records add (docs/hub.md).
    const own = { responseId: null, machine: null, thinking: null, sidechain: false, retracted: false };
    expect(events.map(({ dedupeKey: _k, ...e }) => e)).toEqual([
      {
        model: SONNET,
        timeMs: Date.parse('2026-11-22T10:00:05.250Z'),
        input: 1500,
        output: 400,
        cacheRead: 30000,
        cacheCreation: 2000,
        ...own,
      },
      {
        model: OPUS,
        timeMs: Date.parse('2026-11-22T10:00:15.500Z'),
        input: 200,
        output: 600,
        cacheRead: 40000,
        cacheCreation: 0,
        ...own,
      },
    ]);
    expect(events[0]?.dedupeKey).not.toBe(events[1]?.dedupeKey);
  });

  it('recognises the event by event.name too, and falls back to the record time', () => {
    const req = eventRequest(
      { 'event.name': 'api_request', input_tokens: 5 },
      { time: '2026-11-22T10:00:20Z' },
    );
    firstRecord(req).body = { stringValue: 'something else' };
    const [e] = decodeLogs(req);
    expect(e?.input).toBe(5);
    expect(e?.timeMs).toBe(Date.parse('2026-11-22T10:00:20Z'));
    expect(e?.output).toBe(0);
  });

  it.each([
    ['a word for a count', { input_tokens: 'many' }, /input_tokens is not a token count/],
    ['a negative count', { output_tokens: -1 }, /output_tokens is out of range/],
    ['NaN spelled as a string', { cache_read_tokens: 'NaN' }, /cache_read_tokens is not a token count/],
    ['a 10 kB string', { input_tokens: '9'.repeat(10_000) }, /input_tokens is not a token count/],
  ])('rejects %s with a reason', (_label, attrs, reason) => {
    expect(() => decodeLogs(eventRequest(attrs))).toThrow(reason);
  });

  it('rejects malformed structure: attributes not a list, a key that is not a string', () => {
    const a = eventRequest({});
    firstRecord(a).attributes = { input_tokens: 1 };
    expect(() => decodeLogs(a)).toThrow(/attributes is not an array/);
    const b = eventRequest({});
    firstRecord(b).attributes = [{ key: 7, value: { intValue: 1 } }];
    expect(() => decodeLogs(b)).toThrow(/key is not a string/);
    expect(() => decodeLogs({ resourceLogs: [{ scopeLogs: 'x' }] })).toThrow(/scopeLogs is not an array/);
  });

  it('ignores other events even when their attributes are odd', () => {
    const req = eventRequest({ input_tokens: 'garbage' });
    firstRecord(req).body = { stringValue: 'claude_code.tool_result' };
    expect(decodeLogs(req)).toEqual([]);
  });

  it('has no dedupe key when nothing identifies the event', () => {
    const req = eventRequest({ input_tokens: 1 });
    firstRecord(req).timeUnixNano = '0';
    expect(decodeLogs(req)[0]?.dedupeKey).toBeNull();
    expect(ns('1970-01-01T00:00:00Z')).toBe('0');
  });
});
