// The showcase scenario's key states, each frozen at an exact time: the one list behind the simulator's
// visual baselines (test/e2e/visual.spec.ts), the virtual panel's pictures (npm run firmware:panel), the
// panel-vs-simulator comparison and the README's screenshots. Add a state here and all of them follow.

/** The scenario the scenes are taken from (simulator/scenarios/states.jsonc; `?scenario=states`). */
export const sceneScenario = 'states';
export const sceneScenarioFile = 'simulator/scenarios/states.jsonc';

export interface VisualScene {
  name: string;
  /** Scenario time shown, ms. */
  t: number;
  /** What the state line must say there. */
  phase: string;
  lamps: string;
  over?: boolean;
}

export const visualScenes: readonly VisualScene[] = [
  { name: 'selftest-full-scale', t: 750, phase: 'SELFTEST', lamps: 'NOSIG,HOT,WARN,STALL,IDLE' },
  { name: 'idle', t: 5900, phase: 'LIVE', lamps: 'IDLE' },
  { name: 'cruising', t: 11900, phase: 'LIVE', lamps: '-' },
  { name: 'redline-hot', t: 15900, phase: 'LIVE', lamps: 'HOT' },
  { name: 'fuel-warn', t: 19900, phase: 'LIVE', lamps: 'WARN' },
  { name: 'stall', t: 23900, phase: 'LIVE', lamps: 'STALL' },
  { name: 'fuel-over-100', t: 27900, phase: 'LIVE', lamps: 'WARN', over: true },
  { name: 'no-signal', t: 36000, phase: 'NOSIGNAL', lamps: 'NOSIG' },
];
