// The pre-filter searches `"usage"` and checks for `:{` after it (faster than searching the 9-byte marker):
// it must say yes exactly when the marker occurs, wherever and however often `"usage"` appears.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasUsageMarker, USAGE_MARKER } from '../../../../host/src/sources/jsonl/parse.js';

const PIECES = ['"usage"', '"usage":', '"usage":{', ':{', ':', '{', '"', 'usage', 'x', ' ', '\\"', '\u00e9'];

describe('hasUsageMarker', () => {
  it('agrees with a plain search for "usage":{ on lines made of look-alike pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }), (pieces) => {
        const line = Buffer.from(pieces.join(''));
        expect(hasUsageMarker(line)).toBe(line.indexOf(USAGE_MARKER) >= 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('handles the marker at the very start and end, cut short, and after many near misses', () => {
    const yes = ['"usage":{', 'x"usage":{', `${'"usage": {'.repeat(50)}"usage":{`, '"usage""usage":{'];
    const no = ['', '"usage"', '"usage":', '"usage" :{', '"usage\\":{', 'usage":{', '"usage":['];
    for (const s of yes) expect(hasUsageMarker(Buffer.from(s)), s).toBe(true);
    for (const s of no) expect(hasUsageMarker(Buffer.from(s)), s).toBe(false);
  });
});
