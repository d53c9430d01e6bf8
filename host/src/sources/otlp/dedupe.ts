// Retry memory for pushed telemetry: "was this record already counted?" for a bounded time and a bounded
// number of bytes. An exporter that timed out or got a 5xx sends the same batch again; each record's key
// (see decode.ts) is remembered here for `ttlMs`, so the retry counts nothing.
//
// Keys are stored as 53-bit hashes, never as the strings themselves: an entry costs the same whatever the
// key (a series' attributes may run to kilobytes), so the byte budget is exact up to the Map's own growth.
// Two different keys that collide are taken as one record (a record not counted): with 53 bits and the
// budget's ~200,000 keys, that is about one chance in a million over a full window.
// Reusable as is by anything that forwards or merges OTLP (the hub): it knows nothing of the gauge.

/** Heap per remembered key: a Map<number, number> entry measured at ~62 bytes on Node 20, with room for
 * the table's doubling. */
export const DEDUPE_ENTRY_BYTES = 80;

/** cyrb53: a fast 53-bit string hash (public domain, bryc). */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export interface DedupeOptions {
  /** How long a key is remembered. */
  ttlMs: number;
  /** Heap budget; past it the oldest keys are forgotten early (and reported). */
  maxBytes: number;
  /** Called with the number of keys forgotten before their time (the budget was full). */
  onEvicted?: (n: number) => void;
}

export class DedupeWindow {
  /** hash → when it was first seen (ms). Insertion order is time order: the oldest come first. */
  private readonly seen = new Map<number, number>();
  private readonly maxKeys: number;
  /** Keys forgotten before their time because the byte budget was full. */
  evicted = 0;

  constructor(private readonly opts: DedupeOptions) {
    this.maxKeys = Math.max(1, Math.floor(opts.maxBytes / DEDUPE_ENTRY_BYTES));
  }

  /**
   * True (and remembered) the first time `key` is seen within ttlMs; false for a repeat. A null key (a record
   * with no identity at all) is always new.
   */
  firstTime(key: string | null, atMs: number): boolean {
    return this.firstTimeId(key === null ? null : hash53(key), atMs);
  }

  /** firstTime() for a key already hashed with hash53 (the decode worker hashes them). */
  firstTimeId(h: number | null, atMs: number): boolean {
    if (h === null) return true;
    const at = this.seen.get(h);
    if (at !== undefined && atMs - at <= this.opts.ttlMs) return false;
    if (at !== undefined) this.seen.delete(h); // expired: re-inserted at the end (newest)
    this.seen.set(h, atMs);
    if (this.seen.size > this.maxKeys) {
      this.prune(atMs);
      // Still full: forget the oldest tenth at once. (Deleting from the front of a Map one key per insert
      // is quadratic: every walk from the front steps over the holes earlier deletes left.)
      const target = this.maxKeys - Math.ceil(this.maxKeys / 10);
      let n = 0;
      if (this.seen.size > this.maxKeys) {
        for (const k of this.seen.keys()) {
          if (this.seen.size <= target) break;
          this.seen.delete(k);
          n++;
        }
      }
      if (n > 0) {
        this.evicted += n;
        this.opts.onEvicted?.(n);
      }
    }
    return true;
  }

  /** Forgets keys older than ttlMs (the oldest are first: stops at the first young one). */
  prune(nowMs: number): void {
    for (const [k, at] of this.seen) {
      if (nowMs - at <= this.opts.ttlMs) break;
      this.seen.delete(k);
    }
  }

  get size(): number {
    return this.seen.size;
  }

  /** The heap the remembered keys are accounted at. */
  get bytes(): number {
    return this.seen.size * DEDUPE_ENTRY_BYTES;
  }
}
