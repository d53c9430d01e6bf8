// OTLP push of the bridge metrics, captured by a tiny loopback HTTP server (OTLP/HTTP JSON).

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../host/src/config.js';
import { startDaemon } from '../../../host/src/daemon.js';
import { ExportConfigError, metricsUrl, startBridgeExport } from '../../../host/src/export/otlp-push.js';
import { linuxProcHost } from '../../../host/src/sessions.js';
import { tempDir, writeManifest } from '../helpers/fixtures.js';

interface Captured {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let captured: Captured[];
let base: string;
let status = 200;

beforeEach(async () => {
  captured = [];
  status = 200;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      captured.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw.toString('utf8')) });
      res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

interface Point {
  attributes?: Array<{ key: string; value: { stringValue?: string } }>;
  asInt?: string | number;
  asDouble?: number;
}
interface Metric {
  name: string;
  gauge?: { dataPoints: Point[] };
  sum?: { dataPoints: Point[]; aggregationTemporality: number; isMonotonic: boolean };
}

/** All metrics of one export request, by name. */
function metricsOf(body: Record<string, unknown>): Map<string, Metric> {
  const out = new Map<string, Metric>();
  const rms = body.resourceMetrics as Array<{ scopeMetrics: Array<{ metrics: Metric[] }> }>;
  for (const rm of rms) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}

const value = (p: Point | undefined) => Number(p?.asInt ?? p?.asDouble);

describe('OTLP push of the bridge metrics', () => {
  it('sends cc_sessions_active, cc_session_started and cc_sessions_active_by_model as OTLP JSON', async () => {
    let counts = {
      active: 2,
      started: 5,
      byModel: new Map([
        ['claude-opus-4-5-20251101', 1],
        ['unknown', 1],
      ]),
    };
    const exp = startBridgeExport({
      url: base,
      counts: () => counts,
      intervalMs: 60_000,
      serviceVersion: '9.9.9',
    });
    try {
      expect(exp.url).toBe(`${base}/v1/metrics`);
      await exp.flush();
      expect(captured).toHaveLength(1);
      const [req] = captured;
      expect(req?.path).toBe('/v1/metrics');
      expect(req?.headers['content-type']).toMatch(/^application\/json/);
      type Resource = { resource: { attributes: Array<{ key: string; value: { stringValue: string } }> } };
      const rm = (req?.body.resourceMetrics as Resource[] | undefined)?.[0];
      const resource = Object.fromEntries(
        rm?.resource.attributes.map((a) => [a.key, a.value.stringValue]) ?? [],
      );
      expect(resource['service.name']).toBe('claude-gauge');
      expect(resource['service.version']).toBe('9.9.9');

      const m = metricsOf(req?.body ?? {});
      expect(value(m.get('cc_sessions_active')?.gauge?.dataPoints[0])).toBe(2);
      const startedSum = m.get('cc_session_started')?.sum;
      expect(startedSum?.isMonotonic).toBe(true);
      // CUMULATIVE = 2 in OTLP.
      expect(startedSum?.aggregationTemporality).toBe(2);
      expect(value(startedSum?.dataPoints[0])).toBe(5);
      const byModel = Object.fromEntries(
        (m.get('cc_sessions_active_by_model')?.gauge?.dataPoints ?? []).map((p) => [
          p.attributes?.find((a) => a.key === 'model')?.value.stringValue,
          value(p),
        ]),
      );
      expect(byModel).toEqual({ 'claude-opus-4-5-20251101': 1, unknown: 1 });

      // Later values are read fresh at the next collection; a model whose sessions ended reads 0.
      counts = { active: 0, started: 6, byModel: new Map() };
      await exp.flush();
      const next = metricsOf(captured[1]?.body ?? {});
      expect(value(next.get('cc_sessions_active')?.gauge?.dataPoints[0])).toBe(0);
      expect(value(next.get('cc_session_started')?.sum?.dataPoints[0])).toBe(6);
      const after = (next.get('cc_sessions_active_by_model')?.gauge?.dataPoints ?? []).map(value);
      expect(after).toEqual([0, 0]);
      expect(exp.failures).toBe(0);
    } finally {
      await exp.stop();
      await exp.stop(); // idempotent
    }
  });

  it('counts and logs failed exports without throwing (collector refusing)', async () => {
    // 400 is not retried by the exporter (503 would be, with back-off): one attempt, one failure.
    status = 400;
    const warnings: unknown[] = [];
    const exp = startBridgeExport({
      url: `${base}/custom/path`,
      counts: () => ({ active: 1, started: 1, byModel: new Map() }),
      intervalMs: 60_000,
      timeoutMs: 2000,
      log: { info() {}, warn: (obj) => warnings.push(obj) },
    });
    try {
      expect(exp.url).toBe(`${base}/custom/path`);
      await exp.flush();
      expect(captured).toHaveLength(1);
      expect(captured[0]?.path).toBe('/custom/path');
      expect(exp.failures).toBe(1);
      expect(warnings).toHaveLength(1);
    } finally {
      await exp.stop();
    }
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => metricsUrl('ftp://127.0.0.1/x')).toThrow(ExportConfigError);
    expect(() => metricsUrl('not a url')).toThrow(/not a URL/);
    expect(metricsUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/metrics');
    expect(metricsUrl('http://127.0.0.1:4318/otlp/v1/metrics')).toBe('http://127.0.0.1:4318/otlp/v1/metrics');
  });
});

describe('daemon with --otlp-export-url', () => {
  it('pushes the live sessions of its tracker, last on shutdown', async () => {
    const t = tempDir('cg-export-');
    try {
      writeManifest(t.path, `${process.pid}.json`, {
        pid: process.pid,
        sessionId: 's1',
        procStart: linuxProcHost().startTicks(process.pid),
      });
      const daemon = await startDaemon(
        resolveSettings({
          flags: {
            source: 'demo',
            port: 0,
            ui: 'none',
            mdns: false,
            claudeDirs: [t.path],
            otlpExportUrl: base,
            otlpExportIntervalSeconds: 3600,
          },
          env: {},
          home: t.path,
          cwd: t.path,
        }),
      );
      expect(daemon.startupLine).toContain(`pushing session metrics to ${base}/v1/metrics (OTLP/HTTP JSON)`);
      // Shutting down flushes one last export.
      await daemon.stop();
      expect(captured.length).toBeGreaterThanOrEqual(1);
      const m = metricsOf(captured[captured.length - 1]?.body ?? {});
      expect(value(m.get('cc_sessions_active')?.gauge?.dataPoints[0])).toBe(1);
      expect(value(m.get('cc_session_started')?.sum?.dataPoints[0])).toBe(1);
    } finally {
      t.cleanup();
    }
  });

  it('refuses a bad export URL as a setting error', () => {
    expect(() =>
      resolveSettings({
        flags: { otlpExportUrl: 'ftp://127.0.0.1/x' },
        env: {},
        home: '/nonexistent',
        cwd: '/nonexistent',
      }),
    ).toThrow(/--otlp-export-url: expected an http:\/\/ or https:\/\/ URL/);
    expect(
      () =>
        resolveSettings({
          flags: {},
          env: { CLAUDE_GAUGE_OTLP_EXPORT_URL: 'http://127.0.0.1:4318' },
          home: '/nonexistent',
          cwd: '/nonexistent',
        }).otlpExportUrl,
    ).not.toThrow();
  });
});
