// Defensive reading of `ccusage blocks --json` (ccusage 20.x) and what the gauge makes of a block.

import { isShownModel, type SourceSnapshot } from '../source.js';

export class CcusageOutputError extends Error {
  override name = 'CcusageOutputError';
}

/** The parts of a ccusage block the gauge uses, validated. */
export interface CcusageBlock {
  startMs: number;
  endMs: number;
  /** Timestamp of the block's newest entry (ccusage's actualEndTime), or null. */
  lastEntryMs: number | null;
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** ccusage's burnRate.tokensPerMinute: tokens from the block's first to its newest entry, per minute. */
  burnTokensPerMinute: number;
  /** In order of first appearance in the block (ccusage leaves `<synthetic>` out). */
  models: string[];
}

function excerpt(text: string, max = 80): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: untrusted output in an error message
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

const count = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new CcusageOutputError(`block ${what} is not a count`);
  return v;
};

const time = (v: unknown, what: string): number => {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw new CcusageOutputError(`block ${what} is not a timestamp`);
  return ms;
};

function readBlock(raw: Record<string, unknown>): CcusageBlock {
  const tc = raw.tokenCounts;
  if (typeof tc !== 'object' || tc === null) throw new CcusageOutputError('block has no tokenCounts');
  const t = tc as Record<string, unknown>;
  const burn = raw.burnRate;
  let burnTokensPerMinute = 0;
  if (burn !== null && burn !== undefined) {
    if (typeof burn !== 'object') throw new CcusageOutputError('block burnRate is not an object');
    burnTokensPerMinute = count(
      (burn as Record<string, unknown>).tokensPerMinute,
      'burnRate.tokensPerMinute',
    );
  }
  const models = Array.isArray(raw.models) ? raw.models.filter(isShownModel) : [];
  return {
    startMs: time(raw.startTime, 'startTime'),
    endMs: time(raw.endTime, 'endTime'),
    lastEntryMs: raw.actualEndTime == null ? null : time(raw.actualEndTime, 'actualEndTime'),
    totalTokens: count(raw.totalTokens, 'totalTokens'),
    inputTokens: count(t.inputTokens, 'inputTokens'),
    outputTokens: count(t.outputTokens, 'outputTokens'),
    cacheCreationTokens: count(t.cacheCreationInputTokens, 'cacheCreationInputTokens'),
    cacheReadTokens: count(t.cacheReadInputTokens, 'cacheReadInputTokens'),
    burnTokensPerMinute,
    models,
  };
}

/**
 * The active block in ccusage's stdout, or null when there is none (`{"blocks": []}`, with or
 * without older versions' `"message": "No active block"`). Throws CcusageOutputError on anything else.
 */
export function parseActiveBlock(stdout: string): CcusageBlock | null {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new CcusageOutputError(
      `ccusage printed something that is not JSON: ${JSON.stringify(excerpt(stdout))}`,
    );
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { blocks?: unknown }).blocks)) {
    throw new CcusageOutputError('ccusage JSON has no "blocks" array');
  }
  const blocks = (doc as { blocks: unknown[] }).blocks;
  const active = blocks.filter(
    (b): b is Record<string, unknown> =>
      typeof b === 'object' &&
      b !== null &&
      (b as Record<string, unknown>).isActive === true &&
      (b as Record<string, unknown>).isGap !== true,
  );
  if (active.length > 1) throw new CcusageOutputError(`ccusage reports ${active.length} active blocks`);
  return active[0] ? readBlock(active[0]) : null;
}

const NO_BLOCK: SourceSnapshot = {
  rate1m: 0,
  window5hTokens: 0,
  window5hResetInS: null,
  thinkingRatio: 0,
  cacheHitRate: 0,
  lastModel: '',
  lastResponseAtMs: null,
};

/**
 * The snapshot at `nowMs` from the active block. What ccusage can and cannot say:
 *   - window5hTokens, window5hResetInS: exact (this is what ccusage blocks are for).
 *   - rate1m: ccusage has no 60 s rate. When the block's newest entry is older than 60 s the true
 *     rate is known to be 0; otherwise the block's average burn rate stands in for it.
 *   - cacheHitRate: over the whole block, not the last 5 minutes.
 *   - thinkingRatio: 0 — ccusage does not count thinking tokens.
 *   - lastModel: the model that appeared last in the block (ccusage lists first appearances), which is
 *     the newest model unless an older one came back later.
 *   - lastResponseAtMs: the block's newest entry (exact).
 */
export function snapshotFromBlock(block: CcusageBlock | null, nowMs: number): SourceSnapshot {
  if (block === null || block.endMs <= nowMs) return { ...NO_BLOCK };
  const lastEntryMs = block.lastEntryMs === null ? null : Math.min(block.lastEntryMs, nowMs);
  const quiet = lastEntryMs === null || nowMs - lastEntryMs > 60_000;
  const inputSide = block.inputTokens + block.cacheReadTokens + block.cacheCreationTokens;
  return {
    rate1m: quiet ? 0 : block.burnTokensPerMinute,
    window5hTokens: Math.round(block.totalTokens),
    window5hResetInS: Math.ceil((block.endMs - nowMs) / 1000),
    thinkingRatio: 0,
    cacheHitRate: inputSide > 0 ? Math.min(1, block.cacheReadTokens / inputSide) : 0,
    lastModel: (block.models.at(-1) ?? '').slice(0, 128),
    lastResponseAtMs: lastEntryMs,
  };
}
