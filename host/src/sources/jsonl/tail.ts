// Byte-level reading of one transcript file: forwards from an offset (the live tail) and backwards from
// the end (the cold start). Lines are split on the '\n' BYTE and handed over as Buffers; a file is never
// read whole, and a partial last line waits (as bytes) for its newline. While a line streams past, at most
// `maxLineBytes` of it is held; a longer one is dropped, and read again in one piece once both its ends are
// known, if it is at most `maxParsedLineBytes` (longer ones are skipped).
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
  /** Most of a line held while it streams past (partial, carry); a longer one is read again once complete. */
  maxLineBytes: number;
  /** Longer lines are skipped: the one-off buffer a line is read into, and its parse, stay this small. */
  maxParsedLineBytes: number;
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
  /** The forward tail is inside a line longer than `maxLineBytes`: its bytes are not held, only its start. */
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
  /**
   * The held last line was found incomplete after its file had been quiet (a torn write): it is not
   * checked again until the file grows.
   */
  heldTorn: boolean;
  /** Read again after a rewrite: the Ledger's reread stays open until the last line is settled too. */
  rereading: boolean;
}

/** Receives one complete line (without '\n') and its byte offset; returns its usage timestamp, if any. */
export type LineSink = (line: Buffer, offset: number, file: FileState) => number | null;

export interface TailEvents {
  /** A line over `maxParsedLineBytes`, skipped. */
  longLine(file: FileState, offset: number): void;
  /** A line over `maxLineBytes` but within `maxParsedLineBytes`, handed to the sink all the same. */
  longLineRead(file: FileState, offset: number, length: number): void;
  bytes(n: number): void;
  /** Called between chunks: a promise to await when this turn of the event loop has run long enough. */
  pause?(): Promise<void> | null;
}

/**
 * One read buffer for every file and transcript reader in the process, grown as needed. Safe because its bytes are
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

/** A line whose bytes were not kept, once its ends are known: a one-off buffer, as `scratch` is reused. */
function readLine(fd: number, start: number, length: number, events: TailEvents): Buffer {
  const line = Buffer.allocUnsafe(length);
  if (readAt(fd, line, length, start) !== length)
    throw new Error(`short read at ${start} (file changed while reading a long line)`);
  events.bytes(length);
  return line;
}

/**
 * A line over `maxLineBytes` whose ends are known: handed to the sink if within `maxParsedLineBytes`
 * (`bytes` gets it, from memory or the file), else skipped. Returns the sink's timestamp.
 */
function longLine(
  state: FileState,
  start: number,
  length: number,
  bytes: () => Buffer,
  limits: TailLimits,
  sink: LineSink,
  events: TailEvents,
): number | null {
  if (length > limits.maxParsedLineBytes) {
    events.longLine(state, start);
    return null;
  }
  events.longLineRead(state, start, length);
  return sink(bytes(), start, state);
}

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
    heldTorn: false,
    rereading: false,
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
    state.heldTorn = false;
    const view = buf.subarray(0, bytesRead);
    let start = 0;
    for (;;) {
      const nl = view.indexOf(NL, start);
      if (nl < 0) {
        holdPartial(state, view.subarray(start), state.offset + start, limits);
        break;
      }
      const lineStart = state.partialBytes > 0 || state.skipping ? state.partialStart : state.offset + start;
      const length = state.offset + nl - lineStart;
      // Skipping: only its start was kept, read it again. Else the held partial and this view are all of it.
      const line = () =>
        state.skipping
          ? readLine(fd, lineStart, length, events)
          : state.partialBytes > 0
            ? Buffer.concat([...state.partial, view.subarray(start, nl)], length)
            : view.subarray(start, nl);
      if (length > limits.maxLineBytes) longLine(state, lineStart, length, line, limits, sink, events);
      else sink(line(), lineStart, state);
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

/** True when the forward tail holds the start of a line whose newline has not arrived. */
export function holdsLine(state: FileState): boolean {
  return state.partialBytes > 0 || state.skipping;
}

/**
 * Hands the held last line to `sink` as a complete line when `complete` says it is one (its file has been
 * quiet: see TranscriptReader), and starts the next line right after it, so a newline or more objects
 * appended later never bring it back. A line too long to hold is read again from the file (if within maxParsedLineBytes).
 * Returns true when the line was handed over; otherwise it stays held, marked `heldTorn`.
 */
export function closeHeldLine(
  fd: number,
  state: FileState,
  limits: TailLimits,
  sink: LineSink,
  events: TailEvents,
  complete: (line: Buffer) => boolean,
): boolean {
  if (!holdsLine(state)) return false;
  const start = state.partialStart;
  const length = state.offset - start;
  const line =
    length > limits.maxParsedLineBytes
      ? null
      : state.skipping
        ? readLine(fd, start, length, events)
        : state.partial.length === 1
          ? (state.partial[0] as Buffer)
          : Buffer.concat(state.partial, length);
  if (line === null || !complete(line)) {
    state.heldTorn = true;
    return false;
  }
  if (length > limits.maxLineBytes) events.longLineRead(state, start, length);
  sink(line, start, state);
  state.partial = [];
  state.partialBytes = 0;
  state.skipping = false;
  state.partialStart = state.offset;
  return true;
}

function holdPartial(state: FileState, bytes: Buffer, at: number, limits: TailLimits): void {
  if (bytes.length === 0) return;
  if (state.partialBytes === 0 && !state.skipping) state.partialStart = at;
  if (state.skipping) return;
  if (state.partialBytes + bytes.length > limits.maxLineBytes) {
    // Too long to hold: keep only its start (partialStart, across polls); it is read again at its newline.
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
  // Bytes [pos, coldFrom): the end of a line whose start is not read yet, with its '\n'.
  let carry: Buffer = Buffer.alloc(0);
  let pos = state.coldFrom;
  // That line is over maxLineBytes: the carry is dropped, and the line read again once its start is found.
  let skipping = false;
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
    let oldest = Number.POSITIVE_INFINITY;
    let combined: Buffer;
    if (skipping) {
      const at = chunk.lastIndexOf(NL);
      if (at < 0 && from > 0) continue;
      // Both ends known: the line is [lineStart, coldFrom - 1), its '\n' left out.
      const lineStart = from + at + 1;
      const length = state.coldFrom - 1 - lineStart;
      const read = () => readLine(fd, lineStart, length, events);
      const ts = longLine(state, lineStart, length, read, limits, sink, events);
      if (ts !== null) oldest = ts;
      state.coldFrom = lineStart;
      skipping = false;
      combined = chunk.subarray(0, at + 1); // the lines before it, read like any chunk
    } else combined = carry.length > 0 ? buf.subarray(0, bytesRead + carry.copy(buf, bytesRead)) : chunk;
    // Lines are complete from the first '\n' on (or from byte 0 at the start of the file).
    const first = from === 0 ? -1 : combined.indexOf(NL);
    const linesFrom = from === 0 ? 0 : first < 0 ? combined.length : first + 1;
    let start = linesFrom;
    while (start < combined.length) {
      let nl = combined.indexOf(NL, start);
      if (nl < 0) nl = combined.length; // only at coldFrom = end without newline: never, kept for safety
      const line = combined.subarray(start, nl);
      const ts =
        line.length > limits.maxLineBytes
          ? longLine(state, from + start, line.length, () => line, limits, sink, events)
          : sink(line, from + start, state);
      if (ts !== null && ts < oldest) oldest = ts;
      start = nl + 1;
    }
    state.coldFrom = from + linesFrom;
    // The line before the first '\n' (with that '\n'): its start is in an earlier chunk.
    const pending = combined.subarray(0, linesFrom);
    skipping = pending.length - 1 > limits.maxLineBytes;
    carry = skipping ? Buffer.alloc(0) : Buffer.from(pending);
    if (oldest < state.oldestScannedMs) state.oldestScannedMs = oldest;
    if (oldest < stopBeforeMs) return;
  }
}
