// The real transcripts in ../shared (not part of a user's clone): our full-history block list must
// equal ccusage 20.0.24's, block for block (the committed ccusage-blocks.*.json there, made with
// `ccusage blocks --json --offline`), and the bounded cold start must agree with the full read.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countHistory, historyBlocks } from '../../../host/src/sources/jsonl/index.js';
import { realTranscripts } from '../helpers/fixtures.js';
import { ccusageBinary, ccusageBlocks, comparable } from './ccusage.js';

const real = realTranscripts();
const ROOT = real.dir ?? real.where;
const sources = real.dir
  ? readdirSync(ROOT).filter((d) => existsSync(join(ROOT, `ccusage-blocks.${d}.json`)))
  : [];
if (sources.length === 0)
  console.warn(`SKIPPED: the real-transcript checks against ccusage: no fixtures in ${real.where}`);

interface CcusageBlock {
  startTime: string;
  endTime: string;
  actualEndTime: string | null;
  isGap: boolean;
  entries: number;
  tokenCounts: Record<string, number>;
  totalTokens: number;
}

describe.skipIf(sources.length === 0)(
  'real transcripts vs ccusage 20.0.24 (skipped when ../shared is absent)',
  () => {
    it.each(sources)('%s: every block equals ccusage blocks', async (name) => {
      const expected = (
        JSON.parse(readFileSync(join(ROOT, `ccusage-blocks.${name}.json`), 'utf8')) as {
          blocks: CcusageBlock[];
        }
      ).blocks.filter((b) => !b.isGap);
      const { blocks, stats } = await historyBlocks([join(ROOT, name)], Date.now());
      expect(stats.readErrors).toBe(0);
      expect(blocks.map((b) => ({ ...b, isActive: undefined }))).toEqual(
        expected.map((b) => ({
          startTime: b.startTime,
          endTime: b.endTime,
          actualEndTime: b.actualEndTime,
          isActive: undefined,
          entries: b.entries,
          tokenCounts: b.tokenCounts,
          totalTokens: b.totalTokens,
        })),
      );
    });

    (ccusageBinary() === null ? it.skip : it).each(sources)(
      '%s: also equals a live run of the ccusage binary',
      async (name) => {
        const { blocks } = await historyBlocks([join(ROOT, name)], Date.now());
        const live = comparable(await ccusageBlocks(join(ROOT, name)));
        expect(live.length).toBeGreaterThan(0);
        expect(blocks.map(({ isActive: _, ...b }) => b)).toEqual(live);
      },
    );

    it.each(sources)(
      '%s: at the end of every block, a bounded cold start gives the window of the full read',
      async (name) => {
        const { blocks } = await historyBlocks([join(ROOT, name)], Date.now());
        for (const b of blocks) {
          // A clock one minute after the block's last entry: the block is active there.
          const now = Date.parse(b.actualEndTime) + 60_000;
          const full = await historyBlocks([join(ROOT, name)], now);
          const active = full.blocks.find((x) => x.isActive);
          expect(active?.totalTokens).toBe(b.totalTokens);
          const bounded = await countHistory([join(ROOT, name)], now);
          expect(bounded.snapshot.window5hTokens).toBe(b.totalTokens);
        }
      },
    );
  },
);

describe.skipIf(sources.length === 0)('the "usage":{ byte pre-filter on real transcripts', () => {
  it('lets through every line that has a message.usage object, and few others', () => {
    let lines = 0;
    let withUsage = 0;
    let passed = 0;
    let missed = 0;
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.jsonl') ? [join(d, e.name)] : [],
      );
    for (const name of sources)
      for (const f of walk(join(ROOT, name))) {
        for (const line of readFileSync(f, 'utf8').split('\n')) {
          if (!line) continue;
          lines++;
          const marker = line.includes('"usage":{');
          if (marker) passed++;
          let o: { message?: { usage?: unknown } } | null = null;
          try {
            o = JSON.parse(line);
          } catch {}
          const usage = o?.message?.usage;
          if (typeof usage === 'object' && usage !== null) {
            withUsage++;
            if (!marker) missed++;
          }
        }
      }
    expect(missed).toBe(0);
    expect(withUsage).toBeGreaterThan(1000);
    // what the filter saves: most lines of a transcript are never parsed
    expect(passed / lines).toBeLessThan(0.6);
    console.info(`pre-filter: ${lines} lines, ${passed} parsed, ${withUsage} with usage, ${missed} missed`);
  });
});
