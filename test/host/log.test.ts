// The daemon's one logger (host/src/log.ts): pino's JSON lines, readable lines on a terminal, and the
// records logged before pino exists handed to it in order.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../host/src/cli.js';
import { resolveSettings } from '../../host/src/config.js';
import { type Daemon, startDaemon } from '../../host/src/daemon.js';
import {
  createLogger,
  DeferredLog,
  flushDeferred,
  type Log,
  loggerOptions,
  MAX_DEFERRED,
  prettyLine,
} from '../../host/src/log.js';
import { tempDir } from './helpers/fixtures.js';

/** A Log that keeps [level, fields, msg]. */
function recorder(): { log: Required<Log>; seen: Array<[string, unknown, string | undefined]> } {
  const seen: Array<[string, unknown, string | undefined]> = [];
  const to = (level: string) => (obj: unknown, msg?: string) => void seen.push([level, obj, msg]);
  return { log: { debug: to('debug'), info: to('info'), warn: to('warn'), error: to('error') }, seen };
}

const JSON_LINE = /^\{.*\}$/;

describe('prettyLine', () => {
  it('turns a pino record into time, level, message and fields', () => {
    const at = new Date(2026, 0, 31, 9, 5, 7, 42).getTime();
    const line = JSON.stringify({
      level: 40,
      time: at,
      pid: 1,
      hostname: 'h',
      fault: 'manifest-unreadable',
      hits: 2,
      file: '/a b/c.json',
      nested: { code: 'EACCES' },
      msg: 'a session manifest could not be read',
    });
    expect(prettyLine(line)).toBe(
      '09:05:07.042 WARN  a session manifest could not be read  fault=manifest-unreadable hits=2 file="/a b/c.json" nested={"code":"EACCES"}',
    );
  });

  it("shows an error's message, then its stack on the following lines", () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here (x.ts:1:1)' },
      msg: 'request errored',
    });
    expect(prettyLine(line).split('\n')).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} ERROR request errored {2}err=boom$/),
      '    at here (x.ts:1:1)',
    ]);
  });

  it('passes on what is not a pino record as it is', () => {
    for (const text of ['not json', '[1,2]', '"text"']) expect(prettyLine(text)).toBe(text);
  });
});

describe('DeferredLog', () => {
  it('keeps records in order until it has a logger, then forwards', () => {
    const log = new DeferredLog();
    log.info({ a: 1 }, 'first');
    log.debug({}, 'second');
    log.warn({ b: 2 }, 'third');
    expect(log.waiting).toBe(3);
    const { log: target, seen } = recorder();
    log.attach(target);
    log.error({ c: 3 }, 'fourth');
    expect(seen).toEqual([
      ['info', { a: 1 }, 'first'],
      ['debug', {}, 'second'],
      ['warn', { b: 2 }, 'third'],
      ['error', { c: 3 }, 'fourth'],
    ]);
    expect(log.waiting).toBe(0);
  });

  it('keeps at most MAX_DEFERRED records and says how many it dropped', () => {
    const log = new DeferredLog();
    for (let i = 0; i < MAX_DEFERRED + 5; i++) log.info({ i }, 'record');
    const { log: target, seen } = recorder();
    log.attach(target);
    expect(seen).toHaveLength(MAX_DEFERRED + 1);
    expect(seen.at(-1)).toEqual([
      'warn',
      { dropped: 5 },
      '5 log records before the logger started were dropped',
    ]);
  });

  it('flushDeferred: a logger made for what was kept, none when nothing was, nowhere when quiet', async () => {
    const lines: string[] = [];
    const options = loggerOptions({ level: 'warn', pretty: false, write: (s) => lines.push(s) });
    const empty = new DeferredLog();
    await flushDeferred(empty, options);
    expect(empty.attached).toBe(true);
    const kept = new DeferredLog();
    kept.info({}, 'below the level');
    kept.warn({ n: 1 }, 'said');
    await flushDeferred(kept, options);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, n: 1, msg: 'said' }),
    ]);
    const quiet = new DeferredLog();
    quiet.warn({}, 'unheard');
    await flushDeferred(quiet, false);
    expect(quiet.attached).toBe(true);
    expect(lines).toHaveLength(1);
  });

  it('does not keep records below its level', () => {
    const log = new DeferredLog('warn');
    log.debug({}, 'd');
    log.info({}, 'i');
    expect(log.waiting).toBe(0);
    log.error({}, 'e');
    expect(log.waiting).toBe(1);
  });
});

describe('the one logger', () => {
  it('writes JSON lines, or readable lines on a terminal', async () => {
    const json: string[] = [];
    const pretty: string[] = [];
    (await createLogger(loggerOptions({ level: 'info', pretty: false, write: (s) => json.push(s) }))).warn(
      { n: 1 },
      'hello',
    );
    (await createLogger(loggerOptions({ level: 'info', pretty: true, write: (s) => pretty.push(s) }))).warn(
      { n: 1 },
      'hello',
    );
    expect(JSON.parse(json.join(''))).toMatchObject({ level: 40, n: 1, msg: 'hello' });
    expect(pretty.join('')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}hello {2}n=1\n$/);
  });

  let tmp: ReturnType<typeof tempDir>;
  let daemon: Daemon | null = null;
  beforeEach(() => {
    tmp = tempDir('cg-log-');
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    tmp.cleanup();
  });

  it("serve on a terminal: readable lines only, the cold start's records among them", async () => {
    const claudeDir = join(tmp.path, 'claude');
    mkdirSync(join(claudeDir, 'sessions'), { recursive: true });
    // A directory where a session manifest should be: the first scan, before the server exists, counts
    // and logs a fault.
    mkdirSync(join(claudeDir, 'sessions', '4242.json'));
    const lines: string[] = [];
    daemon = await startDaemon(
      resolveSettings({
        flags: { claudeDirs: [claudeDir], port: 0, mdns: false, ui: 'none', source: 'demo' },
        env: {},
        home: tmp.path,
        cwd: tmp.path,
      }),
      { logger: loggerOptions({ level: 'info', pretty: true, write: (s) => lines.push(s) }) },
    );
    const out = lines.join('');
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}.*fault=manifest-unreadable/m);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+/m);
    expect(out.split('\n').filter((l) => JSON_LINE.test(l))).toEqual([]);
  });

  it('a failed start still says what it logged before failing', async () => {
    const lines: string[] = [];
    const claudeDir = join(tmp.path, 'claude');
    mkdirSync(join(claudeDir, 'sessions'), { recursive: true });
    mkdirSync(join(claudeDir, 'sessions', '4242.json'));
    const blocker = await startDaemon(
      resolveSettings({
        flags: { port: 0, mdns: false, ui: 'none', source: 'demo' },
        env: {},
        home: tmp.path,
      }),
    );
    try {
      await expect(
        startDaemon(
          resolveSettings({
            flags: {
              claudeDirs: [claudeDir],
              port: Number(new URL(blocker.url).port),
              mdns: false,
              ui: 'none',
              source: 'demo',
            },
            env: {},
            home: tmp.path,
          }),
          { logger: loggerOptions({ level: 'info', pretty: false, write: (s) => lines.push(s) }) },
        ),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await blocker.stop();
    }
    expect(lines.map((l) => JSON.parse(l).fault)).toContain('manifest-unreadable');
  });

  it('a start that fails before the server exists rejects with its reason', async () => {
    const lines: string[] = [];
    await expect(
      startDaemon(
        resolveSettings({
          flags: { claudeDirs: [], port: 0, mdns: false, ui: 'none', source: 'ccusage' },
          env: {},
          home: tmp.path,
        }),
        { logger: loggerOptions({ level: 'info', pretty: false, write: (s) => lines.push(s) }) },
      ),
    ).rejects.toThrow(/ccusage source: no Claude config dir given/);
    expect(lines).toEqual([]);
  });

  it('usage on a terminal: its warnings are readable lines on stderr; nothing loads when there are none', async () => {
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: (s: string) => {
        stdout += s;
      },
      stderr: (s: string) => {
        stderr += s;
      },
      env: {},
      home: tmp.path,
      cwd: tmp.path,
      terminal: { stdout: true, stderr: true },
    };
    // Port 1 on loopback refuses at once: the source fails and the payload is served stale.
    const code = await main(
      ['usage', '--source', 'prometheus', '--prometheus-url', 'http://127.0.0.1:1'],
      io,
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^source {4}prometheus \(STALE/m);
    expect(stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}.*the last good values were served as stale/m);
    expect(stderr.split('\n').filter((l) => JSON_LINE.test(l))).toEqual([]);
    stderr = '';
    expect(await main(['usage', '--source', 'demo', '--now', '2026-01-01T00:01:20Z'], io)).toBe(0);
    expect(stderr).toBe('');
  });
});
