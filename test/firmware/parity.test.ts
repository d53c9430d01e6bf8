// The native build (g++, x86-64) and the wasm build (clang, wasm32) of the same core must behave
// identically: every step of every shared vector must print exactly the same line on both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { runVector } from '../../firmware/platform/wasm/vectorRunner.js';
import { buildVectorRunner, repoRoot, vectorsDir, wasmBytes } from './builds.js';

interface NativeFile {
  file: string;
  outputs: string[];
  failures: string[];
  error: string | null;
}

const files = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.jsonc'))
  .sort()
  .map((f) => relative(repoRoot, join(vectorsDir, f)));

let native: Map<string, NativeFile>;
let module: WebAssembly.Module;

beforeAll(async () => {
  const runner = buildVectorRunner();
  let out: string;
  try {
    out = execFileSync(runner, ['--dump', ...files], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    // Exit status 1 only means a check failed; the dump is still complete (vectors.test.ts reports it).
    const err = e as { status?: number; stdout?: string };
    if (err.status !== 1 || typeof err.stdout !== 'string') throw e;
    out = err.stdout;
  }
  native = new Map((JSON.parse(out) as { files: NativeFile[] }).files.map((f) => [f.file, f]));
  module = await GaugeCore.compile(wasmBytes());
});

describe('native and wasm print the same output for every step', () => {
  for (const file of files) {
    test(file, async () => {
      const n = native.get(file);
      expect(n, `native runner did not report ${file}`).toBeDefined();
      const w = await runVector(module, readFileSync(join(repoRoot, file), 'utf8'));
      expect(w.error).toEqual(n?.error);
      expect(w.outputs.length).toBeGreaterThan(0);
      // Step by step, so a difference names its step.
      w.outputs.forEach((line, i) => {
        expect(line, `step ${i}`).toBe(n?.outputs[i]);
      });
      expect(w.outputs.length).toBe(n?.outputs.length);
      expect(w.failures.length).toBe(n?.failures.length);
    });
  }
});

describe('malformed vectors are refused by both runners with the same message', () => {
  const boot = '{ "at": 0, "boot": true }';
  const cases: [string, string][] = [
    ['{ "steps": [] }', '"steps" must be a non-empty array'],
    ['[1]', 'the top level must be an object'],
    [`{ "steps": [${boot}], "extra": 1 }`, 'unknown top-level key "extra"'],
    ['{ "steps": [{ "at": 0 }] }', 'step 0: no action'],
    ['{ "steps": [{ "at": 0, "boot": true, "tick": true }] }', 'step 0: more than one action'],
    ['{ "steps": [{ "boot": true }] }', 'step 0: no "at"'],
    ['{ "steps": [{ "at": -1, "boot": true }] }', 'at must be an integer number of ms in 0..2^53-1'],
    ['{ "steps": [{ "at": 1.5, "boot": true }] }', 'at must be an integer number of ms in 0..2^53-1'],
    ['{ "steps": [{ "at": 0, "boot": false }] }', 'step 0 (at 0): "boot" must be true'],
    ['{ "steps": [{ "at": 0, "boot": true, "colour": 1 }] }', 'step 0: unknown key "colour"'],
    [
      `{ "steps": [{ "at": 5, "boot": true }, { "at": 1, "update": true }] }`,
      'step 1: "at" goes back in time',
    ],
    [`{ "steps": [${boot}, { "at": 0, "fail": "bogus" }] }`, 'fail/serve_fail must name a failure outcome'],
    [`{ "steps": [${boot}, { "at": 0, "fail": "ok" }] }`, 'fail/serve_fail must name a failure outcome'],
    [`{ "steps": [${boot}, { "at": 0, "body": 5 }] }`, 'step 1 (at 0): body must be a string'],
    [`{ "steps": [${boot}, { "at": 0, "serve_none": true }] }`, 'step 1 (at 0): serve steps need "until"'],
    [`{ "steps": [${boot}, { "at": 0, "update": true, "until": 5 }] }`, 'step 1 (at 0): until/every belong'],
    [
      `{ "steps": [${boot}, { "at": 0, "update": true, "expect": { "tach2": 1 } }] }`,
      'step 1 (at 0): unknown expect key "tach2"',
    ],
    [
      `{ "steps": [${boot}, { "at": 0, "update": true, "expect": { "tach": "1" } }] }`,
      'step 1 (at 0): expect.tach must be a number (degrees)',
    ],
    [`{ "steps": [${boot},] }`, 'not valid JSON with comments'],
  ];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gauge-vectors-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(cases)('%s', async (text, message) => {
    const file = join(dir, 'bad.jsonc');
    writeFileSync(file, text);
    const r = spawnRunner(file);
    const w = await runVector(module, text);
    expect(r.error).toContain(message);
    expect(w.error).toContain(message);
    if (!message.startsWith('not valid JSON')) expect(w.error).toBe(r.error);
    expect(w.outputs).toEqual(r.outputs);
  });
});

function spawnRunner(file: string): NativeFile {
  let out: string;
  try {
    out = execFileSync(buildVectorRunner(), ['--dump', file], { encoding: 'utf8' });
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    if (err.status !== 1 || typeof err.stdout !== 'string') throw e;
    out = err.stdout;
  }
  const f = (JSON.parse(out) as { files: NativeFile[] }).files[0];
  if (!f) throw new Error('no result from the native runner');
  return f;
}
