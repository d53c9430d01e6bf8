// Builds a UsageSource by name. New adapters register a factory here; a known name without one and an
// unknown name are both clear errors, never a silent fallback.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_NAMES } from '../config.js';
import type { Faults } from '../faults.js';
import type { Log } from '../log.js';
import { DemoSource } from './demo.js';
import type { SourceName, UsageSource } from './source.js';

export interface SourceContext {
  claudeDirs: string[];
  clock: () => number;
  redline: number;
  ceiling: number;
  stallMinutes: number;
  /** Base URL of Prometheus (source prometheus). */
  prometheusUrl?: string;
  /** Extra label matchers for every PromQL query (source prometheus). */
  prometheusLabels?: string | null;
  /** The caller wants one snapshot and will stop the source (the `usage` command). */
  oneShot?: boolean;
  log?: Log;
  /** The daemon's fault registry: sources count their limits hit and read errors there. */
  faults?: Faults;
  /**
   * jsonl: read back and keep at least this much history (a hub's union and a satellite's resync need
   * more than one machine's own 5 h chain: docs/hub.md). Default: the engine's own.
   */
  historyMs?: number;
}

export type SourceFactory = (ctx: SourceContext) => Promise<UsageSource> | UsageSource;

export class SourceError extends Error {
  override name = 'SourceError';
}

const factories = new Map<SourceName, SourceFactory>();

export function registerSource(name: SourceName, factory: SourceFactory): void {
  factories.set(name, factory);
}

registerSource('demo', (ctx) => new DemoSource(ctx));
registerSource('jsonl', async (ctx) => {
  // Loaded lazily so the demo and the tests do not pay for the transcript reader.
  const { JsonlSource } = await import('./jsonl/source.js');
  return new JsonlSource({
    claudeDirs: ctx.claudeDirs,
    clock: ctx.clock,
    ...(ctx.log ? { log: ctx.log } : {}),
    ...(ctx.faults ? { faults: ctx.faults } : {}),
    ...(ctx.historyMs ? { initialLookbackMs: ctx.historyMs, retainMs: ctx.historyMs } : {}),
    // One answer and exit: no watcher, no rescan timer, and a complete last line without a newline
    // counts at once instead of after its file has been quiet for a while.
    ...(ctx.oneShot ? { watch: false, rescanIntervalMs: 0, finalLineQuietMs: 0 } : {}),
  });
});

registerSource('ccusage', async (ctx) => {
  const { CcusageSource } = await import('./ccusage/source.js');
  // Its clock is a monotonic one for its result cache: the daemon's (possibly frozen) clock must not go there.
  return new CcusageSource({ claudeDirs: ctx.claudeDirs });
});

registerSource('prometheus', async (ctx) => {
  const { PrometheusSource } = await import('./prometheus/source.js');
  return new PrometheusSource({
    url: ctx.prometheusUrl ?? 'http://127.0.0.1:9090',
    ...(ctx.prometheusLabels ? { labelMatchers: ctx.prometheusLabels } : {}),
  });
});

registerSource('hybrid', async (ctx) => {
  // Prometheus for fuel and cache, the JSONL tail for tach, model and the stall clock (docs/sources.md).
  const { HybridSource } = await import('./hybrid.js');
  const fuel = await createSource('prometheus', ctx);
  const tach = await createSource('jsonl', ctx);
  return new HybridSource({ fuel, tach });
});

registerSource('otlp', async (ctx) => {
  // Fed by the daemon's OTLP/HTTP receiver (POST /v1/metrics, /v1/logs), mounted when this source runs.
  const { OtlpSource } = await import('./otlp/source.js');
  return new OtlpSource({ clock: ctx.clock, ...(ctx.faults ? { faults: ctx.faults } : {}) });
});

export function implementedSources(): SourceName[] {
  return SOURCE_NAMES.filter((n) => factories.has(n));
}

export async function createSource(name: string, ctx: SourceContext): Promise<UsageSource> {
  if (!(SOURCE_NAMES as readonly string[]).includes(name))
    throw new SourceError(`unknown source "${name.slice(0, 40)}" (known: ${SOURCE_NAMES.join(', ')})`);
  const factory = factories.get(name as SourceName);
  if (!factory)
    throw new SourceError(
      `source "${name}" is not implemented in this version (available: ${implementedSources().join(', ')})`,
    );
  try {
    return await factory(ctx);
  } catch (err) {
    // A source that cannot be built (bad URL, no claude dir, missing binary) is a setup problem to report.
    if (err instanceof SourceError) throw err;
    throw new SourceError(`source "${name}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** True when any claude dir has at least one transcript (projects/<project>/<file>.jsonl, bounded walk). */
export async function hasTranscripts(claudeDirs: string[]): Promise<boolean> {
  for (const dir of claudeDirs) {
    let projects: string[];
    try {
      projects = await fsp.readdir(join(dir, 'projects'));
    } catch {
      continue;
    }
    for (const project of projects.slice(0, 1000)) {
      try {
        const files = await fsp.readdir(join(dir, 'projects', project));
        if (files.some((f) => f.endsWith('.jsonl'))) return true;
      } catch {
        // Not a directory or unreadable: keep looking.
      }
    }
  }
  return false;
}
