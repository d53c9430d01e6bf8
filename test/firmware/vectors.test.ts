// The shared vectors (test/vectors/*.jsonc) on the wasm build of the core, through the one checker
// (test/vectors/lib/vector.ts): one test per file. `make -C firmware vectors` checks the same files on the
// native build; parity.test.ts checks that both builds print the same.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { wasmStepRunner } from '../../firmware/platform/wasm/vectorRunner.js';
import { checkVector } from '../vectors/lib/vector.js';
import { vectorsDir, wasmBytes } from './builds.js';

const files = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.jsonc'))
  .sort();

let module: WebAssembly.Module;
beforeAll(async () => {
  module = await GaugeCore.compile(wasmBytes());
});

describe('shared vectors on wasm', () => {
  test('there are vectors to run', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    test(file, async () => {
      const r = await checkVector(readFileSync(join(vectorsDir, file), 'utf8'), wasmStepRunner(module));
      expect(r.error).toBeNull();
      expect(r.failures).toEqual([]);
      // Every step is pinned by a recorded output, and most files by hand-checked expectations on top.
      expect(r.checks).toBeGreaterThanOrEqual(r.outputs.length);
    });
  }
});
