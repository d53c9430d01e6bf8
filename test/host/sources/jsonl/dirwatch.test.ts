// DirWatcher on real directories (fs.watch, inotify here): one watch per directory, directories created
// and removed later, roots that appear later, and watches that fail (ENOSPC, an 'error' event) falling
// back to the rescan with one clear warning.

import { EventEmitter } from 'node:events';
import { appendFileSync, type FSWatcher, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DirWatcher, type WatchFn } from '../../../../host/src/sources/jsonl/dirwatch.js';
import { tempClaudeDir } from './helpers.js';

let dir: string;
let root: string;
let cleanup: () => void;
const watchers: DirWatcher[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempClaudeDir());
  root = join(dir, 'projects');
});
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
  cleanup();
});

interface Seen {
  files: Set<string>;
  gone: string[];
  warnings: Array<{ msg: string; fields: Record<string, unknown> }>;
  infos: string[];
}

function watcher(opts: { watchFn?: WatchFn; roots?: string[] } = {}): { w: DirWatcher; seen: Seen } {
  const seen: Seen = { files: new Set(), gone: [], warnings: [], infos: [] };
  const w = new DirWatcher({
    roots: opts.roots ?? [root],
    maxDepth: 4,
    onFile: (p) => seen.files.add(p),
    onDirGone: (d) => seen.gone.push(d),
    log: {
      warn: (fields, msg) =>
        seen.warnings.push({ msg: msg ?? '', fields: fields as Record<string, unknown> }),
      info: (_fields, msg) => seen.infos.push(msg ?? ''),
    },
    ...(opts.watchFn ? { watchFn: opts.watchFn } : {}),
  });
  watchers.push(w);
  return { w, seen };
}

const wait = (fn: () => void) => vi.waitFor(fn, { timeout: 5_000, interval: 20 });

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch'), {
    code: 'ENOSPC',
  });
}

describe('DirWatcher', () => {
  it('watches each directory down to depth 4 once, and announces nothing that existed at start', () => {
    const sub = join(root, 'proj', 'sess', 'subagents');
    mkdirSync(join(sub, 'too-deep'), { recursive: true });
    writeFileSync(join(root, 'proj', 'a.jsonl'), '');
    const { w, seen } = watcher();
    w.start();
    // projects, proj, sess, subagents; not too-deep (TranscriptReader.discover does not descend there either)
    expect(w.watched).toBe(4);
    expect(w.degraded).toBe(false);
    expect(seen.files.size).toBe(0);
  });

  it('reports writes, creations, renames and deletions of transcripts, and ignores other names', async () => {
    const proj = join(root, 'proj');
    mkdirSync(proj, { recursive: true });
    const f = join(proj, 'a.jsonl');
    writeFileSync(f, '');
    const { w, seen } = watcher();
    w.start();
    appendFileSync(join(proj, 'notes.txt'), 'x');
    appendFileSync(f, 'line\n');
    await wait(() => expect(seen.files).toContain(f));
    seen.files.clear();
    writeFileSync(join(proj, 'b.jsonl.tmp'), 'x');
    renameSync(join(proj, 'b.jsonl.tmp'), join(proj, 'b.jsonl'));
    await wait(() => expect(seen.files).toContain(join(proj, 'b.jsonl')));
    rmSync(f);
    await wait(() => expect(seen.files).toContain(f));
    expect([...seen.files].every((p) => p.endsWith('.jsonl'))).toBe(true);
  });

  it('watches directories created later, down to subagents/, and announces the files already in them', async () => {
    mkdirSync(root, { recursive: true });
    const { w, seen } = watcher();
    w.start();
    const sub = join(root, 'new-proj', 'sess-1', 'subagents');
    mkdirSync(sub, { recursive: true });
    const early = join(sub, 'agent-1.jsonl');
    writeFileSync(early, 'x\n');
    await wait(() => expect(seen.files).toContain(early));
    await wait(() => expect(w.watched).toBe(4));
    // and a write in the new, deepest directory arrives as an event of its own
    const later = join(sub, 'agent-2.jsonl');
    seen.files.clear();
    appendFileSync(later, 'y\n');
    await wait(() => expect(seen.files).toContain(later));
  });

  it('drops the watches of a removed directory tree and says so once', async () => {
    const sess = join(root, 'proj', 'sess', 'subagents');
    mkdirSync(sess, { recursive: true });
    const { w, seen } = watcher();
    w.start();
    expect(w.watched).toBe(4);
    rmSync(join(root, 'proj'), { recursive: true });
    await wait(() => expect(w.watched).toBe(1));
    expect(seen.gone).toContain(join(root, 'proj'));
  });

  it('a root that does not exist yet is watched by reconcile() once it does', async () => {
    const { w, seen } = watcher();
    w.start();
    expect(w.watched).toBe(0);
    expect(w.degraded).toBe(false); // nothing to watch is not a failure
    expect(w.complete).toBe(false); // but a change there would go unreported
    w.reconcile();
    mkdirSync(join(root, 'proj'), { recursive: true });
    w.reconcile();
    expect(w.watched).toBe(2);
    expect(w.complete).toBe(true);
    appendFileSync(join(root, 'proj', 'x.jsonl'), 'z\n');
    await wait(() => expect(seen.files).toContain(join(root, 'proj', 'x.jsonl')));
    expect(seen.warnings).toEqual([]);
  });

  it('ENOSPC: warns once with the fix, keeps listing, and recovers through reconcile()', async () => {
    mkdirSync(join(root, 'p1', 's1'), { recursive: true });
    mkdirSync(join(root, 'p2'), { recursive: true });
    let limit = 2; // inotify watches left
    const { watch } = await import('node:fs');
    const watchFn: WatchFn = (d, o, l) => {
      if (limit <= 0) throw enospc();
      limit--;
      return watch(d, o, l);
    };
    const { w, seen } = watcher({ watchFn });
    w.start();
    expect(w.watched).toBe(2);
    expect(w.degraded).toBe(true);
    expect(w.complete).toBe(false);
    expect(seen.warnings).toHaveLength(1);
    expect(seen.warnings[0]?.fields).toMatchObject({ code: 'ENOSPC' });
    expect(String(seen.warnings[0]?.fields.hint)).toMatch(/max_user_watches/);
    w.reconcile(); // still failing: no new warning
    expect(seen.warnings).toHaveLength(1);
    limit = 100; // the user raised the limit
    w.reconcile();
    expect(w.degraded).toBe(false);
    expect(w.complete).toBe(true);
    expect(w.watched).toBe(4);
    expect(seen.warnings).toHaveLength(1);
    expect(seen.infos).toEqual([expect.stringMatching(/again/)]);
  });

  it("a watcher's 'error' event is a failed watch: rescan fallback, retried by reconcile()", () => {
    mkdirSync(join(root, 'p1'), { recursive: true });
    const fakes: Array<EventEmitter & { closed: boolean }> = [];
    const watchFn: WatchFn = () => {
      const e = Object.assign(new EventEmitter(), {
        closed: false,
        close(this: { closed: boolean }) {
          this.closed = true;
        },
      });
      fakes.push(e);
      return e as unknown as FSWatcher;
    };
    const { w, seen } = watcher({ watchFn });
    w.start();
    expect(fakes).toHaveLength(2);
    fakes[1]?.emit('error', Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }));
    expect(fakes[1]?.closed).toBe(true);
    expect(w.degraded).toBe(true);
    expect(seen.warnings[0]?.fields).toMatchObject({ code: 'EMFILE' });
    w.reconcile();
    expect(fakes).toHaveLength(3);
    expect(w.degraded).toBe(false);
  });

  it('close() closes every watch and later events are ignored', () => {
    mkdirSync(join(root, 'p1', 's1'), { recursive: true });
    const { w } = watcher();
    w.start();
    w.close();
    expect(w.watched).toBe(0);
    w.reconcile();
    expect(w.watched).toBe(0);
  });
});
