// The native build (g++, x86-64) and the wasm build (clang, wasm32) of the same core must behave
// identically: every step of every shared vector must print exactly the same line on both. Both builds only
// run the steps; the one checker (test/vectors/lib/vector.ts) parses the files and makes the lines.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { wasmStepRunner } from '../../firmware/platform/wasm/vectorRunner.js';
import { nativeStepRunner } from '../vectors/lib/nativeRunner.js';
import { checkVector, parseVector, type StepRunner } from '../vectors/lib/vector.js';
import { buildVectorRunner, repoRoot, vectorsDir, wasmBytes } from './builds.js';

const files = [vectorsDir, join(repoRoot, 'simulator', 'vectors')].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonc'))
    .sort()
    .map((f) => relative(repoRoot, join(dir, f))),
);

let native: StepRunner;
let wasm: StepRunner;

beforeAll(async () => {
  native = nativeStepRunner(buildVectorRunner());
  wasm = wasmStepRunner(await GaugeCore.compile(wasmBytes()));
});

describe('native and wasm print the same output for every step', () => {
  for (const file of files) {
    test(file, async () => {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      const n = await checkVector(text, native);
      const w = await checkVector(text, wasm);
      expect(n.error).toBeNull();
      expect(w.outputs.length).toBeGreaterThan(0);
      // Step by step, so a difference names its step.
      w.outputs.forEach((line, i) => {
        expect(line, `step ${i}`).toBe(n.outputs[i]);
      });
      expect(w.outputs.length).toBe(n.outputs.length);
      expect(w.failures).toEqual(n.failures);
    });
  }
});

describe('malformed vectors are refused with a message naming the fault; the steps before it run on both', () => {
  const boot = '{ "at": 0, "boot": true }';
  const cases: [string, string, number][] = [
    ['{ "steps": [] }', '"steps" must be a non-empty array', 0],
    ['[1]', 'the top level must be an object', 0],
    [`{ "steps": [${boot}], "extra": 1 }`, 'unknown top-level key "extra"', 0],
    ['{ "steps": [{ "at": 0 }] }', 'step 0: no action', 0],
    ['{ "steps": [{ "at": 0, "boot": true, "tick": true }] }', 'step 0: more than one action', 0],
    ['{ "steps": [{ "boot": true }] }', 'step 0: no "at"', 0],
    ['{ "steps": [{ "at": -1, "boot": true }] }', 'at must be an integer number of ms in 0..2^53-1', 0],
    ['{ "steps": [{ "at": 1.5, "boot": true }] }', 'at must be an integer number of ms in 0..2^53-1', 0],
    ['{ "steps": [{ "at": 0, "boot": false }] }', 'step 0 (at 0): "boot" must be true', 0],
    ['{ "steps": [{ "at": 0, "boot": true, "colour": 1 }] }', 'step 0: unknown key "colour"', 0],
    [
      `{ "steps": [{ "at": 5, "boot": true }, { "at": 1, "update": true }] }`,
      'step 1: "at" goes back in time',
      1,
    ],
    [
      `{ "steps": [${boot}, { "at": 0, "fail": "bogus" }] }`,
      'fail/serve_fail must name a failure outcome',
      1,
    ],
    [`{ "steps": [${boot}, { "at": 0, "fail": "ok" }] }`, 'fail/serve_fail must name a failure outcome', 1],
    [`{ "steps": [${boot}, { "at": 0, "body": 5 }] }`, 'step 1 (at 0): body must be a string', 1],
    [`{ "steps": [${boot}, { "at": 0, "serve_none": true }] }`, 'step 1 (at 0): serve steps need "until"', 1],
    [
      `{ "steps": [${boot}, { "at": 0, "update": true, "until": 5 }] }`,
      'step 1 (at 0): until/every belong',
      1,
    ],
    [
      `{ "steps": [${boot}, { "at": 0, "update": true, "expect": { "tach2": 1 } }] }`,
      'step 1 (at 0): unknown expect key "tach2"',
      1,
    ],
    [
      `{ "steps": [${boot}, { "at": 0, "update": true, "expect": { "tach": "1" } }] }`,
      'step 1 (at 0): expect.tach must be a number (degrees)',
      1,
    ],
    [
      `{ "steps": [${boot}, { "at": 0, "update": true, "rec": 5 }] }`,
      'step 1 (at 0): rec must be a string',
      1,
    ],
    [`{ "steps": [${boot},] }`, 'not valid JSON with comments', 0],
  ];

  test.each(cases)('%s', async (text, message, before) => {
    expect(parseVector(text).error).toContain(message);
    const n = await checkVector(text, native);
    const w = await checkVector(text, wasm);
    expect(n.error).toContain(message);
    expect(w.error).toBe(n.error);
    expect(n.outputs).toHaveLength(before);
    expect(w.outputs).toEqual(n.outputs);
  });
});
