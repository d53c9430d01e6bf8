// Design B1: the gauges from `ccusage blocks --json --offline --active`, run from the pinned
// devDependency. One run at a time, its answer (or failure) reused for 10 s so 1 Hz polling by any
// number of clients costs one run per 10 s; a hung run is killed with its process group. What each
// field means for this source is documented in parse.ts (snapshotFromBlock) and docs/sources.md.

import type { SourceSnapshot, UsageSource } from '../source.js';
import { type CcusageBlock, parseActiveBlock, snapshotFromBlock } from './parse.js';
import { resolveCcusageCommand, runCapture } from './run.js';

export { CcusageOutputError, parseActiveBlock, snapshotFromBlock } from './parse.js';
export { CcusageRunError, nativePackageName, resolveCcusageCommand } from './run.js';

export interface CcusageSourceOptions {
  /** Claude config dirs (each holding projects/), passed to ccusage as CLAUDE_CONFIG_DIR. */
  claudeDirs: readonly string[];
  /** argv prefix that runs ccusage (tests use fakes). Default: the pinned ccusage, resolved at start. */
  command?: readonly string[];
  /** Default 30 s: ccusage takes seconds on a large history. */
  timeoutMs?: number;
  /** Default 10 s. */
  cacheTtlMs?: number;
  /** Default 8 MiB. */
  maxOutputBytes?: number;
  /** Monotonic clock in ms (tests). */
  clock?: () => number;
}

export const CCUSAGE_ARGS = ['blocks', '--json', '--offline', '--active'] as const;
/** A run is killed (with its process group) after this long. */
export const CCUSAGE_TIMEOUT_MS = 30_000;
/** Output beyond this is refused. */
export const CCUSAGE_MAX_OUTPUT_BYTES = 8 << 20;

type Outcome = { ok: true; block: CcusageBlock | null } | { ok: false; error: Error };

export class CcusageSource implements UsageSource {
  readonly name = 'ccusage' as const;
  private readonly options: CcusageSourceOptions;
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly maxOutputBytes: number;
  private readonly clock: () => number;
  private readonly listeners = new Set<() => void>();
  private command: readonly string[] | Error | undefined;
  private cached: { atMono: number; outcome: Outcome; key: string } | undefined;
  private inflight: Promise<Outcome> | undefined;
  private stopController = new AbortController();
  /** How many times ccusage was started (for tests and `doctor`). */
  runs = 0;

  constructor(options: CcusageSourceOptions) {
    if (options.claudeDirs.length === 0) throw new Error('ccusage source: no Claude config dir given');
    for (const d of options.claudeDirs) {
      if (d.includes(','))
        throw new Error(`ccusage source: CLAUDE_CONFIG_DIR entries cannot contain a comma: ${d}`);
    }
    this.options = options;
    this.command = options.command;
    this.timeoutMs = options.timeoutMs ?? CCUSAGE_TIMEOUT_MS;
    this.cacheTtlMs = options.cacheTtlMs ?? 10_000;
    this.maxOutputBytes = options.maxOutputBytes ?? CCUSAGE_MAX_OUTPUT_BYTES;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Runs ccusage once. A missing or failing ccusage is not fatal: snapshots reject with the reason. */
  async start(): Promise<void> {
    if (this.stopController.signal.aborted) this.stopController = new AbortController();
    await this.current();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.inflight;
    this.cached = undefined;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async snapshot(nowMs: number): Promise<SourceSnapshot> {
    const outcome = await this.current();
    if (!outcome.ok) throw outcome.error;
    return snapshotFromBlock(outcome.block, nowMs);
  }

  private current(): Promise<Outcome> {
    if (this.cached && this.clock() - this.cached.atMono < this.cacheTtlMs)
      return Promise.resolve(this.cached.outcome);
    if (this.inflight) return this.inflight;
    const run = this.run().then((outcome) => {
      this.inflight = undefined;
      const key = outcome.ok ? JSON.stringify(outcome.block) : `error:${outcome.error.message}`;
      const changed = this.cached !== undefined && this.cached.key !== key;
      // A stopped source keeps no answer: the next start() runs afresh.
      if (!this.stopController.signal.aborted) this.cached = { atMono: this.clock(), outcome, key };
      if (changed) for (const l of [...this.listeners]) l();
      return outcome;
    });
    this.inflight = run;
    return run;
  }

  private async run(): Promise<Outcome> {
    try {
      if (this.command === undefined) {
        try {
          this.command = resolveCcusageCommand();
        } catch (e) {
          this.command = e as Error;
        }
      }
      if (this.command instanceof Error) throw this.command;
      this.runs++;
      const stdout = await runCapture({
        argv: [...this.command, ...CCUSAGE_ARGS],
        env: {
          ...process.env,
          CLAUDE_CONFIG_DIR: this.options.claudeDirs.join(','),
          NO_COLOR: '1',
        },
        timeoutMs: this.timeoutMs,
        maxOutputBytes: this.maxOutputBytes,
        signal: this.stopController.signal,
      });
      return { ok: true, block: parseActiveBlock(stdout) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
    }
  }
}
