import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkLiveness,
  linuxProcHost,
  type Manifest,
  type ProcHost,
  parseManifest,
  psProcHost,
  SessionTracker,
  statStartTicks,
} from '../../host/src/sessions.js';
import { projectDirName } from '../../host/src/sources/jsonl/session-models.js';
import { tempDir, writeManifest } from './helpers/fixtures.js';

let tmp: ReturnType<typeof tempDir>;
let claudeDir: string;
const children: ChildProcess[] = [];
const trackers: SessionTracker[] = [];

beforeEach(() => {
  tmp = tempDir('cg-sessions-');
  claudeDir = join(tmp.path, 'claude');
  mkdirSync(join(claudeDir, 'sessions'), { recursive: true });
});
afterEach(async () => {
  for (const t of trackers.splice(0)) await t.stop();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

function sleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child as ChildProcess & { pid: number }));
    child.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function tracker(opts: Partial<ConstructorParameters<typeof SessionTracker>[0]> = {}): SessionTracker {
  const t = new SessionTracker({ claudeDirs: [claudeDir], watch: false, rescanMs: 60_000, ...opts });
  trackers.push(t);
  return t;
}

/** Claude Code's macOS procStart format (`ps -o lstart`), in local time. */
function lstart(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

/** A manifest as Claude Code 2.1.x writes it on Linux, procStart included (the process's own start). */
const manifest = (pid: number, extra: Record<string, unknown> = {}) => ({
  pid,
  sessionId: `0b5e9c3a-1f2d-4e5f-8a9b-${String(pid).padStart(12, '0')}`,
  cwd: '/home/someone/project',
  kind: 'interactive',
  version: '2.1.284',
  startedAt: Date.now(),
  procStart: linuxProcHost().startTicks(pid) ?? undefined,
  ...extra,
});

describe('session liveness with real processes', () => {
  it('counts a running process as live and its manifest as stale once it is killed', async () => {
    const child = await sleeper();
    const ticks = linuxProcHost().startTicks(child.pid);
    expect(ticks).toMatch(/^\d+$/);
    writeManifest(claudeDir, `${child.pid}.json`, manifest(child.pid, { procStart: ticks }));
    const t = tracker();
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, stale: 0, invalid: 0, started: 1 });

    child.kill('SIGTERM');
    await exited(child);
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 0, stale: 1, started: 1 });
    expect(t.list()[0]?.reason).toBe('pid-dead');
  });

  it('with a fixed clock (--now), leaves out sessions started after that instant', async () => {
    const child = await sleeper();
    const startedAt = Date.now();
    writeManifest(claudeDir, `${child.pid}.json`, manifest(child.pid, { startedAt }));
    const before = tracker({ asOfMs: startedAt - 60_000 });
    await before.rescan();
    expect(before.counts()).toMatchObject({ active: 0, stale: 0 });
    const after = tracker({ asOfMs: startedAt + 60_000 });
    await after.rescan();
    expect(after.counts()).toMatchObject({ active: 1, stale: 0 });
  });

  it('treats a dead PID as stale', async () => {
    const child = await sleeper();
    child.kill('SIGKILL');
    await exited(child);
    writeManifest(claudeDir, `${child.pid}.json`, manifest(child.pid));
    const t = tracker();
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 0, stale: 1 });
  });

  it('detects a reused PID from procStart (Linux ticks and macOS lstart formats)', async () => {
    const host = linuxProcHost();
    const mine = host.startTicks(process.pid);
    const startMs = host.startMs(process.pid);
    expect(startMs).not.toBeNull();
    writeManifest(claudeDir, 'a.json', manifest(process.pid, { sessionId: 'a', procStart: mine }));
    writeManifest(claudeDir, 'b.json', manifest(process.pid, { sessionId: 'b', procStart: '1' }));
    writeManifest(
      claudeDir,
      'c.json',
      manifest(process.pid, { sessionId: 'c', procStart: lstart(startMs ?? 0) }),
    );
    writeManifest(
      claudeDir,
      'd.json',
      manifest(process.pid, { sessionId: 'd', procStart: 'Thu Jan  1 00:00:05 1970' }),
    );
    // Unrecognised formats cannot be checked: the process's identity decides (this test runner is not
    // Claude Code).
    writeManifest(claudeDir, 'e.json', manifest(process.pid, { sessionId: 'e', procStart: 'soon' }));
    const t = tracker();
    await t.rescan();
    const states = Object.fromEntries(t.list().map((s) => [s.manifest.sessionId, s.state]));
    expect(states).toEqual({ a: 'live', b: 'stale', c: 'live', d: 'stale', e: 'stale' });
    expect(t.list().find((s) => s.manifest.sessionId === 'e')?.reason).toBe('not-claude-code');
    expect(t.counts()).toMatchObject({ active: 2, stale: 3, started: 2 });
  });
});

describe('manifest parsing and garbage', () => {
  it('counts garbage and unreadable manifests apart and skips them', async () => {
    writeManifest(claudeDir, 'torn.json', '{"pid": 12, "sessionId": "ab');
    writeManifest(claudeDir, 'array.json', '[1,2,3]');
    writeManifest(claudeDir, 'string-pid.json', { pid: '12', sessionId: 'x' });
    writeManifest(claudeDir, 'negative.json', { pid: -1 });
    writeManifest(claudeDir, 'huge.json', `{"pid":1,"pad":"${'x'.repeat(100_000)}"}`);
    mkdirSync(join(claudeDir, 'sessions', 'dir.json'));
    writeManifest(claudeDir, 'notes.txt', 'not a manifest and not counted');
    writeManifest(claudeDir, `${process.pid}.json`, manifest(process.pid));
    const t = tracker();
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, stale: 0, invalid: 6 });
  });

  it('parses the fields it needs and tolerates missing or mistyped optional ones', () => {
    expect(parseManifest('{"pid":5}')).toMatchObject({ pid: 5, sessionId: '', procStart: null, cwd: null });
    expect(parseManifest('{"pid":5,"procStart":50424,"cwd":7}')).toMatchObject({
      procStart: '50424',
      cwd: null,
    });
    expect(parseManifest('{"pid":5.5}')).toBeNull();
    expect(parseManifest('null')).toBeNull();
    expect(parseManifest('')).toBeNull();
  });

  it('reads field 22 of /proc/<pid>/stat even when the command name holds ") "', () => {
    const live =
      '318 (claude) S 6 318 1 34816 318 4194304 5285340 76737792 328 11320 59454 4057 125059 42346 20 0 37 0 50424 5816676352 119626';
    expect(statStartTicks(live)).toBe('50424');
    expect(statStartTicks('7 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99 1')).toBe('99');
    expect(statStartTicks('7 (claude S 1 2')).toBeNull();
  });

  it('reads a process start through ps -o lstart where there is no /proc (checked against /proc here)', () => {
    const viaPs = psProcHost().startMs(process.pid);
    const viaProc = linuxProcHost().startMs(process.pid);
    expect(viaPs).not.toBeNull();
    expect(Math.abs((viaPs ?? 0) - (viaProc ?? 0))).toBeLessThanOrEqual(2000);
    const m = parseManifest(
      JSON.stringify({ pid: process.pid, procStart: lstart(viaProc ?? 0) }),
    ) as Manifest;
    expect(checkLiveness(m, psProcHost()).live).toBe(true);
    expect(checkLiveness({ ...m, procStart: lstart((viaProc ?? 0) - 3_600_000) }, psProcHost()).reason).toBe(
      'pid-reused',
    );
  });

  it('does not trust a PID from another PID namespace (a container)', () => {
    const host: ProcHost = {
      alive: () => true,
      startTicks: () => '100',
      startMs: () => null,
      pidDomain: () => 'linux::pid:[4026531836]',
    };
    const m = parseManifest(JSON.stringify({ pid: 9, procStart: '100' })) as Manifest;
    expect(checkLiveness({ ...m, pidDomain: 'linux::pid:[4026531836]' }, host).live).toBe(true);
    expect(checkLiveness({ ...m, pidDomain: 'linux::pid:[4026534579]' }, host)).toEqual({
      live: false,
      reason: 'other-pid-namespace',
    });
    expect(checkLiveness({ ...m, procStart: '101' }, host).reason).toBe('pid-reused');
  });
});

describe('session tracker', () => {
  it('labels live sessions by the model of their newest transcript line, else unknown', async () => {
    const cwd = '/home/someone/my.project';
    const sid = '11111111-2222-3333-4444-555555555555';
    const projects = join(claudeDir, 'projects', projectDirName(cwd));
    mkdirSync(projects, { recursive: true });
    const line = (model: string) => JSON.stringify({ type: 'assistant', message: { model, usage: {} } });
    writeFileSync(
      join(projects, `${sid}.jsonl`),
      `${line('claude-sonnet-4-5-20250929')}\n${line('claude-opus-4-5-20251101')}\n${JSON.stringify({ type: 'assistant', message: { model: '<synthetic>' } })}\n{"torn`,
    );
    writeManifest(claudeDir, 'a.json', manifest(process.pid, { sessionId: sid, cwd }));
    writeManifest(claudeDir, 'b.json', manifest(process.pid, { sessionId: 'no-transcript' }));
    const t = tracker();
    await t.rescan();
    expect(projectDirName(cwd)).toBe('-home-someone-my-project');
    expect([...t.counts().byModel].sort()).toEqual([
      ['claude-opus-4-5-20251101', 1],
      ['unknown', 1],
    ]);
  });

  it('counts each session once as started and excludes sessions waiting for the user from STALL', async () => {
    writeManifest(
      claudeDir,
      'a.json',
      manifest(process.pid, { sessionId: 'a', status: 'busy', startedAt: 1000 }),
    );
    const t = tracker();
    await t.rescan();
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, working: 1, started: 1, newestWorkingStartMs: 1000 });
    writeManifest(
      claudeDir,
      'b.json',
      manifest(process.pid, { sessionId: 'b', status: 'idle', startedAt: 2000 }),
    );
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 2, working: 1, started: 2, newestWorkingStartMs: 1000 });
  });

  it('reads several claude dirs and notices a new manifest through the directory watch', async () => {
    const second = join(tmp.path, 'claude2');
    mkdirSync(join(second, 'sessions'), { recursive: true });
    writeManifest(second, 'x.json', manifest(process.pid, { sessionId: 'x' }));
    const t = tracker({ claudeDirs: [claudeDir, second], watch: true });
    await t.start();
    expect(t.counts().active).toBe(1);
    const changed = new Promise<void>((resolve) => t.subscribe(resolve));
    writeManifest(claudeDir, 'y.json', manifest(process.pid, { sessionId: 'y' }));
    await changed;
    expect(t.counts().active).toBe(2);
  });

  it('keeps a live session through a torn rewrite of its manifest, without counting it again', async () => {
    const file = writeManifest(claudeDir, 'a.json', manifest(process.pid, { sessionId: 'a' }));
    const t = tracker();
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, invalid: 0, started: 1 });
    writeFileSync(file, '{"pid": 12, "sessionId": "a", "cw');
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, invalid: 0, started: 1 });
    writeFileSync(file, JSON.stringify(manifest(process.pid, { sessionId: 'a', status: 'busy' })));
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, invalid: 0, started: 1 });
    // A new garbage file that never parsed is invalid.
    writeManifest(claudeDir, 'b.json', '{"pid":');
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, invalid: 1, started: 1 });
  });

  it('reads a manifest again only when its size, mtime or inode changed, or its mtime is recent', async () => {
    const body = (status: string) => manifest(process.pid, { sessionId: 'a', status, startedAt: 1000 });
    const file = writeManifest(claudeDir, 'a.json', body('busy'));
    // A rewrite that keeps size, mtime and inode (here forced with utimes) is what a coarse file-system
    // clock can produce: while the mtime is recent the file is read every scan, so it is seen...
    const recent = statSync(file).mtime;
    const t = tracker();
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, working: 1 });
    writeFileSync(file, JSON.stringify(body('idle')));
    utimesSync(file, recent, recent);
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, working: 0 });
    // ...but once the mtime is old the parsed manifest is reused without reading the file,
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    await t.rescan(); // read (new mtime), now cached
    writeFileSync(file, JSON.stringify(body('busy')));
    utimesSync(file, old, old);
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, working: 0 }); // the cached copy: not read again
    // and any real change of mtime (or size) is read.
    utimesSync(file, new Date(), new Date());
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, working: 1 });
  });

  it('counts a session once when two claude dirs reach the same sessions dir', async () => {
    writeManifest(claudeDir, 'a.json', manifest(process.pid, { sessionId: 'a' }));
    const alias = join(tmp.path, 'alias');
    symlinkSync(claudeDir, alias);
    const t = tracker({ claudeDirs: [claudeDir, alias] });
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, started: 1 });
  });

  it('is fine with a claude dir that has no sessions dir at all', async () => {
    const t = tracker({ claudeDirs: [join(tmp.path, 'missing')] });
    await t.start();
    expect(t.counts()).toMatchObject({ active: 0, stale: 0, invalid: 0 });
  });
});
