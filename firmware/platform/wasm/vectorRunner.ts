// The wasm build's step runner for the shared test vectors: it runs parsed steps (test/vectors/lib/vector.ts
// parses and checks them) on a GaugeCore with the same core calls as the native runner
// (firmware/platform/native/vector_runner.cpp) and records what each step did and the state line after it.
// It can stop at any time (even between two iterations of a serve_* loop) and resume, so the simulator plays
// a vector in real time with it. No Node-only imports: the simulator bundles this file.
import type {
  BodyVerdict,
  StepAction,
  StepEffect,
  StepRecord,
  StepRunner,
  VectorStep,
} from '../../../test/vectors/lib/vector.js';
import { GaugeCore, type PayloadResult } from './gaugeCore.js';

export interface VectorPlayerHooks {
  /** A body the core accepted (outcome ok), at its vector time. */
  onAccepted?(at: number): void;
  /** After each step, with its record; may throw to stop. */
  onStep?(step: VectorStep, record: StepRecord): void;
}

const verdictOf = (r: PayloadResult): BodyVerdict => ({
  outcome: r.outcome,
  status: r.status,
  report: r.report,
});

/**
 * Runs steps against a core, up to any time and on from there. Times go to the core as they are; it takes
 * them modulo 2^32 like the device's millis().
 */
export class VectorPlayer {
  /** Steps completed. */
  index = 0;
  /** Next loop time inside the current serve step, or null when not inside one. */
  private loopT: number | null = null;
  private requests = 0;
  private last: BodyVerdict | { outcome: string } | null = null;
  /** One per completed step. */
  readonly records: StepRecord[] = [];
  /** Time of the latest core call. */
  clock = 0;

  constructor(
    private readonly core: GaugeCore,
    private readonly steps: readonly VectorStep[],
    private readonly hooks: VectorPlayerHooks = {},
  ) {}

  get stepCount(): number {
    return this.steps.length;
  }

  get done(): boolean {
    return this.index >= this.steps.length;
  }

  /** The time of the last step's last core call. */
  get endTime(): number {
    const last = this.steps[this.steps.length - 1];
    if (last === undefined) return 0;
    return last.action.kind === 'serve' ? last.action.until : last.at;
  }

  /** Executes every step (and serve iteration) at or before `t`. */
  runUntil(t: number): void {
    while (!this.done) {
      const step = this.steps[this.index] as VectorStep;
      if (this.loopT === null && step.at > t) return;
      const a = step.action;
      if (a.kind !== 'serve') {
        this.finish(step, this.runSimple(step.at, a));
        continue;
      }
      // serve_*: tick and answer every request at once, update every `every` ms, until `until`.
      if (this.loopT === null) {
        this.loopT = step.at;
        this.requests = 0;
        this.last = null;
      }
      while (this.loopT <= a.until && this.loopT <= t) {
        const tn = this.loopT;
        if (this.core.pollTick(tn)) {
          this.requests++;
          if (a.serve === 'body') this.last = this.applyBody(tn, a.body);
          else if (a.serve === 'fail') {
            this.core.pollResult(tn, a.outcome);
            this.last = { outcome: a.outcome };
          }
        }
        this.core.update(tn);
        this.clock = tn;
        this.loopT += a.every;
      }
      if (this.loopT <= a.until) return; // paused inside the loop
      this.loopT = null;
      this.clock = Math.max(this.clock, a.until);
      this.finish(step, { kind: 'serve', requests: this.requests, last: this.last });
    }
  }

  /**
   * What the simulator shows at `t`, playing or frozen: every step (and serve iteration) up to `t` (at most the
   * end), then one update at that time, or at the latest call's if that is later (none before the first step).
   * Returns the time shown.
   */
  showAt(t: number): number {
    const target = Math.min(t, this.endTime);
    this.runUntil(target);
    const shown = Math.max(target, this.clock);
    if (this.index > 0) this.core.update(shown);
    return shown;
  }

  private finish(step: VectorStep, effect: StepEffect): void {
    const record = { effect, line: this.core.stateLine() };
    this.records.push(record);
    this.index++;
    this.hooks.onStep?.(step, record);
  }

  private applyBody(at: number, body: string): BodyVerdict {
    const result = this.core.applyPayloadJson(at, body);
    if (result.outcome === 'ok') this.hooks.onAccepted?.(at);
    return verdictOf(result);
  }

  private runSimple(at: number, action: Exclude<StepAction, { kind: 'serve' }>): StepEffect {
    this.clock = at;
    switch (action.kind) {
      case 'boot':
        this.core.boot(at);
        return { kind: 'boot' };
      case 'tick':
        return { kind: 'tick', start: this.core.pollTick(at) };
      case 'update':
        this.core.update(at);
        return { kind: 'update' };
      case 'body':
        return { kind: 'body', verdict: this.applyBody(at, action.body) };
      case 'fail':
        this.core.pollResult(at, action.outcome);
        return { kind: 'fail', outcome: action.outcome };
    }
  }
}

/** The wasm build as a StepRunner: every run on a fresh core from one compiled module. */
export function wasmStepRunner(module: WebAssembly.Module): StepRunner {
  return {
    async run(steps) {
      const player = new VectorPlayer(await GaugeCore.load(module), steps);
      player.runUntil(Number.POSITIVE_INFINITY);
      return player.records;
    },
  };
}
