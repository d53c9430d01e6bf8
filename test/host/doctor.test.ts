// The doctor's checks: how many directories the daemon will watch (its own DirWatcher walk, counted)
// against Linux's per-user watch limit; the transcripts it will read; what the chosen source needs
// (ccusage, Prometheus); and a port already held by a claude-gauge daemon.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../host/src/config.js';
import { startDaemon } from '../../host/src/daemon.js';
import {
  ago,
  ccusageCheck,
  claudeSettingsChecks,
  countTranscripts,
  directoriesToWatch,
  inotifyWatchLimit,
  lastReports,
  prometheusCheck,
  reportChecks,
  runDoctor,
  watchLimitCheck,
} from '../../host/src/doctor.js';
import { INSTALLED_HOOK_EVENTS } from '../../host/src/hooks/attention.js';
import { CcusageRunError } from '../../host/src/sources/ccusage/run.js';
import { TRANSCRIPT_DIR_DEPTH } from '../../host/src/sources/jsonl/reader.js';
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

describe('doctor: what the chosen source needs', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });
  /** A loopback HTTP server answering every request with `status` and `body`; its port. */
  async function serve(status: number, body: string): Promise<number> {
    const s = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  }

  it('counts the transcripts the daemon reads: down to its depth limit, not below', async () => {
    const projects = join(dir, 'projects');
    const levels = Array.from({ length: TRANSCRIPT_DIR_DEPTH }, (_, i) => `d${i + 2}`);
    const deepest = join(projects, ...levels.slice(0, -1)); // level TRANSCRIPT_DIR_DEPTH
    mkdirSync(join(deepest, levels.at(-1) as string), { recursive: true });
    writeFileSync(join(projects, 'top.jsonl'), '');
    writeFileSync(join(deepest, 'deepest.jsonl'), '');
    writeFileSync(join(deepest, levels.at(-1) as string, 'below.jsonl'), '');
    expect(await countTranscripts(dir)).toBe(2);
  });

  it('fails --source ccusage when the pinned ccusage cannot run; elsewhere ccusage is optional', () => {
    const missing = () => {
      throw new CcusageRunError('ccusage is not installed: run `npm install`');
    };
    expect(ccusageCheck('ccusage', missing)).toMatchObject({
      level: 'fail',
      fix: 'npm install in this checkout',
    });
    expect(ccusageCheck('jsonl', missing)).toMatchObject({ level: 'info' });
    expect(ccusageCheck('ccusage', () => ['/x/ccusage'])).toEqual({
      level: 'ok',
      what: 'ccusage: /x/ccusage',
    });
  });

  it('checks that Prometheus answers a query, with the source own client', async () => {
    const good = await serve(
      200,
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}}',
    );
    expect(await prometheusCheck(`http://127.0.0.1:${good}`)).toMatchObject({ level: 'ok' });
    const broken = await serve(500, '{"status":"error","error":"storage is down"}');
    expect(await prometheusCheck(`http://127.0.0.1:${broken}`)).toMatchObject({
      level: 'fail',
      what: expect.stringMatching(/HTTP 500: storage is down/),
    });
    const garbage = await serve(200, '<html>not prometheus</html>');
    expect(await prometheusCheck(`http://127.0.0.1:${garbage}`)).toMatchObject({ level: 'fail' });
    const closed = await serve(200, '{}');
    await new Promise((r) => servers.pop()?.close(r));
    expect(await prometheusCheck(`http://127.0.0.1:${closed}`)).toMatchObject({ level: 'fail' });
  });

  it('tells a port held by a running claude-gauge from one held by something else', async () => {
    const ours = await serve(200, '{"ok":true,"version":"0.1.0","source":"jsonl","source_failures":0}');
    const settings = (port: number) =>
      resolveSettings({ flags: { port, source: 'demo' }, env: {}, home: join(dir, 'home'), cwd: dir });
    const found = await runDoctor(settings(ours));
    expect(found).toContainEqual(
      expect.objectContaining({
        level: 'info',
        what: expect.stringMatching(/claude-gauge daemon \(0\.1\.0, source jsonl\) already serves port/),
      }),
    );
    const other = await serve(200, '{"hello":"world"}');
    const taken = await runDoctor(settings(other));
    expect(taken).toContainEqual(
      expect.objectContaining({ level: 'fail', what: expect.stringMatching(/not available \(EADDRINUSE\)/) }),
    );
  });
});

describe('doctor: Claude Code settings and what reported', () => {
  const file = () => join(dir, 'settings.json');
  const ours = (cmd: string) => ({ type: 'command', command: `/r/bin/claude-gauge.mjs ${cmd}`, async: true });
  const allHooks = Object.fromEntries(INSTALLED_HOOK_EVENTS.map((e) => [e, [{ hooks: [ours('hook')] }]]));

  it('says when there is no settings file, or one it cannot read, and how to fix it', () => {
    expect(claudeSettingsChecks(file())).toEqual([
      {
        level: 'warn',
        what: `no Claude Code settings at ${file()}: neither the official quota (statusLine) nor the ATTN lamp (hooks) reach the daemon`,
        fix: 'claude-gauge setup --write (it shows the entries first without --write)',
      },
    ]);
    writeFileSync(file(), '{"hooks": ');
    const [bad] = claudeSettingsChecks(file());
    expect(bad?.level).toBe('warn');
    expect(bad?.what).toMatch(/^Claude Code settings: .*settings\.json is not valid JSON \(/);
    expect(bad?.fix).toMatch(/fix the file by hand/);
  });

  it('reports the statusLine and the hooks: installed, missing, partial, another program', () => {
    writeFileSync(file(), JSON.stringify({ statusLine: ours('statusline'), hooks: allHooks }));
    expect(claudeSettingsChecks(file())).toEqual([
      { level: 'ok', what: `statusLine runs claude-gauge statusline (${file()})` },
      { level: 'ok', what: `hooks run claude-gauge hook on all ${INSTALLED_HOOK_EVENTS.length} events` },
    ]);
    writeFileSync(file(), JSON.stringify({ model: 'opus' }));
    expect(claudeSettingsChecks(file()).map((c) => [c.level, c.what])).toEqual([
      ['warn', `no statusLine in ${file()}: the fuel stays an estimate (the official quota never arrives)`],
      [
        'warn',
        `claude-gauge hook is not installed for ${INSTALLED_HOOK_EVENTS.join(', ')}: the ATTN lamp never lights`,
      ],
    ]);
    const { Stop: _stop, ...someHooks } = allHooks;
    writeFileSync(
      file(),
      JSON.stringify({ statusLine: { type: 'command', command: 'ccstatusline' }, hooks: someHooks }),
    );
    const partial = claudeSettingsChecks(file());
    expect(partial[0]).toMatchObject({
      level: 'warn',
      fix: 'claude-gauge setup --write --replace-statusline',
    });
    expect(partial[0]?.what).toMatch(/runs another program: the official quota does not reach the daemon/);
    expect(partial[1]?.what).toBe(
      'claude-gauge hook is not installed for Stop: the ATTN lamp misses some waits or stays lit',
    );
  });

  it('says when the running daemon last heard from the statusline and the hook', async () => {
    const token = 'doctor-token-123';
    const settings = resolveSettings({
      flags: { source: 'demo', port: 0, ui: 'none', mdns: false, token, claudeDirs: [dir] },
      env: {},
      home: join(dir, 'home'),
      cwd: dir,
    });
    const daemon = await startDaemon(settings);
    try {
      const port = Number(new URL(daemon.url).port);
      expect(await lastReports('127.0.0.1', port, token)).toEqual({ statuslineMs: null, hookMs: null });
      const t0 = Date.now();
      const post = (path: string, body: unknown) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/v1/hook', { hook_event_name: 'Stop', session_id: 'abc-1' })).status).toBe(204);
      const got = await lastReports('127.0.0.1', port, token);
      expect(got).toMatchObject({ statuslineMs: null });
      const hookMs = (got as { hookMs: number }).hookMs;
      expect(hookMs).toBeGreaterThanOrEqual(t0 - 1);
      expect(hookMs).toBeLessThanOrEqual(Date.now() + 1);
      expect(
        (await post('/v1/statusline', { rate_limits: { five_hour: { used_percentage: 10 } } })).status,
      ).toBe(204);
      const both = (await lastReports('127.0.0.1', port, token)) as { statuslineMs: number; hookMs: number };
      expect(both.statuslineMs).toBeGreaterThanOrEqual(hookMs);
      expect(reportChecks(both, both.statuslineMs + 3 * 60_000)).toEqual([
        { level: 'ok', what: 'the running daemon last heard from claude-gauge statusline 3 min ago' },
        {
          level: 'ok',
          what: expect.stringMatching(/^the running daemon last heard from claude-gauge hook 3 min ago$/),
        },
      ]);
      // Without the token the daemon does not say.
      const refused = await lastReports('127.0.0.1', port, null);
      expect(refused).toEqual({ error: 'HTTP 401' });
      expect(reportChecks(refused, Date.now())[0]).toMatchObject({
        level: 'warn',
        fix: expect.stringMatching(/--token/),
      });
      // And through runDoctor, as the CLI runs it, against the daemon on that port.
      const lines = await runDoctor({ ...settings, port }, join(dir, 'home'));
      expect(lines).toContainEqual({
        level: 'ok',
        what: expect.stringMatching(/last heard from claude-gauge hook \d+ s ago$/),
      });
      expect(lines).toContainEqual({
        level: 'ok',
        what: expect.stringMatching(/last heard from claude-gauge statusline \d+ s ago$/),
      });
    } finally {
      await daemon.stop();
    }
  });

  it('says "not since it started" for a command that never reported', () => {
    const lines = reportChecks({ statuslineMs: null, hookMs: 1000 }, 1000 + 90 * 60_000);
    expect(lines[0]).toMatchObject({
      level: 'info',
      what: expect.stringMatching(/has not heard from claude-gauge statusline since it started \(/),
    });
    expect(lines[1]).toEqual({
      level: 'ok',
      what: 'the running daemon last heard from claude-gauge hook 1 h ago',
    });
    expect(ago(59_000)).toBe('59 s ago');
    expect(ago(3 * 86_400_000)).toBe('3 days ago');
  });
});
