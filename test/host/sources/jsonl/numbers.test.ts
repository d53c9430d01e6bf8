// The snapshot's other numbers: rate over 60 s, cache hit rate over 5 min, the thinking estimator, last
// model, the fixed clock, and bounded memory (eviction).

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK_MS, identifyBlocks } from '../../../../host/src/sources/jsonl/blocks.js';
import { estimateThinking, Ledger } from '../../../../host/src/sources/jsonl/ledger.js';
import { parseUsageLine, type UsageRecord } from '../../../../host/src/sources/jsonl/parse.js';
import { TranscriptReader } from '../../../../host/src/sources/jsonl/reader.js';
import { assistantLine, H, type LineOpts } from './helpers.js';

const T0 = Date.parse('2026-03-01T10:10:00Z');
const S = 1000;

function rec(o: LineOpts): UsageRecord {
  const r = parseUsageLine(Buffer.from(assistantLine(o)));
  if (!r.ok) throw new Error(r.reason);
  return r.records[0] as UsageRecord;
}
function ledgerOf(lines: LineOpts[]): Ledger {
  const l = new Ledger();
  for (const [i, o] of lines.entries()) l.add(rec(o), 1, i * 1000);
  return l;
}

describe('rate1m', () => {
  it('sums tokens stamped in the last 60 s, as tokens per minute', () => {
    const l = ledgerOf([
      { ts: T0 - 61 * S, output: 1000 }, // outside
      { ts: T0 - 59 * S, output: 100, input: 0 },
      { ts: T0, output: 200, input: 0, cacheRead: 50 },
    ]);
    expect(l.windowNumbers(T0).rate1m).toBe(350);
    expect(l.windowNumbers(T0 + 2 * S).rate1m).toBe(250);
    expect(l.windowNumbers(T0 + 61 * S).rate1m).toBe(0);
  });

  it('a streamed duplicate adds only its growth, never the whole again', () => {
    const l = new Ledger();
    l.add(rec({ ts: T0, msgId: 'm', requestId: 'r', output: 5, input: 0 }), 1, 0);
    expect(l.windowNumbers(T0 + S).rate1m).toBe(5);
    l.add(rec({ ts: T0 + S, msgId: 'm', requestId: 'r', output: 80, input: 0 }), 1, 100);
    l.add(rec({ ts: T0 + 2 * S, msgId: 'm', requestId: 'r', output: 80, input: 0 }), 1, 200);
    expect(l.windowNumbers(T0 + 3 * S).rate1m).toBe(80);
  });
});

describe('cacheHitRate', () => {
  it('is cacheRead / (input + cacheRead + cacheCreation) over 5 min', () => {
    const l = ledgerOf([
      { ts: T0 - 6 * 60 * S, input: 1000, cacheRead: 0 }, // outside 5 min
      { ts: T0 - 4 * 60 * S, input: 10, cacheRead: 600, cacheCreation: 390 },
      { ts: T0, input: 0, cacheRead: 1000, cacheCreation: 0 },
    ]);
    expect(l.windowNumbers(T0).cacheHitRate).toBeCloseTo(1600 / 2000, 10);
    expect(new Ledger().windowNumbers(T0).cacheHitRate).toBe(0);
  });
});

describe('thinkingRatio', () => {
  it('uses output_tokens_details.thinking_tokens when present', () => {
    const l = ledgerOf([{ ts: T0, output: 1000, outputDetails: { thinking_tokens: 250 } }]);
    expect(l.windowNumbers(T0).thinkingRatio).toBeCloseTo(0.25, 10);
  });

  it('estimates output minus visible characters / 4 across the lines of one response', () => {
    // 2.1 writes one content block per line: thinking (empty text), then text, then a tool call
    const l = new Ledger();
    const base = { msgId: 'm1', requestId: 'r1', output: 500 };
    l.add(rec({ ts: T0, ...base, content: [{ type: 'thinking', thinking: '', signature: 'x' }] }), 1, 0);
    l.add(rec({ ts: T0 + 1, ...base, content: [{ type: 'text', text: 'a'.repeat(400) }] }), 1, 1);
    l.add(
      rec({
        ts: T0 + 2,
        ...base,
        content: [{ type: 'tool_use', id: 't', name: 'Bash', input: { c: 'b'.repeat(392) } }],
      }),
      1,
      2,
    );
    // visible = 400 + JSON {"c":"bbb…"} (400) = 800 chars ≈ 200 tokens → 300 of 500 thinking
    expect(l.windowNumbers(T0 + 3).thinkingRatio).toBeCloseTo(300 / 500, 10);
    // a response without thinking adds output but no thinking
    l.add(rec({ ts: T0 + 4, output: 500, content: [{ type: 'text', text: 'x'.repeat(2000) }] }), 1, 3);
    expect(l.windowNumbers(T0 + 5).thinkingRatio).toBeCloseTo(300 / 1000, 10);
  });

  it('reads content only for responses the 5 min window can hold (contentFromMs)', () => {
    const line = Buffer.from(
      assistantLine({ ts: T0, output: 500, content: [{ type: 'thinking', thinking: '', signature: 'x' }] }),
    );
    const described = parseUsageLine(line, T0);
    const skipped = parseUsageLine(line, T0 + 1);
    if (!described.ok || !skipped.ok) throw new Error('line rejected');
    expect(described.records[0]?.hasThinkingBlock).toBe(true);
    expect(skipped.records[0]).toEqual({ ...described.records[0], hasThinkingBlock: false, visibleChars: 0 });
  });

  it('a cold start still estimates thinking for the last 5 min', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cg-think-'));
    try {
      const think = [{ type: 'thinking', thinking: '', signature: 'x' }];
      const lines = [
        { ts: T0 - 10 * 60 * S, output: 900, content: think }, // outside the window
        { ts: T0 - 60 * S, output: 400, content: think },
        { ts: T0 - 30 * S, output: 400, content: [{ type: 'text', text: 'a'.repeat(800) }] },
      ].map((o) => `${assistantLine(o)}\n`);
      await mkdir(join(dir, 'projects', 'p'), { recursive: true });
      await writeFile(join(dir, 'projects', 'p', 's.jsonl'), lines.join(''));
      const e = new TranscriptReader({ claudeDirs: [dir] });
      await e.coldStart(T0);
      // 400 of 800 output tokens in the window are thinking; the old response's 900 are not counted
      expect(e.snapshot(T0).thinkingRatio).toBeCloseTo(0.5, 10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never leaves 0..1 and is 0 without output', () => {
    const l = ledgerOf([{ ts: T0, output: 10, outputDetails: { thinking_tokens: 99 } }]);
    expect(l.windowNumbers(T0).thinkingRatio).toBe(1);
    expect(ledgerOf([{ ts: T0, output: 0 }]).windowNumbers(T0).thinkingRatio).toBe(0);
    const e = l.sorted()[0];
    expect(e && estimateThinking(e)).toBe(10);
  });
});

describe('last model and response', () => {
  it('is the newest non-synthetic response', () => {
    const l = ledgerOf([
      { ts: T0, model: 'claude-opus-4-6' },
      { ts: T0 + S, model: 'claude-haiku-4-5' },
      { ts: T0 + 2 * S, model: '<synthetic>' },
    ]);
    const w = l.windowNumbers(T0 + 3 * S);
    expect(w.lastModel).toBe('claude-haiku-4-5');
    expect(w.lastResponseAtMs).toBe(T0 + S);
  });
});

describe('fixed clock', () => {
  it('ignores entries stamped after nowMs everywhere', () => {
    const l = ledgerOf([
      { ts: T0, model: 'a', output: 10, input: 0 },
      { ts: T0 + 30 * S, model: 'b', output: 1000, input: 0 },
    ]);
    const w = l.windowNumbers(T0 + 10 * S);
    expect(w.rate1m).toBe(10);
    expect(w.lastModel).toBe('a');
    expect(l.blocks(T0 + 10 * S)[0]?.total).toBe(10);
  });

  it('window5hResetInS counts down to the block end', async () => {
    const e = new TranscriptReader({ claudeDirs: [] });
    e.ledger.add(rec({ ts: T0 }), 1, 0);
    const start = Math.floor(T0 / H) * H;
    const snap = e.snapshot(T0 + 60 * S);
    expect(snap.window5hResetInS).toBe((start + BLOCK_MS - (T0 + 60 * S)) / 1000);
    expect(e.snapshot(T0 + BLOCK_MS).window5hResetInS).toBeNull();
  });
});

describe('blocks', () => {
  it('splits strictly after 5 h from the block start or from the previous entry', () => {
    const start = Date.parse('2026-03-01T10:00:00Z');
    const e = (ts: number) => ({ ts, input: 1, output: 0, cacheCreation: 0, cacheRead: 0, model: null });
    expect(identifyBlocks([e(start + 10 * S), e(start + BLOCK_MS)]).length).toBe(1);
    expect(identifyBlocks([e(start + 10 * S), e(start + BLOCK_MS + 1)]).length).toBe(2);
    const b = identifyBlocks([e(start + 30 * 60 * S), e(start + 30 * 60 * S + BLOCK_MS + 1)]);
    expect(b.map((x) => new Date(x.startMs).toISOString())).toEqual([
      '2026-03-01T10:00:00.000Z',
      '2026-03-01T15:00:00.000Z',
    ]);
  });
});

describe('memory', () => {
  it('evicts whole old blocks, keeps the answer, and refuses lines older than what it keeps', () => {
    const l = new Ledger();
    let n = 0;
    // three days of steady use with a nightly 8 h break
    for (let day = 0; day < 3; day++)
      for (let t = 0; t < 16 * H; t += 5 * 60 * S) l.add(rec({ ts: T0 + day * 24 * H + t }), 1, n++);
    const now = T0 + 2 * 24 * H + 16 * H;
    const before = { blocks: l.blocks(now).at(-1), numbers: l.windowNumbers(now) };
    const dropped = l.evict(now, 6 * H);
    expect(dropped).toBeGreaterThan(0);
    expect(l.size).toBeLessThan(n / 2);
    expect(l.blocks(now).at(-1)).toEqual(before.blocks);
    expect(l.windowNumbers(now)).toEqual(before.numbers);
    expect(l.add(rec({ ts: T0 }), 1, n++)).toBe('late');
    expect(l.blocks(now).at(-1)).toEqual(before.blocks);
  });

  it('keeps last model and last response time after everything was evicted', () => {
    const l = ledgerOf([{ ts: T0, model: 'claude-opus-4-6' }]);
    l.evict(T0 + 2 * 24 * H, 6 * H);
    expect(l.size).toBe(0);
    const w = l.windowNumbers(T0 + 2 * 24 * H);
    expect(w.lastModel).toBe('claude-opus-4-6');
    expect(w.lastResponseAtMs).toBe(T0);
  });
});
