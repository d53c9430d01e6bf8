// One interface for every device the HIL suite can drive. A target polls the daemon itself (through the
// fault proxy) and reports what it shows as state lines; the runner judges its timeline (lib/timeline.ts).
import { formatState, type GaugeState, parseStateLine } from '../lib/stateLine.js';
import { hostNow, Timeline } from '../lib/timeline.js';

export const targetNames = ['native', 'wasm', 'browser', 'serial'] as const;
export type TargetName = (typeof targetNames)[number];

export interface StartContext {
  /** What the device polls, e.g. http://127.0.0.1:40123/usage (the fault proxy). */
  usageUrl: string;
  token?: string;
  /** Scenario name, for logs and captures. */
  scenario: string;
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
  /** Every state since the device booted in start(), on its own clock (lib/timeline.ts). */
  timeline(): Timeline;
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

/**
 * State bookkeeping shared by the adapters: they only feed lines (or, for the wasm core, strings). The
 * timeline starts at the device's boot, the first SELFTEST line after start(): lines from before it (a
 * board still running its previous picture while it takes the command) are not this scenario's.
 */
export abstract class LineTarget implements Target {
  abstract readonly name: TargetName;
  private line = new Timeline();
  private booted = false;
  private listeners = new Set<(line: string) => void>();
  private issues: string[] = [];
  protected lastOther = '';

  abstract prepare(): Promise<void>;
  abstract start(ctx: StartContext): Promise<void>;
  abstract stop(): Promise<void>;
  abstract dispose(): Promise<void>;

  /** Forget everything from the previous scenario; record again from the next boot. */
  protected resetObservations(): void {
    this.line = new Timeline();
    this.booted = false;
    this.issues = [];
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
    if (!this.booted) {
      if (state.phase !== 'SELFTEST') return;
      this.booted = true;
    }
    const issue = this.line.record(state, hostNow());
    if (issue) this.problem(issue);
  }

  state(): GaugeState | null {
    return this.line.latest();
  }

  timeline(): Timeline {
    return this.line;
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
    const parts = [s ? `${formatState(s)} (t=${s.t})` : 'no state line yet'];
    if (this.lastOther) parts.push(`last other output: ${this.lastOther}`);
    // A crashed device explains every timeout that follows it.
    if (this.issues.length) parts.push(`problem: ${this.issues.at(-1)}`);
    return parts.join('; ');
  }
}
