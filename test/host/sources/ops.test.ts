// The ops/ stack files: Prometheus' config checked by promtool, the compose file and the collector
// config checked for the wiring between them (ports, mounts, pinned images), the Grafana dashboard
// held to the project's PromQL. Docker cannot run here, so nothing is started.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  BRIDGE_METRICS,
  DASHBOARD_QUERIES,
  GAUGE_QUERIES,
} from '../../../host/src/sources/prometheus/queries.js';
import { allPanels, dashboardExpressions, loadDashboard } from './helpers/dashboard.js';
import { haveBinary } from './helpers/real-prometheus.js';

const ops = (p: string) => new URL(`../../../ops/${p}`, import.meta.url);
const yaml = (p: string) => load(readFileSync(ops(p), 'utf8')) as Record<string, unknown>;

describe('ops/prometheus.yml', () => {
  const havePromtool = haveBinary('promtool');
  if (!havePromtool)
    console.warn('SKIPPED: promtool check config needs promtool (apt-get install prometheus)');
  it.skipIf(!havePromtool)('passes promtool check config', () => {
    const r = spawnSync('promtool', ['check', 'config', ops('prometheus.yml').pathname], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it("scrapes the collector's exporter and the daemon's /metrics", () => {
    const cfg = yaml('prometheus.yml') as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = Object.fromEntries(
      cfg.scrape_configs.map((s) => [s.job_name, s.static_configs.flatMap((c) => c.targets)]),
    );
    const exporter = (
      yaml('otel-collector-config.yaml') as { exporters: { prometheus: { endpoint: string } } }
    ).exporters.prometheus.endpoint;
    expect(targets['otel-collector']).toEqual([`otel-collector:${exporter.split(':').pop()}`]);
    expect(targets['claude-gauge']).toEqual(['host.docker.internal:8787']);
    expect(cfg.scrape_configs.find((s) => s.job_name === 'claude-gauge')?.metrics_path).toBe('/metrics');
  });
});

describe('ops/otel-collector-config.yaml', () => {
  it('runs OTLP → memory_limiter, batch → prometheus, keeping series 8 days', () => {
    const cfg = yaml('otel-collector-config.yaml') as {
      receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
      processors: Record<string, unknown>;
      exporters: { prometheus: Record<string, unknown> };
      service: { pipelines: { metrics: { receivers: string[]; processors: string[]; exporters: string[] } } };
    };
    expect(cfg.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(cfg.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(cfg.service.pipelines.metrics).toEqual({
      receivers: ['otlp'],
      processors: ['memory_limiter', 'batch'],
      exporters: ['prometheus'],
    });
    for (const p of cfg.service.pipelines.metrics.processors) expect(cfg.processors).toHaveProperty(p);
    expect(cfg.exporters.prometheus.metric_expiration).toBe('192h');
  });
});

describe('ops/otel-collector-hub.yaml', () => {
  it('relays logs only, as OTLP/HTTP JSON (what the hub reads), gzip, with the hub token, retrying', () => {
    const cfg = yaml('otel-collector-hub.yaml') as {
      receivers: { otlp: { protocols: Record<string, unknown> } };
      processors: Record<string, unknown>;
      exporters: Record<
        string,
        {
          endpoint: string;
          encoding: string;
          compression: string;
          headers: Record<string, string>;
          retry_on_failure: { enabled: boolean };
        }
      >;
      service: {
        pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
      };
    };
    expect(Object.keys(cfg.service.pipelines)).toEqual(['logs']);
    const logs = cfg.service.pipelines.logs;
    expect(logs?.receivers).toEqual(['otlp']);
    for (const p of logs?.processors ?? []) expect(cfg.processors).toHaveProperty(p);
    const hub = cfg.exporters[logs?.exporters[0] ?? ''];
    // The collector's own ${env:...} substitution: the hub's address and token stay out of the file.
    const env = (name: string) => ['$', '{env:', name, '}'].join('');
    expect(hub).toMatchObject({ encoding: 'json', compression: 'gzip', endpoint: env('HUB_URL') });
    expect(hub?.headers.Authorization).toBe(`Bearer ${env('HUB_TOKEN')}`);
    expect(hub?.retry_on_failure.enabled).toBe(true);
    expect(Object.keys(cfg.receivers.otlp.protocols)).toEqual(['http']);
  });
});

describe('ops/docker-compose.yml', () => {
  const compose = yaml('docker-compose.yml') as {
    services: Record<string, { image: string; ports?: string[]; volumes?: string[]; command?: string[] }>;
  };

  it('pins every image to a version', () => {
    const images = Object.values(compose.services).map((s) => s.image);
    expect(images).toHaveLength(3);
    for (const image of images) expect(image).toMatch(/^[a-z0-9/._-]+:v?\d+\.\d+\.\d+$/);
  });

  it('mounts files that exist and publishes ports on loopback only', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const host = v.split(':')[0] ?? '';
        if (host.startsWith('./')) expect(existsSync(ops(host.slice(2))), `${name}: ${v}`).toBe(true);
      }
      for (const p of s.ports ?? []) expect(p, `${name}: ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    expect(compose.services.prometheus?.command).toContain('--storage.tsdb.retention.time=8d');
  });

  it('points Grafana at the compose Prometheus', () => {
    const ds = yaml('grafana/provisioning/datasources/prometheus.yml') as {
      datasources: { url: string; type: string }[];
    };
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
  });
});

describe('ops/grafana/claude-gauge-dashboard.json', () => {
  it('parses, and every panel has a title and a query', () => {
    const dashboard = loadDashboard();
    expect(dashboard.uid).toBe('claude-gauge');
    const panels = allPanels(dashboard);
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const p of panels) {
      expect(String(p.title ?? '').trim()).not.toBe('');
      expect(Array.isArray(p.targets) && p.targets.length > 0, String(p.title)).toBe(true);
    }
    expect(new Set(panels.map((p) => (p as { id?: number }).id)).size).toBe(panels.length);
  });

  it("uses only the project's PromQL, covering every gauge query and every bridge metric", () => {
    const exprs = dashboardExpressions().map((e) => e.expr);
    for (const e of exprs) {
      expect(e.trim()).not.toBe('');
      expect(DASHBOARD_QUERIES, e).toContain(e);
    }
    for (const q of [
      GAUGE_QUERIES.tach,
      GAUGE_QUERIES.fuel5h,
      GAUGE_QUERIES.cacheHitRate,
      GAUGE_QUERIES.lastModelByVolume,
    ]) {
      expect(exprs).toContain(q);
    }
    for (const metric of BRIDGE_METRICS)
      expect(
        exprs.some((e) => e.includes(metric)),
        metric,
      ).toBe(true);
  });

  it('has balanced brackets and quotes in every expression (promtool has no offline query linter)', () => {
    for (const { title, expr } of dashboardExpressions()) {
      const stack: string[] = [];
      let quoted = false;
      for (const ch of expr) {
        if (ch === '"') quoted = !quoted;
        if (quoted) continue;
        if ('([{'.includes(ch)) stack.push(ch);
        if (')]}'.includes(ch)) expect(stack.pop(), title).toBe('([{'[')]}'.indexOf(ch)]);
      }
      expect(stack, title).toEqual([]);
      expect(quoted, title).toBe(false);
    }
  });
});
