// The doctor's checks: how many directories the daemon will watch (its own DirWatcher walk, counted)
// against Linux's per-user watch limit; the transcripts it will read; what the chosen source needs
// (ccusage, Prometheus); and a port already held by a claude-gauge daemon.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../host/src/config.js';
import {
  ccusageCheck,
  countTranscripts,
  directoriesToWatch,
  inotifyWatchLimit,
  prometheusCheck,
  runDoctor,
  watchLimitCheck,
} from '../../host/src/doctor.js';
import { CcusageRunError } from '../../host/src/sources/ccusage/run.js';
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
