// `--fallback-demo` (what `npm start` runs): the demo plays while no Claude Code transcript exists, and the
// real source takes over by itself as soon as one appears. A first-time user starts the daemon before their
// first session; without this they would watch scripted numbers until they thought of restarting it.

import type { Log } from '../log.js';
import type { SourceName, SourceSnapshot, UsageSource } from './source.js';

export interface DemoUntilDataOptions {
  demo: UsageSource;
  /** True once the real source has something to read (normally `hasTranscripts` of the claude dirs). */
  hasData: () => Promise<boolean>;
  /** Builds the real source (not started). */
  makeReal: () => Promise<UsageSource>;
  /** How often to look for data while the demo plays. */
  checkEveryMs?: number;
  log?: Pick<Log, 'info' | 'warn'>;
}

export const CHECK_EVERY_MS = 5_000;

export class DemoUntilData implements UsageSource {
  private current: UsageSource;
  private readonly listeners = new Set<() => void>();
  private unsubscribeCurrent: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private switching: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: DemoUntilDataOptions) {
    this.current = opts.demo;
  }

  /** The payload's `source`: "demo" until the real source takes over. */
  get name(): SourceName {
    return this.current.name;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.current.start();
    this.follow(this.current);
    this.timer = setInterval(() => void this.check(), this.opts.checkEveryMs ?? CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Looks for data once; switches to the real source when there is some. Single-flight. */
  check(): Promise<void> {
    if (this.current !== this.opts.demo || this.stopped) return Promise.resolve();
    this.switching ??= this.trySwitch().finally(() => {
      this.switching = null;
    });
    return this.switching;
  }

  private async trySwitch(): Promise<void> {
    let real: UsageSource;
    try {
      if (!(await this.opts.hasData()) || this.stopped) return;
      real = await this.opts.makeReal();
      await real.start();
    } catch (err) {
      // Keep the demo and try again at the next check: the data may be half written.
      this.opts.log?.warn({ err: (err as Error).message }, 'transcripts found, but the source did not start');
      return;
    }
    if (this.stopped) {
      await real.stop();
      return;
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const demo = this.current;
    this.current = real;
    this.follow(real);
    await demo.stop();
    this.opts.log?.info({ source: real.name }, 'Claude Code transcripts found: the demo gives way to them');
    for (const l of this.listeners) l();
  }

  private follow(source: UsageSource): void {
    this.unsubscribeCurrent?.();
    this.unsubscribeCurrent = source.subscribe(() => {
      for (const l of this.listeners) l();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.switching;
    this.unsubscribeCurrent?.();
    this.unsubscribeCurrent = null;
    await this.current.stop();
  }

  snapshot(nowMs: number): Promise<SourceSnapshot> {
    return this.current.snapshot(nowMs);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
