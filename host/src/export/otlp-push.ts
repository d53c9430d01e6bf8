// OTLP push of the cc-telemetry bridge's session metrics (cc_sessions_active, cc_session_started,
// cc_sessions_active_by_model) with the OpenTelemetry JS SDK, for users whose collector takes pushes rather
// than scraping /metrics. OTLP/HTTP JSON (the exporter-metrics-otlp-http package), cumulative temporality
// (what the bridge's Prometheus-side dashboards expect). Values are read from the session tracker at each
// collection; nothing here touches the gauge's payload path, and a failing collector only costs a log line.
// Labels carry model ids only: never paths, cwd, prompts or session ids (as on /metrics).

import { type Attributes, ValueType } from '@opentelemetry/api';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Log } from '../log.js';
import type { SessionCounts } from '../sessions.js';

export interface BridgeExportOptions {
  /** Full OTLP metrics URL, or a base URL to which /v1/metrics is appended. */
  url: string;
  /** The session tracker's counts, read at every collection. */
  counts: () => Pick<SessionCounts, 'active' | 'started' | 'byModel'>;
  intervalMs?: number;
  /** Per-export deadline (at most the interval). */
  timeoutMs?: number;
  serviceVersion?: string;
  log?: Pick<Log, 'info' | 'warn'>;
}

export interface BridgeExport {
  readonly url: string;
  /** Collects and exports now (tests, shutdown). Resolves when the export is done or has failed. */
  flush(): Promise<void>;
  /** Flushes once more and stops the timer. Idempotent. */
  stop(): Promise<void>;
  /** Exports that failed since the start (logged: the first, then every 100th). */
  readonly failures: number;
}

const MAX_MODELS = 256;

export class ExportConfigError extends Error {
  override name = 'ExportConfigError';
}

/** The metrics endpoint: a URL with no path gets /v1/metrics (like OTEL_EXPORTER_OTLP_ENDPOINT does). */
export function metricsUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ExportConfigError(`--otlp-export-url: not a URL: ${JSON.stringify(raw.slice(0, 80))}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ExportConfigError(`--otlp-export-url: expected http:// or https://, got ${u.protocol}`);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/metrics';
  return u.toString();
}

/** Wraps the exporter to count and log failures (the SDK reports them only through its diag logger). */
class ObservedExporter implements PushMetricExporter {
  failures = 0;
  readonly selectAggregationTemporality: PushMetricExporter['selectAggregationTemporality'];
  readonly selectAggregation: PushMetricExporter['selectAggregation'];

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly url: string,
    private readonly log?: Pick<Log, 'info' | 'warn'>,
  ) {
    // The reader asks the exporter which temporality and aggregation it wants: pass the questions on.
    this.selectAggregationTemporality = inner.selectAggregationTemporality?.bind(inner);
    this.selectAggregation = inner.selectAggregation?.bind(inner);
  }

  export(metrics: ResourceMetrics, done: Parameters<PushMetricExporter['export']>[1]): void {
    this.inner.export(metrics, (result) => {
      if (result.code !== 0) {
        this.failures++;
        if (this.failures === 1 || this.failures % 100 === 0)
          this.log?.warn(
            { url: this.url, err: result.error?.message ?? 'failed', failures: this.failures },
            'OTLP export of the session metrics failed; will retry at the next interval',
          );
      }
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export function startBridgeExport(opts: BridgeExportOptions): BridgeExport {
  const url = metricsUrl(opts.url);
  const intervalMs = Math.max(1000, opts.intervalMs ?? 15_000);
  const timeoutMs = Math.min(intervalMs, Math.max(100, opts.timeoutMs ?? 5000));
  const exporter = new ObservedExporter(
    new OTLPMetricExporter({
      url,
      timeoutMillis: timeoutMs,
      // Explicit, so an OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE meant for Claude Code does not apply.
      temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
    }),
    url,
    opts.log,
  );
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: intervalMs,
    exportTimeoutMillis: timeoutMs,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'claude-gauge',
      ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}),
    }),
    readers: [reader],
  });
  const meter = provider.getMeter('claude-gauge.bridge', opts.serviceVersion);

  const active = meter.createObservableGauge('cc_sessions_active', {
    description: 'Live Claude Code sessions (manifest present, PID alive and matching).',
    valueType: ValueType.INT,
  });
  const byModel = meter.createObservableGauge('cc_sessions_active_by_model', {
    description:
      "Live sessions by the model of their newest transcript line ('unknown' when not cheaply known).",
    valueType: ValueType.INT,
  });
  const started = meter.createObservableCounter('cc_session_started', {
    description: 'Sessions first seen live by this daemon, cumulative.',
    valueType: ValueType.INT,
  });
  // The SDK keeps reporting an attribute set it once saw: a model whose sessions all ended must be
  // reported as 0, not left at its last count. Models are few; the set is bounded all the same.
  const modelsSeen = new Set<string>();
  // One read of the tracker per collection for all three instruments.
  meter.addBatchObservableCallback(
    (result) => {
      const c = opts.counts();
      result.observe(active, c.active);
      result.observe(started, c.started);
      for (const model of modelsSeen)
        if (!c.byModel.has(model)) result.observe(byModel, 0, { model } satisfies Attributes);
      for (const [model, n] of c.byModel) {
        if (modelsSeen.size < MAX_MODELS) modelsSeen.add(model);
        result.observe(byModel, n, { model } satisfies Attributes);
      }
    },
    [active, byModel, started],
  );

  let stopped: Promise<void> | null = null;
  return {
    url,
    get failures() {
      return exporter.failures;
    },
    flush: () => reader.forceFlush(),
    stop() {
      stopped ??= provider.shutdown().catch((err: unknown) => {
        opts.log?.warn({ err: (err as Error).message }, 'OTLP export shutdown failed');
      });
      return stopped;
    },
  };
}
