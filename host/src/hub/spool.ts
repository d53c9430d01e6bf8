// A satellite's spool: forwarded records the hub has not taken yet, on disk, oldest first, so a hub that is
// away for long costs bounded memory and nothing is lost across a restart of either side. Segment files
// (`seg-<n>.jsonl`, one record a line: record.ts `spoolLine`) of at most SEGMENT_BYTES; the oldest is read
// and sent first and deleted once the hub took all of it. Bounded in bytes: past the bound the oldest
// segment goes, its records counted as dropped (the fault forward-spool-full). A torn last line (a crash
// mid-write) is skipped. Synchronous I/O: segments are small and local, written a batch at a time.

import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ForwardRecord, fromSpoolLine, spoolLine } from './record.js';

/** The spool's bound on disk; past it the oldest records go. About 700,000 records. */
export const SPOOL_MAX_BYTES = 64 * 1024 * 1024;
/** One segment file's size: what is read into memory at once to be sent. */
export const SEGMENT_BYTES = 1024 * 1024;

interface Segment {
  n: number;
  path: string;
  bytes: number;
  records: number;
}

const NAME = /^seg-(\d{12})\.jsonl$/;

export class Spool {
  private segments: Segment[] = [];
  /** The oldest segment's records, read for sending, and how many of them the hub took. */
  private head: { n: number; records: ForwardRecord[]; taken: number } | null = null;
  /** Records dropped because the spool was full, since it was opened. */
  dropped = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes = SPOOL_MAX_BYTES,
    private readonly segmentBytes = SEGMENT_BYTES,
    private readonly onDropped: (n: number) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir).sort()) {
      const m = NAME.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      const records = text.split('\n').filter((l) => fromSpoolLine(l) !== null).length;
      if (records === 0) rmSync(path, { force: true });
      else this.segments.push({ n: Number(m[1]), path, bytes: statSync(path).size, records });
    }
  }

  /** Records waiting on disk. */
  get records(): number {
    return this.segments.reduce((a, s) => a + s.records, 0) - (this.head?.taken ?? 0);
  }

  get bytes(): number {
    return this.segments.reduce((a, s) => a + s.bytes, 0);
  }

  /** Appends `records` after everything already spooled (they are newer). */
  append(records: readonly ForwardRecord[]): void {
    if (records.length === 0) return;
    let i = 0;
    while (i < records.length) {
      let seg = this.segments[this.segments.length - 1];
      // Never append to the segment being sent: its records are in memory already.
      if (seg === undefined || seg.bytes >= this.segmentBytes || seg.n === this.head?.n) {
        const n = (seg?.n ?? 0) + 1;
        seg = { n, path: join(this.dir, `seg-${String(n).padStart(12, '0')}.jsonl`), bytes: 0, records: 0 };
        this.segments.push(seg);
      }
      let text = '';
      let len = 0;
      let count = 0;
      while (i < records.length && seg.bytes + len < this.segmentBytes) {
        const line = `${spoolLine(records[i] as ForwardRecord)}\n`;
        text += line;
        len += Buffer.byteLength(line);
        i++;
        count++;
      }
      appendFileSync(seg.path, text, { mode: 0o600 });
      seg.bytes += len;
      seg.records += count;
    }
    this.trim();
  }

  /** Past the byte bound: the oldest segments go (the newest one stays, whatever its size). */
  private trim(): void {
    while (this.bytes > this.maxBytes && this.segments.length > 1) {
      const seg = this.segments.shift() as Segment;
      const lost = seg.records - (this.head?.n === seg.n ? this.head.taken : 0);
      if (this.head?.n === seg.n) this.head = null;
      rmSync(seg.path, { force: true });
      this.dropped += lost;
      this.onDropped(lost);
    }
  }

  /** The oldest `max` records not yet taken, oldest first (fewer at a segment's end; [] when empty). */
  peek(max: number): ForwardRecord[] {
    const seg = this.segments[0];
    if (seg === undefined) return [];
    if (this.head?.n !== seg.n) {
      let text = '';
      try {
        text = readFileSync(seg.path, 'utf8');
      } catch {
        // Gone (removed by hand): nothing of it can be sent.
      }
      const records: ForwardRecord[] = [];
      for (const line of text.split('\n')) {
        const r = fromSpoolLine(line);
        if (r !== null) records.push(r);
      }
      this.head = { n: seg.n, records, taken: 0 };
      seg.records = records.length;
      if (records.length === 0) {
        this.dropSegment(seg);
        return this.peek(max);
      }
    }
    return this.head.records.slice(this.head.taken, this.head.taken + max);
  }

  /** The hub took the first `n` records `peek` gave. */
  taken(n: number): void {
    const seg = this.segments[0];
    if (seg === undefined || this.head?.n !== seg.n) return;
    this.head.taken += n;
    if (this.head.taken >= this.head.records.length) this.dropSegment(seg);
  }

  private dropSegment(seg: Segment): void {
    rmSync(seg.path, { force: true });
    this.segments = this.segments.filter((s) => s !== seg);
    if (this.head?.n === seg.n) this.head = null;
  }
}
