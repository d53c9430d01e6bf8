// The simulator plays a vector in pieces (VectorPlayer.runUntil at each animation frame, or up to a frozen
// ?t=) while the tests run it in one go: both must make the same core calls. Stopping anywhere, even between
// two iterations of a serve_* loop, must give the same records, state lines and core state as running
// straight to the end.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { VectorPlayer, wasmStepRunner } from '../../firmware/platform/wasm/vectorRunner.js';
import { checkVector, parseVector, stepOutput, type VectorStep } from '../vectors/lib/vector.js';
import { repoRoot, vectorsDir, wasmBytes } from './builds.js';

const files = [vectorsDir, join(repoRoot, 'simulator', 'vectors')].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonc'))
    .sort()
    .map((f) => join(dir, f)),
);

let module: WebAssembly.Module;
beforeAll(async () => {
  module = await GaugeCore.compile(wasmBytes());
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
  const parsed = parseVector(text);
  const accepted: number[] = [];
  const player = new VectorPlayer(core, parsed.steps, { onAccepted: (at) => accepted.push(at) });
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
    outputs: player.records.map(stepOutput),
    lines: player.records.map((r) => r.line),
    clock: player.clock,
    accepted,
    state: core.stateLine(),
  };
}

describe('a vector played in pieces makes the same calls as one run to the end', () => {
  for (const file of files) {
    test(file.slice(repoRoot.length + 1), async () => {
      const text = readFileSync(file, 'utf8');
      const parsed = parseVector(text);
      expect(parsed.error).toBeNull();
      const whole = await play(text, []);
      expect(whole.outputs).toEqual((await checkVector(text, wasmStepRunner(module))).outputs);
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

describe('showAt: what the simulator shows at a time, frozen or playing', () => {
  const text = () => readFileSync(join(repoRoot, 'simulator', 'vectors', 'scenes.jsonc'), 'utf8');
  const open = async () => {
    const core = await GaugeCore.load(module);
    return { core, player: new VectorPlayer(core, parseVector(text()).steps) };
  };

  test('runs the steps up to t, then one update at t; before the first step it calls nothing', async () => {
    const a = await open();
    expect(a.player.showAt(11_900)).toBe(11_900);
    const b = await open();
    b.player.runUntil(11_900);
    b.core.update(11_900);
    expect(a.core.stateLine()).toBe(b.core.stateLine());
    expect(a.core.frameBytes()).toEqual(b.core.frameBytes());
    // Past the end it shows the end; a time before the latest call never goes back.
    const c = await open();
    expect(c.player.showAt(10 ** 9)).toBe(c.player.endTime);
    expect(c.player.showAt(5)).toBe(c.player.endTime);
  });

  test('the frame at t does not depend on how many frames were shown before it', async () => {
    const frozen = await open();
    frozen.player.showAt(13_000);
    const played = await open();
    for (let t = 0; t < 13_000; t += 33) played.player.showAt(t);
    played.player.showAt(13_000);
    const a = frozen.core.frame();
    const b = played.core.frame();
    expect(b.t_ms).toBe(a.t_ms);
    expect(b.dials.map((d) => d.needle_deg)).toEqual(a.dials.map((d) => d.needle_deg));
    expect(b.lamps.map((l) => [l.lit, l.color])).toEqual(a.lamps.map((l) => [l.lit, l.color]));
    expect(played.core.stateLine()).toBe(frozen.core.stateLine());
  });
});
