// Scenario mode: plays a test vector (test/vectors/*.jsonc, format in test/vectors/README.md; plus the
// simulator's own in simulator/scenarios/) offline with an injected clock. Each step does exactly what the
// native vector runner (firmware/platform/native/vector_runner.cpp) does, and the per-step outputs are
// kept, so the page can be compared with the native build output for output.
//
//   ?scenario=NAME            plays from 0 in real time (x ?speed=N), holds the last frame at the end
//   ?scenario=NAME&t=MS       runs the steps up to MS exactly, shows the frame at MS, paused (visual tests)
//   ?scenario=NAME&t=MS&play  starts playing from MS
//
// While playing in real time the page also calls update() at animation frames so the needles move
// smoothly; in the frozen (?t=) mode it calls nothing the runner does not, apart from one update(t) at the
// end to draw the frame at t.
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import type { GaugeCore, PayloadResult, PollOutcomeName } from '../../firmware/platform/wasm/gaugeCore.js';
import type { PageOptions } from './params.js';
import type { GaugeView } from './view.js';

// Bundled at build time: every vector is playable offline, from any static server.
const sharedVectors = import.meta.glob('../../test/vectors/*.jsonc', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const ownScenarios = import.meta.glob('../scenarios/*.jsonc', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const baseName = (path: string) => (path.split('/').pop() ?? path).replace(/\.jsonc$/, '');

function allScenarios(): Map<string, { path: string; text: string }> {
  const out = new Map<string, { path: string; text: string }>();
  for (const [path, text] of Object.entries(sharedVectors)) out.set(baseName(path), { path, text });
  // The simulator's own scenarios never shadow a shared vector of the same name.
  for (const [path, text] of Object.entries(ownScenarios)) {
    if (!out.has(baseName(path))) out.set(baseName(path), { path, text });
  }
  return out;
}

export function scenarioNames(): string[] {
  return [...allScenarios().keys()].sort();
}

type Action =
  | { kind: 'boot' }
  | { kind: 'tick' }
  | { kind: 'update' }
  | { kind: 'body'; body: string }
  | { kind: 'fail'; outcome: PollOutcomeName }
  | {
      kind: 'serve';
      serve: 'body' | 'fail' | 'none';
      body: string;
      outcome: PollOutcomeName;
      until: number;
      every: number;
    };

interface Step {
  at: number;
  action: Action;
  note?: string;
}

const ACTIONS = [
  'boot',
  'tick',
  'payload',
  'body',
  'fail',
  'update',
  'serve_payload',
  'serve_body',
  'serve_fail',
  'serve_none',
];
const STEP_KEYS = ['at', 'until', 'every', 'expect', 'rec', 'note'];
const FAILURES: PollOutcomeName[] = [
  'http_error',
  'timeout',
  'connect_failed',
  'bad_body',
  'rejected',
  'unauthorized',
];
const MAX_AT = 2 ** 53 - 1;
const MAX_LOOP_ITERATIONS = 200_000;

function readAt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_AT) return v;
  throw new Error(`${what} must be an integer number of ms in 0..2^53-1`);
}

function failureOf(v: unknown): PollOutcomeName {
  if (typeof v === 'string' && (FAILURES as string[]).includes(v)) return v as PollOutcomeName;
  throw new Error(`fail/serve_fail must name a failure outcome (${FAILURES.join(', ')})`);
}

/** Parses and validates a vector file with the native runner's rules; throws with the step at fault. */
export function parseScenario(text: string): { description: string; steps: Step[] } {
  const errors: ParseError[] = [];
  const doc: unknown = parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    throw new Error(`not valid JSON with comments: ${printParseErrorCode(e.error)} at offset ${e.offset}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error('the top level must be an object');
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (key !== 'description' && key !== 'steps') throw new Error(`unknown top-level key "${key}"`);
  }
  if (!Array.isArray(top.steps) || top.steps.length === 0)
    throw new Error('"steps" must be a non-empty array');
  const steps: Step[] = [];
  let clock = 0;
  top.steps.forEach((raw: unknown, i: number) => {
    const where = `step ${i}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where}: must be an object`);
    const s = raw as Record<string, unknown>;
    const actions = Object.keys(s).filter((k) => ACTIONS.includes(k));
    const unknown = Object.keys(s).filter((k) => !ACTIONS.includes(k) && !STEP_KEYS.includes(k));
    if (unknown.length > 0) throw new Error(`${where}: unknown key "${unknown[0]}"`);
    if (actions.length !== 1)
      throw new Error(`${where}: ${actions.length === 0 ? 'no action' : 'more than one action'}`);
    const name = actions[0] as string;
    const at = readAt(s.at, `${where}: at`);
    if (at < clock) throw new Error(`${where}: "at" goes back in time`);
    clock = at;
    const value = s[name];
    const serveKind = name.startsWith('serve_');
    if (!serveKind && ('until' in s || 'every' in s))
      throw new Error(`${where}: until/every belong to serve_* steps`);
    if (['boot', 'tick', 'update', 'serve_none'].includes(name) && value !== true) {
      throw new Error(`${where}: "${name}" must be true`);
    }
    let action: Action;
    switch (name) {
      case 'boot':
      case 'tick':
      case 'update':
        action = { kind: name };
        break;
      case 'payload':
        action = { kind: 'body', body: JSON.stringify(value) };
        break;
      case 'body':
        if (typeof value !== 'string') throw new Error(`${where}: body must be a string`);
        action = { kind: 'body', body: value };
        break;
      case 'fail':
        action = { kind: 'fail', outcome: failureOf(value) };
        break;
      default: {
        const until = readAt(s.until, `${where}: until`);
        const every = 'every' in s ? readAt(s.every, `${where}: every`) : 100;
        if (until < at || every === 0 || Math.floor((until - at) / every) + 1 > MAX_LOOP_ITERATIONS) {
          throw new Error(`${where}: need until >= at, every >= 1 and at most 200000 iterations`);
        }
        if (name === 'serve_body' && typeof value !== 'string')
          throw new Error(`${where}: serve_body must be a string`);
        action = {
          kind: 'serve',
          serve: name === 'serve_fail' ? 'fail' : name === 'serve_none' ? 'none' : 'body',
          body:
            name === 'serve_body' ? (value as string) : name === 'serve_payload' ? JSON.stringify(value) : '',
          outcome: name === 'serve_fail' ? failureOf(value) : 'timeout',
          until,
          every,
        };
        clock = until;
      }
    }
    steps.push({ at, action, ...(typeof s.note === 'string' ? { note: s.note } : {}) });
  });
  return { description: typeof top.description === 'string' ? top.description : '', steps };
}

/** The native runner's formatBodyResult(). */
export function bodyOutput(r: PayloadResult): string {
  if (r.outcome === 'bad_body') return 'outcome=bad_body';
  const p = r.report;
  const report =
    p === null ? '0/0/0/0/0' : `${p.present}/${p.accepted}/${p.defaulted}/${p.clamped}/${p.truncated}`;
  return `outcome=${r.outcome} status=${r.status ?? 'not_started'} report=${report}`;
}

interface ScenarioUi {
  setMode(kind: string, text: string): void;
  setMessage(key: string, text: string, kind?: 'error' | 'info'): void;
  onError(message: string): void;
}

/** Runs steps against the core with the runner's exact calls; resumable inside a serve loop. */
class StepMachine {
  index = 0;
  /** Next loop time inside the current serve step, or null when not inside one. */
  private loopT: number | null = null;
  private requests = 0;
  private last = 'outcome=-';
  readonly outputs: string[] = [];
  readonly lines: string[] = [];
  /** Time of the latest core call. */
  clock = 0;

  constructor(
    private readonly core: GaugeCore,
    private readonly steps: Step[],
    private readonly onAccepted: (at: number, body: string) => void,
  ) {}

  get stepCount(): number {
    return this.steps.length;
  }

  get done(): boolean {
    return this.index >= this.steps.length;
  }

  get endTime(): number {
    const last = this.steps[this.steps.length - 1];
    if (last === undefined) return 0;
    return last.action.kind === 'serve' ? last.action.until : last.at;
  }

  /** Executes every step (and serve iteration) at or before `t`. */
  runUntil(t: number): void {
    while (!this.done) {
      const step = this.steps[this.index] as Step;
      if (this.loopT === null && step.at > t) return;
      if (step.action.kind !== 'serve') {
        this.finish(this.runSimple(step));
        continue;
      }
      const a = step.action;
      if (this.loopT === null) {
        this.loopT = step.at;
        this.requests = 0;
        this.last = 'outcome=-';
      }
      while (this.loopT <= a.until && this.loopT <= t) {
        const tn = this.loopT;
        if (this.core.pollTick(tn)) {
          this.requests++;
          if (a.serve === 'body') this.last = this.applyBody(tn, a.body);
          else if (a.serve === 'fail') {
            this.core.pollResult(tn, a.outcome);
            this.last = `outcome=${a.outcome}`;
          }
        }
        this.core.update(tn);
        this.clock = tn;
        this.loopT += a.every;
      }
      if (this.loopT <= a.until) return; // paused inside the loop
      this.loopT = null;
      this.clock = Math.max(this.clock, a.until);
      this.finish(`serve requests=${this.requests} ${this.last}`);
    }
  }

  private finish(out: string): void {
    this.outputs.push(out);
    this.lines.push(this.core.stateLine());
    this.index++;
  }

  private applyBody(at: number, body: string): string {
    const result = this.core.applyPayloadJson(at, body);
    if (result.outcome === 'ok') this.onAccepted(at, body);
    return bodyOutput(result);
  }

  private runSimple(step: Step): string {
    const at = step.at;
    this.clock = at;
    switch (step.action.kind) {
      case 'boot':
        this.core.boot(at);
        return 'boot';
      case 'tick':
        return this.core.pollTick(at) ? 'tick action=start' : 'tick action=none';
      case 'update':
        this.core.update(at);
        return this.core.stateLine();
      case 'body':
        return `body ${this.applyBody(at, step.action.body)}`;
      case 'fail':
        this.core.pollResult(at, step.action.outcome);
        return `fail outcome=${step.action.outcome}`;
      case 'serve':
        throw new Error('unreachable: serve steps run in runUntil');
    }
  }
}

export interface ScenarioState {
  name: string;
  description: string;
  steps: number;
  /** Steps completed so far, with the native runner's output for each and the state line after it. */
  completed: number;
  outputs: string[];
  lines: string[];
  clock: number;
  end: number;
  playing: boolean;
}

export class ScenarioPlayer {
  private machine: StepMachine | null = null;
  private name = '';
  private description = '';
  private playing = false;
  /** Virtual ms shown now. */
  private virtual = 0;

  constructor(
    private readonly core: GaugeCore,
    private readonly view: GaugeView,
    private readonly opts: PageOptions,
    private readonly ui: ScenarioUi,
  ) {}

  state(): ScenarioState | null {
    const m = this.machine;
    if (m === null) return null;
    return {
      name: this.name,
      description: this.description,
      steps: m.stepCount,
      completed: m.index,
      outputs: [...m.outputs],
      lines: [...m.lines],
      clock: m.clock,
      end: m.endTime,
      playing: this.playing,
    };
  }

  async start(): Promise<void> {
    const all = allScenarios();
    const entry = all.get(this.opts.scenario);
    this.view.mode = 'scenario';
    if (entry === undefined) {
      const msg = `No scenario "${this.opts.scenario.slice(0, 60)}". Bundled: ${[...all.keys()].sort().join(', ') || 'none'}.`;
      this.ui.setMessage('scenario', msg);
      this.ui.setMode('error', 'unknown scenario');
      this.ui.onError(msg);
      return;
    }
    let parsed: ReturnType<typeof parseScenario>;
    try {
      parsed = parseScenario(entry.text);
    } catch (e) {
      const msg = `Scenario "${this.opts.scenario}" is malformed: ${e instanceof Error ? e.message : String(e)}`;
      this.ui.setMessage('scenario', msg);
      this.ui.setMode('error', 'bad scenario');
      this.ui.onError(msg);
      return;
    }
    this.name = this.opts.scenario;
    this.description = parsed.description;
    const machine = new StepMachine(this.core, parsed.steps, (at, body) => this.view.recordPayload(at, body));
    this.machine = machine;
    this.view.mode = 'scenario';

    if (this.opts.t !== null) {
      // Frozen: exactly the runner's calls up to t, then the frame at t.
      const t = Math.min(this.opts.t, machine.endTime);
      machine.runUntil(t);
      this.virtual = Math.max(t, machine.clock);
      if (machine.index > 0) this.core.update(this.virtual);
      this.view.render(this.virtual, performance.now(), true);
      this.showMode();
      if (this.opts.paused) return;
    }
    this.play();
  }

  private showMode(): void {
    const m = this.machine;
    if (m === null) return;
    const where = `t=${(this.virtual / 1000).toFixed(3)} s of ${(m.endTime / 1000).toFixed(1)} s`;
    const state = this.playing
      ? this.opts.speed === 1
        ? 'playing'
        : `playing ×${this.opts.speed}`
      : 'paused';
    this.ui.setMode('scenario', `scenario: ${this.name} · ${state} · ${where}`);
  }

  private play(): void {
    const m = this.machine;
    if (m === null) return;
    this.playing = true;
    const wallStart = performance.now();
    const virtualStart = this.virtual;
    const frame = () => {
      try {
        const workStart = performance.now();
        const target = Math.min(m.endTime, virtualStart + (workStart - wallStart) * this.opts.speed);
        m.runUntil(target);
        // Smooth motion between the vector's own updates; never behind the core's clock.
        this.virtual = Math.max(target, m.clock);
        if (m.index > 0) this.core.update(this.virtual);
        this.view.render(this.virtual, performance.now());
        this.view.recordFrameCost(performance.now() - workStart);
        if (m.done && target >= m.endTime) {
          this.playing = false;
          this.view.render(this.virtual, performance.now(), true);
          this.showMode();
          return;
        }
        this.showMode();
        requestAnimationFrame(frame);
      } catch (e) {
        const msg = `Scenario stopped: ${e instanceof Error ? e.message : String(e)}`;
        this.playing = false;
        this.ui.setMessage('scenario', msg);
        this.ui.onError(msg);
      }
    };
    requestAnimationFrame(frame);
  }
}
