// firmware/platform/wasm/core.generated.ts (the TS types and names of everything the core hands out) is
// generated from the wasm module: it must match the module as built now, and a module that differs from it
// is refused at load with a message saying how to fix it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { GENERATED_PATH, generateCoreTypes } from '../../firmware/platform/wasm/codegen.js';
import { checkAgainstGenerated, GaugeCoreError } from '../../firmware/platform/wasm/gaugeCore.js';
import { type CoreDescription, describeCore } from '../../firmware/platform/wasm/layout.js';
import { instantiateCore } from '../../firmware/platform/wasm/loader.js';
import { repoRoot, wasmBytes } from './builds.js';

let desc: CoreDescription;
beforeAll(async () => {
  desc = describeCore(await instantiateCore(wasmBytes()));
});

describe('core.generated.ts', () => {
  test('is what the module generates (else: npm run core:gen)', () => {
    const committed = readFileSync(join(repoRoot, GENERATED_PATH), 'utf8');
    expect(
      committed === generateCoreTypes(desc),
      `${GENERATED_PATH} is out of date: run npm run core:gen`,
    ).toBe(true);
  });

  test('describes the Frame, the payload and the Drawing with the core names', () => {
    const names = desc.structs.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['Frame', 'Dial', 'LampView', 'TextBox', 'Usage', 'Drawing']),
    );
    expect(desc.stateLineKeys).toEqual([
      't',
      'phase',
      'tach',
      'fuel',
      'temp',
      'boost',
      'lamps',
      'rgb',
      'model',
      'stale',
      'over',
      'basis',
      'week',
      'eta',
    ]);
    expect(desc.enums.find((e) => e.name === 'Phase')?.values).toEqual(['SELFTEST', 'LIVE', 'NOSIGNAL']);
  });

  test('a module that lacks a field, reads one differently or names things otherwise is refused', () => {
    const clone = () => structuredClone(desc);
    const missing = clone();
    const frame = missing.structs.find((s) => s.name === 'Frame');
    frame?.fields.splice(
      frame.fields.findIndex((f) => f.name === 'stale'),
      1,
    );
    const retyped = clone();
    const dial = retyped.structs.find((s) => s.name === 'Dial')?.fields.find((f) => f.name === 'cx');
    if (dial) dial.kind = 'f32';
    const renamed = clone();
    renamed.stateLineKeys[1] = 'mode';
    // A text box added to the Frame before the status line: the renderer's pairing of texts would be off.
    const added = clone();
    const addedFrame = added.structs.find((s) => s.name === 'Frame');
    const model = addedFrame?.fields.find((f) => f.name === 'model');
    if (addedFrame && model)
      addedFrame.fields.splice(addedFrame.fields.indexOf(model) + 1, 0, { ...model, name: 'odometer' });
    expect(() => checkAgainstGenerated(desc)).not.toThrow();
    for (const [bad, message] of [
      [missing, /Frame\.stale missing/],
      [retyped, /Dial\.cx is f32, expected i16/],
      [renamed, /state-line keys/],
      [added, /Frame's own text boxes are model,odometer,status/],
    ] as const) {
      const err = (() => {
        try {
          checkAgainstGenerated(bad);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(GaugeCoreError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain('npm run core:gen');
    }
  });
});
