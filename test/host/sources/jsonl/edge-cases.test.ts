// Hand-made edge cases (test/fixtures/transcripts/edge-cases, one case per block; see make-edge-cases.mjs):
// our block list must equal ccusage 20.0.24's, both the committed answer and a live run of the binary.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyBlocks } from '../../../../host/src/sources/jsonl/source.js';
import { type CcusageBlock, ccusageBinary, ccusageBlocks, comparable } from './ccusage.js';
import { assistantLine, tempClaudeDir } from './helpers.js';

const M = 60_000;

const DIR = join(process.cwd(), 'test/fixtures/transcripts/edge-cases');
const COMMITTED = join(process.cwd(), 'test/fixtures/transcripts/ccusage-blocks.edge-cases.json');

async function ours() {
  const { blocks, stats } = await historyBlocks([DIR], Date.now());
  return { blocks: blocks.map(({ isActive: _, ...b }) => b), stats };
}

describe('edge cases vs ccusage', () => {
  it('equals the committed ccusage output block for block', async () => {
    const expected = (JSON.parse(readFileSync(COMMITTED, 'utf8')) as { blocks: CcusageBlock[] }).blocks;
    const { blocks, stats } = await ours();
    expect(blocks.length).toBeGreaterThan(20);
    expect(blocks).toEqual(comparable(expected));
    // The fixture's garbage is seen and counted, not silently lost.
    expect(stats.skipped['bad-json']).toBe(2); // the garbage line and the BOM line
    expect(stats.skipped['null-field']).toBe(2);
    expect(stats.skipped.timestamp).toBe(2);
    expect(stats.duplicates + stats.replaced).toBe(9); // cases 1, 2, 3, 5, 7, 21, 29, 30, 38
    expect(stats.lastLinesClosed).toBe(1); // case 38: a last line without a newline
  });

  it.skipIf(ccusageBinary() === null)('equals a live run of the ccusage binary', async () => {
    const { blocks } = await ours();
    expect(blocks).toEqual(comparable(await ccusageBlocks(DIR)));
  });
});

describe('layouts and sizes Claude Code may write', () => {
  it.skipIf(ccusageBinary() === null)(
    'an 11 MB Write line and a transcript nested below subagents/ count as in a live ccusage run',
    async () => {
      const t = tempClaudeDir();
      try {
        const now = Date.now();
        const session = join(t.dir, 'projects', '-home-someone-big');
        const deep = join(session, 'sess', 'subagents', 'team', 'round-1');
        mkdirSync(deep, { recursive: true });
        const write = {
          type: 'tool_use',
          id: 'toolu_big',
          name: 'Write',
          input: { file_path: '/tmp/big.txt', content: 'x'.repeat(11 * 1024 * 1024) },
        };
        writeFileSync(
          join(session, 's.jsonl'),
          `${[
            assistantLine({ ts: now - 30 * M, output: 10 }),
            assistantLine({ ts: now - 29 * M, output: 777_000, content: [write] }),
            assistantLine({ ts: now - 28 * M, output: 20 }),
          ].join('\n')}\n`,
        );
        writeFileSync(join(deep, 'agent.jsonl'), `${assistantLine({ ts: now - 27 * M, output: 40 })}\n`);
        const { blocks, stats } = await historyBlocks([t.dir], Date.now());
        expect(stats.longLinesRead).toBe(1);
        expect(blocks.map(({ isActive: _, ...b }) => b)).toEqual(comparable(await ccusageBlocks(t.dir)));
        expect(blocks[0]?.totalTokens).toBeGreaterThan(777_000);
      } finally {
        t.cleanup();
      }
    },
  );
});
