// One interface for every device the HIL suite can drive. A target polls the daemon itself (through the
// fault proxy) and reports what it shows as state lines; the runner only ever reads `state()`.
import { formatState, type GaugeState, parseStateLine } from '../lib/stateLine.js';

export const targetNames = ['native', 'wasm', 'browser', 'serial'] as const;
export type TargetName = (typeof targetNames)[number];

export interface StartContext {
  /** What the device polls, e.g. http://127.0.0.1:40123/usage (the fault proxy). */
  usageUrl: string;
  token?: string;
  /** Scenario name, for logs and captures. */
  scenario: string;
}

export interface Observed {
  /** When the runner received the state (Date.now()). */
  at: number;
  state: GaugeState;
}

export interface Target {
  readonly name: TargetName;
  /** Once per run: build or open what the target needs (binaries, browser, serial port). */
  prepare(): Promise<void>;
  /** Boots the device fresh (cold boot: self-test first) polling `ctx.usageUrl`. */
  start(ctx: StartContext): Promise<void>;
  /** Stops polling; the target can be started again for the next scenario. */
  stop(): Promise<void>;
  /** Once per run: release everything prepare() acquired. */
  dispose(): Promise<void>;
  /** The newest state the device reported, or null before the first. */
  state(): GaugeState | null;
  /** Every state since start() (bounded), oldest first, with arrival times. */
  history(): readonly Observed[];
  /** Raw output lines of the device (state lines and anything else it prints). */
  onLine(listener: (line: string) => void): () => void;
  /** Something went wrong that no assertion would notice (bad state lines, a crash). */
  problems(): string[];
  /** One-line description of where the target is, for timeouts. */
  describe(): string;
  /** A PNG of what the device shows now, where the target can (the browser). */
  capture?(): Promise<Buffer | null>;
  /** Draws captures side by side, labelled, into one PNG (the browser composes it in a canvas). */
  composeStrip?(title: string, captures: readonly { label: string; png: Buffer }[]): Promise<Buffer>;
}

/** Marks a target that cannot run here (no serial port configured, binary missing with a reason). */
export class TargetUnavailable extends Error {
  override name = 'TargetUnavailable';
}

const maxHistory = 4000;

/** State bookkeeping shared by the adapters: they only feed lines (or, for the wasm core, strings). */
export abstract class LineTarget implements Target {
  abstract readonly name: TargetName;
  private observed: Observed[] = [];
  private listeners = new Set<(line: string) => void>();
  private issues: string[] = [];
  private lastRaw = '';
  protected lastOther = '';

  abstract prepare(): Promise<void>;
  abstract start(ctx: StartContext): Promise<void>;
  abstract stop(): Promise<void>;
  abstract dispose(): Promise<void>;

  /** Forget everything from the previous scenario. */
  protected resetObservations(): void {
    this.observed = [];
    this.issues = [];
    this.lastRaw = '';
    this.lastOther = '';
  }

  protected problem(message: string): void {
    if (this.issues.length < 50) this.issues.push(message);
  }

  /** Feeds one output line of the device. */
  protected feedLine(line: string): void {
    for (const l of this.listeners) l(line);
    let state: GaugeState | null;
    try {
      state = parseStateLine(line);
    } catch (err) {
      this.problem(err instanceof Error ? err.message : String(err));
      return;
    }
    if (!state) {
      if (line.trim()) this.lastOther = line.trim().slice(0, 200);
      return;
    }
    // Consecutive lines that differ only in t describe the same picture: keep the first, so a quiet
    // period shows up as "no new state since", which is what settle detection needs.
    const key = state.raw.replace(/^GAUGE t=\d+ /, '');
    if (key === this.lastRaw) return;
    this.lastRaw = key;
    this.observed.push({ at: Date.now(), state });
    if (this.observed.length > maxHistory) this.observed.splice(0, this.observed.length - maxHistory);
  }

  state(): GaugeState | null {
    return this.observed.at(-1)?.state ?? null;
  }

  history(): readonly Observed[] {
    return this.observed;
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  problems(): string[] {
    return [...this.issues];
  }

  describe(): string {
    const s = this.state();
    const parts = [s ? formatState(s) : 'no state line yet'];
    if (this.lastOther) parts.push(`last other output: ${this.lastOther}`);
    // A crashed device explains every timeout that follows it.
    if (this.issues.length) parts.push(`problem: ${this.issues.at(-1)}`);
    return parts.join('; ');
  }
}
