// `--source prometheus|ccusage|hybrid` through the daemon's source factory: the adapters of this area
// are what the factory builds, with the settings the CLI passes (URL, label matchers, claude dirs).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CcusageSource } from '../../../host/src/sources/ccusage/source.js';
import { createSource, SourceError } from '../../../host/src/sources/factory.js';
import { HybridSource } from '../../../host/src/sources/hybrid.js';
import { PrometheusSource } from '../../../host/src/sources/prometheus/source.js';
import { freeLoopbackPort } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'gauge-wiring-'));
mkdirSync(join(dir, 'projects'), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = {
  claudeDirs: [dir],
  clock: () => Date.now(),
  redline: 1,
  ceiling: 1,
  stallMinutes: 1,
  oneShot: true,
};

describe('source factory wiring', () => {
  it('builds the prometheus source with the configured URL', async () => {
    const src = await createSource('prometheus', { ...ctx, prometheusUrl: 'http://127.0.0.1:9/prom' });
    expect(src).toBeInstanceOf(PrometheusSource);
    expect((src as PrometheusSource).url).toBe('http://127.0.0.1:9/prom');
  });

  it('refuses label matchers that are not plain matchers, as a SourceError', async () => {
    const made = createSource('prometheus', { ...ctx, prometheusLabels: 'a="b"} or vector(1)' });
    await expect(made).rejects.toBeInstanceOf(SourceError);
    await expect(createSource('hybrid', { ...ctx, prometheusLabels: 'nope' })).rejects.toThrow(
      /label matchers/,
    );
  });

  it('builds the ccusage source', async () => {
    expect(await createSource('ccusage', ctx)).toBeInstanceOf(CcusageSource);
  });

  it('builds hybrid from the prometheus and jsonl sources; it goes stale with Prometheus down', async () => {
    const src = await createSource('hybrid', {
      ...ctx,
      prometheusUrl: `http://127.0.0.1:${await freeLoopbackPort()}`,
    });
    expect(src).toBeInstanceOf(HybridSource);
    expect(src.name).toBe('hybrid');
    await src.start();
    await expect(src.snapshot(Date.now())).rejects.toThrow(
      /^hybrid: prometheus \(fuel, cache\) failed: .*cannot connect \(ECONNREFUSED\)/,
    );
    await src.stop();
  });
});
