// The OTLP items of issue 16:
//  - a 15 MB batch is decoded off the event loop (a worker) and ingested in slices: /usage answers while it
//    is in flight (the latency itself is measured by `npm run bench`, bench/hostile-load.mjs);
//  - the retry memory is bounded by bytes, whatever the keys' length;
//  - a cumulative series whose start time moves does not count its whole value again;
//  - delta points (and events) without a time are deduplicated: a retry never counts twice.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenBatchJson } from '../../../bench/lib/otlp-batch.mjs';
import type { UsagePayload } from '../../../contract/usage.js';
import { buildServer } from '../../../host/src/server.js';
import { UsageService } from '../../../host/src/service.js';
import { decodeLogs, decodeMetrics } from '../../../host/src/sources/otlp/decode.js';
import { DecodePool } from '../../../host/src/sources/otlp/decode-pool.js';
import { DEDUPE_ENTRY_BYTES, DedupeWindow } from '../../../host/src/sources/otlp/dedupe.js';
import { DEDUPE_MAX_BYTES, OtlpSource } from '../../../host/src/sources/otlp/source.js';
import { tempDir } from '../helpers/fixtures.js';
import { eventRequest, ns, tokenRequest } from '../sources/otlp/helpers.js';
import { raw, removeBundles, serveProcess, within } from './helpers.js';

const SETTINGS = { redline: 1_000_000, ceiling: 20_000_000, warnFraction: 0.8, stallMinutes: 5 };
let app: FastifyInstance | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
});

async function serveOtlp(
  opts: { pool?: DecodePool; clock?: () => number } = {},
): Promise<{ port: number; source: OtlpSource; service: UsageService }> {
  const source = new OtlpSource(opts.clock ? { clock: opts.clock } : {});
  const service = new UsageService({
    source,
    settings: SETTINGS,
    faults: source.faults,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await service.start();
  app = await buildServer({ service, ...(opts.pool ? { otlpPool: opts.pool } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, source, service };
}

const json = { 'Content-Type': 'application/json' };

/** The object at a path inside an OTLP JSON tree (to edit a fixture in place). */
function at(tree: unknown, ...path: Array<string | number>): Record<string, unknown> {
  return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], tree) as Record<
    string,
    unknown
  >;
}

describe('degraded: a 15 MB OTLP batch blocks the event loop', () => {
  it('decodes in a worker: /usage is answered while a decode is in flight', async () => {
    // A decode worker that holds its job until told (a stand-in for a slow 15 MB decode): deterministic,
    // no timing involved.
    const dir = tempDir('cg-hostile-worker-');
    try {
      const file = join(dir.path, 'held-worker.mjs');
      writeFileSync(
        file,
        [
          "import { parentPort } from 'node:worker_threads';",
          'const held = [];',
          'parentPort.on("message", (m) => {',
          '  if (m === "release") { for (const id of held.splice(0)) parentPort.postMessage({ id, outcome: { ok: false, status: 400, message: "held and released" } }); return; }',
          '  held.push(m.id); parentPort.postMessage("holding");',
          '});',
        ].join('\n'),
      );
      const pool = new DecodePool({ workerUrl: new URL(`file://${file}`) });
      expect(pool.mode).toBe('worker');
      const { port } = await serveOtlp({ pool });
      const post = raw(port, { method: 'POST', path: '/v1/metrics', headers: json, body: '{}' });
      // The POST is in the worker and unanswered: /usage still answers, more than once.
      await within(
        10_000,
        'pool busy',
        (async () => {
          while (pool.pending === 0) await new Promise((r) => setTimeout(r, 5));
        })(),
      );
      for (let i = 0; i < 3; i++) expect((await raw(port, { path: '/usage' })).status).toBe(200);
      expect(pool.pending).toBe(1);
      (pool as unknown as { worker: { postMessage(m: unknown): void } }).worker.postMessage('release');
      expect((await post).status).toBe(400);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a fifth waiting batch with 503 and Retry-After, and counts it', async () => {
    const dir = tempDir('cg-hostile-worker-');
    try {
      const file = join(dir.path, 'stuck-worker.mjs');
      writeFileSync(
        file,
        "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => {});\n",
      );
      const pool = new DecodePool({ workerUrl: new URL(`file://${file}`), maxQueued: 4, timeoutMs: 60_000 });
      const { port, service } = await serveOtlp({ pool });
      const posts = [0, 1, 2, 3].map(() =>
        raw(port, { method: 'POST', path: '/v1/metrics', headers: json, body: '{}' }).catch(() => ({
          status: 0,
        })),
      );
      await within(
        10_000,
        'four waiting',
        (async () => {
          while (pool.pending < 4) await new Promise((r) => setTimeout(r, 5));
        })(),
      );
      const fifth = await raw(port, { method: 'POST', path: '/v1/metrics', headers: json, body: '{}' });
      expect(fifth.status).toBe(503);
      expect(fifth.headers['retry-after']).toBe('5');
      expect(service.faults.count('otlp-busy')).toBe(1);
      await app?.close(); // closing the server ends the pool: the four waiting get their answer
      app = null;
      for (const p of posts) expect([503, 0]).toContain((await p).status);
    } finally {
      dir.cleanup();
    }
  });

  it('takes a real multi-MB batch through the compiled worker while /usage keeps answering', async () => {
    const d = await serveProcess(['--source', 'otlp']);
    try {
      // 4 MB keeps the suite in seconds; bench/hostile-load.mjs measures /usage during 15 MB ones.
      const body = gzipSync(tokenBatchJson({ bytes: 4 * 1024 * 1024, nowMs: Date.now() }));
      const post = raw(d.port, {
        method: 'POST',
        path: '/v1/metrics',
        headers: { ...json, 'Content-Encoding': 'gzip' },
        body,
        timeoutMs: 60_000,
      });
      let answeredMeanwhile = 0;
      let done = false;
      void post.finally(() => {
        done = true;
      });
      while (!done) {
        expect((await raw(d.port, { path: '/usage' })).status).toBe(200);
        if (!done) answeredMeanwhile++;
      }
      const r = await post;
      expect(r.status, r.body).toBe(200);
      expect(Number(r.headers['x-claude-gauge-accepted'])).toBeGreaterThan(12_000);
      expect(answeredMeanwhile).toBeGreaterThan(0);
      const p = JSON.parse((await raw(d.port, { path: '/usage' })).body) as UsagePayload;
      expect(p.rate_1m).toBeGreaterThan(0);
    } finally {
      d.kill();
      removeBundles();
    }
  });
});

describe('degraded: OTLP dedupe memory capped by key count, not bytes', () => {
  it('accounts every key at the same size, whatever its length, and forgets the oldest when full', () => {
    const evicted: number[] = [];
    const w = new DedupeWindow({
      ttlMs: 3_600_000,
      maxBytes: 1000 * DEDUPE_ENTRY_BYTES,
      onEvicted: (n) => evicted.push(n),
    });
    const long = 'x'.repeat(2400); // the ~2.4 KB keys of the issue
    for (let i = 0; i < 5000; i++) expect(w.firstTime(`${long}${i}`, 1000 + i)).toBe(true);
    expect(w.bytes).toBeLessThanOrEqual(1000 * DEDUPE_ENTRY_BYTES);
    expect(w.size).toBeLessThanOrEqual(1000);
    expect(w.evicted).toBe(evicted.reduce((a, b) => a + b, 0));
    expect(w.evicted).toBeGreaterThanOrEqual(4000);
    // The newest keys are still known: a retry of the latest batch counts nothing.
    expect(w.firstTime(`${long}4999`, 7000)).toBe(false);
  });

  it('holds the source’s retry memory under its byte budget, and says so on /healthz', async () => {
    const { port, source } = await serveOtlp();
    // Series keys of several kB (long attributes), each point its own key.
    const attr = 'a'.repeat(3000);
    const events = [];
    for (let i = 0; i < 2000; i++)
      events.push({
        dedupeKey: `${attr}${i}`,
        model: 'm',
        timeMs: Date.now(),
        input: 1,
        output: 1,
        cacheRead: 0,
        cacheCreation: 0,
      });
    source.ingestEvents(events);
    const s = source.stats();
    expect(s.dedupe.keys).toBe(2000);
    expect(s.dedupe.bytes).toBe(2000 * DEDUPE_ENTRY_BYTES); // not 2000 x 3 kB
    expect(s.dedupe.bytes).toBeLessThanOrEqual(DEDUPE_MAX_BYTES);
    const health = JSON.parse((await raw(port, { path: '/healthz' })).body);
    expect(health.ok).toBe(true);
  });
});

describe('degraded: cumulative series whose start time moves', () => {
  it('counts a moved start inside the reported interval as a new baseline, not as its whole value again', async () => {
    const t0 = Date.parse('2026-11-22T10:00:00Z');
    const now = t0 + 60_000;
    const { source, port } = await serveOtlp({ clock: () => now });
    // The three requests: same series, the same huge total, the start moved forward each time.
    const value = '999999999999';
    const req = (start: string, time: string) =>
      tokenRequest({ temporality: 2, value, start, time, session: 'attack' });
    source.ingestMetrics(decodeMetrics(req('2026-11-22T09:00:00Z', '2026-11-22T10:00:30Z')));
    source.ingestMetrics(decodeMetrics(req('2026-11-22T09:10:00Z', '2026-11-22T10:00:40Z')));
    source.ingestMetrics(decodeMetrics(req('2026-11-22T09:20:00Z', '2026-11-22T10:00:50Z')));
    const p = JSON.parse((await raw(port, { path: '/usage' })).body) as UsagePayload;
    expect(p.rate_1m).toBe(0);
    expect(p.window_5h_tokens).toBe(0);
    expect(p.window_5h_pct).toBe(0);
    expect(source.stats().dropped.start_moved).toBe(2);
    expect(source.faults.count('otlp-start-moved')).toBe(2);
  });

  it('still counts a real restart (a start after the last point), within the rate bound', async () => {
    const now = Date.parse('2026-11-22T10:05:00Z');
    const source = new OtlpSource({ clock: () => now });
    await source.start();
    const series = (value: string, start: string, time: string) =>
      decodeMetrics(tokenRequest({ temporality: 2, value, start, time, session: 'r' }));
    // Begins after the source started? No: before, so the first point is a baseline.
    source.ingestMetrics(series('500', '2026-11-22T09:00:00Z', '2026-11-22T10:00:00Z'));
    // Restarted at 10:01, 300 tokens by 10:02: all new. Then an absurd restart: 1e12 in a minute.
    source.ingestMetrics(series('300', '2026-11-22T10:01:00Z', '2026-11-22T10:02:00Z'));
    source.ingestMetrics(series('1000000000000', '2026-11-22T10:03:00Z', '2026-11-22T10:04:00Z'));
    const s = await source.snapshot(now);
    expect(s.window5hTokens).toBe(300);
    expect(source.stats().dropped.implausible).toBe(1);
  });
});

describe('degraded: delta points without a time are never deduplicated', () => {
  it('counts a retried delivery of time-less delta points and events once', async () => {
    const { port, source } = await serveOtlp();
    const metrics = tokenRequest({ value: '250' });
    const point = at(metrics, 'resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0, 'sum', 'dataPoints', 0);
    delete point.timeUnixNano;
    delete point.startTimeUnixNano;
    const logs = eventRequest({ input_tokens: 40, output_tokens: 2 });
    const record = at(logs, 'resourceLogs', 0, 'scopeLogs', 0, 'logRecords', 0);
    delete record.timeUnixNano;
    delete record.observedTimeUnixNano;
    for (const attr of record.attributes as Array<{ key: string; value: unknown }>)
      if (attr.key === 'event.timestamp') attr.value = { stringValue: '' };
    for (let i = 0; i < 3; i++) {
      const m = await raw(port, {
        method: 'POST',
        path: '/v1/metrics',
        headers: json,
        body: JSON.stringify(metrics),
      });
      const l = await raw(port, {
        method: 'POST',
        path: '/v1/logs',
        headers: json,
        body: JSON.stringify(logs),
      });
      expect([m.status, l.status]).toEqual([200, 200]);
      expect(m.headers['x-claude-gauge-accepted']).toBe(i === 0 ? '1' : '0');
      expect(l.headers['x-claude-gauge-duplicates']).toBe(i === 0 ? undefined : '1');
    }
    expect(source.stats().records).toEqual({ metrics: 1, events: 1 });
    // Two different deliveries with the same content and no time are two deliveries: both count.
    const other = structuredClone(logs);
    (at(other, 'resourceLogs', 0, 'scopeLogs', 0).logRecords as unknown[]).push(structuredClone(record));
    expect(
      (await raw(port, { method: 'POST', path: '/v1/logs', headers: json, body: JSON.stringify(other) }))
        .headers['x-claude-gauge-accepted'],
    ).toBe('2');
  });

  it('decoding gives such records their place in the delivery as their key', () => {
    const req = tokenRequest({});
    const dp = at(req, 'resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0, 'sum', 'dataPoints', 0);
    delete dp.timeUnixNano;
    expect(decodeMetrics(req)[0]?.dedupeKey).toBeNull();
    expect(decodeMetrics(req, 'digest')[0]?.dedupeKey).toBe('batch:digest#0');
    const logs = eventRequest({ input_tokens: 1 }, { time: '1970-01-01T00:00:00Z' });
    expect(ns('1970-01-01T00:00:00Z')).toBe('0');
    expect(decodeLogs(logs, 'digest')[0]?.dedupeKey).toBe('batch:digest#0');
  });
});
