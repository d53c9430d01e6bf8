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

import { isSyntheticModel } from '../source.js';
import { type Block, cloneBlock, foldEntry } from './blocks.js';
import { recordTotal, type UsageRecord } from './parse.js';
import { BUCKET_MS, BucketRing, bucketOf } from './ring.js';

/** What one response contributes, with its group's content summary for the thinking estimator. */
export interface Entry extends UsageRecord {
  fileId: number;
  offset: number;
  group: ContentGroup;
  /** Insertion number: orders entries with equal timestamps (as a stable sort of insertion order would). */
  seq: number;
}

/** Content of one response is spread over several lines (one content block per line). */
interface ContentGroup {
  visibleChars: number;
  hasThinking: boolean;
  thinkingTokens: number | null;
}

export type AddOutcome = 'new' | 'replaced' | 'duplicate' | 'late';

/** rate_1m's window, in one-second buckets: (⌈now⌉ − 60 s, now] (see ring.ts). */
const RATE_BUCKETS = 60;
/** The cache hit rate's and the thinking ratio's window: (⌈now⌉ − 5 min, now]. */
const RECENT_BUCKETS = 300;
export const RATE_WINDOW_MS = RATE_BUCKETS * BUCKET_MS;
export const CACHE_WINDOW_MS = RECENT_BUCKETS * BUCKET_MS;
export const THINKING_WINDOW_MS = RECENT_BUCKETS * BUCKET_MS;
/** Rough size of a token in characters of English text / JSON, for the thinking estimator. */
export const CHARS_PER_TOKEN = 4;
/** Up to this many out-of-order entries are placed one by one; more are sorted and merged in one pass. */
const INSERT_ONE_BY_ONE = 16;

export interface WindowNumbers {
  rate1m: number;
  cacheHitRate: number;
  thinkingRatio: number;
  lastModel: string;
  lastResponseAtMs: number | null;
}

/** Blocks of `order[0, upTo)`; `starts[i]` is the index in `order` of block i's first entry. */
interface BlockCache {
  upTo: number;
  blocks: Block[];
  starts: number[];
}

const byTime = (a: Entry, b: Entry): number => a.ts - b.ts || a.seq - b.seq;

/** What tells a response without a message.id from another when its file is read again. */
function rereadKey(r: UsageRecord): string {
  return `${r.ts}|${r.input}|${r.output}|${r.cacheCreation}|${r.cacheRead}|${r.model}|${r.sidechain}`;
}

export class Ledger {
  private readonly byMessage = new Map<string, Entry[]>();
  /**
   * Kept entries in (ts, seq) order, except those in `unmerged`. Live appends arrive in order and are
   * pushed; the cold start reads files backwards, so its entries wait in `unmerged` and are merged in one
   * pass when an answer is needed, instead of re-sorting everything after each insert.
   */
  private order: Entry[] = [];
  private unmerged: Entry[] = [];
  private nextSeq = 0;
  /**
   * Blocks only change when the data does: they are cached, and after a change recomputed from the block
   * holding the first changed position (or continued from the last block when entries were only appended).
   */
  private blockCache: BlockCache | null = null;
  /** `order[0, stable)` is unchanged since `blockCache` was built. */
  private stable = 0;
  /** rate_1m's ring buffer: tokens of the last 60 one-second buckets. */
  private readonly rateRing = new BucketRing(RATE_BUCKETS, 1);
  /** The last 5 min: cacheRead, input + cacheRead + cacheCreation, estimated thinking, output. */
  private readonly recentRing = new BucketRing(RECENT_BUCKETS, 4);
  /** Scratch for contributionOf: [rate tokens, then the recent ring's four channels]. */
  private readonly contribution = new Float64Array(5);
  /** Its last four values, as the recent ring takes them (a view, not a copy). */
  private readonly recentPart = this.contribution.subarray(1);
  /** Bumped on every change of the kept entries (keys the last-response memo). */
  private version = 0;
  private lastResponse: { version: number; n: number; at: number | null; model: string | null } | null = null;
  /** Entries older than this arrive after their block was evicted: they are refused, not miscounted. */
  private floorTs = Number.NEGATIVE_INFINITY;
  private newest: { ts: number; model: string | null } | null = null;
  /**
   * Files being read again from the start (truncated, replaced or rewritten): the responses without a
   * message.id that each had already counted, by rereadKey, with how many times. See beginReread.
   */
  private readonly rereads = new Map<number, Map<string, number>>();
  /**
   * Called with a kept entry after it was added, replaced by a better copy, or took in more content (its
   * thinking estimate may have moved): what a satellite forwards to its hub (host/src/hub/feed.ts). Null
   * costs nothing.
   */
  onChange: ((e: Entry) => void) | null = null;

  get size(): number {
    return this.order.length + this.unmerged.length;
  }

  /**
   * `fileId` is about to be read again from the start. Lines with a message.id dedupe as always, but lines
   * without one never do (as in ccusage), so the ones it already counted are remembered here and a line
   * read again matching one of them (same time, tokens and model) is a duplicate, once per count: only
   * what the file holds now beyond them is new. A copy of a response already kept from this file adds
   * nothing more to its content group either (the thinking estimate would drift down). Until endReread.
   */
  beginReread(fileId: number): void {
    const counted = new Map<string, number>();
    for (const list of [this.order, this.unmerged])
      for (const e of list)
        if (e.messageId === null && e.fileId === fileId) {
          const key = rereadKey(e);
          counted.set(key, (counted.get(key) ?? 0) + 1);
        }
    this.rereads.set(fileId, counted);
  }

  endReread(fileId: number): void {
    this.rereads.delete(fileId);
  }

  add(rec: UsageRecord, fileId: number, offset: number): AddOutcome {
    if (rec.ts < this.floorTs) return 'late';
    const reread = this.rereads.get(fileId);
    if (rec.messageId === null && reread !== undefined) {
      const key = rereadKey(rec);
      const n = reread.get(key) ?? 0;
      if (n > 0) {
        reread.set(key, n - 1);
        return 'duplicate';
      }
    }
    if (!isSyntheticModel(rec.model) && (this.newest === null || rec.ts > this.newest.ts))
      this.newest = { ts: rec.ts, model: rec.model ?? this.newest?.model ?? null };
    if (rec.messageId === null) {
      const entry = this.newEntry(rec, fileId, offset);
      this.insert(entry);
      this.onChange?.(entry);
      return 'new';
    }
    const list = this.byMessage.get(rec.messageId);
    const match =
      list?.find((e) => e.requestId === rec.requestId) ??
      list?.find((e) => e.ts === rec.ts && (rec.sidechain || e.sidechain));
    if (!list || !match) {
      const entry = this.newEntry(rec, fileId, offset);
      this.insert(entry);
      if (list) list.push(entry);
      else this.byMessage.set(rec.messageId, [entry]);
      this.onChange?.(entry);
      return 'new';
    }
    // Every copy adds to the group's content (the thinking estimate moves) and a better copy replaces
    // the kept numbers, maybe under another timestamp: the old contribution leaves the rings and the new
    // one goes in, so nothing counts twice. The entry keeps its seq.
    this.count(match, -1);
    if (reread === undefined || match.fileId !== fileId) {
      match.group.visibleChars += rec.visibleChars;
      match.group.hasThinking ||= rec.hasThinkingBlock;
      if (rec.thinkingTokens !== null)
        match.group.thinkingTokens = Math.max(match.group.thinkingTokens ?? 0, rec.thinkingTokens);
    }
    this.version++;
    if (!isBetter(rec, fileId, offset, match)) {
      this.count(match, 1);
      this.onChange?.(match);
      return 'duplicate';
    }
    const at = this.indexOf(match);
    takeCopy(match, rec, fileId, offset);
    this.count(match, 1);
    if (at >= 0) this.reposition(at);
    this.onChange?.(match);
    return 'replaced';
  }

  /** Adds (1) or takes back (-1) what `e` contributes to the windowed sums. */
  private count(e: Entry, sign: 1 | -1): void {
    contributionOf(e, this.contribution);
    if (sign > 0) {
      this.rateRing.add(e.ts, this.contribution); // a one-channel ring reads index 0 only
      this.recentRing.add(e.ts, this.recentPart);
    } else {
      this.rateRing.remove(e.ts, this.contribution);
      this.recentRing.remove(e.ts, this.recentPart);
    }
  }

  /** Adds `sign` × what `e` contributes to `out` (see windowSums); the rate only when `inRate`. */
  private addInto(out: number[], e: Entry, sign: 1 | -1, inRate: boolean): void {
    const c = this.contribution;
    contributionOf(e, c);
    for (let i = inRate ? 0 : 1; i < 5; i++) out[i] = (out[i] as number) + sign * (c[i] as number);
  }

  /** A response seen for the first time; later copies of it add to its content group. */
  private newEntry(rec: UsageRecord, fileId: number, offset: number): Entry {
    const group: ContentGroup = {
      visibleChars: rec.visibleChars,
      hasThinking: rec.hasThinkingBlock,
      thinkingTokens: rec.thinkingTokens,
    };
    // Every field spelled out, in one order (see usageRecord): a spread here cost ~2 µs per response.
    return {
      ts: rec.ts,
      messageId: rec.messageId,
      requestId: rec.requestId,
      sidechain: rec.sidechain,
      hasSpeed: rec.hasSpeed,
      model: rec.model,
      input: rec.input,
      output: rec.output,
      cacheCreation: rec.cacheCreation,
      cacheRead: rec.cacheRead,
      thinkingTokens: rec.thinkingTokens,
      hasThinkingBlock: rec.hasThinkingBlock,
      visibleChars: rec.visibleChars,
      fileId,
      offset,
      group,
      seq: this.nextSeq++,
    };
  }

  private insert(e: Entry): void {
    this.version++;
    this.count(e, 1);
    const last = this.order[this.order.length - 1];
    if (this.unmerged.length === 0 && (last === undefined || byTime(last, e) <= 0)) this.order.push(e);
    else this.unmerged.push(e);
  }

  /** Index of `e` in `order`, or -1 while it waits in `unmerged`. */
  private indexOf(e: Entry): number {
    const i = this.lowerBound(e);
    return this.order[i] === e ? i : -1;
  }

  /** First index of `order` not before `e`. */
  private lowerBound(e: Entry): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byTime(this.order[mid] as Entry, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** `order[at]` changed its totals and maybe its timestamp: move it where it now belongs. */
  private reposition(at: number): void {
    const e = this.order[at] as Entry;
    const prev = this.order[at - 1];
    const next = this.order[at + 1];
    if ((prev === undefined || byTime(prev, e) < 0) && (next === undefined || byTime(e, next) < 0)) {
      this.stable = Math.min(this.stable, at);
      return;
    }
    this.order.splice(at, 1);
    const to = this.lowerBound(e);
    this.order.splice(to, 0, e);
    this.stable = Math.min(this.stable, at, to);
  }

  /** Puts the out-of-order entries where they belong. */
  private merge(): void {
    const add = this.unmerged;
    if (add.length === 0) return;
    this.unmerged = [];
    add.sort(byTime);
    const at = this.lowerBound(add[0] as Entry);
    this.stable = Math.min(this.stable, at);
    if (add.length <= INSERT_ONE_BY_ONE) {
      for (const e of add) this.order.splice(this.lowerBound(e), 0, e);
      return;
    }
    const old = this.order;
    const out = old.slice(0, at);
    let i = at;
    let j = 0;
    while (i < old.length && j < add.length)
      out.push(byTime(old[i] as Entry, add[j] as Entry) <= 0 ? (old[i++] as Entry) : (add[j++] as Entry));
    while (i < old.length) out.push(old[i++] as Entry);
    while (j < add.length) out.push(add[j++] as Entry);
    this.order = out;
  }

  /** All kept entries in time order. A live view: it changes with the next add. */
  sorted(): readonly Entry[] {
    this.merge();
    return this.order;
  }

  /** How many kept entries are stamped at or before `nowMs` (they are the first ones of `sorted()`). */
  private countUpTo(nowMs: number): number {
    const s = this.sorted();
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((s[mid] as Entry).ts <= nowMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Kept entries stamped at or before `nowMs`, in time order (a fixed clock ignores later ones). */
  upTo(nowMs: number): readonly Entry[] {
    const n = this.countUpTo(nowMs);
    return n === this.order.length ? this.order : this.order.slice(0, n);
  }

  /** The blocks of the entries stamped at or before `nowMs`. Treat the Block objects as read-only. */
  blocks(nowMs: number): Block[] {
    return this.blocksOf(this.countUpTo(nowMs)).blocks.slice();
  }

  /** The blocks of `order[0, n)` (merged first), from the cache when nothing they depend on changed. */
  private blocksOf(n: number): BlockCache {
    const c = this.blockCache;
    if (c && c.upTo === n && this.stable >= n) return c;
    const valid = c ? Math.min(this.stable, c.upTo, n) : 0;
    let blocks: Block[] = [];
    let starts: number[] = [];
    let from = 0;
    if (c && valid > 0 && valid === c.upTo) {
      // Only entries after the cached ones: go on folding from the last block's state (a copy of it,
      // so blocks handed out earlier never change).
      blocks = c.blocks.slice();
      starts = c.starts.slice();
      blocks[blocks.length - 1] = cloneBlock(blocks[blocks.length - 1] as Block);
      from = valid;
    } else if (c && valid > 0) {
      // Blocks before the one holding order[valid − 1] are final; that one may take in what follows.
      let j = 0;
      while (j + 1 < c.starts.length && (c.starts[j + 1] as number) <= valid - 1) j++;
      blocks = c.blocks.slice(0, j);
      starts = c.starts.slice(0, j);
      from = c.starts[j] as number;
    }
    for (let i = from; i < n; i++) {
      const before = blocks.length;
      foldEntry(blocks, this.order[i] as Entry);
      if (blocks.length !== before) starts.push(i);
    }
    this.blockCache = { upTo: n, blocks, starts };
    this.stable = Number.POSITIVE_INFINITY;
    return this.blockCache;
  }

  /**
   * Drops whole leading blocks whose last entry is older than `nowMs − retainMs`. Whole blocks only, so the
   * remaining entries still chain into the same blocks; later lines older than what is kept are refused.
   */
  evict(nowMs: number, retainMs: number): number {
    const s = this.sorted();
    const c = this.blocksOf(s.length);
    const cutoff = nowMs - retainMs;
    let keepFrom = c.blocks.findIndex((b) => b.lastMs >= cutoff);
    if (keepFrom === 0) return 0;
    if (keepFrom < 0) keepFrom = c.blocks.length;
    const drop = keepFrom < c.blocks.length ? (c.starts[keepFrom] as number) : s.length;
    if (drop === 0) return 0;
    for (let i = 0; i < drop; i++) this.remove(s[i] as Entry);
    this.version++;
    const first = s[drop];
    this.floorTs = first ? first.ts : cutoff;
    this.order = s.slice(drop);
    // The kept blocks are unchanged; only their positions move.
    this.blockCache = {
      upTo: c.upTo - drop,
      blocks: c.blocks.slice(keepFrom),
      starts: c.starts.slice(keepFrom).map((i) => i - drop),
    };
    return drop;
  }

  private remove(e: Entry): void {
    this.count(e, -1);
    if (e.messageId === null) return;
    const list = this.byMessage.get(e.messageId);
    if (!list) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byMessage.delete(e.messageId);
  }

  /** Tokens (all four kinds) of the kept responses stamped in (⌈now⌉ − 60 s, now]. */
  rate1m(nowMs: number): number {
    return this.windowSums(nowMs, this.countUpTo(nowMs))[0] as number;
  }

  /**
   * [rate tokens, cacheRead, input + cacheRead + cacheCreation, thinking, output] over their windows, from
   * the rings. `n` = countUpTo(nowMs). When the clock is behind the newest bucket (a fixed `--now` with
   * later entries read), the rings no longer hold its windows: the same sums are taken over the entries.
   */
  private windowSums(nowMs: number, n: number): number[] {
    const out = [0, 0, 0, 0, 0];
    const k = bucketOf(nowMs);
    const s = this.order;
    if (k >= this.recentRing.newest) {
      const four = [0, 0, 0, 0];
      this.rateRing.sumInto(k - RATE_BUCKETS + 1, k, out);
      this.recentRing.sumInto(k - RECENT_BUCKETS + 1, k, four);
      for (let c = 0; c < 4; c++) out[c + 1] = four[c] as number;
      // Entries stamped after now are all in bucket k (none is newer than the rings): take them back.
      for (let i = s.length - 1; i >= n; i--) this.addInto(out, s[i] as Entry, -1, true);
      return out;
    }
    const rateFrom = (k - RATE_BUCKETS) * BUCKET_MS; // both exclusive
    const recentFrom = (k - RECENT_BUCKETS) * BUCKET_MS;
    for (let i = n - 1; i >= 0 && (s[i] as Entry).ts > recentFrom; i--) {
      const e = s[i] as Entry;
      this.addInto(out, e, 1, e.ts > rateFrom);
    }
    return out;
  }

  /** Rate, cache hit rate, thinking ratio and last model at `nowMs`, from the kept entries. */
  windowNumbers(nowMs: number): WindowNumbers {
    const n = this.countUpTo(nowMs);
    const [rate = 0, cacheRead = 0, cacheDen = 0, thinking = 0, output = 0] = this.windowSums(nowMs, n);
    let { at: lastResponseAtMs, model: lastModel } = this.lastResponseUpTo(n);
    if (lastResponseAtMs === null && this.newest && this.newest.ts <= nowMs) {
      // Everything recent was evicted: the newest response is still known.
      lastResponseAtMs = this.newest.ts;
      lastModel = this.newest.model;
    }
    return {
      rate1m: (rate * 60_000) / RATE_WINDOW_MS,
      cacheHitRate: cacheDen > 0 ? cacheRead / cacheDen : 0,
      thinkingRatio: output > 0 ? Math.min(1, Math.max(0, thinking / output)) : 0,
      lastModel: (lastModel ?? '').slice(0, 128), // the contract's limit; a hostile transcript may hold anything
      lastResponseAtMs,
    };
  }

  /** The newest non-synthetic response among `order[0, n)` and the newest model named there. */
  private lastResponseUpTo(n: number): { at: number | null; model: string | null } {
    const c = this.lastResponse;
    if (c && c.version === this.version && c.n === n) return c;
    let at: number | null = null;
    let model: string | null = null;
    for (let i = n - 1; i >= 0; i--) {
      const e = this.order[i] as Entry;
      if (isSyntheticModel(e.model)) continue;
      if (at === null) at = e.ts;
      if (e.model !== null) {
        model = e.model;
        break;
      }
    }
    this.lastResponse = { version: this.version, n, at, model };
    return this.lastResponse;
  }
}

/**
 * What one entry adds to the windowed sums, the one definition the rings and the fallback walk share:
 * [all tokens (rate_1m), cacheRead, input + cacheRead + cacheCreation (the cache hit rate), estimated
 * thinking, output (the thinking ratio)].
 */
function contributionOf(e: Entry, out: Float64Array): void {
  out[0] = recordTotal(e);
  out[1] = e.cacheRead;
  out[2] = e.input + e.cacheRead + e.cacheCreation;
  out[3] = estimateThinking(e);
  out[4] = e.output;
}

/** `e` now stands for the better copy `rec` (its group and seq stay). */
function takeCopy(e: Entry, rec: UsageRecord, fileId: number, offset: number): void {
  e.ts = rec.ts;
  e.messageId = rec.messageId;
  e.requestId = rec.requestId;
  e.sidechain = rec.sidechain;
  e.hasSpeed = rec.hasSpeed;
  e.model = rec.model;
  e.input = rec.input;
  e.output = rec.output;
  e.cacheCreation = rec.cacheCreation;
  e.cacheRead = rec.cacheRead;
  e.thinkingTokens = rec.thinkingTokens;
  e.hasThinkingBlock = rec.hasThinkingBlock;
  e.visibleChars = rec.visibleChars;
  e.fileId = fileId;
  e.offset = offset;
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
