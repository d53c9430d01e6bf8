// The ccusage source: the real pinned ccusage on generated transcripts, and fake executables for the
// ways a subprocess goes wrong (hangs, prints garbage, fails, is missing).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CCUSAGE_ARGS,
  CcusageOutputError,
  CcusageSource,
  parseActiveBlock,
  resolveCcusageCommand,
  snapshotFromBlock,
} from '../../../../host/src/sources/ccusage/source.js';
import { realTranscripts } from '../../helpers/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'gauge-ccusage-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const scratch = () => {
  const d = join(work, `t${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** Writes an executable shell script and returns its path. */
function script(body: string): string {
  const p = join(scratch(), 'fake-ccusage');
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const OPUS = 'claude-opus-4-5-20251101';
const HAIKU = 'claude-haiku-4-5-20251001';
const SONNET = 'claude-sonnet-4-5-20250929';

interface Turn {
  agoMs: number;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** A Claude config dir with one transcript, lines in Claude Code's compact JSON, stamped relative to now. */
function claudeDir(turns: Turn[], nowMs: number): string {
  const dir = scratch();
  const project = join(dir, 'projects', '-home-user-demo');
  mkdirSync(project, { recursive: true });
  const lines = turns.map((t, i) =>
    JSON.stringify({
      parentUuid: null,
      isSidechain: false,
      type: 'assistant',
      sessionId: 'c0ffee00-0000-4000-8000-000000000001',
      version: '2.1.39',
      cwd: '/home/user/demo',
      requestId: `req_gauge_${i}`,
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      timestamp: new Date(nowMs - t.agoMs).toISOString(),
      message: {
        id: `msg_gauge_${i}`,
        type: 'message',
        role: 'assistant',
        model: t.model,
        content: [{ type: 'text', text: 'ok' }],
        usage: {
          input_tokens: t.input,
          output_tokens: t.output,
          cache_read_input_tokens: t.cacheRead,
          cache_creation_input_tokens: t.cacheCreation,
        },
      },
    }),
  );
  writeFileSync(join(project, 'c0ffee00-0000-4000-8000-000000000001.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

const blockJson = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    blocks: [
      {
        id: '2026-11-22T02:00:00.000Z',
        startTime: '2026-11-22T02:00:00.000Z',
        endTime: '2026-11-22T07:00:00.000Z',
        actualEndTime: '2026-11-22T03:12:35.877Z',
        isActive: true,
        isGap: false,
        entries: 5,
        tokenCounts: {
          inputTokens: 500,
          outputTokens: 250,
          cacheCreationInputTokens: 1000,
          cacheReadInputTokens: 5000,
        },
        totalTokens: 6750,
        costUSD: 0.01,
        models: [OPUS, HAIKU],
        burnRate: { costPerHour: 0.02, tokensPerMinute: 241.07, tokensPerMinuteForIndicator: 26.8 },
        projection: null,
        ...over,
      },
    ],
  });

const haveCcusage = (() => {
  try {
    resolveCcusageCommand();
    return true;
  } catch (e) {
    console.warn(`SKIPPED: real ccusage tests: ${(e as Error).message}`);
    return false;
  }
})();

describe.skipIf(!haveCcusage)('CcusageSource with the real pinned ccusage', () => {
  it('reports the active block exactly as the CLI prints it', async () => {
    const now = Date.now();
    const turns: Turn[] = [
      { agoMs: 40 * 60_000, model: OPUS, input: 120, output: 800, cacheRead: 20_000, cacheCreation: 3_000 },
      { agoMs: 25 * 60_000, model: SONNET, input: 30, output: 200, cacheRead: 22_000, cacheCreation: 500 },
      { agoMs: 12 * 60_000, model: HAIKU, input: 10, output: 90, cacheRead: 4_000, cacheCreation: 100 },
      { agoMs: 20_000, model: OPUS, input: 15, output: 640, cacheRead: 23_500, cacheCreation: 700 },
    ];
    const dir = claudeDir(turns, now);
    const src = new CcusageSource({ claudeDirs: [dir] });
    await src.start();
    const evalAt = Date.now();
    const snap = await src.snapshot(evalAt);

    // The CLI itself, same pinned binary, same dir.
    const cli = spawnSync(
      process.execPath,
      [createRequire(import.meta.url).resolve('ccusage/src/cli.js'), ...CCUSAGE_ARGS],
      {
        env: { ...process.env, CLAUDE_CONFIG_DIR: dir },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const printed = JSON.parse(cli.stdout).blocks[0];
    expect(printed.isActive).toBe(true);

    const sum = (f: (t: Turn) => number) => turns.reduce((a, t) => a + f(t), 0);
    const total = sum((t) => t.input + t.output + t.cacheRead + t.cacheCreation);
    expect(printed.totalTokens).toBe(total);
    expect(snap.window5hTokens).toBe(printed.totalTokens);
    expect(snap.window5hResetInS).toBe(Math.ceil((Date.parse(printed.endTime) - evalAt) / 1000));
    // ccusage blocks start on the hour of their first entry.
    const first = now - 40 * 60_000;
    expect(Date.parse(printed.startTime)).toBe(Math.floor(first / 3_600_000) * 3_600_000);
    expect(snap.lastResponseAtMs).toBe(Date.parse(printed.actualEndTime));
    expect(snap.lastResponseAtMs).toBe(now - 20_000);
    // The newest entry is 20 s old, so the tach shows the block's burn rate.
    expect(snap.rate1m).toBeCloseTo(printed.burnRate.tokensPerMinute, 9);
    expect(snap.rate1m).toBeCloseTo(total / ((40 * 60_000 - 20_000) / 60_000), 6);
    expect(snap.cacheHitRate).toBeCloseTo(
      sum((t) => t.cacheRead) / sum((t) => t.input + t.cacheRead + t.cacheCreation),
      12,
    );
    expect(snap.thinkingRatio).toBe(0);
    // ccusage lists models by first appearance; opus came back last but was first seen first.
    expect(printed.models).toEqual([OPUS, SONNET, HAIKU]);
    expect(snap.lastModel).toBe(HAIKU);
    expect(src.runs).toBe(1);
    await src.stop();
  });

  it('reports no active block for old transcripts, and several config dirs at once', async () => {
    const now = Date.now();
    const old = claudeDir(
      [{ agoMs: 6 * 3_600_000, model: OPUS, input: 1, output: 1, cacheRead: 0, cacheCreation: 0 }],
      now,
    );
    const src = new CcusageSource({ claudeDirs: [old] });
    expect(await src.snapshot(now)).toEqual(snapshotFromBlock(null, now));
    const recent = claudeDir(
      [{ agoMs: 5 * 60_000, model: SONNET, input: 5, output: 6, cacheRead: 7, cacheCreation: 8 }],
      now,
    );
    const both = new CcusageSource({ claudeDirs: [old, recent] });
    const snap = await both.snapshot(now);
    expect(snap.window5hTokens).toBe(26);
    expect(snap.lastModel).toBe(SONNET);
    expect(snap.rate1m).toBe(0);
  });

  it('says clearly when the config dir has no projects/', async () => {
    const src = new CcusageSource({ claudeDirs: [join(work, 'does-not-exist')] });
    await src.start();
    await expect(src.snapshot(Date.now())).rejects.toThrow(
      /ccusage exited with code 1: .*No valid Claude data directories/,
    );
  });
});

describe('CcusageSource subprocess handling (fake executables)', () => {
  it('passes the pinned arguments and CLAUDE_CONFIG_DIR', async () => {
    const dir = scratch();
    const fake = script(
      `printf '%s\\n' "$*" > ${dir}/args; printf '%s' "$CLAUDE_CONFIG_DIR" > ${dir}/env; echo '{"blocks":[]}'`,
    );
    const src = new CcusageSource({ claudeDirs: ['/a/.claude', '/b/.claude'], command: [fake] });
    await src.snapshot(Date.now());
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('blocks --json --offline --active');
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe('/a/.claude,/b/.claude');
  });

  it('kills a hung ccusage and its children after the timeout', async () => {
    const dir = scratch();
    const fake = script(`sleep 30 &\necho $! > ${dir}/child.pid\nwait`);
    const src = new CcusageSource({ claudeDirs: ['/x'], command: [fake], timeoutMs: 300 });
    await expect(src.snapshot(Date.now())).rejects.toThrow(
      'ccusage did not finish within 300 ms and was killed',
    );
    const pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(1);
    // Bounded wait for the reaper; a zombie counts as dead.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 40));
    expect(alive()).toBe(false);
  });

  it.each([
    [
      'garbage',
      "echo 'Loading usage data... {oops'",
      /ccusage printed something that is not JSON: "Loading usage data\.\.\. \{oops"/,
    ],
    ['empty output', 'true', /not JSON: ""/],
    ['JSON without blocks', `echo '{"daily":[]}'`, /no "blocks" array/],
    ['a failure', "echo 'Error: boom' >&2; exit 3", /ccusage exited with code 3: Error: boom/],
    ['a crash by signal', 'kill -9 $$', /ccusage was killed by SIGKILL/],
  ])('rejects %s with a clear error', async (_what, body, message) => {
    const src = new CcusageSource({ claudeDirs: ['/x'], command: [script(body)] });
    await expect(src.snapshot(Date.now())).rejects.toThrow(message);
  });

  it('refuses an output flood', async () => {
    const src = new CcusageSource({
      claudeDirs: ['/x'],
      command: [script('yes "{}" | head -c 300000')],
      maxOutputBytes: 100_000,
    });
    await expect(src.snapshot(Date.now())).rejects.toThrow(/more than 100000 bytes/);
  });

  it('reads "No active block" as an idle gauge', async () => {
    const src = new CcusageSource({
      claudeDirs: ['/x'],
      command: [script(`echo '{"blocks":[],"message":"No active block"}'`)],
    });
    const now = Date.now();
    expect(await src.snapshot(now)).toEqual(snapshotFromBlock(null, now));
  });

  it('runs once per TTL however often and concurrently it is asked, failures included', async () => {
    const dir = scratch();
    const fake = script(`echo run >> ${dir}/runs\nsleep 0.2\necho '${blockJson()}'`);
    let mono = 0;
    const src = new CcusageSource({
      claudeDirs: ['/x'],
      command: [fake],
      cacheTtlMs: 10_000,
      clock: () => mono,
    });
    const now = Date.parse('2026-11-22T03:13:00.000Z');
    const first = await Promise.all(Array.from({ length: 8 }, () => src.snapshot(now)));
    for (const s of first) expect(s).toEqual(first[0]);
    mono = 9_999;
    for (let i = 0; i < 10; i++) await src.snapshot(now + i * 1000);
    expect(readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(src.runs).toBe(1);
    mono = 10_200;
    await src.snapshot(now + 10_000);
    expect(src.runs).toBe(2);

    const broken = new CcusageSource({ claudeDirs: ['/x'], command: [script('exit 2')], clock: () => 0 });
    await expect(broken.snapshot(now)).rejects.toThrow(/code 2/);
    await expect(broken.snapshot(now)).rejects.toThrow(/code 2/);
    expect(broken.runs).toBe(1);
  });

  it('notifies subscribers when a refresh changes the answer', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'out.json'), blockJson());
    let mono = 0;
    const src = new CcusageSource({
      claudeDirs: ['/x'],
      command: [script(`cat ${dir}/out.json`)],
      cacheTtlMs: 1_000,
      clock: () => mono,
    });
    let notified = 0;
    src.subscribe(() => notified++);
    await src.snapshot(Date.now());
    mono = 2_000;
    await src.snapshot(Date.now());
    expect(notified).toBe(0);
    writeFileSync(join(dir, 'out.json'), blockJson({ totalTokens: 7000 }));
    mono = 4_000;
    expect((await src.snapshot(Date.parse('2026-11-22T03:13:00Z'))).window5hTokens).toBe(7000);
    expect(notified).toBe(1);
  });

  it('stop() kills a run in flight', async () => {
    const src = new CcusageSource({ claudeDirs: ['/x'], command: [script('sleep 30')], timeoutMs: 20_000 });
    const pending = src.snapshot(Date.now());
    await new Promise((r) => setTimeout(r, 100));
    await src.stop();
    await expect(pending).rejects.toThrow('ccusage was stopped');
    await src.stop();
  });
});

describe('a missing ccusage', () => {
  it('names the platform package to install when the native binary is absent', () => {
    const real = createRequire(import.meta.url).resolve;
    const resolve = (id: string) => {
      if (id.startsWith('@ccusage/')) throw new Error(`Cannot find module '${id}'`);
      return real(id);
    };
    expect(() => resolveCcusageCommand({ resolve, platform: 'linux', arch: 'x64' })).toThrow(
      /native binary package @ccusage\/ccusage-linux-x64 is not installed.*npm install @ccusage\/ccusage-linux-x64/,
    );
    expect(() => resolveCcusageCommand({ resolve, platform: 'freebsd', arch: 'x64' })).toThrow(
      /no native binary for freebsd-x64/,
    );
    expect(() =>
      resolveCcusageCommand({
        resolve: () => {
          throw new Error('nope');
        },
      }),
    ).toThrow(/ccusage is not installed: run `npm install`/);
  });

  it('keeps the source alive and explains itself when the executable does not exist', async () => {
    const src = new CcusageSource({
      claudeDirs: ['/x'],
      command: [join(work, 'no', 'such', 'ccusage')],
      cacheTtlMs: 0,
    });
    await expect(src.start()).resolves.toBeUndefined();
    await expect(src.snapshot(Date.now())).rejects.toThrow(/cannot run .*no\/such\/ccusage: ENOENT/);
    await expect(src.snapshot(Date.now())).rejects.toThrow(/ENOENT/);
    await src.stop();
  });

  it('prefers the native binary and falls back to the JS launcher when it lacks the run bit', () => {
    if (!haveCcusage) return;
    const cmd = resolveCcusageCommand();
    expect(cmd.length === 1 ? cmd[0] : cmd[1]).toMatch(/ccusage(-linux-x64\/bin\/ccusage|\/src\/cli\.js)$/);
  });
});

describe('ccusage output parsing', () => {
  const now = Date.parse('2026-11-22T03:13:00.000Z');

  it('maps a block onto the snapshot', () => {
    const block = parseActiveBlock(blockJson());
    expect(snapshotFromBlock(block, now)).toEqual({
      rate1m: 241.07,
      window5hTokens: 6750,
      window5hResetInS: 13_620,
      thinkingRatio: 0,
      cacheHitRate: 5000 / 6500,
      lastModel: HAIKU,
      lastResponseAtMs: Date.parse('2026-11-22T03:12:35.877Z'),
    });
  });

  it('drops the tach to 0 once nothing arrived for 60 s, and the block once it has ended', () => {
    const block = parseActiveBlock(blockJson());
    expect(snapshotFromBlock(block, Date.parse('2026-11-22T03:13:35.878Z')).rate1m).toBe(0);
    expect(snapshotFromBlock(block, Date.parse('2026-11-22T03:13:35.877Z')).rate1m).toBe(241.07);
    expect(snapshotFromBlock(block, Date.parse('2026-11-22T07:00:00.000Z'))).toEqual(
      snapshotFromBlock(null, 0),
    );
  });

  it('ignores inactive and gap blocks and the <synthetic> model', () => {
    const doc = JSON.parse(blockJson({ models: [OPUS, '<synthetic>'], burnRate: null }));
    doc.blocks.unshift({ ...doc.blocks[0], isActive: false }, { isGap: true, isActive: true });
    const block = parseActiveBlock(JSON.stringify(doc));
    expect(block?.models).toEqual([OPUS]);
    expect(block?.burnTokensPerMinute).toBe(0);
  });

  it.each([
    [
      'two active blocks',
      JSON.stringify({ blocks: [JSON.parse(blockJson()).blocks[0], JSON.parse(blockJson()).blocks[0]] }),
      /2 active blocks/,
    ],
    ['a NaN-ish count', blockJson({ totalTokens: 'lots' }), /totalTokens is not a count/],
    ['a negative count', blockJson({ tokenCounts: { inputTokens: -1 } }), /inputTokens is not a count/],
    ['a bad time', blockJson({ endTime: 'soon' }), /endTime is not a timestamp/],
    ['no tokenCounts', blockJson({ tokenCounts: null }), /no tokenCounts/],
    ['a torn line', blockJson().slice(0, 100), /not JSON/],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseActiveBlock(text)).toThrow(message);
  });

  it('reads the real ccusage 20.0.24 output committed with the fixtures (historical: no active block)', () => {
    const { dir, where } = realTranscripts();
    const files = dir ? readdirSync(dir).filter((f) => f.startsWith('ccusage-blocks.')) : [];
    if (files.length === 0) console.warn(`SKIPPED: no ccusage-blocks fixtures in ${where}`);
    for (const f of files)
      expect(parseActiveBlock(readFileSync(join(dir ?? where, f), 'utf8')), f).toBeNull();
  });

  it('never throws anything but CcusageOutputError on arbitrary text or JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((j) => JSON.stringify(j) ?? 'null'),
        ),
        (text) => {
          try {
            parseActiveBlock(text);
          } catch (e) {
            return e instanceof CcusageOutputError;
          }
          return true;
        },
      ),
    );
  });
});
