// Identity: for every shared vector, the page's scenario replay (the wasm core in Chromium, driven by
// simulator/src/scenario.ts through firmware/platform/wasm/vectorRunner.ts) prints exactly what the native build prints, step for step: the runner's
// outputs, which include the full state line (needle angles, lamps, LED colour, model) after every update.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, gaugeState, repoRoot, test } from './fixtures.js';

const runner = join(repoRoot, 'firmware', 'build', 'native', 'vector-runner');
const vectorsDir = join(repoRoot, 'test', 'vectors');
const scenariosDir = join(repoRoot, 'simulator', 'scenarios');
const jsonc = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonc'))
    .sort()
    .map((f) => join(dir, f));
// The shared vectors, plus the simulator's own scenarios (the visual tests' timeline).
const vectors = [...jsonc(vectorsDir), ...jsonc(scenariosDir)];

interface Dump {
  files: { file: string; outputs: string[]; failures: string[]; error: string | null }[];
}

function nativeOutputs(file: string): string[] {
  // The runner exits 1 when an expectation fails; its outputs are still what we compare.
  let text: string;
  try {
    text = execFileSync(runner, ['--dump', file], { encoding: 'utf8', timeout: 20_000 });
  } catch (e) {
    text = String((e as { stdout?: string }).stdout ?? '');
  }
  const dump = JSON.parse(text) as Dump;
  const entry = dump.files[0];
  if (entry === undefined || entry.error !== null)
    throw new Error(`native runner: ${entry?.error ?? 'no output'}`);
  return entry.outputs;
}

test.beforeAll(() => {
  if (!existsSync(runner))
    execFileSync('make', ['-s', '-C', join(repoRoot, 'firmware'), 'vectors'], { stdio: 'ignore' });
});

test('at least the shared vectors are bundled into the page', () => {
  expect(vectors.length).toBeGreaterThan(5);
});

for (const file of vectors) {
  const name = basename(file).replace(/\.jsonc$/, '');
  test(`identity with the native build: ${name}`, async ({ page, gotoSim }) => {
    const native = nativeOutputs(file);
    // t far past the end: the page runs every step with the runner's exact calls, then pauses.
    await gotoSim(`?scenario=${encodeURIComponent(name)}&t=9007199254740991`);
    const s = await gaugeState(page);
    expect(s.error).toBeNull();
    expect(s.scenario?.completed).toBe(native.length);
    expect(s.scenario?.outputs).toEqual(native);
  });
}
