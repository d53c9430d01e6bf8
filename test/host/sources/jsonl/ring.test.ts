// BucketRing against the plain definition: a bucket's sums are those of the values added to that second
// and not removed, for the seconds the ring still holds; whatever the order of adds, removals and jumps
// of the head (short steps, steps that wrap the ring, steps past its whole length).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_MS, BucketRing, bucketOf } from '../../../../host/src/sources/jsonl/ring.js';

const BUCKETS = 7;
const CHANNELS = 2;

type Op = { kind: 'add' | 'remove'; second: number; a: number; b: number };

/** The same history replayed from scratch: per-second sums, then what a window of `BUCKETS` at the head holds. */
function expected(ops: Op[]): { head: number; sums: Map<number, [number, number]> } {
  const sums = new Map<number, [number, number]>();
  let head = Number.NEGATIVE_INFINITY;
  for (const op of ops) {
    if (op.kind === 'add') {
      head = Math.max(head, op.second);
      if (op.second <= head - BUCKETS) continue;
    } else if (op.second > head || op.second <= head - BUCKETS) continue;
    const s = sums.get(op.second) ?? [0, 0];
    const sign = op.kind === 'add' ? 1 : -1;
    sums.set(op.second, [s[0] + sign * op.a, s[1] + sign * op.b]);
  }
  return { head, sums };
}

describe('BucketRing', () => {
  it('holds the sums of each second it covers, whatever the adds, removals and head jumps', () => {
    const op = fc.record({
      kind: fc.constantFrom<'add' | 'remove'>('add', 'add', 'remove'),
      second: fc.integer({ min: 1, max: 40 }),
      a: fc.integer({ min: 0, max: 1000 }),
      b: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const ring = new BucketRing(BUCKETS, CHANNELS);
        for (const o of ops) {
          const ts = o.second * BUCKET_MS - 1; // inside bucket `second`
          if (o.kind === 'add') ring.add(ts, [o.a, o.b]);
          else ring.remove(ts, [o.a, o.b]);
        }
        const want = expected(ops);
        expect(ring.newest).toBe(want.head);
        if (want.head === Number.NEGATIVE_INFINITY) return;
        for (let s = want.head - BUCKETS + 1; s <= want.head; s++) {
          const out = [0, 0];
          ring.sumInto(s, s, out);
          expect(out).toEqual(want.sums.get(s) ?? [0, 0]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('empties the seconds a long jump of the head passes over', () => {
    const ring = new BucketRing(BUCKETS, 1);
    for (let s = 1; s <= BUCKETS; s++) ring.add(s * BUCKET_MS, [s]);
    ring.add((BUCKETS + 3) * BUCKET_MS, [100]); // wraps: the three oldest seconds leave
    const all = [0];
    ring.sumInto(bucketOf(0), BUCKETS + 3, all);
    expect(all[0]).toBe(4 + 5 + 6 + 7 + 100);
    ring.add(1000 * BUCKET_MS, [1]); // past the whole ring
    const after = [0];
    ring.sumInto(1000 - BUCKETS + 1, 1000, after);
    expect(after[0]).toBe(1);
  });
});
