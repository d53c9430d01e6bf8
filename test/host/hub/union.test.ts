// The hub's union store: the jsonl ledger's numbers over the best copy of each response, one response
// counted once whatever the machines and repeats.

import { describe, expect, it } from 'vitest';
import { Faults } from '../../../host/src/faults.js';
import { MAX_UNION_RECORDS, type UnionRecord, UnionStore } from '../../../host/src/hub/union.js';
import { Ledger } from '../../../host/src/sources/jsonl/ledger.js';
import type { UsageRecord } from '../../../host/src/sources/jsonl/parse.js';
import { HOUR, MIN, prng } from './helpers.js';

function rec(ts: number, o: Partial<UnionRecord> = {}): UnionRecord {
  return {
    ts,
    input: 10,
    output: 100,
    cacheRead: 1000,
    cacheCreation: 50,
    model: 'claude-opus-4-6',
    thinking: 20,
    sidechain: false,
    machine: 'm1',
    ...o,
  };
}

function usageRecord(r: UnionRecord, id: string): UsageRecord {
  return {
    ts: r.ts,
    messageId: id,
    requestId: `req-${id}`,
    sidechain: r.sidechain,
    hasSpeed: false,
    model: r.model,
    input: r.input,
    output: r.output,
    cacheCreation: r.cacheCreation,
    cacheRead: r.cacheRead,
    thinkingTokens: r.thinking,
    hasThinkingBlock: r.thinking > 0,
    visibleChars: 0,
  };
}

describe('UnionStore', () => {
  it("gives the jsonl ledger's numbers on the same responses, at any instant", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = prng(seed);
      const union = new UnionStore();
      const ledger = new Ledger();
      const base = 1_800_000_000_000;
      let t = base;
      const records: UnionRecord[] = [];
      for (let i = 0; i < 400; i++) {
        // Gaps from a second to seven hours: blocks open on both rules, some gaps longer than a block.
        t += rnd() < 0.03 ? Math.floor(rnd() * 7 * HOUR) : 1000 + Math.floor(rnd() * 4 * MIN);
        const r = rec(t, {
          input: Math.floor(rnd() * 100),
          output: Math.floor(rnd() * 1000),
          cacheRead: Math.floor(rnd() * 50_000),
          cacheCreation: Math.floor(rnd() * 3000),
          thinking: Math.floor(rnd() * 200),
          model: rnd() < 0.1 ? '<synthetic>' : rnd() < 0.5 ? 'claude-opus-4-6' : 'claude-sonnet-4-6',
        });
        r.thinking = Math.min(r.thinking, r.output);
        records.push(r);
      }
      // Out of order, as deliveries from several machines arrive.
      const shuffled = [...records.entries()].sort(() => rnd() - 0.5);
      for (const [i, r] of shuffled) {
        expect(union.apply(i, r)).toBe('new');
        ledger.add(usageRecord(r, `m${i}`), 1, i);
      }
      for (let k = 0; k < 40; k++) {
        const now = base + Math.floor(rnd() * (t - base + 6 * HOUR));
        const w = ledger.windowNumbers(now);
        const blocks = ledger.blocks(now);
        const last = blocks[blocks.length - 1];
        const active = last && now - last.lastMs < 5 * HOUR && now < last.endMs ? last : null;
        const s = union.snapshot(now);
        expect(s.window5hTokens, `seed ${seed} at ${now}`).toBe(active ? active.total : 0);
        expect(s.window5hResetInS).toBe(active ? Math.ceil((active.endMs - now) / 1000) : null);
        expect(s.rate1m).toBe(w.rate1m);
        expect(s.cacheHitRate).toBeCloseTo(w.cacheHitRate, 12);
        expect(s.thinkingRatio).toBeCloseTo(w.thinkingRatio, 12);
        expect(s.lastModel).toBe(w.lastModel);
        expect(s.lastResponseAtMs).toBe(w.lastResponseAtMs);
      }
    }
  });

  it('counts a response sent by two machines once: the better copy by ccusage’s rule', () => {
    const u = new UnionStore();
    const now = 1_800_000_000_000;
    expect(u.apply(7, rec(now - MIN, { machine: 'a', sidechain: true, output: 500 }))).toBe('new');
    expect(u.snapshot(now).window5hTokens).toBe(10 + 500 + 1000 + 50);
    // The main chain's copy wins over a sidechain copy, even with a smaller total.
    expect(u.apply(7, rec(now - MIN, { machine: 'b', output: 100 }))).toBe('changed');
    expect(u.snapshot(now).window5hTokens).toBe(1160);
    // Among main-chain copies, the larger total.
    expect(u.apply(7, rec(now - MIN, { machine: 'c', output: 300 }))).toBe('changed');
    expect(u.snapshot(now).window5hTokens).toBe(1360);
    expect(u.size).toBe(1);
  });

  it('changes nothing for a record it already has (a retry, a resync, a replayed batch)', () => {
    const u = new UnionStore();
    const now = 1_800_000_000_000;
    for (let i = 0; i < 50; i++) u.apply(i, rec(now - i * 1000));
    const version = u.version;
    const before = u.snapshot(now);
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 50; i++) expect(u.apply(i, rec(now - i * 1000))).toBe('same');
    expect(u.version).toBe(version);
    expect(u.snapshot(now)).toEqual(before);
  });

  it("takes a machine's newer copy of a response, and its retraction", () => {
    const u = new UnionStore();
    const now = 1_800_000_000_000;
    u.apply(1, rec(now - 2000, { machine: 'a', output: 5 }));
    // The same machine sends the response again once its last line is in (a larger total, a later stamp).
    expect(u.apply(1, rec(now - 1700, { machine: 'a', output: 400 }))).toBe('changed');
    expect(u.snapshot(now).window5hTokens).toBe(10 + 400 + 1000 + 50);
    expect(u.snapshot(now).lastResponseAtMs).toBe(now - 1700);
    u.apply(1, rec(now - 1700, { machine: 'b', output: 400 }));
    expect(u.retract(1, 'a')).toBe('changed');
    expect(u.snapshot(now).window5hTokens).toBe(1460);
    expect(u.retract(1, 'b')).toBe('changed');
    expect(u.snapshot(now).window5hTokens).toBe(0);
    expect(u.retract(1, 'b')).toBe('same');
    expect(u.size).toBe(0);
  });

  it('evicts whole old blocks, keeps the active one exact, and refuses what is older than what it kept', () => {
    const u = new UnionStore();
    const now = 1_800_000_000_000;
    let id = 0;
    // A day of work in three blocks with 6 h pauses between them.
    for (const start of [now - 20 * HOUR, now - 10 * HOUR, now - 3 * HOUR])
      for (let t = start; t < start + 2 * HOUR; t += 10 * MIN) u.apply(id++, rec(t));
    const before = u.snapshot(now);
    expect(before.window5hTokens).toBe(12 * 1160);
    expect(u.evict(now, 9 * HOUR)).toBe(12);
    expect(u.snapshot(now)).toEqual(before);
    expect(u.apply(id++, rec(now - 19 * HOUR))).toBe('late');
    expect(u.apply(id++, rec(now - 9 * HOUR))).toBe('new');
  });

  it(`keeps at most ${MAX_UNION_RECORDS} responses, dropping the oldest tenth and counting it`, () => {
    const faults = new Faults();
    const u = new UnionStore((n) => faults.hit('hub-records-dropped', {}, n));
    const now = 1_800_000_000_000;
    for (let i = 0; i <= MAX_UNION_RECORDS; i++) u.apply(i, rec(now - (MAX_UNION_RECORDS - i) * 10));
    expect(u.size).toBe(MAX_UNION_RECORDS * 0.9);
    expect(faults.count('hub-records-dropped')).toBe(MAX_UNION_RECORDS / 10 + 1);
    expect(u.snapshot(now).lastResponseAtMs).toBe(now);
  });
});
