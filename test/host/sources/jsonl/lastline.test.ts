// A last line without a newline (a copied, synced or restored transcript; or a line being written right
// now): counted once its file has been quiet for finalLineQuietMs if it is complete JSON, at once in one-shot
// reads, never twice when its newline (or more lines) arrive later, and never when it is torn. The reader is
// driven through poll() with the file's mtime set by hand, so "quiet" needs no waiting; the JsonlSource test
// at the end runs the real timer.

import { appendFileSync, mkdirSync, renameSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FINAL_LINE_QUIET_MS, TranscriptReader } from '../../../../host/src/sources/jsonl/reader.js';
import { countHistory, historyBlocks, JsonlSource } from '../../../../host/src/sources/jsonl/source.js';
import { assistantLine, H, type LineOpts, tempClaudeDir, total, userLine } from './helpers.js';

const T0 = Date.parse('2026-03-01T10:10:00Z');
const NOW = T0 + H;
/** Long enough that a file just written is never quiet while a test runs, however slow the machine. */
const QUIET = 10 * 60_000;

let dir: string;
let cleanup: () => void;
let project: string;
beforeEach(() => {
  ({ dir, cleanup } = tempClaudeDir());
  project = join(dir, 'projects', '-home-someone-proj');
  mkdirSync(project, { recursive: true });
});
afterEach(() => cleanup());

async function started(
  opts: Partial<ConstructorParameters<typeof TranscriptReader>[0]> = {},
): Promise<TranscriptReader> {
  const e = new TranscriptReader({ claudeDirs: [dir], finalLineQuietMs: QUIET, ...opts });
  await e.coldStart(NOW);
  return e;
}
const window = (e: TranscriptReader) => e.snapshot(NOW).window5hTokens;
const line = (o: Partial<LineOpts> & { ts?: number } = {}) => assistantLine({ ts: T0, ...o });
const tokens = (output: number) => total({ ts: 0, output });
/** The file has been unchanged for longer than QUIET (as if the wall clock had moved on). */
const quiet = (f: string) => {
  const past = new Date(Date.now() - 2 * QUIET);
  utimesSync(f, past, past);
};

describe('a last line without a newline, live', () => {
  it('is held while its file is fresh, counted once quiet, and not again when its newline arrives', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${line({ output: 5 })}\n`);
    const e = await started();
    appendFileSync(f, line({ ts: T0 + 1000, output: 7 }));
    await e.poll(f);
    expect(window(e)).toBe(tokens(5));
    expect(e.heldLines()).toEqual([f]);
    quiet(f);
    await e.poll(f);
    expect(window(e)).toBe(tokens(5) + tokens(7));
    expect(e.stats.lastLinesClosed).toBe(1);
    expect(e.heldLines()).toEqual([]);
    await e.poll(f); // nothing new
    appendFileSync(f, '\n');
    await e.poll(f);
    appendFileSync(f, `${line({ ts: T0 + 2000, output: 9 })}\n`);
    await e.poll(f);
    expect(window(e)).toBe(tokens(5) + tokens(7) + tokens(9));
    expect(e.stats.lastLinesClosed).toBe(1);
  });

  it('a line without message.id (never deduped) counts once: quiet, then its newline, then a rewrite', async () => {
    const f = join(project, 'a.jsonl');
    const noId = line({ msgId: null, requestId: null, output: 11 });
    writeFileSync(f, `${userLine(T0 - 1000)}\n${noId}`);
    quiet(f);
    const e = await started();
    expect(window(e)).toBe(tokens(11)); // quiet already at the cold start
    appendFileSync(f, '\n');
    await e.poll(f);
    expect(window(e)).toBe(tokens(11));
    // rewritten by a sync tool with the newline stripped again: read anew, recognised, nothing doubled
    writeFileSync(`${f}.new`, `${userLine(T0 - 1000)}\n${noId}`);
    renameSync(`${f}.new`, f);
    await e.poll(f);
    expect(window(e)).toBe(tokens(11));
    quiet(f);
    await e.poll(f);
    expect(window(e)).toBe(tokens(11));
    expect(e.stats.rotations).toBe(1);
    // and once more, truncated and rewritten with the newline and a new line after it
    truncateSync(f, 0);
    appendFileSync(f, `${noId}\n${line({ ts: T0 + 3000, msgId: null, requestId: null, output: 13 })}\n`);
    await e.poll(f);
    expect(window(e)).toBe(tokens(11) + tokens(13));
  });

  it('a torn line is never counted, however quiet; completed later it counts once', async () => {
    const f = join(project, 'a.jsonl');
    const l = line({ output: 40 });
    writeFileSync(f, l.slice(0, l.length - 1)); // all but the closing brace
    quiet(f);
    const e = await started();
    expect(window(e)).toBe(0);
    expect(e.heldLines()).toEqual([]); // found torn: not polled again until it grows
    await e.poll(f);
    expect(window(e)).toBe(0);
    appendFileSync(f, l.slice(-1)); // now complete, still without newline, and fresh
    await e.poll(f);
    expect(window(e)).toBe(0);
    expect(e.heldLines()).toEqual([f]);
    quiet(f);
    await e.poll(f);
    expect(window(e)).toBe(tokens(40));
    appendFileSync(f, '\n');
    await e.poll(f);
    expect(window(e)).toBe(tokens(40));
    expect(e.stats.skipped['bad-json']).toBe(0);
  });

  it('more objects appended to a counted last line (a resumed session) count, as a cold read counts them', async () => {
    const f = join(project, 'a.jsonl');
    const a = line({ msgId: 'msg_a', output: 3 });
    writeFileSync(f, a);
    quiet(f);
    const e = await started();
    expect(window(e)).toBe(tokens(3));
    // Claude Code appends its lines after the stripped newline: the next object lands on the same line
    appendFileSync(f, `${line({ ts: T0 + 1000, msgId: 'msg_b', output: 4 })}\n`);
    await e.poll(f);
    // and one appended in one go with the line it continues
    const g = join(project, 'b.jsonl');
    writeFileSync(g, `${line({ msgId: 'msg_c', output: 5 })}${line({ msgId: 'msg_d', output: 6 })}\n`);
    await e.poll(g);
    const want = tokens(3) + tokens(4) + tokens(5) + tokens(6);
    expect(window(e)).toBe(want);
    expect((await countHistory([dir], NOW)).snapshot.window5hTokens).toBe(want);
  });

  it('a last line over maxLineBytes (not held in memory) is read again whole once quiet', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${line({ output: 1 })}\n`);
    const e = await started({ maxLineBytes: 300, chunkBytes: 128 });
    const big = line({
      ts: T0 + 1000,
      output: 77,
      content: [{ type: 'text', text: 'z'.repeat(2000) }],
    });
    appendFileSync(f, big);
    await e.poll(f);
    expect(window(e)).toBe(tokens(1));
    const longBefore = e.stats.longLinesRead; // the first line is over 300 bytes too
    quiet(f);
    await e.poll(f);
    expect(window(e)).toBe(tokens(1) + tokens(77));
    expect(e.stats.longLinesRead).toBe(longBefore + 1);
    appendFileSync(f, '\n');
    await e.poll(f);
    expect(window(e)).toBe(tokens(1) + tokens(77));
  });
});

describe('a last line without a newline, cold', () => {
  it('counts at once in one-shot reads, and at the cold start only when its file is quiet', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${line({ output: 5 })}\n${line({ ts: T0 + 1000, output: 6 })}`);
    const want = tokens(5) + tokens(6);
    expect((await countHistory([dir], NOW)).snapshot.window5hTokens).toBe(want);
    expect((await historyBlocks([dir], NOW)).blocks[0]?.totalTokens).toBe(want);
    const fresh = await started();
    expect(window(fresh)).toBe(tokens(5));
    expect(fresh.heldLines()).toEqual([f]);
    quiet(f);
    const old = await started();
    expect(window(old)).toBe(want);
    expect(old.stats.lastLinesClosed).toBe(1);
  });

  it('the bounded cold start counts it before deciding how far back to read', async () => {
    // 01:00 in one file; 05:30 the last line of another, without newline; 09:40 the live session. 05:30 is
    // within 5 h of 01:00, so it joins 01:00's block and 09:40 opens a block of its own. Counted only after
    // the horizon was settled, 05:30 would look like the start of a block that 09:40 joins.
    const day = Date.parse('2026-03-02T00:00:00Z');
    const m = 60_000;
    const at = (h: number, min: number) => day + h * H + min * m;
    const files = [
      ['a.jsonl', `${line({ ts: at(1, 0), output: 10 })}\n`, at(1, 1)],
      ['b.jsonl', line({ ts: at(5, 30), output: 20 }), at(5, 31)],
      ['c.jsonl', `${line({ ts: at(9, 40), output: 30 })}\n`, at(9, 41)],
    ] as const;
    for (const [name, text, mtime] of files) {
      writeFileSync(join(project, name), text);
      utimesSync(join(project, name), new Date(mtime), new Date(mtime));
    }
    const now = at(9, 50);
    const full = await historyBlocks([dir], now);
    expect(full.blocks.map((b) => [b.startTime, b.totalTokens])).toEqual([
      [new Date(at(1, 0)).toISOString(), tokens(10) + tokens(20)],
      [new Date(at(9, 0)).toISOString(), tokens(30)],
    ]);
    const bounded = await countHistory([dir], now, { initialLookbackMs: 5 * H });
    expect(bounded.snapshot.window5hTokens).toBe(tokens(30));
  });

  it('the quiet time is two seconds by default', () => {
    expect(DEFAULT_FINAL_LINE_QUIET_MS).toBe(2_000);
    expect(new TranscriptReader({ claudeDirs: [dir] }).finalLineQuietMs).toBe(2_000);
  });
});

describe('JsonlSource and a last line without a newline', () => {
  it('counts it after the quiet time on its own timer, once, and the newline changes nothing', async () => {
    const now = Date.now();
    const f = join(project, 's.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 60_000, output: 5 })}\n`);
    const s = new JsonlSource({ claudeDirs: [dir], finalLineQuietMs: 200, rescanIntervalMs: 0 });
    try {
      await s.start();
      await s.watching();
      const window5h = async () => (await s.snapshot(Date.now())).window5hTokens;
      expect(await window5h()).toBe(tokens(5));
      appendFileSync(f, assistantLine({ ts: now - 30_000, msgId: null, requestId: null, output: 8 }));
      await vi.waitFor(async () => expect(await window5h()).toBe(tokens(5) + tokens(8)), {
        timeout: 10_000,
        interval: 25,
      });
      expect(s.stats().lastLinesClosed).toBe(1);
      appendFileSync(f, '\n');
      appendFileSync(f, `${assistantLine({ ts: now - 20_000, output: 9 })}\n`);
      await vi.waitFor(async () => expect(await window5h()).toBe(tokens(5) + tokens(8) + tokens(9)), {
        timeout: 10_000,
        interval: 25,
      });
      await s.settle();
      expect(await window5h()).toBe(tokens(5) + tokens(8) + tokens(9));
    } finally {
      await s.stop();
    }
  });
});
