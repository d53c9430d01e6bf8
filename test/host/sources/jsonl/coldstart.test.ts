// The bounded cold start (skip old files by mtime, read files backwards to a horizon that moves back until
// the active block's start is certain) must give exactly what a full read of all history gives.

import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TranscriptReader } from '../../../../host/src/sources/jsonl/reader.js';
import { countHistory } from '../../../../host/src/sources/jsonl/source.js';
import { assistantLine, H, tempClaudeDir, userLine } from './helpers.js';

const M = 60_000;

/**
 * Writes sessions as files whose mtime is their last line's time, as Claude Code leaves them; `newline:
 * false` drops the file's final newline, as copying or syncing tools may.
 */
function writeHistory(
  dir: string,
  sessions: { start: number; gapsMin: number[]; project: number; newline?: boolean }[],
): void {
  sessions.forEach((s, i) => {
    const projectDir = join(dir, 'projects', `-home-p${s.project}`);
    mkdirSync(projectDir, { recursive: true });
    const lines: string[] = [];
    let t = s.start;
    s.gapsMin.forEach((gap, k) => {
      t += gap * M;
      lines.push(userLine(t - 1000));
      const msgId = `msg_${i}_${k}`;
      // streamed: a partial copy, then the full one
      lines.push(assistantLine({ ts: t, msgId, requestId: `req_${i}_${k}`, output: 1, cacheRead: 100 * k }));
      lines.push(
        assistantLine({
          ts: t + 1500,
          msgId,
          requestId: `req_${i}_${k}`,
          output: 50 + k,
          cacheRead: 100 * k,
        }),
      );
    });
    const f = join(projectDir, `session-${i}.jsonl`);
    writeFileSync(f, `${lines.join('\n')}${s.newline === false ? '' : '\n'}`);
    utimesSync(f, new Date(t + 2000), new Date(t + 2000));
  });
}

async function fullSnapshot(dir: string, now: number) {
  const e = new TranscriptReader({ claudeDirs: [dir], finalLineQuietMs: 0 });
  await e.coldStart(now, true);
  return { snapshot: e.snapshot(now), bytes: e.stats.bytesRead };
}

describe('cold start horizon', () => {
  const { dir, cleanup } = tempClaudeDir();
  const day0 = Date.parse('2026-02-01T00:00:00Z');
  beforeAll(() => {
    writeHistory(dir, [
      // an old day, then silence
      { start: day0, gapsMin: Array(60).fill(4), project: 1 },
      // a marathon: 30 h with no 5 h gap, across two projects and overlapping sessions
      { start: day0 + 48 * H, gapsMin: Array(200).fill(9), project: 2 },
      { start: day0 + 60 * H, gapsMin: Array(100).fill(11), project: 3, newline: false },
      // after a gap of more than 5 h
      { start: day0 + 90 * H, gapsMin: [5, 290, 3, 301, 2], project: 2 },
      { start: day0 + 100 * H, gapsMin: Array(30).fill(2), project: 4 },
    ]);
  });
  afterAll(() => cleanup());

  it('equals the full read at every clock position', async () => {
    let checked = 0;
    for (let now = day0 + 30 * M; now < day0 + 110 * H; now += 83 * M) {
      const bounded = await countHistory([dir], now);
      const full = await fullSnapshot(dir, now);
      expect(bounded.snapshot, new Date(now).toISOString()).toEqual(full.snapshot);
      if (full.snapshot.window5hTokens > 0) checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('reads only the recent part of history at the live edge', async () => {
    const now = day0 + 100 * H + 61 * M; // just after the last session's last line
    const bounded = await countHistory([dir], now);
    const full = await fullSnapshot(dir, now);
    expect(bounded.snapshot).toEqual(full.snapshot);
    expect(bounded.snapshot.window5hTokens).toBeGreaterThan(0);
    expect(bounded.stats.bytesRead).toBeLessThan(full.bytes / 3);
  });

  it('moves the horizon back during a marathon and stops at 10 h after a gap', async () => {
    const inMarathon = await countHistory([dir], day0 + 48 * H + 25 * H);
    expect(inMarathon.stats.coldHorizonMs).toBeGreaterThan(10 * H);
    const afterGap = await countHistory([dir], day0 + 100 * H + 30 * M);
    expect(afterGap.stats.coldHorizonMs).toBe(10 * H);
  });

  it('reads back only to 5 h before a morning run, not through the evening before it', async () => {
    const t = tempClaudeDir();
    try {
      const evening = day0 + 18 * H; // 18:00 to 23:00, then a night of 5 h or more
      const morning = day0 + 28 * H; // 04:00 to 11:28: longer than the first 10 h lookback can anchor
      writeHistory(t.dir, [
        { start: evening, gapsMin: Array(75).fill(4), project: 1 },
        { start: morning, gapsMin: Array(112).fill(4), project: 2 },
      ]);
      const now = morning + 112 * 4 * M + 2 * M;
      const bounded = await countHistory([t.dir], now, { chunkBytes: 4096 });
      const full = await fullSnapshot(t.dir, now);
      expect(bounded.snapshot).toEqual(full.snapshot);
      expect(bounded.snapshot.window5hTokens).toBeGreaterThan(0);
      // 5 h and a minute before 04:04, the first entry: 22:59, 12.5 h back (doubling went to 20 h).
      expect(bounded.stats.coldHorizonMs).toBeLessThan(13 * H);
      const size = (p: number, i: number) =>
        statSync(join(t.dir, 'projects', `-home-p${p}`, `session-${i}.jsonl`)).size;
      expect(bounded.stats.bytesRead).toBeLessThan(size(2, 1) + size(1, 0) / 4);
    } finally {
      t.cleanup();
    }
  });

  it('property: for random histories the bounded cold start equals the full read', async () => {
    const session = fc.record({
      startMin: fc.integer({ min: 0, max: 3 * 24 * 60 }),
      gapsMin: fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 200, max: 420 })), {
        minLength: 1,
        maxLength: 25,
      }),
      project: fc.integer({ min: 0, max: 2 }),
      newline: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(session, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 4 * 24 * 60 }),
        async (sessions, nowMin) => {
          const t = tempClaudeDir();
          try {
            writeHistory(
              t.dir,
              sessions.map((s) => ({ ...s, start: day0 + s.startMin * M })),
            );
            const now = day0 + nowMin * M;
            const bounded = await countHistory([t.dir], now);
            const full = await fullSnapshot(t.dir, now);
            expect(bounded.snapshot).toEqual(full.snapshot);
          } finally {
            t.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
