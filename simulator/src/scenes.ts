// The scenes: the cluster in each of its key states, as moments of the simulator's showcase vector
// (simulator/vectors/scenes.jsonc) frozen at an exact time. The one list behind `?scene=NAME`, the visual
// baselines (test/e2e/visual.spec.ts), the virtual panel's pictures (npm run firmware:panel), the
// panel-vs-simulator comparison and the README's screenshots: add a scene here and all of them follow.
import type { PhaseName } from '../../firmware/platform/wasm/core.generated.js';

/** The vector the scenes are moments of (`?vector=scenes`), and its file from the repository's root. */
export const sceneVector = 'scenes';
export const sceneVectorFile = 'simulator/vectors/scenes.jsonc';

export interface Scene {
  name: string;
  /** Vector time shown, ms. */
  t: number;
  /** What the state line must say there. */
  phase: PhaseName;
  /** Active lamps in priority order, as the state line lists them ('-' when none). */
  lamps: string;
  over?: boolean;
}

export const scenes: readonly Scene[] = [
  { name: 'selftest-full-scale', t: 750, phase: 'SELFTEST', lamps: 'NOSIG,ATTN,HOT,WARN,STALL,IDLE' },
  { name: 'idle', t: 5900, phase: 'LIVE', lamps: 'IDLE' },
  { name: 'cruising', t: 11900, phase: 'LIVE', lamps: '-' },
  { name: 'redline-hot', t: 15900, phase: 'LIVE', lamps: 'HOT' },
  { name: 'fuel-warn', t: 19900, phase: 'LIVE', lamps: 'WARN' },
  { name: 'stall', t: 23900, phase: 'LIVE', lamps: 'STALL' },
  { name: 'fuel-over-100', t: 27900, phase: 'LIVE', lamps: 'WARN', over: true },
  { name: 'no-signal', t: 36000, phase: 'NOSIGNAL', lamps: 'NOSIG' },
  { name: 'official-attn', t: 43900, phase: 'LIVE', lamps: 'ATTN,WARN' },
];

export function sceneByName(name: string): Scene | undefined {
  return scenes.find((s) => s.name === name);
}
