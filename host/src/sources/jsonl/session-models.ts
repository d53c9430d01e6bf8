// A live session's model, read from the tail of its transcript: the label the session tracker
// (sessions.ts) gives each live session (/metrics' sessions by model, the OTLP push). Transcripts are this
// source's files, so reading one for a session happens here, beside the reader that counts them; the
// tracker only asks.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Faults } from '../../faults.js';
import { readRegularFileTail } from '../../user-files.js';
import { isShownModel } from '../source.js';

/** The tail of a live session's transcript read to find its model. */
export const MODEL_TAIL_BYTES = 64 * 1024;
/** Transcripts whose model is remembered (by size and mtime); the oldest entry goes first. */
const MAX_CACHED = 500;

/** The newest model the gauge may show (isShownModel) in transcript text (whole JSON lines only), or "". */
export function newestModelIn(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line?.includes('"model"')) continue;
    try {
      const d = JSON.parse(line) as { type?: unknown; message?: { model?: unknown } };
      const model = d?.message?.model;
      if (d?.type === 'assistant' && isShownModel(model)) return model.slice(0, 128);
    } catch {
      // The first line of the tail is usually cut; skip anything that is not whole JSON.
    }
  }
  return '';
}

/**
 * Newest model in a transcript, read from its tail only (MODEL_TAIL_BYTES): cheap, and good enough for a
 * label. "" when none is found or the file is gone; other failures (a FIFO, EACCES) are thrown.
 */
export function newestModelInTranscript(file: string): string {
  try {
    return newestModelIn(readRegularFileTail(file, MODEL_TAIL_BYTES).data.toString('utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Claude Code's project-dir name for a cwd: every character outside [A-Za-z0-9] becomes "-". */
export function projectDirName(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, '-');
}

/** The models of live sessions, each read from its transcript's tail and cached by size+mtime. */
export class SessionModels {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; model: string }>();

  /** Where a transcript that cannot be read (a FIFO, EACCES) is counted. */
  constructor(private readonly faults: Faults) {}

  /** The model of the session `sessionId` started in `cwd` under `claudeDir`, or "" (unknown). */
  modelOf(claudeDir: string, sessionId: string, cwd: string | null): string {
    if (!sessionId || !/^[A-Za-z0-9_-]+$/.test(sessionId) || !cwd) return '';
    const file = join(claudeDir, 'projects', projectDirName(cwd), `${sessionId}.jsonl`);
    // Synchronous, as the tracker reads its manifests: one stat per live session per scan.
    const st = statSync(file, { throwIfNoEntry: false });
    // Not at the expected place (resumed/cleared sessions write elsewhere): "unknown" is honest.
    if (!st) return '';
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.model;
    let model = '';
    try {
      model = newestModelInTranscript(file);
    } catch (err) {
      // A FIFO or an unreadable file where the transcript should be: counted, the label stays "unknown".
      this.faults.hit('session-transcript-unreadable', {
        file,
        code: (err as NodeJS.ErrnoException).code,
        error: String(err),
      });
    }
    this.cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, model });
    if (this.cache.size > MAX_CACHED) {
      const first = this.cache.keys().next().value;
      if (first !== undefined) this.cache.delete(first);
    }
    return model;
  }
}
