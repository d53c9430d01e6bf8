// Identity: for every shared vector (and the simulator's own), the page's vector playback (the wasm core in
// Chromium, driven by simulator/src/vectorPlay.ts through firmware/platform/wasm/vectorRunner.ts) prints
// exactly what the native build prints, step for step: the outputs, which include the full state line
// (needle angles, lamps, LED colour, model) after every update. The native side goes through the same checker
// (node test/vectors/run.mjs --target native --dump).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, gaugeState, repoRoot, test } from './fixtures.js';

const vectorsDir = join(repoRoot, 'test', 'vectors');
const simulatorVectorsDir = join(repoRoot, 'simulator', 'vectors');
const jsonc = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonc'))
    .sort()
    .map((f) => join(dir, f));
// The shared vectors, plus the simulator's own (the scenes the visual tests photograph).
const vectors = [...jsonc(vectorsDir), ...jsonc(simulatorVectorsDir)];

interface Dump {
  files: { file: string; outputs: string[]; failures: string[]; error: string | null }[];
}

let native: Map<string, string[]>;

test.beforeAll(() => {
  execFileSync('make', ['-s', '-C', join(repoRoot, 'firmware'), 'vector-runner'], { stdio: 'ignore' });
  // The checker exits 1 when an expectation fails; its outputs are still what we compare.
  let text: string;
  try {
    text = execFileSync(
      process.execPath,
      [join(repoRoot, 'test', 'vectors', 'run.mjs'), '--target', 'native', '--dump', ...vectors],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
    );
  } catch (e) {
    text = String((e as { stdout?: string }).stdout ?? '');
  }
  native = new Map();
  for (const entry of (JSON.parse(text) as Dump).files) {
    if (entry.error !== null) throw new Error(`native runner: ${entry.file}: ${entry.error}`);
    native.set(entry.file, entry.outputs);
  }
});

test('at least the shared vectors are bundled into the page', () => {
  expect(vectors.length).toBeGreaterThan(5);
});

for (const file of vectors) {
  const name = basename(file).replace(/\.jsonc$/, '');
  test(`identity with the native build: ${name}`, async ({ page, gotoSim }) => {
    const outputs = native.get(file);
    expect(outputs, `no native outputs for ${file}`).toBeDefined();
    // t far past the end: the page runs every step with the runner's exact calls, then pauses.
    await gotoSim(`?vector=${encodeURIComponent(name)}&t=9007199254740991`);
    const s = await gaugeState(page);
    expect(s.error).toBeNull();
    expect(s.vector?.completed).toBe(outputs?.length);
    expect(s.vector?.outputs).toEqual(outputs);
  });
}
