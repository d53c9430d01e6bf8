// Scenario mode: plays a test vector (test/vectors/*.jsonc, format in test/vectors/README.md; plus the
// simulator's own in simulator/scenarios/) offline with an injected clock. The steps are parsed and run by
// the wasm vector runner (firmware/platform/wasm/vectorRunner.ts, the tests' runner too), which does exactly
// what the native one (firmware/platform/native/vector_runner.cpp) does; the per-step outputs are kept, so
// the page can be compared with the native build output for output. This file bundles the files and paces
// the play.
//
//   ?scenario=NAME            plays from 0 in real time (x ?speed=N), holds the last frame at the end
//   ?scenario=NAME&t=MS       runs the steps up to MS exactly, shows the frame at MS, paused (visual tests)
//   ?scenario=NAME&t=MS&play  starts playing from MS
//
// While playing in real time the page also calls update() at animation frames so the needles move
// smoothly; in the frozen (?t=) mode it calls nothing the runner does not, apart from one update(t) at the
// end to draw the frame at t.
import type { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { parseVector, VectorPlayer } from '../../firmware/platform/wasm/vectorRunner.js';
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

interface ScenarioUi {
  setMode(kind: string, text: string): void;
  setMessage(key: string, text: string, kind?: 'error' | 'info'): void;
  onError(message: string): void;
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
  private machine: VectorPlayer | null = null;
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
    // A malformed file plays nothing, not even the steps before the fault (the runner's message names it).
    const parsed = parseVector(entry.text, this.core.pollOutcomes);
    if (parsed.error !== null) {
      const msg = `Scenario "${this.opts.scenario}" is malformed: ${parsed.error}`;
      this.ui.setMessage('scenario', msg);
      this.ui.setMode('error', 'bad scenario');
      this.ui.onError(msg);
      return;
    }
    this.name = this.opts.scenario;
    this.description = parsed.description;
    const machine = new VectorPlayer(this.core, parsed.steps, {
      onAccepted: (at, body) => this.view.recordPayload(at, body),
    });
    this.machine = machine;
    this.view.mode = 'scenario';

    if (this.opts.t !== null) {
      // Frozen: exactly the runner's calls up to t, then the frame at t.
      this.virtual = machine.showAt(this.opts.t);
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
        // Smooth motion between the vector's own updates; never behind the core's clock.
        this.virtual = m.showAt(target);
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
