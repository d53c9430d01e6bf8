// The deduplicated set of API responses, and the numbers a snapshot derives from it.
//
// Dedupe mirrors ccusage 20.0.24 (checked against its binary, see README.md):
// - key (message.id, requestId); a missing requestId is its own key value; no message.id → never deduped;
// - a /btw-style sidechain replay (same message.id, other requestId, SAME timestamp, either copy a
//   sidechain) is the same response;
// - the kept copy is the best one: a non-sidechain copy beats a sidechain copy, then the larger total,
//   then the copy that has `usage.speed`; on a full tie the copy read first in file order stays.
// Because "best" is a strict order with a file-position tie-break, the result does not depend on the
// order lines are read in (the cold start reads files backwards).

import { type Block, identifyBlocks } from './blocks.js';
import { recordTotal, type UsageRecord } from './parse.js';

/** What one response contributes, with its group's content summary for the thinking estimator. */
export interface Entry extends UsageRecord {
  fileId: number;
  offset: number;
  group: ContentGroup;
}

/** Content of one response is spread over several lines (one content block per line). */
interface ContentGroup {
  visibleChars: number;
  hasThinking: boolean;
  thinkingTokens: number | null;
}

export type AddOutcome = 'new' | 'replaced' | 'duplicate' | 'late';

export const RATE_WINDOW_MS = 60_000;
export const CACHE_WINDOW_MS = 5 * 60_000;
export const THINKING_WINDOW_MS = 5 * 60_000;
/** Rough size of a token in characters of English text / JSON, for the thinking estimator. */
export const CHARS_PER_TOKEN = 4;

export interface WindowNumbers {
  rate1m: number;
  cacheHitRate: number;
  thinkingRatio: number;
  lastModel: string;
  lastResponseAtMs: number | null;
}

export class Ledger {
  private readonly byMessage = new Map<string, Entry[]>();
  private readonly all = new Set<Entry>();
  private sortedCache: Entry[] | null = null;
  /** Entries older than this arrive after their block was evicted: they are refused, not miscounted. */
  private floorTs = Number.NEGATIVE_INFINITY;
  private newest: { ts: number; model: string | null } | null = null;

  get size(): number {
    return this.all.size;
  }

  add(rec: UsageRecord, fileId: number, offset: number): AddOutcome {
    if (rec.ts < this.floorTs) return 'late';
    if (rec.model !== '<synthetic>' && (this.newest === null || rec.ts > this.newest.ts))
      this.newest = { ts: rec.ts, model: rec.model ?? this.newest?.model ?? null };
    const group: ContentGroup = {
      visibleChars: rec.visibleChars,
      hasThinking: rec.hasThinkingBlock,
      thinkingTokens: rec.thinkingTokens,
    };
    if (rec.messageId === null) {
      this.insert({ ...rec, fileId, offset, group });
      return 'new';
    }
    const list = this.byMessage.get(rec.messageId);
    const match =
      list?.find((e) => e.requestId === rec.requestId) ??
      list?.find((e) => e.ts === rec.ts && (rec.sidechain || e.sidechain));
    if (!list || !match) {
      const entry: Entry = { ...rec, fileId, offset, group };
      this.insert(entry);
      if (list) list.push(entry);
      else this.byMessage.set(rec.messageId, [entry]);
      return 'new';
    }
    match.group.visibleChars += rec.visibleChars;
    match.group.hasThinking ||= rec.hasThinkingBlock;
    if (rec.thinkingTokens !== null)
      match.group.thinkingTokens = Math.max(match.group.thinkingTokens ?? 0, rec.thinkingTokens);
    if (!isBetter(rec, fileId, offset, match)) return 'duplicate';
    Object.assign(match, rec, { fileId, offset });
    this.sortedCache = null;
    return 'replaced';
  }

  private insert(e: Entry): void {
    this.all.add(e);
    this.sortedCache = null;
  }

  /** All kept entries in time order. */
  sorted(): readonly Entry[] {
    if (!this.sortedCache) this.sortedCache = [...this.all].sort((a, b) => a.ts - b.ts);
    return this.sortedCache;
  }

  /** Kept entries stamped at or before `nowMs`, in time order (a fixed clock ignores later ones). */
  upTo(nowMs: number): readonly Entry[] {
    const s = this.sorted();
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((s[mid] as Entry).ts <= nowMs) lo = mid + 1;
      else hi = mid;
    }
    return lo === s.length ? s : s.slice(0, lo);
  }

  blocks(nowMs: number): Block[] {
    return identifyBlocks(this.upTo(nowMs));
  }

  /**
   * Drops whole leading blocks whose last entry is older than `nowMs − retainMs`. Whole blocks only, so the
   * remaining entries still chain into the same blocks; later lines older than what is kept are refused.
   */
  evict(nowMs: number, retainMs: number): number {
    const s = this.sorted();
    const blocks = identifyBlocks(s);
    const cutoff = nowMs - retainMs;
    let keepFrom = blocks.findIndex((b) => b.lastMs >= cutoff);
    if (keepFrom === 0) return 0;
    if (keepFrom < 0) keepFrom = blocks.length;
    let drop = 0;
    for (let i = 0; i < keepFrom; i++) drop += (blocks[i] as Block).entries;
    if (drop === 0) return 0;
    for (let i = 0; i < drop; i++) this.remove(s[i] as Entry);
    const first = s[drop];
    this.floorTs = first ? first.ts : cutoff;
    this.sortedCache = s.slice(drop);
    return drop;
  }

  private remove(e: Entry): void {
    this.all.delete(e);
    if (e.messageId === null) return;
    const list = this.byMessage.get(e.messageId);
    if (!list) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byMessage.delete(e.messageId);
  }

  /** Rate, cache hit rate, thinking ratio and last model at `nowMs`, from the kept entries. */
  windowNumbers(nowMs: number): WindowNumbers {
    const s = this.upTo(nowMs);
    let rateTokens = 0;
    let cacheRead = 0;
    let cacheDen = 0;
    let thinking = 0;
    let output = 0;
    let lastModel: string | null = null;
    let lastResponseAtMs: number | null = null;
    for (let i = s.length - 1; i >= 0; i--) {
      const e = s[i] as Entry;
      const age = nowMs - e.ts;
      const synthetic = e.model === '<synthetic>';
      if (!synthetic) {
        if (lastResponseAtMs === null) lastResponseAtMs = e.ts;
        if (lastModel === null && e.model !== null) lastModel = e.model;
      }
      if (age >= Math.max(RATE_WINDOW_MS, CACHE_WINDOW_MS, THINKING_WINDOW_MS) && lastModel !== null) break;
      if (age < RATE_WINDOW_MS) rateTokens += recordTotal(e);
      if (age < CACHE_WINDOW_MS) {
        cacheRead += e.cacheRead;
        cacheDen += e.input + e.cacheRead + e.cacheCreation;
      }
      if (age < THINKING_WINDOW_MS) {
        thinking += estimateThinking(e);
        output += e.output;
      }
    }
    if (lastResponseAtMs === null && this.newest && this.newest.ts <= nowMs) {
      // Everything recent was evicted: the newest response is still known.
      lastResponseAtMs = this.newest.ts;
      lastModel = this.newest.model;
    }
    return {
      rate1m: (rateTokens * 60_000) / RATE_WINDOW_MS,
      cacheHitRate: cacheDen > 0 ? cacheRead / cacheDen : 0,
      thinkingRatio: output > 0 ? Math.min(1, Math.max(0, thinking / output)) : 0,
      lastModel: (lastModel ?? '').slice(0, 128), // the contract's limit; a hostile transcript may hold anything
      lastResponseAtMs,
    };
  }
}

function isBetter(c: UsageRecord, fileId: number, offset: number, e: Entry): boolean {
  if (c.sidechain !== e.sidechain) return e.sidechain;
  const ct = recordTotal(c);
  const et = recordTotal(e);
  if (ct !== et) return ct > et;
  if (c.hasSpeed !== e.hasSpeed) return c.hasSpeed;
  // Full tie: the copy earlier in the file is the one ccusage (reading forwards) kept.
  return fileId === e.fileId && offset < e.offset;
}

/**
 * Thinking tokens of one response. The API's own `output_tokens_details.thinking_tokens` when present;
 * otherwise, for a response with a thinking block, output tokens minus an estimate of the visible output
 * (text and tool input characters / 4), since current Claude Code versions write thinking blocks with an
 * empty text; 0 for a response without thinking.
 */
export function estimateThinking(e: Entry): number {
  if (e.group.thinkingTokens !== null) return Math.min(e.output, e.group.thinkingTokens);
  if (!e.group.hasThinking) return 0;
  return Math.max(0, e.output - Math.round(e.group.visibleChars / CHARS_PER_TOKEN));
}
