// The native build (g++, x86-64) and the wasm build (clang, wasm32) of the same core must behave
// identically: every step of every shared vector must print exactly the same line on both.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { buildVectorRunner, repoRoot, vectorsDir, wasmBytes } from './builds.js';
import { runVector } from './vectorRunner.js';

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
