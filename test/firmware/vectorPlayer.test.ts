// The simulator plays a vector in pieces (VectorPlayer.runUntil at each animation frame, or up to a frozen
// ?t=) while the tests run it in one go (runVector): both must make the same core calls. Stopping anywhere,
// even between two iterations of a serve_* loop, must give the same outputs, state lines and core state as
// running straight to the end.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import {
  parseVector,
  runVector,
  VectorPlayer,
  type VectorStep,
} from '../../firmware/platform/wasm/vectorRunner.js';
import { repoRoot, vectorsDir, wasmBytes } from './builds.js';

const files = [vectorsDir, join(repoRoot, 'simulator', 'scenarios')].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonc'))
    .sort()
    .map((f) => join(dir, f)),
);

let module: WebAssembly.Module;
let outcomes: readonly string[];
beforeAll(async () => {
  module = await GaugeCore.compile(wasmBytes());
  outcomes = (await GaugeCore.load(module)).pollOutcomes;
});

/** Times worth stopping at: around every step, and inside every serve loop. */
function edges(steps: readonly VectorStep[]): number[] {
  return steps.flatMap((s) =>
    s.action.kind === 'serve'
      ? [s.at, s.at + 1, Math.floor((s.at + s.action.until) / 2), s.action.until - 1, s.action.until]
      : [s.at - 1, s.at],
  );
}

async function play(text: string, stops: number[]) {
  const core = await GaugeCore.load(module);
  const parsed = parseVector(text, core.pollOutcomes);
  const accepted: [number, string][] = [];
  const player = new VectorPlayer(core, parsed.steps, {
    onAccepted: (at, body) => accepted.push([at, body]),
  });
  let clock = 0;
  for (const t of [...stops].sort((a, b) => a - b)) {
    player.runUntil(t);
    // Never a step or loop iteration past the stop, never a clock going back.
    expect(player.clock).toBeLessThanOrEqual(Math.max(t, 0));
    expect(player.clock).toBeGreaterThanOrEqual(clock);
    clock = player.clock;
  }
  player.runUntil(player.endTime);
  expect(player.done).toBe(true);
  return {
    outputs: [...player.outputs],
    lines: [...player.lines],
    clock: player.clock,
    accepted,
    state: core.stateLine(),
  };
}

describe('a vector played in pieces makes the same calls as one run to the end', () => {
  for (const file of files) {
    test(file.slice(repoRoot.length + 1), async () => {
      const text = readFileSync(file, 'utf8');
      const parsed = parseVector(text, outcomes);
      expect(parsed.error).toBeNull();
      const whole = await play(text, []);
      expect(whole.outputs).toEqual((await runVector(module, text)).outputs);
      expect(whole.outputs).toHaveLength(parsed.steps.length);

      const stops = edges(parsed.steps).filter((t) => t >= 0);
      expect(await play(text, stops)).toEqual(whole);
      const end = parsed.steps.length > 0 ? whole.clock : 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: end + 1000 }), { maxLength: 12 }), async (ts) => {
          expect(await play(text, ts)).toEqual(whole);
        }),
        { numRuns: 20, seed: 11 },
      );
    });
  }
});
