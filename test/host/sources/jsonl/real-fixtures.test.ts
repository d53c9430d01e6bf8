// The real transcripts in ../shared (not part of a user's clone), both sets: `real-transcripts` and
// `recent-transcripts` (Claude Code up to 2.1.237). Per source, our full-history block list must equal, block
// for block, the billed figure: ccusage 20.0.24 run live on a copy whose cache-creation splits agree with the
// flat field (`billedCopy`; where no split disagrees that is the source itself, and the committed
// ccusage-blocks.*.json, made with `ccusage blocks --json --offline`, must match too). The bounded cold start
// must agree with the full read at the end of every block.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countHistory, type HistoryBlock, historyBlocks } from '../../../../host/src/sources/jsonl/source.js';
import { realTranscripts } from '../../helpers/fixtures.js';
import {
  billedCopy,
  type CcusageBlock,
  ccusageBinary,
  ccusageBlocks,
  comparable,
  transcriptFiles,
} from './ccusage.js';

const SETS = ['real-transcripts', 'recent-transcripts'] as const;

interface Source {
  set: string;
  name: string;
  dir: string;
  /** ccusage 20.0.24's committed answer on the files as they are. */
  committed: string;
}

const sources: Source[] = SETS.flatMap((set) => {
  const { dir, where } = realTranscripts(set);
  const found = dir
    ? readdirSync(dir)
        .filter((d) => existsSync(join(dir, `ccusage-blocks.${d}.json`)))
        .map((name) => ({
          set,
          name,
          dir: join(dir, name),
          committed: join(dir, `ccusage-blocks.${name}.json`),
        }))
    : [];
  if (found.length === 0) console.warn(`SKIPPED: the ${set} checks against ccusage: no fixtures in ${where}`);
  return found;
});
const label = (s: Source) => `${s.set}/${s.name}`;
const cases = sources.map((s) => [label(s), s] as const);

const withoutActive = (blocks: HistoryBlock[]) => blocks.map(({ isActive: _, ...b }) => b);
const sum = (blocks: { totalTokens: number }[]) => blocks.reduce((n, b) => n + b.totalTokens, 0);
const committedBlocks = (s: Source) =>
  comparable((JSON.parse(readFileSync(s.committed, 'utf8')) as { blocks: CcusageBlock[] }).blocks);

const copies: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of copies) cleanup();
});
/** One billed copy per source, made on first use. */
const billed = new Map<string, ReturnType<typeof billedCopy>>();
function billedOf(s: Source): ReturnType<typeof billedCopy> {
  let b = billed.get(s.dir);
  if (!b) {
    b = billedCopy(s.dir);
    copies.push(b.cleanup);
    billed.set(s.dir, b);
  }
  return b;
}

describe.skipIf(sources.length === 0)(
  'real transcripts vs the billed figure, ccusage 20.0.24 (skipped when ../shared is absent)',
  () => {
    it.each(cases)(
      '%s: where no split disagrees, every block equals the committed ccusage answer',
      async (_, s) => {
        const { blocks, stats } = await historyBlocks([s.dir], Date.now());
        expect(stats.readErrors).toBe(0);
        const expected = committedBlocks(s);
        if (billedOf(s).rewritten > 0) {
          // ccusage counted the smaller split there: the same blocks and entries, never more tokens.
          expect(blocks.map((b) => [b.startTime, b.entries])).toEqual(
            expected.map((b) => [b.startTime, b.entries]),
          );
          for (const [i, b] of blocks.entries()) {
            const c = expected[i] as (typeof expected)[number];
            expect(b.tokenCounts.cacheCreationInputTokens).toBeGreaterThanOrEqual(
              c.tokenCounts.cacheCreationInputTokens,
            );
            expect(b.totalTokens - c.totalTokens).toBe(
              b.tokenCounts.cacheCreationInputTokens - c.tokenCounts.cacheCreationInputTokens,
            );
          }
          return;
        }
        expect(withoutActive(blocks)).toEqual(expected);
      },
    );

    it.each(cases)(
      '%s: the copy whose splits agree with the flat field gives us the same blocks',
      async (_, s) => {
        const copy = billedOf(s);
        if (copy.rewritten === 0) return;
        const ours = await historyBlocks([s.dir], Date.now());
        const onCopy = await historyBlocks([copy.dir], Date.now());
        expect(withoutActive(onCopy.blocks)).toEqual(withoutActive(ours.blocks));
      },
    );

    (ccusageBinary() === null ? it.skip : it).each(cases)(
      '%s: every block equals a live ccusage run on the billed copy',
      async (_, s) => {
        const copy = billedOf(s);
        const { blocks } = await historyBlocks([s.dir], Date.now());
        const live = comparable(await ccusageBlocks(copy.dir));
        // The figures README.md's "Known differences" quotes: ours against the billed figure and against
        // ccusage on the files as they are (its committed answer), per source.
        const asIs = committedBlocks(s);
        const off = (other: { totalTokens: number }[]) =>
          blocks.filter((b, i) => b.totalTokens !== other[i]?.totalTokens).length;
        console.info(
          `oracle ${label(s)}: ${blocks.length} blocks (ccusage ${live.length}), ${sum(blocks)} tokens; ` +
            `billed ${sum(live)} (${copy.rewritten} lines rewritten): Δ ${sum(blocks) - sum(live)} in ${off(live)} blocks; ` +
            `ccusage as is ${sum(asIs)}: Δ ${sum(blocks) - sum(asIs)} in ${off(asIs)} blocks`,
        );
        expect(live.length).toBeGreaterThan(0);
        expect(withoutActive(blocks)).toEqual(live);
      },
    );

    it.each(cases)(
      '%s: at the end of every block, a bounded cold start gives the window of the full read',
      async (_, s) => {
        const { blocks } = await historyBlocks([s.dir], Date.now());
        for (const b of blocks) {
          // A clock one minute after the block's last entry: the block is active there.
          const now = Date.parse(b.actualEndTime) + 60_000;
          const full = await historyBlocks([s.dir], now);
          const active = full.blocks.find((x) => x.isActive);
          expect(active?.totalTokens).toBe(b.totalTokens);
          const bounded = await countHistory([s.dir], now);
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
    for (const s of sources)
      for (const f of transcriptFiles(s.dir)) {
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
