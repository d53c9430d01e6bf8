// The doctor's inotify check: how many directories the daemon will watch (its own DirWatcher walk,
// counted) against Linux's per-user watch limit, and what it says when they do not fit.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoriesToWatch, inotifyWatchLimit, watchLimitCheck } from '../../host/src/doctor.js';
import { TRANSCRIPT_DIR_DEPTH } from '../../host/src/sources/jsonl/engine.js';
import { tempDir } from './helpers/fixtures.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('doctor: inotify watches', () => {
  it('counts the directories the daemon watches: projects down to its depth limit, and sessions/', () => {
    const claude = join(dir, 'claude');
    // projects is level 1; levels 2..TRANSCRIPT_DIR_DEPTH are watched, the one below is not
    const levels = Array.from({ length: TRANSCRIPT_DIR_DEPTH }, (_, i) => `d${i + 2}`);
    mkdirSync(join(claude, 'projects', ...levels), { recursive: true });
    mkdirSync(join(claude, 'projects', 'p2'), { recursive: true });
    writeFileSync(join(claude, 'projects', 'p2', 's.jsonl'), '');
    mkdirSync(join(claude, 'sessions'), { recursive: true });
    // projects, d2..d<depth> (depth - 1 of them), p2, and sessions; not the deepest one
    expect(directoriesToWatch([claude])).toBe(TRANSCRIPT_DIR_DEPTH + 2);
    expect(directoriesToWatch([join(dir, 'missing')])).toBe(0);
  });

  it('says nothing where there is no inotify limit to read', () => {
    expect(inotifyWatchLimit(join(dir, 'no-proc'))).toBeNull();
    expect(watchLimitCheck(100, null)).toBeNull();
  });

  it('reads the limit from /proc/sys/fs/inotify/max_user_watches', () => {
    mkdirSync(join(dir, 'sys', 'fs', 'inotify'), { recursive: true });
    writeFileSync(join(dir, 'sys', 'fs', 'inotify', 'max_user_watches'), '8192\n');
    expect(inotifyWatchLimit(dir)).toBe(8192);
    writeFileSync(join(dir, 'sys', 'fs', 'inotify', 'max_user_watches'), 'garbage');
    expect(inotifyWatchLimit(dir)).toBeNull();
  });

  it('is fine up to half the limit, warns past it, and gives a sysctl line that fits', () => {
    expect(watchLimitCheck(225, 8192)).toMatchObject({ level: 'ok' });
    const tight = watchLimitCheck(5000, 8192);
    expect(tight).toMatchObject({ level: 'warn' });
    expect(tight?.what).toMatch(/little room/);
    const over = watchLimitCheck(30_000, 8192);
    expect(over).toMatchObject({ level: 'warn' });
    expect(over?.what).toMatch(/too few/);
    const suggested = Number(/max_user_watches=(\d+)/.exec(over?.fix ?? '')?.[1]);
    expect(suggested).toBeGreaterThanOrEqual(4 * 30_000);
  });
});
