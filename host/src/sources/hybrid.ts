// Hybrid: design A's Prometheus for what it is good at (the 5 h fuel and the 5 min cache hit rate) and
// the JSONL tail for what a 15 s scrape cannot do (a live tach, the newest model, the STALL clock, the
// thinking ratio). Two UsageSources composed; if either cannot answer, neither does — the snapshot
// rejects and the daemon serves the last good payload as stale, never a half-fresh mix.

import type { SourceSnapshot, UsageSource } from './source.js';

export interface HybridParts {
  /** window5hTokens, window5hResetInS, cacheHitRate (normally a PrometheusSource). */
  fuel: UsageSource;
  /** rate1m, lastModel, lastResponseAtMs, thinkingRatio, sessionsActive (normally a JsonlSource). */
  tach: UsageSource;
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class HybridSource implements UsageSource {
  readonly name = 'hybrid' as const;

  constructor(private readonly parts: HybridParts) {}

  async start(): Promise<void> {
    const [fuel, tach] = await Promise.allSettled([this.parts.fuel.start(), this.parts.tach.start()]);
    const failed = this.failures(fuel, tach);
    if (failed) {
      await this.stop();
      throw new Error(`hybrid: could not start: ${failed}`);
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.parts.fuel.stop(), this.parts.tach.stop()]);
  }

  subscribe(listener: () => void): () => void {
    const offFuel = this.parts.fuel.subscribe(listener);
    const offTach = this.parts.tach.subscribe(listener);
    return () => {
      offFuel();
      offTach();
    };
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    const [fuel, tach] = await Promise.allSettled([
      this.parts.fuel.snapshot(nowMs),
      this.parts.tach.snapshot(nowMs),
    ]);
    const failed = this.failures(fuel, tach);
    if (failed || fuel.status !== 'fulfilled' || tach.status !== 'fulfilled')
      throw new Error(`hybrid: ${failed}`);
    const f = fuel.value;
    const t = tach.value;
    const combined: SourceSnapshot = {
      rate1m: t.rate1m,
      window5hTokens: f.window5hTokens,
      window5hResetInS: f.window5hResetInS,
      thinkingRatio: t.thinkingRatio,
      cacheHitRate: f.cacheHitRate,
      lastModel: t.lastModel,
      lastResponseAtMs: t.lastResponseAtMs,
    };
    if (t.sessionsActive !== undefined) combined.sessionsActive = t.sessionsActive;
    return combined;
  }

  private failures(fuel: PromiseSettledResult<unknown>, tach: PromiseSettledResult<unknown>): string {
    const parts: string[] = [];
    if (fuel.status === 'rejected')
      parts.push(`${this.parts.fuel.name} (fuel, cache) failed: ${reason(fuel.reason)}`);
    if (tach.status === 'rejected')
      parts.push(`${this.parts.tach.name} (tach) failed: ${reason(tach.reason)}`);
    return parts.join('; ');
  }
}
