// Hand-made edge cases (test/fixtures/transcripts/edge-cases, one case per block; see make-edge-cases.mjs):
// our block list must equal ccusage 20.0.24's, both the committed answer and a live run of the binary.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyBlocks } from '../../../host/src/sources/jsonl/index.js';
import { type CcusageBlock, ccusageBinary, ccusageBlocks, comparable } from './ccusage.js';

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
    expect(stats.duplicates + stats.replaced).toBe(8); // cases 1, 2, 3, 5, 7, 21, 29, 30
  });

  it.skipIf(ccusageBinary() === null)('equals a live run of the ccusage binary', async () => {
    const { blocks } = await ours();
    expect(blocks).toEqual(comparable(await ccusageBlocks(DIR)));
  });
});
