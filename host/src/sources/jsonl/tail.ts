// Byte-level reading of one transcript file: forwards from an offset (the live tail) and backwards from
// the end (the cold start). Lines are split on the '\n' BYTE and handed over as Buffers; a file is never
// read whole, a line is never held beyond `maxLineBytes`, and a partial last line waits (as bytes) for its
// newline.
//
// Reads are synchronous (readSync on a file descriptor): transcripts are local files in the page cache, and
// a thread-pool round trip per read cost more than the read itself (the cold start went from ~115 ms of
// waiting on the pool to none). The loops below are still async so that the caller can give the event loop
// a turn between chunks (`TailEvents.pause`); a file system that hangs a read (a dead network mount) would
// block the process meanwhile, a trade-off README.md states.

import { readSync } from 'node:fs';

export interface TailLimits {
  /** Size of one read. */
  chunkBytes: number;
  /** Longer lines are skipped without being buffered whole. */
  maxLineBytes: number;
}

export interface FileState {
  path: string;
  /** Stable small number: orders copies of a response inside one file (see Ledger). */
  fileId: number;
  dev: number;
  ino: number;
  /** Next byte the forward tail reads. Bytes in [partialStart, offset) are the held partial line. */
  offset: number;
  partial: Buffer[];
  partialBytes: number;
  partialStart: number;
  /** The forward tail is inside a line longer than the limit: drop bytes up to its newline. */
  skipping: boolean;
  /** Start of the earliest line processed: bytes before it have not been read (cold start went no further). */
  coldFrom: number;
  /** Oldest usage timestamp the backward scan has met: it ends a later scan to a younger horizon at once. */
  oldestScannedMs: number;
  /** The bytes just before `offset` as last read: a rewrite that left the size above the offset changes them. */
  fingerprint: Buffer;
  /**
   * Skipped by mtime at the cold start and not opened since: `offset` is the size seen then, and where its
   * complete lines end (the real start of the tail) is looked up on the first read, from that same size.
   */
  deferred: boolean;
}

/** Receives one complete line (without '\n') and its byte offset; returns its usage timestamp, if any. */
export type LineSink = (line: Buffer, offset: number, file: FileState) => number | null;

export interface TailEvents {
  longLine(file: FileState, offset: number): void;
  bytes(n: number): void;
  /** Called between chunks: a promise to await when this turn of the event loop has run long enough. */
  pause?(): Promise<void> | null;
}

/**
 * One read buffer for every file and engine in the process, grown as needed. Safe because its bytes are
 * never needed across an `await`: each chunk is split and handed to the sink synchronously, and what must
 * survive (a partial line, the carry of a backward scan) is copied out first. It saves a 512 kB allocation
 * per file read and the copy of every chunk that a concatenation with the carry cost.
 */
let scratch = Buffer.allocUnsafe(0);
/** Beyond this (a backward scan carrying a multi-MB line) a one-off buffer: the shared one never stays big. */
const SCRATCH_MAX_BYTES = 2 * 1024 * 1024;
function scratchOf(bytes: number): Buffer {
  if (bytes > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(bytes);
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, 64 * 1024));
  return scratch;
}

/** Reads into `buf[0, length)` from `position` until that many bytes or end of file; returns the count. */
export function readAt(fd: number, buf: Buffer, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

const NL = 0x0a;

export function newFileState(path: string, fileId: number, dev: number, ino: number): FileState {
  return {
    path,
    fileId,
    dev,
    ino,
    offset: 0,
    partial: [],
    partialBytes: 0,
    partialStart: 0,
    skipping: false,
    coldFrom: 0,
    oldestScannedMs: Number.POSITIVE_INFINITY,
    fingerprint: Buffer.alloc(0),
    deferred: false,
  };
}

const FINGERPRINT_BYTES = 64;

/** Remembers the bytes before `state.offset` (see `fingerprint`). */
export function takeFingerprint(fd: number, state: FileState): void {
  const from = Math.max(0, state.offset - FINGERPRINT_BYTES);
  const buf = Buffer.alloc(state.offset - from);
  state.fingerprint = buf.subarray(0, readAt(fd, buf, buf.length, from));
}

/** False when the bytes before the offset are no longer what was read there (the file was rewritten). */
export function fingerprintHolds(fd: number, state: FileState): boolean {
  const want = state.fingerprint;
  if (want.length === 0) return true;
  const buf = Buffer.alloc(want.length);
  return readAt(fd, buf, buf.length, state.offset - want.length) === want.length && buf.equals(want);
}

/**
 * Reads forward from `state.offset` to the current end, at most about `maxBytes` (the caller comes back for
 * the rest, so one fast-growing file cannot starve the others). Returns true when it stopped at end of file.
 */
export async function readForward(
  fd: number,
  state: FileState,
  limits: TailLimits,
  sink: LineSink,
  events: TailEvents,
  maxBytes = 64 * 1024 * 1024,
): Promise<boolean> {
  const maxChunks = Math.max(1, Math.ceil(maxBytes / limits.chunkBytes));
  for (let n = 0; n < maxChunks; n++) {
    if (n > 0) {
      const p = events.pause?.();
      if (p) await p;
    }
    const buf = scratchOf(limits.chunkBytes);
    const bytesRead = readAt(fd, buf, limits.chunkBytes, state.offset);
    if (bytesRead === 0) return true;
    events.bytes(bytesRead);
    const view = buf.subarray(0, bytesRead);
    let start = 0;
    for (;;) {
      const nl = view.indexOf(NL, start);
      if (nl < 0) {
        holdPartial(state, view.subarray(start), state.offset + start, limits, events);
        break;
      }
      const lineStart = state.partialBytes > 0 || state.skipping ? state.partialStart : state.offset + start;
      const length = state.partialBytes + (nl - start);
      if (state.skipping || length > limits.maxLineBytes) {
        if (!state.skipping) events.longLine(state, lineStart);
      } else {
        const line =
          state.partialBytes > 0
            ? Buffer.concat([...state.partial, view.subarray(start, nl)], length)
            : view.subarray(start, nl);
        sink(line, lineStart, state);
      }
      state.partial = [];
      state.partialBytes = 0;
      state.skipping = false;
      start = nl + 1;
      state.partialStart = state.offset + start;
    }
    state.offset += bytesRead;
  }
  return false;
}

function holdPartial(
  state: FileState,
  bytes: Buffer,
  at: number,
  limits: TailLimits,
  events: TailEvents,
): void {
  if (bytes.length === 0) return;
  if (state.partialBytes === 0 && !state.skipping) state.partialStart = at;
  if (state.skipping) return;
  if (state.partialBytes + bytes.length > limits.maxLineBytes) {
    // Too long already: count it once and drop what is held; the rest is skipped up to its newline.
    events.longLine(state, state.partialStart);
    state.partial = [];
    state.partialBytes = 0;
    state.skipping = true;
    return;
  }
  state.partial.push(Buffer.from(bytes)); // copy: the read buffer is reused
  state.partialBytes += bytes.length;
}

/** First read of completeLinesEnd. */
const FIRST_STEP_BYTES = 8 * 1024;

/** Position just after the last '\n' at or before `size` (0 when there is none): where complete lines end. */
export async function completeLinesEnd(
  fd: number,
  size: number,
  chunkBytes: number,
  pause?: () => Promise<void> | null,
): Promise<number> {
  // The last newline is nearly always in the last few kB. Start small and grow: the cold start calls this
  // for every transcript, and a full chunk each (512 kB read and allocated) cost more than the scan itself.
  let step = Math.min(chunkBytes, FIRST_STEP_BYTES);
  let end = size;
  while (end > 0) {
    if (end < size) {
      // Only a last line of many chunks (hostile, or a huge torn write) gets here: let others run meanwhile.
      const p = pause?.();
      if (p) await p;
    }
    const from = Math.max(0, end - step);
    const buf = scratchOf(step);
    const bytesRead = readAt(fd, buf, end - from, from);
    const at = buf.subarray(0, bytesRead).lastIndexOf(NL);
    if (at >= 0) return from + at + 1;
    end = from;
    if (step < chunkBytes) step = Math.min(chunkBytes, step * 8);
  }
  return 0;
}

/**
 * Reads backwards from `state.coldFrom` towards the start of the file, a chunk at a time, handing every
 * complete line to `sink`, until a chunk held a usage line stamped before `stopBeforeMs` (or the file
 * start). Afterwards `coldFrom` is the start of the earliest line processed, so a later call with an older
 * horizon continues exactly where this one stopped and no line is processed twice.
 */
export async function scanBackward(
  fd: number,
  state: FileState,
  stopBeforeMs: number,
  limits: TailLimits,
  sink: LineSink,
  events: TailEvents,
): Promise<void> {
  if (state.oldestScannedMs < stopBeforeMs) return;
  let carry: Buffer = Buffer.alloc(0); // bytes [pos, coldFrom): the tail end of a line whose start is unknown
  let pos = state.coldFrom;
  let skippingFrom = -1; // inside an over-long line: its end offset, bytes are not kept
  for (let n = 0; pos > 0; n++) {
    if (n > 0) {
      const p = events.pause?.();
      if (p) await p;
    }
    const from = Math.max(0, pos - limits.chunkBytes);
    // The chunk, then the carry right after it: the two are one contiguous run of the file.
    const buf = scratchOf(pos - from + carry.length);
    const bytesRead = readAt(fd, buf, pos - from, from);
    if (bytesRead !== pos - from)
      throw new Error(`short read at ${from} (file changed during the cold start)`);
    events.bytes(bytesRead);
    const chunk = buf.subarray(0, bytesRead);
    pos = from;
    if (skippingFrom >= 0) {
      const at = chunk.lastIndexOf(NL);
      if (at < 0 && from > 0) continue;
      const lineStart = at < 0 ? 0 : from + at + 1;
      events.longLine(state, lineStart);
      state.coldFrom = lineStart;
      skippingFrom = -1;
      carry = Buffer.from(chunk.subarray(0, at + 1));
      continue;
    }
    const combined = carry.length > 0 ? buf.subarray(0, bytesRead + carry.copy(buf, bytesRead)) : chunk;
    // Lines are complete from the first '\n' on (or from byte 0 at the start of the file).
    const first = from === 0 ? -1 : combined.indexOf(NL);
    if (first < 0 && from > 0) {
      if (combined.length > limits.maxLineBytes) {
        skippingFrom = state.coldFrom;
        carry = Buffer.alloc(0);
      } else carry = Buffer.from(combined);
      continue;
    }
    let oldest = Number.POSITIVE_INFINITY;
    let start = first + 1;
    while (start < combined.length) {
      let nl = combined.indexOf(NL, start);
      if (nl < 0) nl = combined.length; // only at coldFrom = end without newline: never, kept for safety
      if (nl - start > limits.maxLineBytes) events.longLine(state, from + start);
      else {
        const ts = sink(combined.subarray(start, nl), from + start, state);
        if (ts !== null && ts < oldest) oldest = ts;
      }
      start = nl + 1;
    }
    state.coldFrom = from + first + 1;
    carry = first >= 0 ? Buffer.from(combined.subarray(0, first + 1)) : Buffer.alloc(0);
    if (oldest < state.oldestScannedMs) state.oldestScannedMs = oldest;
    if (oldest < stopBeforeMs) return;
  }
  if (skippingFrom >= 0) {
    events.longLine(state, 0);
    state.coldFrom = 0;
  }
}
