// The hub's union of every machine's responses: one slot per response id, holding each machine's copy
// (the newest it sent: a satellite sends a response again when its copy changed) and the best of them by
// ccusage's rule (a main-chain copy beats a sidechain copy, then the larger total; machine key on a tie),
// which is the one counted. So a response read on two machines (a synced ~/.claude) counts once, and a
// delivery sent again (a retry, a resync, the same batch three times) changes nothing.
// The snapshot is the jsonl source's, over the best copies: ccusage `blocks` (blocks.ts) for the 5 h
// window, the same one-second windows as the ledger (ring.ts) for rate_1m, the cache hit rate and thinking.
// Bounded: records older than the history a hub counts with leave as whole blocks (the later ones chain the
// same), and past MAX_UNION_RECORDS the oldest tenth goes (a fault).

import { activeBlock, type Block, foldEntry } from '../sources/jsonl/blocks.js';
import { BUCKET_MS, bucketOf } from '../sources/jsonl/ring.js';
import type { SourceSnapshot } from '../sources/source.js';

/** One machine's copy of a response. `machine` is the machine's key (machines.ts). */
export interface UnionRecord {
  ts: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  model: string | null;
  thinking: number;
  sidechain: boolean;
  machine: string;
}

interface Slot {
  copies: UnionRecord[];
  /** The copy counted; null when every machine took its copy back. */
  best: UnionRecord | null;
  /** Insertion number: orders responses of one timestamp. */
  seq: number;
}

/** new: a response not known before; changed: its counted copy or a machine's copy changed; same: nothing. */
export type ApplyOutcome = 'new' | 'changed' | 'same' | 'late';

/** Responses kept; past it the oldest tenth are dropped (and counted as the fault hub-records-dropped). */
export const MAX_UNION_RECORDS = 200_000;
const RATE_BUCKETS = 60;
const RECENT_BUCKETS = 300;
const SYNTHETIC = '<synthetic>';

const total = (r: UnionRecord) => r.input + r.output + r.cacheRead + r.cacheCreation;

/** a before b when a is the better copy (ccusage: main chain, then the larger total; then the machine key). */
function better(a: UnionRecord, b: UnionRecord): boolean {
  if (a.sidechain !== b.sidechain) return !a.sidechain;
  const ta = total(a);
  const tb = total(b);
  if (ta !== tb) return ta > tb;
  return a.machine < b.machine;
}

function sameValues(a: UnionRecord, b: UnionRecord): boolean {
  return (
    a.ts === b.ts &&
    a.input === b.input &&
    a.output === b.output &&
    a.cacheRead === b.cacheRead &&
    a.cacheCreation === b.cacheCreation &&
    a.model === b.model &&
    a.thinking === b.thinking &&
    a.sidechain === b.sidechain
  );
}

export class UnionStore {
  private readonly slots = new Map<number, Slot>();
  /** Slots in (best.ts, seq) order when `sorted`; slots without a best are skipped (and compacted away). */
  private order: Slot[] = [];
  private sorted = true;
  private empties = 0;
  private nextSeq = 0;
  /** Responses stamped before this arrive after their block left: refused, not counted in the wrong block. */
  private floorTs = Number.NEGATIVE_INFINITY;
  /** Bumped on every change: the blocks are recomputed only when it moved. */
  version = 0;
  private cache: { version: number; upTo: number; blocks: Block[] } | null = null;
  /** Responses dropped because the store was full. */
  dropped = 0;

  constructor(private readonly onDropped: (n: number) => void = () => {}) {}

  /** Responses with a counted copy. */
  get size(): number {
    return this.order.length - this.empties;
  }

  /** Takes `rec` as `rec.machine`'s copy of response `id`. */
  apply(id: number, rec: UnionRecord): ApplyOutcome {
    const slot = this.slots.get(id);
    if (slot === undefined) {
      if (rec.ts < this.floorTs) return 'late';
      const fresh: Slot = { copies: [rec], best: rec, seq: this.nextSeq++ };
      this.slots.set(id, fresh);
      const last = this.order[this.order.length - 1];
      if (last?.best && (last.best.ts > rec.ts || (last.best.ts === rec.ts && last.seq > fresh.seq)))
        this.sorted = false;
      this.order.push(fresh);
      this.version++;
      if (this.order.length - this.empties > MAX_UNION_RECORDS) this.dropOldest();
      return 'new';
    }
    const at = slot.copies.findIndex((c) => c.machine === rec.machine);
    const mine = slot.copies[at];
    if (mine !== undefined && sameValues(mine, rec)) return 'same';
    if (mine !== undefined) slot.copies[at] = rec;
    else slot.copies.push(rec);
    this.rechoose(slot);
    return 'changed';
  }

  /** `machine` takes back its copy of response `id` (its kept copy changed ids). */
  retract(id: number, machine: string): ApplyOutcome {
    const slot = this.slots.get(id);
    const at = slot?.copies.findIndex((c) => c.machine === machine) ?? -1;
    if (slot === undefined || at < 0) return 'same';
    slot.copies.splice(at, 1);
    this.rechoose(slot);
    return 'changed';
  }

  private rechoose(slot: Slot): void {
    const old = slot.best;
    let best: UnionRecord | null = null;
    for (const c of slot.copies) if (best === null || better(c, best)) best = c;
    slot.best = best;
    if (old !== null && best === null) this.empties++;
    if (old === null && best !== null) this.empties--;
    if (best !== null && (old === null || old.ts !== best.ts)) this.sorted = false;
    this.version++;
  }

  /** The counted copies in time order (slots without one left out). */
  private ordered(): Slot[] {
    if (this.empties > 0 && this.empties * 2 > this.order.length) {
      this.order = this.order.filter((s) => s.best !== null);
      this.empties = 0;
    }
    if (!this.sorted) {
      this.order.sort((a, b) => {
        const d = (a.best?.ts ?? 0) - (b.best?.ts ?? 0);
        return d !== 0 ? d : a.seq - b.seq;
      });
      this.sorted = true;
    }
    return this.order;
  }

  /** The blocks of the responses stamped at or before `nowMs` (cached while nothing changed). */
  blocks(nowMs: number): Block[] {
    const order = this.ordered();
    const newest = order[order.length - 1]?.best?.ts ?? Number.NEGATIVE_INFINITY;
    const upTo = nowMs >= newest ? Number.POSITIVE_INFINITY : nowMs;
    const c = this.cache;
    if (c && c.version === this.version && c.upTo === upTo) return c.blocks;
    const blocks: Block[] = [];
    for (const s of order) {
      const r = s.best;
      if (r === null) continue;
      if (r.ts > upTo) break;
      foldEntry(blocks, r);
    }
    this.cache = { version: this.version, upTo, blocks };
    return blocks;
  }

  /** The gauge's numbers over the union as of `nowMs` (the jsonl source's semantics). */
  snapshot(nowMs: number): SourceSnapshot {
    const order = this.ordered();
    const k = bucketOf(nowMs);
    const rateFrom = (k - RATE_BUCKETS) * BUCKET_MS; // exclusive, as the ledger's rings
    const recentFrom = (k - RECENT_BUCKETS) * BUCKET_MS;
    let rate = 0;
    let cacheRead = 0;
    let cacheDen = 0;
    let thinking = 0;
    let output = 0;
    let lastAt: number | null = null;
    let lastModel: string | null = null;
    for (let i = order.length - 1; i >= 0; i--) {
      const r = order[i]?.best;
      if (!r || r.ts > nowMs) continue;
      const recent = r.ts > recentFrom;
      if (recent) {
        if (r.ts > rateFrom) rate += total(r);
        cacheRead += r.cacheRead;
        cacheDen += r.input + r.cacheRead + r.cacheCreation;
        thinking += Math.min(r.thinking, r.output);
        output += r.output;
      }
      if (r.model !== SYNTHETIC && lastModel === null) {
        if (lastAt === null) lastAt = r.ts;
        if (r.model !== null) lastModel = r.model;
      }
      if (!recent && lastModel !== null) break;
    }
    const block = activeBlock(this.blocks(nowMs), nowMs);
    return {
      rate1m: (rate * 60_000) / (RATE_BUCKETS * BUCKET_MS),
      window5hTokens: block ? block.total : 0,
      window5hResetInS: block ? Math.max(0, Math.ceil((block.endMs - nowMs) / 1000)) : null,
      thinkingRatio: output > 0 ? Math.min(1, Math.max(0, thinking / output)) : 0,
      cacheHitRate: cacheDen > 0 ? cacheRead / cacheDen : 0,
      lastModel: (lastModel ?? '').slice(0, 128),
      lastResponseAtMs: lastAt,
    };
  }

  /**
   * Drops whole leading blocks whose last response is older than `nowMs − retainMs` (the later blocks
   * chain the same without them); a response stamped before what is kept is refused from then on.
   * Returns how many responses left.
   */
  evict(nowMs: number, retainMs: number): number {
    const order = this.ordered();
    if (this.empties > 0) {
      this.order = order.filter((s) => s.best !== null);
      this.empties = 0;
    }
    const blocks: Block[] = [];
    const starts: number[] = [];
    this.order.forEach((s, i) => {
      const n = blocks.length;
      foldEntry(blocks, s.best as UnionRecord);
      if (blocks.length !== n) starts.push(i);
    });
    const cutoff = nowMs - retainMs;
    let keepFrom = blocks.findIndex((b) => b.lastMs >= cutoff);
    if (keepFrom === 0) return 0;
    if (keepFrom < 0) keepFrom = blocks.length;
    const drop = keepFrom < blocks.length ? (starts[keepFrom] as number) : this.order.length;
    if (drop === 0) return 0;
    this.removeFirst(drop);
    this.floorTs = this.order[0]?.best?.ts ?? cutoff;
    return drop;
  }

  /** Past MAX_UNION_RECORDS: the oldest tenth goes, and what is older than the rest is refused. */
  private dropOldest(): void {
    this.ordered();
    if (this.empties > 0) {
      this.order = this.order.filter((s) => s.best !== null);
      this.empties = 0;
    }
    const n = this.order.length - (MAX_UNION_RECORDS - MAX_UNION_RECORDS / 10);
    this.removeFirst(n);
    this.floorTs = this.order[0]?.best?.ts ?? this.floorTs;
    this.dropped += n;
    this.onDropped(n);
  }

  private removeFirst(n: number): void {
    const gone = new Set(this.order.slice(0, n));
    for (const [id, s] of this.slots) if (gone.has(s)) this.slots.delete(id);
    this.order = this.order.slice(n);
    this.version++;
  }
}
