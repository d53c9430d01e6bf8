// Failure 1 of issue 16: a FIFO where the daemon expects a user file (the transcript of a live session, a
// manifest, a transcript, the config file) must never block: serve listens, usage/doctor return, SIGTERM
// ends the daemon. Before the fix the session tracker's open() of the FIFO blocked a libuv pool thread for
// good: serve never listened, usage --json and doctor hung, and a running daemon ignored SIGTERM.

import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../host/src/cli.js';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { tempDir } from '../helpers/fixtures.js';
import {
  claudeStandIn,
  fifo,
  raw,
  removeBundles,
  runCli,
  serveProcess,
  within,
  writeLiveManifest,
} from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let claude: string;
const fifos: Array<{ release(): void }> = [];
const children: ChildProcess[] = [];
const daemons: Daemon[] = [];

beforeEach(() => {
  tmp = tempDir('cg-hostile-fifo-');
  chmodSync(tmp.path, 0o755);
  claude = join(tmp.path, 'claude');
  mkdirSync(join(claude, 'projects'), { recursive: true });
});

afterEach(async () => {
  // Whatever a test left stuck on a FIFO is freed, so even a failing test cannot hang the runner.
  for (const f of fifos.splice(0)) f.release();
  for (const d of daemons.splice(0)) await d.stop();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

afterAll(() => removeBundles());

/** A live Claude Code session whose transcript path holds a FIFO. */
async function liveSessionWithFifoTranscript(): Promise<void> {
  const cc = await claudeStandIn();
  children.push(cc);
  const { transcript } = writeLiveManifest(claude, cc.pid);
  fifos.push(fifo(transcript));
}

function settings(extra: Record<string, unknown> = {}) {
  return resolveSettings({
    flags: { port: 0, ui: 'none', mdns: false, claudeDirs: [claude], ...extra },
    env: {},
    home: tmp.path,
    cwd: tmp.path,
  });
}

describe('failure 1: a FIFO hangs the daemon', () => {
  it('failure 1: serve listens and answers with a FIFO at a live session’s transcript path', async () => {
    await liveSessionWithFifoTranscript();
    const daemon = await within(15_000, 'startDaemon', startDaemon(settings()));
    daemons.push(daemon);
    const port = Number(new URL(daemon.url).port);
    const usage = await raw(port, { path: '/usage' });
    expect(usage.status).toBe(200);
    // The session is live (its process is Claude Code's), only its model cannot be read from a FIFO.
    expect(JSON.parse(usage.body)).toMatchObject({ sessions_active: 1, idle: false });
    const health = JSON.parse((await raw(port, { path: '/healthz' })).body);
    expect(health.faults['session-transcript-unreadable']).toMatchObject({ kind: 'read', count: 1 });
  });

  it('failure 1: usage --json and doctor return, and doctor names the FIFO as a read error', async () => {
    await liveSessionWithFifoTranscript();
    const out: string[] = [];
    const io = {
      stdout: (s: string) => out.push(s),
      stderr: () => {},
      env: {},
      cwd: tmp.path,
      home: tmp.path,
    };
    const usageCode = await within(
      15_000,
      'usage --json',
      main(['usage', '--json', '--claude-dir', claude, '--ui', 'none'], io),
    );
    expect(usageCode).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ sessions_active: 1 });
    out.length = 0;
    const doctorCode = await within(
      15_000,
      'doctor',
      main(['doctor', '--claude-dir', claude, '--ui', 'none', '--port', '0'], io),
    );
    const report = out.join('');
    expect(report).toMatch(/FAIL {2}claude dirs: a live session's transcript could not be read/);
    expect(report).toContain('session-transcript-unreadable');
    expect(doctorCode).toBe(1);
  });

  it('failure 1: SIGTERM ends a running daemon whose session tracker met a FIFO', async () => {
    await liveSessionWithFifoTranscript();
    const d = await serveProcess(['--claude-dir', claude]);
    children.push(d.child);
    expect((await raw(d.port, { path: '/usage' })).status).toBe(200);
    d.child.kill('SIGTERM');
    expect(await within(10_000, 'exit after SIGTERM', d.exited)).toBe(0);
  });

  it('failure 1: a FIFO as Claude Code’s settings.json blocks neither setup nor doctor', async () => {
    fifos.push(fifo(join(claude, 'settings.json')));
    const out: string[] = [];
    const io = {
      stdout: (s: string) => out.push(s),
      stderr: (s: string) => out.push(s),
      env: {},
      cwd: tmp.path,
      home: tmp.path,
    };
    const setupCode = await within(15_000, 'setup', main(['setup', '--claude-dir', claude], io));
    expect(setupCode).not.toBe(0);
    expect(out.join('')).toContain('not a regular file');
    out.length = 0;
    await within(
      15_000,
      'doctor',
      main(['doctor', '--claude-dir', claude, '--ui', 'none', '--port', '0'], io),
    );
    expect(out.join('')).toContain('not a regular file');
  });

  it('failure 1: a FIFO as a manifest, as a transcript and as the config file blocks nothing either', async () => {
    mkdirSync(join(claude, 'sessions'), { recursive: true });
    fifos.push(fifo(join(claude, 'sessions', '4242.json')));
    fifos.push(fifo(join(claude, 'projects', 'pipe.jsonl')));
    mkdirSync(join(tmp.path, 'etc'));
    const config = join(tmp.path, 'etc', 'claude-gauge.config.json');
    fifos.push(fifo(config));
    const r = await runCli(['usage', '--json', '--claude-dir', claude, '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a regular file');
    const daemon = await within(15_000, 'startDaemon', startDaemon(settings()));
    daemons.push(daemon);
    const port = Number(new URL(daemon.url).port);
    const health = JSON.parse((await raw(port, { path: '/healthz' })).body);
    expect(health.faults['manifest-unreadable']?.count).toBeGreaterThanOrEqual(1);
    expect(health.faults['transcript-unreadable']?.count).toBeGreaterThanOrEqual(1);
  });
});
