import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, helpText, main } from '../../host/src/cli.js';
import { OPTIONS, resolveSettings } from '../../host/src/config.js';
import { startDaemon } from '../../host/src/daemon.js';
import { tempDir, validatePayload, writeTranscript } from './helpers/fixtures.js';

let tmp: ReturnType<typeof tempDir>;
/** A claude dir with two sessions' transcripts (3 assistant turns, 1130 tokens each) around NOW. */
let claudeDir: string;
const NOW = Date.parse('2026-02-12T16:00:00Z');
beforeEach(() => {
  tmp = tempDir('cg-cli-');
  claudeDir = join(tmp.path, 'claude');
  writeTranscript(claudeDir, {
    project: '-home-u-a',
    sessionId: 'aaaaaaaa-0000-0000-0000-000000000001',
    cwd: '/home/u/a',
    prompt: 'hello',
    turns: [{ at: NOW - 3_600_000 }, { at: NOW - 30_000, model: 'claude-opus-4-5-20251101' }],
  });
  writeTranscript(claudeDir, {
    project: '-home-u-b',
    sessionId: 'bbbbbbbb-0000-0000-0000-000000000002',
    cwd: '/home/u/b',
    prompt: 'hi',
    turns: [{ at: NOW - 20_000, model: 'claude-opus-4-5-20251101' }],
  });
});
afterEach(() => tmp.cleanup());

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env,
    home: join(tmp.path, 'home'),
    cwd: tmp.path,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('claude-gauge usage', () => {
  it('--json prints exactly one contract-valid payload, fixed by --now', async () => {
    const now = '2026-01-01T00:01:20Z';
    const a = await run(['usage', '--json', '--source', 'demo', '--now', now]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout.endsWith('}\n')).toBe(true);
    const body = JSON.parse(a.stdout);
    expect(validatePayload(body), JSON.stringify(validatePayload.errors)).toBe(true);
    expect(body).toMatchObject({ ts: Date.parse(now), source: 'demo', hot: true });
    const b = await run(['usage', '--json', '--source', 'demo', '--now', now]);
    expect(b.stdout).toBe(a.stdout);
  });

  it('--json prints byte for byte what GET /usage serves', async () => {
    const now = '2026-01-01T00:02:30Z';
    const cli = await run(['usage', '--json', '--source', 'demo', '--now', now]);
    const settings = resolveSettings({
      flags: { source: 'demo', now: Date.parse(now), port: 0, ui: 'none' },
      env: {},
      home: join(tmp.path, 'home'),
      cwd: tmp.path,
    });
    const daemon = await startDaemon(settings);
    try {
      const res = await daemon.app.inject({ method: 'GET', url: '/usage' });
      expect(`${res.body}\n`).toBe(cli.stdout);
    } finally {
      await daemon.stop();
    }
  });

  it('reads transcripts with the jsonl source', async () => {
    const r = await run([
      'usage',
      '--json',
      '--claude-dir',
      claudeDir,
      '--now',
      new Date(NOW).toISOString(),
      '--ceiling',
      '10000',
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(validatePayload(body), JSON.stringify(validatePayload.errors)).toBe(true);
    expect(body).toMatchObject({
      source: 'jsonl',
      window_5h_tokens: 3 * 1130,
      window_5h_pct: 0.339,
      last_model: 'claude-opus-4-5-20251101',
      // No sessions/ dir (a Claude Code without manifests): the recent response stands for one session.
      sessions_active: 1,
      idle: false,
      stale: false,
    });
    expect(body.rate_1m).toBeGreaterThan(0);
    // With a sessions/ dir the manifests decide: none there, so idle.
    mkdirSync(join(claudeDir, 'sessions'));
    const again = await run([
      'usage',
      '--json',
      '--claude-dir',
      claudeDir,
      '--now',
      new Date(NOW).toISOString(),
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({ sessions_active: 0, idle: true });
  });

  it('counts a last line without a newline at once (a copied transcript), without waiting for it to settle', async () => {
    const f = join(claudeDir, 'projects', '-home-u-a', 'aaaaaaaa-0000-0000-0000-000000000001.jsonl');
    writeFileSync(f, readFileSync(f, 'utf8').trimEnd());
    // An mtime in the future: the daemon's quiet time would never be over, so only "at once" counts it.
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(f, later, later);
    const r = await run(['usage', '--json', '--claude-dir', claudeDir, '--now', new Date(NOW).toISOString()]);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'jsonl', window_5h_tokens: 3 * 1130 });
  });

  it('falls back to the demo with --fallback-demo when there is no Claude Code data', async () => {
    const empty = join(tmp.path, 'empty-claude');
    mkdirSync(empty);
    const r = await run([
      'usage',
      '--json',
      '--claude-dir',
      empty,
      '--fallback-demo',
      '--now',
      '2026-01-01T00:00:10Z',
    ]);
    expect(JSON.parse(r.stdout).source).toBe('demo');
    const plain = await run(['usage', '--json', '--claude-dir', empty, '--now', '2026-01-01T00:00:10Z']);
    expect(JSON.parse(plain.stdout)).toMatchObject({ source: 'jsonl', rate_1m: 0, idle: true });
  });

  it('still prints the payload but exits 1 when the source fails (stale)', async () => {
    // Port 1 on loopback refuses at once: a source that cannot answer.
    const r = await run([
      'usage',
      '--json',
      '--source',
      'prometheus',
      '--prometheus-url',
      'http://127.0.0.1:1',
    ]);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(validatePayload(body)).toBe(true);
    expect(body).toMatchObject({ stale: true, source: 'prometheus' });
    expect(r.stderr).toMatch(/the last good values were served as stale/);
  });

  it('prints a readable summary without --json', async () => {
    const r = await run(['usage', '--source', 'demo', '--now', '2026-01-01T00:01:20Z']);
    expect(r.stdout).toMatch(/^tach {6}[\d,]+ tokens\/min/m);
    expect(r.stdout).toMatch(/^lamps {5}HOT/m);
  });
});

describe('claude-gauge doctor', () => {
  it('fails with a fix when a claude dir is missing', async () => {
    const missing = join(tmp.path, 'nope');
    const r = await run(['doctor', '--claude-dir', missing, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  claude dir ${missing} does not exist`);
    expect(r.stdout).toMatch(/fix: /);
    expect(r.stdout).toMatch(/1 problem to fix/);
  });

  it('passes on a real claude dir and counts transcripts and sessions', async () => {
    const r = await run(['doctor', '--claude-dir', claudeDir, '--port', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok {4}claude dir .*: 2 transcript files, 0 live sessions/);
    expect(r.stdout).toMatch(/port 0 on 127\.0\.0\.1 is free/);
    expect(r.stdout).toMatch(/claude-gauge doctor: (all good|nothing failed)/);
  });

  it('reports a broken config file as a problem to fix', async () => {
    const cfg = join(tmp.path, 'broken.json');
    writeFileSync(cfg, '{"port": 80, "prot": 1}');
    const r = await run(['doctor', '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}settings: .*broken\.json: unknown key "prot"/);
    expect(r.stdout).toMatch(/fix: /);
  });

  it('reports a port in use', async () => {
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await run(['doctor', '--claude-dir', claudeDir, '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`port ${port} on 127.0.0.1 is not available (EADDRINUSE)`);
    } finally {
      srv.close();
    }
  });
});

describe('claude-gauge arguments', () => {
  it('prints help with every option and the version', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    for (const o of OPTIONS) expect(h.stdout).toContain(`--${o.flag}`);
    expect(h.stdout).toBe(helpText());
    const v = await run(['--version']);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with a clear message on bad flags, values and commands', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['serve', '--port', 'eighty'], /--port: expected a number/],
      [['serve', '--bogus'], /Unknown option '--bogus'/],
      [['launch'], /unknown command "launch"/],
      [['usage', '--source', 'otlp'], /otlp source is fed by Claude Code pushing to a running daemon/],
      [['usage', '--now', 'tomorrow'], /--now: expected an ISO-8601 time/],
      [['serve', '--mdns', '--no-mdns'], /contradict/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('takes settings from env and the config file, flags winning', async () => {
    const cfg = join(tmp.path, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ source: 'demo', redline: 1000, now: '2026-01-01T00:00:10Z' }));
    const fromFile = JSON.parse((await run(['usage', '--json', '--config', cfg])).stdout);
    expect(fromFile).toMatchObject({
      source: 'demo',
      rate_redline: 1000,
      ts: Date.parse('2026-01-01T00:00:10Z'),
    });
    const layered = JSON.parse(
      (
        await run(['usage', '--json', '--config', cfg, '--now', '2026-01-01T00:00:20Z'], {
          CLAUDE_GAUGE_REDLINE: '2000',
        })
      ).stdout,
    );
    expect(layered).toMatchObject({
      source: 'demo',
      rate_redline: 2000,
      ts: Date.parse('2026-01-01T00:00:20Z'),
    });
    const bad = await run(['usage', '--config', cfg], { CLAUDE_GAUGE_REDLINE: '-1' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CLAUDE_GAUGE_REDLINE: must be > 0/);
  });

  it('tells the user to build when dist/ is missing', () => {
    const bin = join(tmp.path, 'bin');
    mkdirSync(bin);
    copyFileSync(
      fileURLToPath(new URL('../../bin/claude-gauge.mjs', import.meta.url)),
      join(bin, 'claude-gauge.mjs'),
    );
    const r = spawnSync(process.execPath, [join(bin, 'claude-gauge.mjs'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run npm run build/);
  });
});
