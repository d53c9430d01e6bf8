// Frames for the virtual panel, made the way the simulator makes them: the wasm core driven by the vector
// player (vectorRunner.ts), shown at a time with VectorPlayer.showAt() -- the simulator's own call, frozen or
// playing. Also the runs the tools share: the showcase scenes played through at the device's frame period
// (what each scene's last frame costs) and redrawn from scratch (what a full redraw costs, and the picture).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scenes as allScenes, type Scene, sceneVectorFile } from '../../../simulator/src/scenes.js';
import { parseVector } from '../../../test/vectors/lib/vector.js';
import { GaugeCore } from '../wasm/gaugeCore.js';
import { VectorPlayer } from '../wasm/vectorRunner.js';
import { type FrameResult, type PanelProcess, type Picture, repoRoot } from './panel.js';

/** The loop's frame period the panel's play-throughs use: 30 frames a second, the renderer's goal. */
export const FRAME_PERIOD_MS = 33;

export const wasmPath = join(repoRoot, 'firmware', 'build', 'wasm', 'gauge-core.wasm');

/** Builds the wasm core (make is incremental; the tests' lock) and returns it compiled. */
export async function wasmModule(): Promise<WebAssembly.Module> {
  const lock = join(repoRoot, 'firmware', 'build', '.make.lock');
  mkdirSync(dirname(lock), { recursive: true });
  execFileSync('flock', [lock, 'make', '-s', '-C', join(repoRoot, 'firmware'), 'wasm'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return GaugeCore.compile(new Uint8Array(readFileSync(wasmPath)));
}

/** A fresh core with a player of the vector text (malformed text throws with the checker's message). */
export async function openVector(
  module: WebAssembly.Module,
  text: string,
): Promise<{ core: GaugeCore; player: VectorPlayer }> {
  const core = await GaugeCore.load(module);
  const parsed = parseVector(text);
  if (parsed.error !== null) throw new Error(`the vector is malformed: ${parsed.error}`);
  return { core, player: new VectorPlayer(core, parsed.steps) };
}

export function scenesVectorText(): string {
  return readFileSync(join(repoRoot, sceneVectorFile), 'utf8');
}

/** The core showing the vector frozen at t, exactly as the simulator's `?vector=…&t=` page does. */
export async function frozenAt(module: WebAssembly.Module, text: string, t: number): Promise<GaugeCore> {
  const { core, player } = await openVector(module, text);
  player.showAt(t);
  return core;
}

export interface SceneRun {
  scene: Scene;
  /** The scene's frame after playing from boot at FRAME_PERIOD_MS: what that last frame sent. */
  last: FrameResult;
  /** The same scene drawn from scratch on a freshly started panel. */
  full: FrameResult;
  /** The glass after the play-through and after the full redraw. */
  played: Picture;
  redrawn: Picture;
  /** Pixels where the two differ (0: partial redraws left exactly what a full redraw draws). */
  differing: number;
}

/**
 * Plays the showcase vector from boot through every scene at the device's frame period on `played`, and
 * draws each scene's frozen frame from scratch on `fresh` (booted anew per scene, other memory noise).
 */
export async function runScenes(
  module: WebAssembly.Module,
  played: PanelProcess,
  fresh: PanelProcess,
  scenes: readonly Scene[] = allScenes,
): Promise<SceneRun[]> {
  const text = scenesVectorText();
  const { core, player } = await openVector(module, text);
  await played.boot(1);
  const out: SceneRun[] = [];
  let t = 0;
  for (const scene of [...scenes].sort((a, b) => a.t - b.t)) {
    for (; t < scene.t; t += FRAME_PERIOD_MS) {
      player.showAt(t);
      await played.frame(core.frameBytes());
    }
    player.showAt(scene.t);
    const last = await played.frame(core.frameBytes());
    const playedView = await played.view();

    await fresh.boot(0x5eed + out.length);
    const frozen = await frozenAt(module, text, scene.t);
    const full = await fresh.frame(frozen.frameBytes());
    const redrawn = await fresh.view();
    let differing = 0;
    for (let i = 0; i < redrawn.px.length; i++) if (redrawn.px[i] !== playedView.px[i]) differing++;
    out.push({ scene, last, full, played: playedView, redrawn, differing });
  }
  return out;
}
