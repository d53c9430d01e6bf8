// The one way the daemon opens a file it does not own (transcripts, session manifests, config files): open
// with O_NONBLOCK, fstat the descriptor, and refuse anything but a regular file. A FIFO, a socket or a device
// someone placed (or a symlink pointing at one) is refused at once instead of blocking open() or read():
// a blocked open() holds the event loop (sync) or a libuv pool thread (async) forever, and a process with a
// pool thread stuck in open() cannot even exit (libuv joins its threads at exit), so SIGTERM would not work.
// All calls are synchronous on purpose: local files in the page cache, cheaper than a pool round trip, and
// with O_NONBLOCK nothing here can wait for another process.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** O_NONBLOCK where the platform has it (not on Windows, where FIFOs cannot be made by name anyway). */
export const USER_FILE_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Thrown (code ENOTFILE / EFBIG) for a path that exists but may not be read as a user file. */
export class UserFileError extends Error {
  override name = 'UserFileError';
  constructor(
    message: string,
    readonly code: 'ENOTFILE' | 'EFBIG',
  ) {
    super(message);
  }
}

/** What kind of thing a non-regular file is, for messages ("a FIFO"). */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Opens `path` for reading and fstat's the descriptor; anything but a regular file is closed and refused
 * (UserFileError, code ENOTFILE). Other failures are the usual fs errors (ENOENT, EACCES, ELOOP...).
 */
export function openRegularFile(path: string): { fd: number; st: Stats } {
  const fd = openSync(path, USER_FILE_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserFileError(`${fileKind(st)}, not a regular file: ${path}`, 'ENOTFILE');
    return { fd, st };
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing to do: the descriptor is gone either way.
  }
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** A whole regular file of at most `maxBytes` (UserFileError EFBIG above that, before reading anything). */
export function readRegularFile(path: string, maxBytes: number): { data: Buffer; st: Stats } {
  const { fd, st } = openRegularFile(path);
  try {
    if (st.size > maxBytes)
      throw new UserFileError(`larger than ${maxBytes} bytes (${st.size}): ${path}`, 'EFBIG');
    // Read one byte more than stat said: a file that grew in between is still bounded by maxBytes.
    const data = readAt(fd, Math.min(maxBytes, st.size) + 1, 0);
    if (data.length > maxBytes) throw new UserFileError(`larger than ${maxBytes} bytes: ${path}`, 'EFBIG');
    return { data, st };
  } finally {
    closeQuietly(fd);
  }
}

/** The last `maxBytes` of a regular file (all of it when smaller). */
export function readRegularFileTail(path: string, maxBytes: number): { data: Buffer; st: Stats } {
  const { fd, st } = openRegularFile(path);
  try {
    const len = Math.min(st.size, maxBytes);
    return { data: readAt(fd, len, st.size - len), st };
  } finally {
    closeQuietly(fd);
  }
}
