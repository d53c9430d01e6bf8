// Hybrid = Prometheus for fuel and cache + the JSONL tail for the tach. With fakes for every failure
// combination, then with the real JsonlSource on a temp transcript and a PrometheusSource over msw.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HybridSource } from '../../../host/src/sources/hybrid.js';
import { JsonlSource } from '../../../host/src/sources/jsonl/source.js';
import { GAUGE_QUERIES, PrometheusSource } from '../../../host/src/sources/prometheus/source.js';
import type { SourceName, SourceSnapshot, UsageSource } from '../../../host/src/sources/source.js';

class FakeSource implements UsageSource {
  started = 0;
  stopped = 0;
  asked: number[] = [];
  listeners = new Set<() => void>();
  startError: Error | undefined;
  answer: SourceSnapshot | Error;
  constructor(
    readonly name: SourceName,
    answer: SourceSnapshot,
  ) {
    this.answer = answer;
  }
  async start() {
    this.started++;
    if (this.startError) throw this.startError;
  }
  async stop() {
    this.stopped++;
  }
  async snapshot(nowMs: number) {
    this.asked.push(nowMs);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
  subscribe(l: () => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l) && undefined;
  }
}

const PROM_SNAP: SourceSnapshot = {
  rate1m: 1460,
  window5hTokens: 90_800,
  window5hResetInS: null,
  thinkingRatio: 0,
  cacheHitRate: 0.83,
  lastModel: 'claude-opus-4-5-20251101',
  lastResponseAtMs: 1_000,
};
const JSONL_SNAP: SourceSnapshot = {
  rate1m: 5_321,
  window5hTokens: 12_345,
  window5hResetInS: 3_600,
  thinkingRatio: 0.42,
  cacheHitRate: 0.5,
  lastModel: 'claude-haiku-4-5-20251001',
  lastResponseAtMs: 2_000,
};

const pair = () => {
  const fuel = new FakeSource('prometheus', PROM_SNAP);
  const tach = new FakeSource('jsonl', JSONL_SNAP);
  return { fuel, tach, hybrid: new HybridSource({ fuel, tach }) };
};

describe('HybridSource with fake parts', () => {
  it('takes fuel and cache from one side, tach, model, stall clock and thinking from the other', async () => {
    const { fuel, tach, hybrid } = pair();
    expect(hybrid.name).toBe('hybrid');
    expect(await hybrid.snapshot(123)).toEqual({
      rate1m: 5_321,
      window5hTokens: 90_800,
      window5hResetInS: null,
      thinkingRatio: 0.42,
      cacheHitRate: 0.83,
      lastModel: 'claude-haiku-4-5-20251001',
      lastResponseAtMs: 2_000,
    });
    expect(fuel.asked).toEqual([123]);
    expect(tach.asked).toEqual([123]);
  });

  it("passes on the tach side's session count when it has one", async () => {
    const { tach, hybrid } = pair();
    tach.answer = { ...JSONL_SNAP, sessionsActive: 3 };
    expect((await hybrid.snapshot(0)).sessionsActive).toBe(3);
  });

  it.each([
    ['fuel', /^hybrid: prometheus \(fuel, cache\) failed: prometheus down$/],
    ['tach', /^hybrid: jsonl \(tach\) failed: disk gone$/],
  ] as const)('rejects when the %s side fails, naming it', async (side, message) => {
    const { fuel, tach, hybrid } = pair();
    if (side === 'fuel') fuel.answer = new Error('prometheus down');
    else tach.answer = new Error('disk gone');
    await expect(hybrid.snapshot(0)).rejects.toThrow(message);
  });

  it('names both sides when both fail', async () => {
    const { fuel, tach, hybrid } = pair();
    fuel.answer = new Error('a');
    tach.answer = new Error('b');
    await expect(hybrid.snapshot(0)).rejects.toThrow(
      'hybrid: prometheus (fuel, cache) failed: a; jsonl (tach) failed: b',
    );
  });

  it('starts both; if one cannot start, stops both and says which', async () => {
    const ok = pair();
    await ok.hybrid.start();
    expect([ok.fuel.started, ok.tach.started]).toEqual([1, 1]);
    const bad = pair();
    bad.tach.startError = new Error('no claude dir');
    await expect(bad.hybrid.start()).rejects.toThrow(
      'hybrid: could not start: jsonl (tach) failed: no claude dir',
    );
    expect([bad.fuel.stopped, bad.tach.stopped]).toEqual([1, 1]);
  });

  it('fans subscriptions out to both parts and unsubscribes from both', async () => {
    const { fuel, tach, hybrid } = pair();
    let calls = 0;
    const off = hybrid.subscribe(() => calls++);
    for (const l of fuel.listeners) l();
    for (const l of tach.listeners) l();
    expect(calls).toBe(2);
    off();
    expect(fuel.listeners.size + tach.listeners.size).toBe(0);
    await hybrid.stop();
    await hybrid.stop();
    expect([fuel.stopped, tach.stopped]).toEqual([2, 2]);
  });
});

describe('HybridSource with the real JSONL tail and a PrometheusSource', () => {
  const PROM = 'http://127.0.0.1:9099';
  const server = setupServer();
  let down = false;
  const dir = mkdtempSync(join(tmpdir(), 'gauge-hybrid-'));
  beforeAll(() => {
    server.listen({ onUnhandledRequest: 'error' });
    server.use(
      http.get(`${PROM}/api/v1/query`, ({ request }) => {
        if (down) return HttpResponse.error();
        const q = new URL(request.url).searchParams.get('query');
        const value =
          q === GAUGE_QUERIES.fuel5h
            ? '777000'
            : q === GAUGE_QUERIES.cacheHitRate
              ? '0.25'
              : q === GAUGE_QUERIES.tach
                ? '9'
                : null;
        const result = value === null ? [] : [{ metric: {}, value: [1, value] }];
        return HttpResponse.json({ status: 'success', data: { resultType: 'vector', result } });
      }),
    );
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('combines them, and goes stale when Prometheus goes down', async () => {
    const now = Date.now();
    const project = join(dir, 'projects', '-home-user-demo');
    mkdirSync(project, { recursive: true });
    const line = (i: number, agoMs: number, model: string) =>
      JSON.stringify({
        type: 'assistant',
        sessionId: 's1',
        requestId: `req_h${i}`,
        timestamp: new Date(now - agoMs).toISOString(),
        message: {
          id: `msg_h${i}`,
          role: 'assistant',
          model,
          content: [{ type: 'text', text: 'ok' }],
          usage: {
            input_tokens: 10,
            output_tokens: 20,
            cache_read_input_tokens: 30,
            cache_creation_input_tokens: 40,
          },
        },
      });
    writeFileSync(
      join(project, 's1.jsonl'),
      `${[line(0, 30 * 60_000, 'claude-opus-4-5-20251101'), line(1, 10_000, 'claude-haiku-4-5-20251001')].join('\n')}\n`,
    );
    const tach = new JsonlSource({ claudeDirs: [dir], watch: false, rescanIntervalMs: 0 });
    const fuel = new PrometheusSource({ url: PROM, reuseForMs: 0 });
    const hybrid = new HybridSource({ fuel, tach });
    await hybrid.start();
    const jsonl = await tach.snapshot(now);
    const snap = await hybrid.snapshot(now);
    expect(snap).toEqual({
      rate1m: jsonl.rate1m,
      window5hTokens: 777_000,
      window5hResetInS: null,
      thinkingRatio: jsonl.thinkingRatio,
      cacheHitRate: 0.25,
      lastModel: 'claude-haiku-4-5-20251001',
      lastResponseAtMs: now - 10_000,
    });
    // The tach is the JSONL's 60 s rate (one 100-token turn 10 s ago), not Prometheus' 9.
    expect(snap.rate1m).toBe(100);
    down = true;
    await expect(hybrid.snapshot(now)).rejects.toThrow(
      /^hybrid: prometheus \(fuel, cache\) failed: prometheus http:\/\/127\.0\.0\.1:9099\//,
    );
    await hybrid.stop();
  });
});
