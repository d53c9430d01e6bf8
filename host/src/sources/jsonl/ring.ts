// Ring buffers of one-second buckets for the windowed numbers: rate_1m (60 buckets of tokens) and the
// 5 min cache hit rate and thinking ratio (300 buckets of their sums). Keyed by each response's own
// timestamp, not by when it was read, so the cold start's backward reads and a fixed `--now` clock give
// the same answer as live reading.
//
// Bucket k holds the responses stamped in ((k − 1) s, k s], i.e. k = ⌈ts / 1 s⌉. A window of N buckets at
// `now` is buckets ⌈now⌉ − N + 1 … ⌈now⌉ minus what is stamped after `now` inside bucket ⌈now⌉: the
// responses stamped in (⌈now⌉ − N s, now]. On a whole second that is exactly (now − N s, now]; between
// seconds the window is up to 1 s shorter and its far edge moves in whole seconds. The Ledger does the
// subtraction, and answers from its sorted entries when the clock is behind the newest bucket.

export const BUCKET_MS = 1000;

/** The bucket a timestamp falls in (the end of its second). */
export function bucketOf(ts: number): number {
  return Math.ceil(ts / BUCKET_MS);
}

/**
 * `buckets` one-second buckets of `channels` sums each. Invariant: for every bucket b in
 * head − buckets + 1 … head, its sums are those of the kept responses in b. Values are token counts (safe
 * integers), so sums, and sums after removals, stay exact in a double up to 2^53.
 */
export class BucketRing {
  private readonly sums: Float64Array;
  /** Newest bucket ever added (no kept response is newer). */
  private head = Number.NEGATIVE_INFINITY;

  constructor(
    readonly buckets: number,
    readonly channels: number,
  ) {
    this.sums = new Float64Array(buckets * channels);
  }

  get newest(): number {
    return this.head;
  }

  add(ts: number, values: ArrayLike<number>): void {
    const k = bucketOf(ts);
    if (k > this.head) this.advance(k);
    // Older than the ring: no window the ring answers holds it (the Ledger walks its entries for those).
    if (k <= this.head - this.buckets) return;
    this.apply(k, values, 1);
  }

  /** Takes back what `add(ts, values)` put in (a replaced, re-estimated or evicted response). */
  remove(ts: number, values: ArrayLike<number>): void {
    const k = bucketOf(ts);
    if (k > this.head || k <= this.head - this.buckets) return;
    this.apply(k, values, -1);
  }

  /** Adds channel sums of buckets `from` … `to` (inclusive) that the ring holds into `out`. */
  sumInto(from: number, to: number, out: number[]): void {
    const last = Math.min(to, this.head);
    for (let b = Math.max(from, this.head - this.buckets + 1); b <= last; b++) {
      const base = this.slot(b) * this.channels;
      for (let c = 0; c < this.channels; c++) out[c] = (out[c] as number) + (this.sums[base + c] as number);
    }
  }

  private apply(k: number, values: ArrayLike<number>, sign: 1 | -1): void {
    const base = this.slot(k) * this.channels;
    for (let c = 0; c < this.channels; c++)
      this.sums[base + c] = (this.sums[base + c] as number) + sign * (values[c] as number);
  }

  /** Moves the head to `k`, emptying the buckets that now stand for new seconds (at most all of them). */
  private advance(k: number): void {
    // The buckets to empty are one run of slots, wrapping at most once: two fills, not one per second
    // (a cold start reading files backwards moves the head forwards in many steps spanning hours).
    const first = Math.max(this.head + 1, k - this.buckets + 1);
    const from = this.slot(first) * this.channels;
    const to = from + (k - first + 1) * this.channels;
    const size = this.sums.length;
    this.sums.fill(0, from, Math.min(to, size));
    if (to > size) this.sums.fill(0, 0, to - size);
    this.head = k;
  }

  private slot(bucket: number): number {
    return ((bucket % this.buckets) + this.buckets) % this.buckets;
  }
}
