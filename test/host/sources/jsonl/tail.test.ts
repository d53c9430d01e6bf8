// The live tail on real files in temp dirs: appends, partial lines, truncation, rotation, deletion, new
// directories, unreadable files, over-long lines, invalid UTF-8 and garbage. Driven through TranscriptReader.poll()
// (what the watcher calls) so every step is deterministic.

import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  renameSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TranscriptReader } from '../../../../host/src/sources/jsonl/reader.js';
import { assistantLine, H, type LineOpts, tempClaudeDir, total, userLine } from './helpers.js';

const T0 = Date.parse('2026-03-01T10:10:00Z');
const NOW = T0 + H; // every entry below is in one active block at NOW

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
  const e = new TranscriptReader({ claudeDirs: [dir], ...opts });
  await e.coldStart(NOW);
  return e;
}
const window = (e: TranscriptReader) => e.snapshot(NOW).window5hTokens;
const line = (o: Partial<LineOpts> & { ts?: number } = {}) => assistantLine({ ts: T0, ...o });
/** A response whose Write tool input is `bytes` long: the line is that plus ~500 bytes. */
const writeLine = (bytes: number, o: Partial<LineOpts> & { ts?: number } = {}) =>
  line({
    content: [
      {
        type: 'tool_use',
        id: 'toolu_w',
        name: 'Write',
        input: { file_path: '/x', content: 'y'.repeat(bytes) },
      },
    ],
    ...o,
  });

describe('tail', () => {
  it('counts appended lines, each once, and ignores lines without usage', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${userLine(T0)}\n${line({ output: 5 })}\n`);
    const e = await started();
    expect(window(e)).toBe(total({ ts: T0, output: 5 }));
    appendFileSync(f, `${line({ ts: T0 + 60_000, output: 7 })}\n${userLine(T0 + 61_000)}\n`);
    await e.poll(f);
    expect(window(e)).toBe(total({ ts: 0, output: 5 }) + total({ ts: 0, output: 7 }));
    await e.poll(f); // nothing new: nothing changes
    expect(window(e)).toBe(total({ ts: 0, output: 5 }) + total({ ts: 0, output: 7 }));
    expect(e.stats.linesRead).toBe(4);
  });

  it('holds a partial last line until its newline arrives', async () => {
    const f = join(project, 'a.jsonl');
    const l = line({ output: 40 });
    writeFileSync(f, l.slice(0, 50)); // torn at cold start
    const e = await started();
    expect(window(e)).toBe(0);
    appendFileSync(f, l.slice(50, 120));
    await e.poll(f);
    expect(window(e)).toBe(0);
    expect(e.stats.skipped['bad-json']).toBe(0); // never parsed half a line
    appendFileSync(f, `${l.slice(120)}\n`);
    await e.poll(f);
    expect(window(e)).toBe(total({ ts: 0, output: 40 }));
  });

  it('old files with a long torn last line are tailed from its start and count once when it completes', async () => {
    // Files older than the cold-start horizon are not read then; their first poll positions them at their
    // last newline as of the discovery. With a 200 kB partial line the search for that newline has to grow
    // past its first small read.
    const files: string[] = [];
    const pending: string[] = [];
    for (let i = 0; i < 20; i++) {
      const f = join(project, `old-${i}.jsonl`);
      const long = line({ output: 40 + i, msgId: `msg_long${i}` }).replace(
        '{',
        `{"pad":"${'x'.repeat(200_000)}",`,
      );
      writeFileSync(
        f,
        `${line({ ts: T0 - 30 * H, output: 5, msgId: `msg_old${i}` })}\n${long.slice(0, 150_000)}`,
      );
      utimesSync(f, new Date(T0 - 20 * H), new Date(T0 - 20 * H));
      files.push(f);
      pending.push(`${long.slice(150_000)}\n`);
    }
    const e = await started();
    expect(e.stats.filesTracked).toBe(20);
    expect(window(e)).toBe(0);
    for (let i = 0; i < 20; i++) {
      appendFileSync(files[i] as string, pending[i] as string);
      await e.poll(files[i] as string);
    }
    let want = 0;
    for (let i = 0; i < 20; i++) want += total({ ts: 0, output: 40 + i });
    expect(window(e)).toBe(want);
    expect(e.stats.skipped['bad-json']).toBe(0);
  });

  it('a streamed response growing over two appends counts once, with its largest usage', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${line({ msgId: 'msg_s', requestId: 'req_s', output: 1 })}\n`);
    const e = await started();
    expect(window(e)).toBe(total({ ts: 0, output: 1 }));
    appendFileSync(f, `${line({ ts: T0 + 2000, msgId: 'msg_s', requestId: 'req_s', output: 300 })}\n`);
    await e.poll(f);
    expect(window(e)).toBe(total({ ts: 0, output: 300 }));
    appendFileSync(f, `${line({ ts: T0 + 3000, msgId: 'msg_s', requestId: 'req_s', output: 300 })}\n`);
    await e.poll(f);
    expect(window(e)).toBe(total({ ts: 0, output: 300 }));
    expect(e.stats.replaced).toBe(1);
    expect(e.stats.duplicates).toBe(1);
  });

  it('dedupes the same response across files (main session and sub-agent)', async () => {
    const main = join(project, 's1.jsonl');
    const sub = join(project, 's1', 'subagents', 'agent-a1.jsonl');
    mkdirSync(join(project, 's1', 'subagents'), { recursive: true });
    writeFileSync(main, `${line({ msgId: 'msg_x', requestId: 'req_x', output: 9 })}\n`);
    writeFileSync(sub, `${line({ msgId: 'msg_x', requestId: 'req_x', output: 9 })}\n`);
    const e = await started();
    expect(window(e)).toBe(total({ ts: 0, output: 9 }));
    expect(e.stats.duplicates).toBe(1);
  });

  it('reads sub-agent files and 2.0.x top-level agent-*.jsonl files', async () => {
    mkdirSync(join(project, 's1', 'subagents'), { recursive: true });
    writeFileSync(join(project, 's1', 'subagents', 'agent-a1.jsonl'), `${line({ output: 11 })}\n`);
    writeFileSync(join(project, 'agent-3ea04571.jsonl'), `${line({ output: 12 })}\n`);
    writeFileSync(join(project, 's1.jsonl'), `${line({ output: 13 })}\n`);
    const e = await started();
    expect(window(e)).toBe(
      total({ ts: 0, output: 11 }) + total({ ts: 0, output: 12 }) + total({ ts: 0, output: 13 }),
    );
  });

  it('after truncation reads the file again without counting old responses twice', async () => {
    const f = join(project, 'a.jsonl');
    const a = line({ output: 20 });
    const b = line({ ts: T0 + 1000, output: 30 });
    writeFileSync(f, `${a}\n${b}\n`);
    const e = await started();
    const before = window(e);
    truncateSync(f, 0);
    writeFileSync(f, `${a}\n${line({ ts: T0 + 5000, output: 50 })}\n`);
    await e.poll(f);
    expect(e.stats.truncations).toBe(1);
    expect(window(e)).toBe(before + total({ ts: 0, output: 50 }));
  });

  it('a replaced file (other inode, same name) is read again, deduped', async () => {
    const f = join(project, 'a.jsonl');
    const a = line({ output: 20 });
    writeFileSync(f, `${a}\n`);
    const e = await started();
    const tmp = join(project, 'a.jsonl.tmp');
    writeFileSync(tmp, `${a}\n${line({ ts: T0 + 5000, output: 8 })}\n${'x'.repeat(40)}\n`);
    renameSync(tmp, f);
    await e.poll(f);
    expect(e.stats.rotations).toBe(1);
    expect(window(e)).toBe(total({ ts: 0, output: 20 }) + total({ ts: 0, output: 8 }));
  });

  it('a deleted file is forgotten, its counted usage stays, and polling it is harmless', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${line({ output: 20 })}\n`);
    const e = await started();
    unlinkSync(f);
    await e.poll(f);
    expect(e.stats.deletions).toBe(1);
    expect(e.tracked()).not.toContain(f);
    expect(window(e)).toBe(total({ ts: 0, output: 20 }));
    await e.poll(f);
    expect(e.stats.readErrors).toBe(0);
  });

  it('a project directory created after the start is picked up', async () => {
    const e = await started();
    const other = join(dir, 'projects', '-home-someone-new', 'sess', 'subagents');
    mkdirSync(other, { recursive: true });
    const f = join(other, 'agent-1.jsonl');
    writeFileSync(f, `${line({ output: 70 })}\n`);
    const found = (await e.discover()).map((x) => x.path);
    expect(found).toContain(f);
    await e.poll(f);
    expect(window(e)).toBe(total({ ts: 0, output: 70 }));
  });

  it('an unreadable file is a counted error; the others are still counted', async () => {
    writeFileSync(join(project, 'good.jsonl'), `${line({ output: 5 })}\n`);
    const bad = join(project, 'bad.jsonl');
    if (process.getuid?.() === 0) {
      // root reads through chmod 000; a symlink loop is unreadable for everyone (ELOOP)
      symlinkSync(bad, bad);
    } else {
      writeFileSync(bad, `${line({ output: 99 })}\n`, { mode: 0o000 });
    }
    const e = await started();
    expect(e.stats.readErrors).toBeGreaterThanOrEqual(1);
    expect(window(e)).toBe(total({ ts: 0, output: 5 }));
  });

  it('counts a line over 10 MB (a big Write) without holding it while it streams, and the lines around it', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${line({ output: 1 })}\n`);
    const e = await started();
    const huge = writeLine(11 * 1024 * 1024, { ts: T0 + 500, output: 777 });
    appendFileSync(f, huge.slice(0, 3_000_000)); // arrives in pieces, as a writer would
    await e.poll(f);
    appendFileSync(f, huge.slice(3_000_000, 10_600_000));
    await e.poll(f);
    appendFileSync(f, `${huge.slice(10_600_000)}\n${line({ ts: T0 + 1000, output: 2 })}\n`);
    await e.poll(f);
    expect(e.stats.longLinesRead).toBe(1);
    expect(e.stats.longLines).toBe(0);
    expect(window(e)).toBe(
      total({ ts: 0, output: 1 }) + total({ ts: 0, output: 777 }) + total({ ts: 0, output: 2 }),
    );
  });

  it('skips invalid UTF-8 and garbage lines, counting them', async () => {
    const f = join(project, 'a.jsonl');
    const bad = Buffer.concat([
      Buffer.from('{"message":{"usage":{"input_tokens":1,"output_tokens":1},"t":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}\n'),
    ]);
    writeFileSync(f, `${line({ output: 1 })}\n`);
    appendFileSync(f, bad);
    appendFileSync(f, 'garbage "usage":{ here\n\n{"truncated":\n');
    appendFileSync(f, `${line({ ts: T0 + 1000, output: 2 })}\n`);
    const e = await started();
    expect(e.stats.skipped['invalid-utf8']).toBe(1);
    expect(e.stats.skipped['bad-json']).toBe(1);
    expect(window(e)).toBe(total({ ts: 0, output: 1 }) + total({ ts: 0, output: 2 }));
  });

  it('reads a file in many small chunks exactly like in one', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => line({ ts: T0 + i * 1000, output: i + 1 }));
    writeFileSync(join(project, 'a.jsonl'), `${lines.join('\n')}\n`);
    const small = await started({ chunkBytes: 97 });
    const big = await started();
    expect(window(small)).toBe(window(big));
    expect(window(big)).toBe(lines.reduce((s, _, i) => s + total({ ts: 0, output: i + 1 }), 0));
  });
});

describe('lines longer than maxLineBytes', () => {
  // Small limits: held up to 2 kB while streaming, read again whole up to 8 kB.
  const LIMITS = { chunkBytes: 1024, maxLineBytes: 2048, maxParsedLineBytes: 8192 };
  // No message.id: such lines are never deduped, so one processed twice would count twice.
  const long = (bytes: number, output: number, ts = T0) => writeLine(bytes, { ts, output, msgId: null });
  const small = (output: number, ts = T0) => line({ ts, output, msgId: null });
  const sum = (...outputs: number[]) => outputs.reduce((s, o) => s + total({ ts: 0, output: o }), 0);

  it('forward: counts one once, with the lines around it', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${small(1)}\n`);
    const e = await started(LIMITS);
    appendFileSync(f, `${long(5000, 50, T0 + 1000)}\n${small(2, T0 + 2000)}\n`);
    await e.poll(f);
    await e.poll(f);
    expect(window(e)).toBe(sum(1, 50, 2));
    expect(e.stats.longLinesRead).toBe(1);
    expect(e.stats.longLines).toBe(0);
    expect(e.stats.linesRead).toBe(3);
  });

  it('forward: one whose newline comes in a later poll counts once, from its start', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${small(1)}\n`);
    const e = await started(LIMITS);
    const l = long(6000, 60, T0 + 1000);
    appendFileSync(f, l.slice(0, 1500)); // held
    await e.poll(f);
    appendFileSync(f, l.slice(1500, 4000)); // over 2 kB now: only its start is kept
    await e.poll(f);
    appendFileSync(f, l.slice(4000, 5500));
    await e.poll(f);
    expect(window(e)).toBe(sum(1));
    appendFileSync(f, `${l.slice(5500)}\n${small(2, T0 + 2000)}\n${l.slice(0, 100)}`);
    await e.poll(f);
    expect(window(e)).toBe(sum(1, 60, 2));
    expect(e.stats.longLinesRead).toBe(1);
    expect(e.stats.skipped['bad-json']).toBe(0);
    expect(e.stats.linesRead).toBe(3);
  });

  it('forward: one already in memory (in one chunk, or a held partial and the next chunk) is not read again', async () => {
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${small(1)}\n`);
    const e = await started({ ...LIMITS, chunkBytes: 8192 });
    const a = long(2500, 25, T0 + 1000); // inside the first chunk the poll reads
    const fillers = Array.from({ length: 8 }, (_, i) => small(100 + i, T0 + 1500));
    const b = long(3000, 30, T0 + 2000); // starts under 2 kB before that chunk's end: held, then completed
    const bAt = a.length + 1 + fillers.join('\n').length + 1;
    expect(8192 - bAt).toBeGreaterThan(0); // the layout the test needs
    expect(8192 - bAt).toBeLessThanOrEqual(2048);
    appendFileSync(f, `${a}\n${fillers.join('\n')}\n${b}\n${small(4, T0 + 3000)}\n`);
    await e.poll(f);
    expect(window(e)).toBe(sum(1, 25, ...fillers.map((_, i) => 100 + i), 30, 4));
    expect(e.stats.longLinesRead).toBe(2);
    expect(e.stats.bytesRead).toBe(statSync(f).size); // every byte read once: no second read
  });

  it('cold start: counts each once, spanning several chunks, and one at byte 0', async () => {
    const f = join(project, 'a.jsonl');
    const lines = [long(5000, 10), small(1), long(3000, 20), small(2), long(7000, 30), small(3)];
    writeFileSync(f, `${lines.join('\n')}\n`);
    const only = join(project, 'only.jsonl'); // a file that is one long line
    writeFileSync(only, `${long(4000, 40)}\n`);
    const e = await started(LIMITS);
    expect(window(e)).toBe(sum(10, 1, 20, 2, 30, 3, 40));
    expect(e.stats.longLinesRead).toBe(4);
    expect(e.stats.longLines).toBe(0);
    expect(e.stats.linesRead).toBe(7);
  });

  it('cold start: the same count as with default limits wherever the chunks fall', async () => {
    for (let shift = 0; shift < 1100; shift += 73) {
      const f = join(project, `s${shift}.jsonl`);
      const lines = [
        small(1).replace('"hello"', `"${'h'.repeat(shift)}"`),
        long(2100, 10),
        long(2900, 20),
        small(2),
        long(7500, 30),
      ];
      writeFileSync(f, `${lines.join('\n')}\n`);
      const e = await started(LIMITS);
      expect(window(e), `shift ${shift}`).toBe(sum(1, 10, 20, 2, 30));
      expect(e.stats.linesRead).toBe(5);
      expect(e.stats.longLinesRead).toBe(3);
      unlinkSync(f);
    }
  });

  it('cold start over several passes reads each once: the same blocks as with default limits', async () => {
    // Old entries, a 20 h gap, then entries every 4 h for 20 h: the horizon moves back pass after pass
    // (each stopping inside the file, among long lines) until it sees the gap, and reads no further.
    const f = join(project, 'a.jsonl');
    const lines: string[] = [];
    for (let k = 5; k >= 0; k--) lines.push(long(2500 + k * 500, 80 + k, T0 - 40 * H - k * H));
    for (let k = 5; k >= 0; k--) {
      lines.push(long(3000 + k * 700, 10 + k, T0 - k * 4 * H));
      lines.push(small(20 + k, T0 - k * 4 * H + 60_000));
    }
    writeFileSync(f, `${lines.join('\n')}\n`);
    const ref = await started(); // one chunk: reads the whole file at once
    const recent = (x: TranscriptReader) => x.blocks(NOW).filter((bl) => bl.startMs > T0 - 21 * H);
    expect(recent(ref)).toHaveLength(3);
    // Chunks over 2 kB also let a pass stop while the line before its lines is too long to carry.
    for (const limits of [LIMITS, { ...LIMITS, chunkBytes: 4096 }]) {
      const e = await started(limits);
      expect(e.stats.coldHorizonMs).toBeGreaterThan(20 * H);
      expect(e.stats.linesRead).toBeLessThan(lines.length);
      expect(recent(e)).toEqual(recent(ref));
      expect(window(e)).toBe(window(ref));
      const full = new TranscriptReader({ claudeDirs: [dir], ...limits });
      await full.coldStart(NOW, true);
      expect(full.stats.linesRead).toBe(lines.length);
      expect(full.stats.longLinesRead).toBe(12);
      expect(full.blocks(NOW)).toEqual(ref.blocks(NOW));
    }
  });

  it('nothing counts twice when the cold start is followed by live appends', async () => {
    const f = join(project, 'a.jsonl');
    const torn = long(4000, 40, T0 + 3000);
    writeFileSync(
      f,
      `${long(5000, 10)}\n${small(1, T0 + 1000)}\n${long(3000, 20, T0 + 2000)}\n${torn.slice(0, 2500)}`,
    );
    const e = await started(LIMITS);
    expect(window(e)).toBe(sum(10, 1, 20));
    appendFileSync(f, `${torn.slice(2500)}\n${long(6000, 50, T0 + 4000)}\n`);
    await e.poll(f);
    appendFileSync(f, `${small(2, T0 + 5000)}\n`);
    await e.poll(f);
    await e.poll(f);
    expect(window(e)).toBe(sum(10, 1, 20, 40, 50, 2));
    expect(e.stats.linesRead).toBe(6);
    expect(e.stats.longLinesRead).toBe(4);
  });

  it('one over maxParsedLineBytes is still skipped and counted, cold or live; the lines around it count', async () => {
    const logs: { level: string; msg: string }[] = [];
    const f = join(project, 'a.jsonl');
    writeFileSync(f, `${small(1)}\n${long(10_000, 99)}\n${long(5000, 50)}\n${small(2)}\n${long(9000, 98)}\n`);
    const to = (level: string) => (_fields: unknown, msg?: string) => logs.push({ level, msg: msg ?? '' });
    const log = { debug: to('debug'), info: to('info'), warn: to('warn'), error: to('error') };
    const e = await started({ ...LIMITS, log });
    expect(e.stats.longLines).toBe(2);
    expect(window(e)).toBe(sum(1, 50, 2));
    const huge = long(12_000, 97, T0 + 1000);
    appendFileSync(f, huge.slice(0, 5000));
    await e.poll(f);
    appendFileSync(f, `${huge.slice(5000)}\n${small(3, T0 + 2000)}\n`);
    await e.poll(f);
    expect(e.stats.longLines).toBe(3);
    expect(e.stats.longLinesRead).toBe(1);
    expect(window(e)).toBe(sum(1, 50, 2, 3));
    // Counted each time, logged once (the fault registry's rate limit).
    expect(e.faults.count('transcript-line-too-long')).toBe(3);
    expect(logs.filter((l) => l.msg.includes('over the parse limit') && l.level === 'warn')).toHaveLength(1);
    expect(logs.filter((l) => l.level === 'debug')).toHaveLength(1);
  });
});

describe('files the cold start skips by mtime (positioned on their first read)', () => {
  const OLD = new Date(T0 - 20 * H); // before the cold start's first horizon (NOW - 10 h)
  function oldFile(name: string, content: string): string {
    const f = join(project, name);
    writeFileSync(f, content);
    utimesSync(f, OLD, OLD);
    return f;
  }
  const found = async (e: TranscriptReader, f: string) => (await e.discover()).find((x) => x.path === f);
  // A recent response anchors the cold start at its first horizon: without one it reads on into the past.
  const recent = `${line({ output: 1, msgId: 'msg_recent' })}\n`;
  const base = total({ ts: 0, output: 1 });
  beforeEach(() => writeFileSync(join(project, 'recent.jsonl'), recent));

  it('are not opened at the cold start: only the recent file is read', async () => {
    for (let i = 0; i < 5; i++)
      oldFile(`old-${i}.jsonl`, `${line({ ts: T0 - 30 * H, output: 9, msgId: `msg_o${i}` })}\n`);
    const e = await started();
    expect(e.stats.filesTracked).toBe(6);
    expect(e.stats.bytesRead).toBe(Buffer.byteLength(recent));
    expect(window(e)).toBe(base);
  });

  it('lines appended after the discovery are read exactly once, old lines never', async () => {
    const f = oldFile('a.jsonl', `${line({ ts: T0 - 30 * H, output: 9, msgId: 'msg_old' })}\n`);
    const e = await started();
    const before = await found(e, f);
    expect(before && e.needsPoll(before)).toBe(false); // unchanged: nothing to poll
    appendFileSync(f, `${line({ output: 11, msgId: 'msg_new1' })}\n`);
    const grown = await found(e, f);
    expect(grown && e.needsPoll(grown)).toBe(true);
    await e.poll(f);
    await e.poll(f);
    expect(window(e)).toBe(base + total({ ts: 0, output: 11 }));
    appendFileSync(f, `${line({ ts: T0 + 1000, output: 13, msgId: 'msg_new2' })}\n`);
    await e.poll(f);
    expect(window(e)).toBe(base + total({ ts: 0, output: 11 }) + total({ ts: 0, output: 13 }));
    expect(e.stats.linesRead).toBe(3); // recent.jsonl's line and the two appended: the old line never
    expect(e.stats.duplicates + e.stats.truncations + e.stats.rotations).toBe(0);
  });

  it('a line torn at the discovery and completed later counts once', async () => {
    const l = line({ output: 21, msgId: 'msg_torn' });
    const f = oldFile(
      'a.jsonl',
      `${line({ ts: T0 - 30 * H, output: 9, msgId: 'msg_old' })}\n${l.slice(0, 60)}`,
    );
    const e = await started();
    appendFileSync(f, l.slice(60, 100)); // still torn: nothing to count, nothing half-parsed
    await e.poll(f);
    expect(window(e)).toBe(base);
    appendFileSync(f, `${l.slice(100)}\n${line({ ts: T0 + 1000, output: 4, msgId: 'msg_after' })}\n`);
    await e.poll(f);
    await e.poll(f);
    expect(window(e)).toBe(base + total({ ts: 0, output: 21 }) + total({ ts: 0, output: 4 }));
    expect(e.stats.skipped['bad-json']).toBe(0);
  });

  it('one replaced or truncated before its first read is read again from the live horizon, deduped', async () => {
    const keep = line({ output: 5, msgId: 'msg_keep' });
    const r = oldFile('r.jsonl', `${line({ ts: T0 - 30 * H, output: 9, msgId: 'msg_r' })}\n`);
    const t = oldFile(
      't.jsonl',
      `${line({ ts: T0 - 30 * H, output: 9, msgId: 'msg_t' })}\n${'x'.repeat(500)}\n`,
    );
    const e = await started();
    const tmp = join(project, 'r.jsonl.tmp');
    writeFileSync(tmp, `${keep}\n`);
    renameSync(tmp, r);
    truncateSync(t, 0);
    writeFileSync(t, `${keep}\n`); // same response as in r.jsonl, shorter than the size seen at discovery
    await e.poll(r);
    await e.poll(t);
    expect(e.stats.rotations).toBe(1);
    expect(e.stats.truncations).toBe(1);
    expect(window(e)).toBe(base + total({ ts: 0, output: 5 }));
  });

  it('a FIFO named *.jsonl is refused without blocking, never tracked, and counted as a read error', async () => {
    if (process.platform === 'win32') return;
    const fifo = join(project, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const e = await started();
    expect(e.tracked()).not.toContain(fifo);
    expect(e.stats.readErrors).toBe(1); // found by the listing
    await e.poll(fifo); // an open without O_NONBLOCK would wait here for a writer forever
    expect(e.tracked()).not.toContain(fifo);
    expect(e.stats.readErrors).toBe(2);
    expect(e.faults.count('transcript-unreadable')).toBe(2);
    expect(window(e)).toBe(base);
  });
});
