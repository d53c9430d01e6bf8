// 5-hour blocks with ccusage `blocks` semantics (ccusage 20.0.24, identify_session_blocks): entries sorted
// by time; a block starts at its first entry floored to the UTC hour; an entry opens a new block when it is
// MORE than 5 h after the block start or MORE than 5 h after the previous entry (strict >). A block is
// active when now − last entry < 5 h and now < block end (both strict).

import { isShownModel } from '../source.js';

export const BLOCK_MS = 5 * 3_600_000;

export interface TimedTokens {
  ts: number;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  model: string | null;
}

export interface Block {
  startMs: number;
  endMs: number;
  /** Timestamp of the block's last entry. */
  lastMs: number;
  entries: number;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  total: number;
  /** Models in first-seen order, only those isShownModel lets through (as ccusage lists them). */
  models: string[];
}

export function floorToHour(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3_600_000;
}

/** `sorted` must be in ascending `ts` order. Gap blocks are not materialised (they carry no tokens). */
export function identifyBlocks(sorted: readonly TimedTokens[]): Block[] {
  const blocks: Block[] = [];
  for (const e of sorted) foldEntry(blocks, e);
  return blocks;
}

/**
 * One step of identifyBlocks: adds `e` (not older than any entry already folded) to the last block of
 * `blocks`, or opens a new block. Mutates the last block, so the Ledger's block cache clones it first.
 */
export function foldEntry(blocks: Block[], e: TimedTokens): void {
  let cur = blocks[blocks.length - 1];
  if (cur === undefined || e.ts - cur.startMs > BLOCK_MS || e.ts - cur.lastMs > BLOCK_MS) {
    const startMs = floorToHour(e.ts);
    cur = {
      startMs,
      endMs: startMs + BLOCK_MS,
      lastMs: e.ts,
      entries: 0,
      input: 0,
      output: 0,
      cacheCreation: 0,
      cacheRead: 0,
      total: 0,
      models: [],
    };
    blocks.push(cur);
  }
  cur.lastMs = e.ts;
  cur.entries++;
  cur.input += e.input;
  cur.output += e.output;
  cur.cacheCreation += e.cacheCreation;
  cur.cacheRead += e.cacheRead;
  cur.total += e.input + e.output + e.cacheCreation + e.cacheRead;
  if (isShownModel(e.model) && !cur.models.includes(e.model)) cur.models.push(e.model);
}

/** A copy of `b` that foldEntry may mutate without touching `b`. */
export function cloneBlock(b: Block): Block {
  return { ...b, models: [...b.models] };
}

export function isActive(block: Block, nowMs: number): boolean {
  return nowMs - block.lastMs < BLOCK_MS && nowMs < block.endMs;
}

/** The active block of a block list (only the last one can be active), or null. */
export function activeBlock(blocks: readonly Block[], nowMs: number): Block | null {
  const last = blocks[blocks.length - 1];
  return last !== undefined && isActive(last, nowMs) ? last : null;
}
