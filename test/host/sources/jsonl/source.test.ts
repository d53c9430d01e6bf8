// JsonlSource end to end: the real file watcher, the active block against a live ccusage run on data
// stamped relative to the real clock, subscriptions, stop, and what a snapshot may carry (privacy).

import { EventEmitter } from 'node:events';
import {
  appendFileSync,
  type FSWatcher,
  mkdirSync,
  renameSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../../../host/src/log.js';
import {
  FULL_RESCAN_EVERY_TICKS,
  JsonlSource,
  RECENT_MS,
} from '../../../../host/src/sources/jsonl/source.js';
import { ccusageBinary, ccusageBlocks } from './ccusage.js';
import { assistantLine, H, tempClaudeDir, total, userLine } from './helpers.js';

const M = 60_000;
let dir: string;
let cleanup: () => void;
let project: string;
const sources: JsonlSource[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempClaudeDir());
  project = join(dir, 'projects', '-home-someone-secret-project');
  mkdirSync(project, { recursive: true });
});
afterEach(async () => {
  for (const s of sources.splice(0)) await s.stop();
  cleanup();
});
function source(opts: Partial<ConstructorParameters<typeof JsonlSource>[0]> = {}): JsonlSource {
  const s = new JsonlSource({ claudeDirs: [dir], ...opts });
  sources.push(s);
  return s;
}

/** Waits, within `timeout`, until the source's 5 h window holds exactly `want` tokens. */
function untilWindowTokens(s: JsonlSource, want: number, timeout = 5_000, interval = 20): Promise<void> {
  return vi.waitFor(async () => expect((await s.snapshot(Date.now())).window5hTokens).toBe(want), {
    timeout,
    interval,
  });
}

/** A realistic recent history: an old block, a gap over 5 h, then a block still running. */
function writeRecentHistory(now: number): void {
  const lines: string[] = [];
  for (let t = now - 14 * H; t < now - 10 * H; t += 13 * M)
    lines.push(assistantLine({ ts: t, output: 200, cacheRead: 5000 }));
  for (let t = now - 3 * H - 17 * M, k = 0; t < now - 2 * M; t += 7 * M, k++) {
    lines.push(userLine(t - 500));
    // streamed: partial, then full, as 2.1 writes them
    lines.push(
      assistantLine({ ts: t, msgId: `msg_r${k}`, requestId: `req_r${k}`, output: 1, cacheRead: 30_000 }),
    );
    lines.push(
      assistantLine({
        ts: t + 900,
        msgId: `msg_r${k}`,
        requestId: `req_r${k}`,
        output: 400 + k,
        cacheRead: 30_000,
        cacheCreation: 1200,
      }),
    );
  }
  writeFileSync(join(project, 'session-a.jsonl'), `${lines.join('\n')}\n`);
  mkdirSync(join(project, 'session-a', 'subagents'), { recursive: true });
  writeFileSync(
    join(project, 'session-a', 'subagents', 'agent-a1.jsonl'),
    `${[assistantLine({ ts: now - 40 * M, output: 900, sidechain: true, model: 'claude-haiku-4-5' }), assistantLine({ ts: now - 39 * M, output: 100, sidechain: true, model: 'claude-haiku-4-5' })].join('\n')}\n`,
  );
}

describe('JsonlSource', () => {
  it.skipIf(ccusageBinary() === null)(
    'the active window equals `ccusage blocks --active` on the same data (real clock)',
    async () => {
      const now = Date.now();
      writeRecentHistory(now);
      const s = source({ watch: false, rescanIntervalMs: 0 });
      await s.start();
      const at = Date.now();
      const snap = await s.snapshot(at);
      const active = (await ccusageBlocks(dir, ['--active'])).filter((b) => b.isActive);
      expect(active).toHaveLength(1);
      expect(snap.window5hTokens).toBe(active[0]?.totalTokens);
      expect(snap.window5hTokens).toBeGreaterThan(0);
      // resetIn is rounded up to a whole second
      const ourEnd = at + (snap.window5hResetInS ?? 0) * 1000;
      const delta = ourEnd - Date.parse(active[0]?.endTime ?? '');
      expect(delta).toBeGreaterThanOrEqual(0);
      expect(delta).toBeLessThan(1000);
    },
  );

  it('follows appends through the file watcher and notifies subscribers', async () => {
    const now = Date.now();
    const f = join(project, 'live.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 10 * M, output: 10 })}\n`);
    const s = source({ rescanIntervalMs: 0 });
    await s.start();
    await s.watching(); // appends below must reach the watcher, not the catch-up rescan
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(total({ ts: 0, output: 10 }));
    const notified = vi.fn();
    s.subscribe(notified);
    appendFileSync(f, `${assistantLine({ ts: now - 5 * M, output: 20 })}\n`);
    await vi.waitFor(
      async () => {
        expect((await s.snapshot(Date.now())).window5hTokens).toBe(
          total({ ts: 0, output: 10 }) + total({ ts: 0, output: 20 }),
        );
        // listeners run right after the batch that changed the numbers
        expect(notified).toHaveBeenCalled();
      },
      { timeout: 15_000, interval: 50 },
    );
  });

  it('sees a line appended right after another without waiting for the rescan', async () => {
    const now = Date.now();
    const f = join(project, 'burst.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 10 * M, output: 10 })}\n`);
    const s = source({ rescanIntervalMs: 0 }); // only the watcher can see the appends
    await s.start();
    await s.watching(); // appends below must reach the watcher, not the catch-up rescan
    const base = (await s.snapshot(Date.now())).window5hTokens;
    const seen = new Promise<void>((resolve) => s.subscribe(resolve));
    appendFileSync(f, `${assistantLine({ ts: now - 5 * M, output: 20 })}\n`);
    await seen; // the first append was read; chokidar 4 dropped the event of the next one (50 ms throttle)
    appendFileSync(f, `${assistantLine({ ts: now - 4 * M, output: 30 })}\n`);
    await untilWindowTokens(s, base + total({ ts: 0, output: 20 }) + total({ ts: 0, output: 30 }));
  });

  it('finds a project directory created later (watcher or rescan)', async () => {
    const s = source({ rescanIntervalMs: 300 });
    await s.start();
    await s.watching(); // the new directory must reach the watcher or the rescan, not the catch-up rescan
    const nested = join(dir, 'projects', '-home-someone-other', 'sess-9', 'subagents');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, 'agent-x.jsonl'), `${assistantLine({ ts: Date.now() - M, output: 33 })}\n`);
    await untilWindowTokens(s, total({ ts: 0, output: 33 }), 15_000, 50);
  });

  it('finds new directories down to subagents/ through the watcher alone (no rescan)', async () => {
    const s = source({ rescanIntervalMs: 0 });
    await s.start();
    await s.watching();
    const sess = join(dir, 'projects', '-home-someone-other', 'sess-9');
    const nested = join(sess, 'subagents');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, 'agent-x.jsonl'), `${assistantLine({ ts: Date.now() - M, output: 33 })}\n`);
    await untilWindowTokens(s, total({ ts: 0, output: 33 }));
    // a second file in the same new directory: an event of the directory's own watch
    appendFileSync(join(nested, 'agent-y.jsonl'), `${assistantLine({ ts: Date.now() - M, output: 44 })}\n`);
    await untilWindowTokens(s, total({ ts: 0, output: 33 }) + total({ ts: 0, output: 44 }));
  });

  it('reads transcripts nested below subagents/, as ccusage reads every *.jsonl under projects/', async () => {
    const now = Date.now();
    const deep = join(project, 'sess', 'subagents', 'team', 'round-1');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'agent.jsonl'), `${assistantLine({ ts: now - 9 * M, output: 21 })}\n`);
    const s = source({ rescanIntervalMs: 0 });
    await s.start();
    await untilWindowTokens(s, total({ ts: 0, output: 21 })); // the cold start's listing
    await s.watching();
    const deeper = join(deep, 'more');
    mkdirSync(deeper);
    writeFileSync(join(deeper, 'agent.jsonl'), `${assistantLine({ ts: now - M, output: 34 })}\n`);
    await untilWindowTokens(s, total({ ts: 0, output: 21 }) + total({ ts: 0, output: 34 })); // the watcher
  });

  it('deleted files and directories are forgotten, their counted usage kept (no rescan)', async () => {
    const now = Date.now();
    const a = join(project, 'a.jsonl');
    writeFileSync(a, `${assistantLine({ ts: now - 10 * M, output: 10 })}\n`);
    const other = join(dir, 'projects', '-other', 'sess', 'subagents');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'agent.jsonl'), `${assistantLine({ ts: now - 9 * M, output: 20 })}\n`);
    const s = source({ rescanIntervalMs: 0 });
    await s.start();
    await s.watching();
    const before = (await s.snapshot(Date.now())).window5hTokens;
    expect(s.stats().filesTracked).toBe(2);
    rmSync(a);
    await vi.waitFor(() => expect(s.stats().filesTracked).toBe(1), { timeout: 5_000, interval: 20 });
    rmSync(join(dir, 'projects', '-other'), { recursive: true });
    await vi.waitFor(() => expect(s.stats().filesTracked).toBe(0), { timeout: 5_000, interval: 20 });
    expect(s.stats().deletions).toBe(2);
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(before);
  });

  it('rotation and truncation are read again without counting anything twice (no rescan)', async () => {
    const now = Date.now();
    const f = join(project, 'rot.jsonl');
    const first = assistantLine({ ts: now - 10 * M, msgId: 'msg_1', requestId: 'req_1', output: 10 });
    writeFileSync(f, `${first}\n`);
    const s = source({ rescanIntervalMs: 0 });
    await s.start();
    await s.watching();
    const one = total({ ts: 0, output: 10 });
    // replaced by a new file (other inode) holding the same response and a new one
    const second = assistantLine({ ts: now - 5 * M, msgId: 'msg_2', requestId: 'req_2', output: 20 });
    writeFileSync(`${f}.new`, `${first}\n${second}\n`);
    renameSync(`${f}.new`, f);
    const two = one + total({ ts: 0, output: 20 });
    await untilWindowTokens(s, two);
    expect(s.stats().rotations).toBe(1);
    truncateSync(f, 0);
    const third = assistantLine({ ts: now - 4 * M, msgId: 'msg_3', requestId: 'req_3', output: 30 });
    appendFileSync(f, `${first}\n${third}\n`);
    await untilWindowTokens(s, two + total({ ts: 0, output: 30 }));
    expect(s.stats().truncations).toBeGreaterThanOrEqual(1);
    expect(s.stats().duplicates).toBeGreaterThanOrEqual(1);
  });

  it('a file read again after a rewrite counts its lines without a message.id once (ccusage never dedupes them)', async () => {
    const now = Date.now();
    const f = join(project, 'noid.jsonl');
    const a = assistantLine({ ts: now - 10 * M, msgId: null, requestId: null, output: 10 });
    const b = assistantLine({ ts: now - 9 * M, msgId: null, requestId: null, output: 10 }); // same tokens, other time
    const c = assistantLine({
      ts: now - 2 * M, // inside the thinking ratio's 5 min
      msgId: 'msg_c',
      requestId: 'req_c',
      output: 500,
      content: [
        { type: 'thinking', thinking: '', signature: 'sig' },
        { type: 'text', text: 'x'.repeat(800) },
      ],
    });
    writeFileSync(f, `${a}\n${b}\n${a}\n${c}\n`); // `a` twice: a real line written twice counts twice
    const s = source({ rescanIntervalMs: 0 });
    await s.start();
    await s.watching();
    const base = 3 * total({ ts: 0, output: 10 }) + total({ ts: 0, output: 500 });
    await untilWindowTokens(s, base);
    const thinking = (await s.snapshot(Date.now())).thinkingRatio;
    expect(thinking).toBeGreaterThan(0);
    // replaced (rsync, a sync tool, an editor: a temp file renamed over it) by itself plus one new line
    const d = assistantLine({ ts: now - 7 * M, msgId: null, requestId: null, output: 20 });
    writeFileSync(`${f}.new`, `${a}\n${b}\n${a}\n${c}\n${d}\n`);
    renameSync(`${f}.new`, f);
    await untilWindowTokens(s, base + total({ ts: 0, output: 20 }));
    expect(s.stats().rotations).toBe(1);
    // truncated and rewritten with one of the old lines gone and another added: nothing counted twice
    truncateSync(f, 0);
    const e = assistantLine({ ts: now - 6 * M, msgId: null, requestId: null, output: 30 });
    appendFileSync(f, `${a}\n${c}\n${d}\n${e}\n`);
    await untilWindowTokens(s, base + total({ ts: 0, output: 20 }) + total({ ts: 0, output: 30 }));
    await s.settle();
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(
      base + total({ ts: 0, output: 20 }) + total({ ts: 0, output: 30 }),
    );
    // the response with an id was read three times; its visible text was counted once
    const again = (await s.snapshot(Date.now())).thinkingRatio;
    expect(again).toBe(thinking);
  });

  it('a line appended while the cold start runs is read once', async () => {
    const now = Date.now();
    const f = join(project, 'during.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 10 * M, output: 10 })}\n`);
    // older files the cold start has to look at first
    for (let i = 0; i < 30; i++)
      writeFileSync(join(project, `old-${i}.jsonl`), `${assistantLine({ ts: now - 20 * M, output: 1 })}\n`);
    const s = source({ rescanIntervalMs: 0 });
    const started = s.start(); // the watches exist from here on; the cold start goes on asynchronously
    appendFileSync(f, `${assistantLine({ ts: now - 5 * M, output: 20 })}\n`);
    await started;
    await s.watching();
    const want =
      30 * total({ ts: 0, output: 1 }) + total({ ts: 0, output: 10 }) + total({ ts: 0, output: 20 });
    await untilWindowTokens(s, want);
    await s.settle();
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(want);
  });

  it('when directories cannot be watched (ENOSPC) it warns and the rescan finds the appends', async () => {
    const now = Date.now();
    const f = join(project, 'nowatch.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 10 * M, output: 10 })}\n`);
    const warn = vi.fn();
    const s = source({
      rescanIntervalMs: 200,
      log: { info: vi.fn(), warn, error: vi.fn() },
      watchFn: () => {
        throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
          code: 'ENOSPC',
        });
      },
    });
    await s.start();
    await s.watching();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ code: 'ENOSPC' });
    expect(warn.mock.calls[0]?.[1]).toMatch(/rescan/);
    appendFileSync(f, `${assistantLine({ ts: now - 5 * M, output: 20 })}\n`);
    await untilWindowTokens(s, total({ ts: 0, output: 10 }) + total({ ts: 0, output: 20 }));
  });

  it('works without any transcript, and before any claude dir exists', async () => {
    const s = new JsonlSource({ claudeDirs: [join(dir, 'does-not-exist')], rescanIntervalMs: 0 });
    sources.push(s);
    await s.start();
    const snap = await s.snapshot(Date.now());
    expect(snap).toEqual({
      rate1m: 0,
      window5hTokens: 0,
      window5hResetInS: null,
      thinkingRatio: 0,
      cacheHitRate: 0,
      lastModel: '',
      lastResponseAtMs: null,
    });
  });

  it('snapshot before start rejects; stop is idempotent', async () => {
    const s = source();
    await expect(s.snapshot(Date.now())).rejects.toThrow(/not started/);
    await s.start();
    await s.watching();
    await s.stop();
    await s.stop();
  });

  it('a snapshot carries no path, cwd, prompt or session id', async () => {
    const now = Date.now();
    writeRecentHistory(now);
    const s = source({ watch: false, rescanIntervalMs: 0 });
    await s.start();
    const text = JSON.stringify(await s.snapshot(now));
    for (const secret of ['secret-project', 'session-0001', 'please do', dir, '/home/'])
      expect(text).not.toContain(secret);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual([
      'cacheHitRate',
      'lastModel',
      'lastResponseAtMs',
      'rate1m',
      'thinkingRatio',
      'window5hResetInS',
      'window5hTokens',
    ]);
  });

  it('reports counters through onStats and accepts a pino-style logger', async () => {
    const stats = vi.fn();
    const warn = vi.fn();
    writeFileSync(
      join(project, 'x.jsonl'),
      `not json "usage":{\n${assistantLine({ ts: Date.now(), output: 1 })}\n`,
    );
    const s = source({
      watch: false,
      rescanIntervalMs: 0,
      onStats: stats,
      log: { info: vi.fn(), warn, error: vi.fn() },
    });
    await s.start();
    expect(stats).toHaveBeenCalled();
    expect(s.stats().skipped['bad-json']).toBe(1);
    expect(s.stats().entriesKept).toBe(1);
  });
});

describe('JsonlSource safety tick', () => {
  /** A watcher that sets up fine and never reports anything: every event is "missed". */
  const deafWatch = () => Object.assign(new EventEmitter(), { close() {} }) as unknown as FSWatcher;
  const failingWatch = () => {
    throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
      code: 'ENOSPC',
    });
  };

  it('stats the transcripts written in the last hour and reads the one whose event was missed', async () => {
    const now = Date.now();
    const f = join(project, 'live.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 10 * M, output: 10 })}\n`);
    const s = source({ rescanIntervalMs: 0, watchFn: deafWatch });
    await s.start();
    await s.watching();
    appendFileSync(f, `${assistantLine({ ts: now - 5 * M, output: 20 })}\n`);
    s.pollRecent();
    await s.settle();
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(
      total({ ts: 0, output: 10 }) + total({ ts: 0, output: 20 }),
    );
  });

  it('leaves a transcript last written over an hour ago to the full rescan', async () => {
    const now = Date.now();
    const f = join(project, 'resumed.jsonl');
    writeFileSync(f, `${assistantLine({ ts: now - 2 * H, output: 10 })}\n`);
    const writtenAt = (now - RECENT_MS - 30 * M) / 1000;
    utimesSync(f, writtenAt, writtenAt);
    const s = source({ rescanIntervalMs: 0, watchFn: deafWatch });
    await s.start();
    await s.watching();
    const before = total({ ts: 0, output: 10 });
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(before);
    appendFileSync(f, `${assistantLine({ ts: now - M, output: 20 })}\n`);
    s.pollRecent(); // not a recent file: not even stat'ed
    await s.settle();
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(before);
    await s.rescan();
    await s.settle();
    expect((await s.snapshot(Date.now())).window5hTokens).toBe(before + total({ ts: 0, output: 20 }));
  });

  it('forgets a recent transcript that was deleted', async () => {
    const f = join(project, 'gone.jsonl');
    writeFileSync(f, `${assistantLine({ ts: Date.now() - 10 * M, output: 10 })}\n`);
    const s = source({ rescanIntervalMs: 0, watchFn: deafWatch });
    await s.start();
    rmSync(f);
    s.pollRecent();
    await s.settle();
    expect(s.stats().deletions).toBe(1);
    s.pollRecent(); // no longer recent: nothing is read again
    await s.settle();
    expect(s.stats().deletions).toBe(1);
  });

  it('lists the whole tree every FULL_RESCAN_EVERY_TICKS ticks while every directory is watched', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const s = source({ rescanIntervalMs: 1000, watchFn: deafWatch });
      await s.start();
      await s.watching();
      const full = vi.spyOn(s, 'rescan');
      const recent = vi.spyOn(s, 'pollRecent');
      vi.advanceTimersByTime(FULL_RESCAN_EVERY_TICKS * 2 * 1000);
      expect(full).toHaveBeenCalledTimes(2);
      expect(recent).toHaveBeenCalledTimes(FULL_RESCAN_EVERY_TICKS * 2 - 2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists the whole tree on every tick when a directory cannot be watched', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const s = source({ rescanIntervalMs: 1000, watchFn: failingWatch, log: silentLog });
      await s.start();
      await s.watching();
      const full = vi.spyOn(s, 'rescan');
      const recent = vi.spyOn(s, 'pollRecent');
      vi.advanceTimersByTime(4 * 1000);
      expect(full).toHaveBeenCalledTimes(4);
      expect(recent).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
