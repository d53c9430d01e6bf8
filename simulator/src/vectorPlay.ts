// Vector playback: plays a vector (test/vectors/*.jsonc, format in test/vectors/README.md; plus the
// simulator's own in simulator/vectors/) offline with an injected clock. The one checker
// (test/vectors/lib/vector.ts) parses the file and makes each step's output line; the wasm step runner
// (firmware/platform/wasm/vectorRunner.ts) runs the steps with exactly the native runner's core calls. The
// outputs are kept, so the page can be compared with the native build output for output. This file bundles
// the files and paces the play.
//
//   ?vector=NAME            plays from 0 in real time (x ?speed=N), holds the last frame at the end
//   ?vector=NAME&t=MS       runs the steps up to MS exactly, shows the frame at MS, paused (visual tests)
//   ?vector=NAME&t=MS&play  starts playing from MS
//   ?scene=NAME             a scene (scenes.ts): its vector frozen at its time
//
// While playing in real time the page also calls update() at animation frames so the needles move
// smoothly; in the frozen (?t=) mode it calls nothing the runner does not, apart from one update(t) at the
// end to draw the frame at t.
import type { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { VectorPlayer } from '../../firmware/platform/wasm/vectorRunner.js';
import { parseVector, stepOutput } from '../../test/vectors/lib/vector.js';
import type { PageOptions } from './params.js';
import type { GaugeView } from './view.js';

// Bundled at build time: every vector is playable offline, from any static server.
const sharedVectors = import.meta.glob('../../test/vectors/*.jsonc', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
const ownVectors = import.meta.glob('../vectors/*.jsonc', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const baseName = (path: string) => (path.split('/').pop() ?? path).replace(/\.jsonc$/, '');

function allVectors(): Map<string, { path: string; text: string }> {
  const out = new Map<string, { path: string; text: string }>();
  for (const [path, text] of Object.entries(sharedVectors)) out.set(baseName(path), { path, text });
  // The simulator's own vectors never shadow a shared vector of the same name.
  for (const [path, text] of Object.entries(ownVectors)) {
    if (!out.has(baseName(path))) out.set(baseName(path), { path, text });
  }
  return out;
}

export function vectorNames(): string[] {
  return [...allVectors().keys()].sort();
}

interface PlaybackUi {
  setMode(kind: string, text: string): void;
  setMessage(key: string, text: string, kind?: 'error' | 'info'): void;
  onError(message: string): void;
}

/** What the test hook reports about the vector being played. */
export interface VectorPlayState {
  name: string;
  description: string;
  steps: number;
  /** Steps completed so far, with the output for each (the checker's format) and the state line after it. */
  completed: number;
  outputs: string[];
  lines: string[];
  clock: number;
  end: number;
  playing: boolean;
}

export class VectorPlayback {
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
    private readonly ui: PlaybackUi,
  ) {}

  state(): VectorPlayState | null {
    const m = this.machine;
    if (m === null) return null;
    return {
      name: this.name,
      description: this.description,
      steps: m.stepCount,
      completed: m.index,
      outputs: m.records.map(stepOutput),
      lines: m.records.map((r) => r.line),
      clock: m.clock,
      end: m.endTime,
      playing: this.playing,
    };
  }

  async start(): Promise<void> {
    const all = allVectors();
    const entry = all.get(this.opts.vector);
    this.view.mode = 'vector';
    if (entry === undefined) {
      const msg = `No vector "${this.opts.vector.slice(0, 60)}". Bundled: ${[...all.keys()].sort().join(', ') || 'none'}.`;
      this.ui.setMessage('vector', msg);
      this.ui.setMode('error', 'unknown vector');
      this.ui.onError(msg);
      return;
    }
    // A malformed file plays nothing, not even the steps before the fault (the checker's message names it).
    const parsed = parseVector(entry.text);
    if (parsed.error !== null) {
      const msg = `Vector "${this.opts.vector}" is malformed: ${parsed.error}`;
      this.ui.setMessage('vector', msg);
      this.ui.setMode('error', 'bad vector');
      this.ui.onError(msg);
      return;
    }
    this.name = this.opts.vector;
    this.description = parsed.description;
    const machine = new VectorPlayer(this.core, parsed.steps, {
      onAccepted: (at) => this.view.recordPayload(at),
    });
    this.machine = machine;

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
    this.ui.setMode('vector', `vector: ${this.name} · ${state} · ${where}`);
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
        const msg = `Vector stopped: ${e instanceof Error ? e.message : String(e)}`;
        this.playing = false;
        this.ui.setMessage('vector', msg);
        this.ui.onError(msg);
      }
    };
    requestAnimationFrame(frame);
  }
}
