import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, wasmBytes } from '../firmware/builds.js';
import { stateKey } from './lib/timeline.js';
import { waitFor } from './lib/waitFor.js';
import { frameStepMs, WasmTarget } from './targets/wasm.js';

beforeAll(() => {
  wasmBytes(); // builds the core under the shared lock; prepare() then finds it fresh
});

/** The self-test as the wasm target recorded it: [ms since boot, picture] per state. */
async function selfTest(blockMs: number): Promise<[number, string][]> {
  const target = new WasmTarget(repoRoot);
  await target.prepare();
  // Port 9 on loopback: nothing answers, so nothing but the core's clock shapes the self-test.
  await target.start({ usageUrl: 'http://127.0.0.1:9/usage', scenario: 'catch-up' });
  if (blockMs > 0) {
    // A host too busy to run the loop: nothing runs in this process for blockMs.
    const until = performance.now() + blockMs;
    while (performance.now() < until) {}
  }
  await waitFor(() => target.state()?.phase !== 'SELFTEST', {
    timeoutMs: 10_000,
    what: 'the self-test to end',
  });
  await target.dispose();
  const entries = target.timeline().entries;
  const boot = entries[0]?.t ?? 0;
  return entries.filter((e) => e.state.phase === 'SELFTEST').map((e) => [e.t - boot, stateKey(e.state)]);
}

describe('wasm target', () => {
  it('computes every frame on a fixed step of the core clock, also the ones a busy host ran late', async () => {
    const steady = await selfTest(0);
    const late = await selfTest(700);
    expect(steady.length).toBeGreaterThan(20);
    for (const [t] of steady) expect(t % frameStepMs).toBe(0);
    expect(late).toEqual(steady);
  });
});
