// The Ledger's incremental state (entries kept in time order, cached blocks, the rate_1m ring buffer) must
// always give what a computation from scratch over its kept entries gives, whatever the order of adds,
// replacements, clocks and evictions. Plus the exact definition of the rate window, pinned by example.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identifyBlocks } from '../../../../host/src/sources/jsonl/blocks.js';
import { type Entry, estimateThinking, Ledger } from '../../../../host/src/sources/jsonl/ledger.js';
import { recordTotal, type UsageRecord } from '../../../../host/src/sources/jsonl/parse.js';
import { H } from './helpers.js';

const T0 = Date.parse('2026-03-01T10:10:00.000Z');
const S = 1000;

function rec(ts: number, output: number, o: Partial<UsageRecord> = {}): UsageRecord {
  return {
    ts,
    messageId: null,
    requestId: null,
    sidechain: false,
    hasSpeed: false,
    model: 'claude-opus-4-6',
    input: 0,
    output,
    cacheCreation: 0,
    cacheRead: 0,
    thinkingTokens: null,
    hasThinkingBlock: false,
    visibleChars: 0,
    ...o,
  };
}

/** Entries stamped in (⌈now⌉ − seconds, now]: the windows' definition. */
function inWindow(entries: readonly Entry[], nowMs: number, seconds: number): Entry[] {
  const from = (Math.ceil(nowMs / 1000) - seconds) * 1000;
  return entries.filter((e) => e.ts > from && e.ts <= nowMs);
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** rate_1m by definition: tokens stamped in (⌈now⌉ − 60 s, now]. */
function rateByDefinition(entries: readonly Entry[], nowMs: number): number {
  return sum(inWindow(entries, nowMs, 60).map(recordTotal));
}

function expectMatchesScratch(l: Ledger, nowMs: number): void {
  const all = l.sorted();
  for (let i = 1; i < all.length; i++) {
    const a = all[i - 1] as Entry;
    const b = all[i] as Entry;
    // time order; equal timestamps keep insertion order (what a stable sort of the insertion order gives)
    expect(a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq)).toBe(true);
  }
  expect(new Set(all).size).toBe(l.size);
  const upTo = all.filter((e) => e.ts <= nowMs);
  expect(l.upTo(nowMs)).toEqual(upTo);
  expect(l.blocks(nowMs)).toEqual(identifyBlocks(upTo));
  expect(l.rate1m(nowMs)).toBe(rateByDefinition(all, nowMs));
  const w = l.windowNumbers(nowMs);
  expect(w.rate1m).toBe(rateByDefinition(all, nowMs));
  // cache hit rate and thinking ratio: over (⌈now⌉ − 5 min, now]
  const recent = inWindow(all, nowMs, 300);
  const cacheDen = sum(recent.map((e) => e.input + e.cacheRead + e.cacheCreation));
  expect(w.cacheHitRate).toBe(cacheDen > 0 ? sum(recent.map((e) => e.cacheRead)) / cacheDen : 0);
  const output = sum(recent.map((e) => e.output));
  const thinking = sum(recent.map(estimateThinking));
  expect(w.thinkingRatio).toBe(output > 0 ? Math.min(1, thinking / output) : 0);
}

describe('rate_1m ring buffer: the window', () => {
  it('is (⌈now⌉ − 60 s, now]: on a whole second exactly the last 60 s', () => {
    const l = new Ledger();
    l.add(rec(T0 - 60 * S, 1), 1, 0); // exactly 60 s old: out
    l.add(rec(T0 - 60 * S + 1, 10), 1, 1); // 1 ms younger: in
    l.add(rec(T0, 100), 1, 2); // now itself: in
    expect(l.rate1m(T0)).toBe(110);
  });

  it('moves in whole seconds on a clock between seconds, and never counts what is stamped after now', () => {
    const l = new Ledger();
    l.add(rec(T0, 1), 1, 0); // bucket ending at T0
    l.add(rec(T0 + 400, 10), 1, 1); // bucket ending at T0 + 1 s
    l.add(rec(T0 + 59_600, 100), 1, 2);
    l.add(rec(T0 + 59_800, 1000), 1, 3); // after the clock below, same second
    const now = T0 + 59_700; // ⌈now⌉ = T0 + 60 s: window (T0, now]
    expect(l.rate1m(now)).toBe(110);
    expect(l.rate1m(T0 + 59_800)).toBe(1110);
    expect(l.rate1m(T0 + 60_000)).toBe(1110); // whole second: (T0, T0 + 60 s]
    expect(l.rate1m(T0 + 60_001)).toBe(1100); // ⌈now⌉ = T0 + 61 s: the bucket ending at T0 + 1 s left
    expect(l.rate1m(T0 + 59_999 + 60_000)).toBe(0);
  });

  it('a replaced response takes its old total out and puts the new one in, under its new timestamp', () => {
    const l = new Ledger();
    const id = { messageId: 'm', requestId: 'r' };
    expect(l.add(rec(T0, 5, id), 1, 0)).toBe('new');
    expect(l.add(rec(T0 + 30 * S, 80, id), 1, 100)).toBe('replaced');
    expect(l.add(rec(T0 + 31 * S, 20, id), 1, 200)).toBe('duplicate');
    expect(l.rate1m(T0 + 30 * S)).toBe(80);
    expect(l.rate1m(T0 + 29 * S)).toBe(0); // the copy that counts is stamped later
    expect(l.rate1m(T0 + 90 * S)).toBe(0);
    expect(l.rate1m(T0 + 89 * S)).toBe(80);
    expectMatchesScratch(l, T0 + 30 * S);
  });

  it('gives the same answer for lines read backwards (the cold start) as forwards', () => {
    const lines = Array.from({ length: 200 }, (_, i) =>
      rec(T0 + i * 700, 3 + (i % 7), { messageId: `m${i >> 1}`, requestId: 'r' }),
    );
    const fwd = new Ledger();
    const back = new Ledger();
    for (const [i, r] of lines.entries()) fwd.add(r, 1, i);
    for (let i = lines.length - 1; i >= 0; i--) back.add(lines[i] as UsageRecord, 1, i);
    for (const now of [T0 + 30 * S, T0 + 60 * S + 350, T0 + 139_300, T0 + 200 * S]) {
      expect(back.rate1m(now)).toBe(fwd.rate1m(now));
      expect(back.blocks(now)).toEqual(fwd.blocks(now));
      expectMatchesScratch(back, now);
    }
  });

  it('answers a clock behind the newest entry from the entries (the ring has moved on)', () => {
    const l = new Ledger();
    for (let i = 0; i < 300; i++) l.add(rec(T0 + i * S, i), 1, i);
    // the ring holds T0 + 240 s … T0 + 299 s; T0 + 100 s is long gone from it
    expect(l.rate1m(T0 + 100 * S)).toBe(rateByDefinition(l.sorted(), T0 + 100 * S));
    expect(l.rate1m(T0 + 100 * S)).toBe(Array.from({ length: 60 }, (_, i) => 41 + i).reduce((a, b) => a + b));
  });

  it('a far-future (hostile) timestamp does not disturb the rate at the real clock', () => {
    const l = new Ledger();
    l.add(rec(T0, 7), 1, 0);
    l.add(rec(Date.parse('2099-01-01T00:00:00Z'), 1_000_000), 1, 1);
    expect(l.rate1m(T0 + S)).toBe(7);
    l.add(rec(T0 + 2 * S, 5), 1, 2);
    expect(l.rate1m(T0 + 2 * S)).toBe(12);
    expectMatchesScratch(l, T0 + 2 * S);
  });
});

describe('blocks cache', () => {
  it('hands out blocks that later adds never change', () => {
    const l = new Ledger();
    l.add(rec(T0, 10), 1, 0);
    const before = l.blocks(T0 + H);
    const copy = structuredClone(before);
    l.add(rec(T0 + S, 20), 1, 1); // continues the last block
    expect(l.blocks(T0 + H).map((b) => b.total)).toEqual([30]);
    l.add(rec(T0 + 6 * H, 30), 1, 2); // opens a new one
    expect(l.blocks(T0 + 7 * H).map((b) => b.total)).toEqual([30, 30]);
    l.add(rec(T0 - S, 40), 1, 3); // out of order, before everything
    expect(before).toEqual(copy);
    expect(l.blocks(T0 + 7 * H).map((b) => b.total)).toEqual([70, 30]);
  });
});

// Random operations. Timestamps crowd into a few minutes (rate buckets, replacements across buckets) or
// spread over 16 h (block boundaries, evictions); message ids collide often so copies replace each other.
const tsOff = fc.oneof(
  fc.integer({ min: 0, max: 3 * 60 * S }),
  fc.integer({ min: 0, max: 16 * H }),
  fc.integer({ min: 0, max: 180 }).map((s) => s * S),
);
const op = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      ts: tsOff,
      msg: fc.option(fc.integer({ min: 0, max: 25 }), { freq: 8 }),
      req: fc.integer({ min: 0, max: 1 }),
      output: fc.integer({ min: 0, max: 2000 }),
      input: fc.integer({ min: 0, max: 50 }),
      cacheRead: fc.integer({ min: 0, max: 5000 }),
      thinkingTokens: fc.option(fc.integer({ min: 0, max: 3000 }), { freq: 3 }),
      hasThinkingBlock: fc.boolean(),
      visibleChars: fc.integer({ min: 0, max: 4000 }),
      sidechain: fc.boolean(),
      model: fc.constantFrom('claude-opus-4-6', 'claude-haiku-4-5', '<synthetic>'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('query' as const), now: tsOff }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('evict' as const),
      now: tsOff,
      retain: fc.integer({ min: 0, max: 6 * H }),
    }),
  },
);

describe('Ledger, property', () => {
  it('incremental order, blocks and rate ring equal a computation from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 120 }),
        fc.array(tsOff, { minLength: 1, maxLength: 4 }),
        (ops, ends) => {
          const live = new Ledger(); // queried after every step: caches and the ring work incrementally
          const batch = new Ledger(); // the same adds and evictions, asked only at the end
          let offset = 0;
          for (const o of ops) {
            if (o.kind === 'add') {
              const r = rec(T0 + o.ts, o.output, {
                input: o.input,
                cacheRead: o.cacheRead,
                thinkingTokens: o.thinkingTokens,
                hasThinkingBlock: o.hasThinkingBlock,
                visibleChars: o.visibleChars,
                messageId: o.msg === null ? null : `m${o.msg}`,
                requestId: `r${o.req}`,
                sidechain: o.sidechain,
                model: o.model,
              });
              offset += 100;
              expect(live.add({ ...r }, 1, offset)).toBe(batch.add({ ...r }, 1, offset));
            } else if (o.kind === 'evict') {
              expect(live.evict(T0 + o.now, o.retain)).toBe(batch.evict(T0 + o.now, o.retain));
            } else {
              expectMatchesScratch(live, T0 + o.now);
            }
          }
          for (const end of ends) {
            expectMatchesScratch(live, T0 + end);
            expectMatchesScratch(batch, T0 + end);
            expect(batch.windowNumbers(T0 + end)).toEqual(live.windowNumbers(T0 + end));
            expect(batch.blocks(T0 + end)).toEqual(live.blocks(T0 + end));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('Ledger reread', () => {
  it('recognises each line without a message.id that a file already counted once, and only from that file', () => {
    const l = new Ledger();
    const now = T0 + 10 * S;
    l.add(rec(T0, 10), 1, 0);
    l.add(rec(T0, 10), 1, 100); // the same line written twice: two responses
    l.add(rec(T0, 10), 2, 0); // the same numbers in another file: its own response
    expect(l.blocks(now)[0]?.total).toBe(30);
    l.beginReread(1);
    expect(l.add(rec(T0, 10), 1, 0)).toBe('duplicate');
    expect(l.add(rec(T0, 10), 1, 100)).toBe('duplicate');
    expect(l.add(rec(T0, 10), 1, 200)).toBe('new'); // a third copy is new in the file
    expect(l.add(rec(T0 + S, 10), 1, 300)).toBe('new');
    l.endReread(1);
    expect(l.add(rec(T0, 10), 1, 400)).toBe('new'); // appended after the reread: counted as ever
    expect(l.blocks(now)[0]?.total).toBe(60);
  });
});
