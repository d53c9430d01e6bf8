// `claude-gauge statusline` end to end: Claude Code's stdin JSON in, a line out, the quota forwarded to a
// real daemon over loopback; and the daemon down, hanging, or refusing the token.

import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsagePayload } from '../../../contract/usage.js';
import { main } from '../../../host/src/cli.js';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { formatLine, parseStatus, shortDuration, statuslineMain } from '../../../host/src/statusline/main.js';
import { freeLoopbackPort, runCommand, tempDir, validatePayload } from '../helpers/fixtures.js';
import { importGraph } from '../helpers/imports.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const RESET_S = Date.parse('2026-11-22T14:00:00Z') / 1000;
const TOKEN = 'statusline-token-1';

/** Claude Code's statusLine stdin, as its docs show it. */
function statusJson(
  rateLimits: unknown = {
    five_hour: { used_percentage: 23.5, resets_at: RESET_S },
    seven_day: { used_percentage: 41.2, resets_at: Date.parse('2026-11-25T08:00:00Z') / 1000 },
  },
): string {
  return JSON.stringify({
    hook_event_name: 'Status',
    session_id: 'abc123',
    transcript_path: '/home/u/.claude/projects/p/abc123.jsonl',
    cwd: '/home/u/p',
    model: { id: 'claude-opus-4-5-20251101', display_name: 'Opus 4.5' },
    workspace: { current_dir: '/home/u/p', project_dir: '/home/u/p' },
    version: '2.1.90',
    output_style: { name: 'default' },
    cost: { total_cost_usd: 0.42, total_duration_ms: 45_000 },
    context_window: { used_percentage: 12.5 },
    ...(rateLimits === 'none' ? {} : { rate_limits: rateLimits }),
  });
}

async function run(argv: string[], stdin: string, env: NodeJS.ProcessEnv = {}) {
  return runCommand(statuslineMain, argv, stdin, env, NOW);
}

describe('statusline line', () => {
  it('shows model, 5 h with pace and reset, 7 d, and the gauge', () => {
    const line = formatLine(parseStatus(statusJson()), 'sent', NOW);
    // 23.5 % three hours into the window: 39 % at the reset at that average.
    expect(line).toBe('Opus 4.5 │ 5h 24% → 39% ↻ 2h00m │ 7d 41% ↻ 2d20h │ gauge ✓');
  });

  it('copes with no rate limits (API key users, before the first response) and garbage', () => {
    expect(formatLine(parseStatus(statusJson('none')), 'skipped', NOW)).toBe('Opus 4.5 │ quota n/a');
    expect(formatLine(parseStatus('{"model": 5, "rate_limits": {"five_hour": "x"}}'), 'skipped', NOW)).toBe(
      'quota n/a',
    );
    expect(formatLine(parseStatus('not json'), 'skipped', NOW)).toBe('claude-gauge: no status JSON on stdin');
    expect(formatLine(parseStatus('[1]'), 'skipped', NOW)).toBe('claude-gauge: no status JSON on stdin');
    const long = parseStatus(JSON.stringify({ model: { display_name: `\u001b[31m${'x'.repeat(10_000)}` } }));
    expect(long?.model).toBe(`[31m${'x'.repeat(36)}`);
  });

  it('formats durations compactly', () => {
    expect(shortDuration(42 * 60_000)).toBe('42m');
    expect(shortDuration(134 * 60_000)).toBe('2h14m');
    expect(shortDuration((3 * 24 + 4) * 3_600_000)).toBe('3d4h');
    expect(shortDuration(-5)).toBe('0m');
  });
});

describe('statusline command with a daemon', () => {
  let tmp: ReturnType<typeof tempDir>;
  let daemon: Daemon;
  let base: string;

  beforeAll(async () => {
    tmp = tempDir('cg-statusline-');
    daemon = await startDaemon(
      resolveSettings({
        flags: {
          source: 'demo',
          port: 0,
          ui: 'none',
          mdns: false,
          token: TOKEN,
          now: NOW,
          claudeDirs: [tmp.path],
        },
        env: {},
        home: tmp.path,
        cwd: tmp.path,
      }),
    );
    base = new URL(daemon.url).origin;
  });
  afterAll(async () => {
    await daemon?.stop();
    tmp?.cleanup();
  });

  async function usage(): Promise<UsagePayload> {
    const res = await fetch(`${base}/usage`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const p = (await res.json()) as UsagePayload;
    expect(validatePayload(p), JSON.stringify(validatePayload.errors)).toBe(true);
    return p;
  }

  it('starts on the estimate', async () => {
    const p = await usage();
    expect(p.fuel_basis).toBe('estimate');
    expect(p.quota_5h_pct).toBeNull();
  });

  it('forwards the official quota; /usage then shows it as the fuel', async () => {
    const port = new URL(base).port;
    const r = await run(['--port', port, '--token', TOKEN], statusJson());
    expect(r).toEqual({
      code: 0,
      stdout: 'Opus 4.5 │ 5h 24% → 39% ↻ 2h00m │ 7d 41% ↻ 2d20h │ gauge ✓\n',
      stderr: '',
    });
    const p = await usage();
    expect(p.fuel_basis).toBe('official');
    expect(p.window_5h_pct).toBe(0.235);
    expect(p.window_5h_reset_in_s).toBe(7200);
    expect(p.quota_5h_pct).toBe(0.235);
    expect(p.quota_7d_pct).toBe(0.412);
    expect(p.quota_5h_resets_at).toBe(RESET_S);
    expect(p.quota_observed_at).toBe(NOW);
    // One reading 3 h into the window: 23.5 % / 180 min, projected over the 120 min left.
    expect(p.pace_pct_at_reset).toBeCloseTo(0.235 + (0.235 / 180) * 120, 4);
    expect(p.minutes_to_full).toBeNull();
  });

  it('takes the daemon address and token from the environment', async () => {
    const r = await run([], statusJson({ five_hour: { used_percentage: 30, resets_at: RESET_S } }), {
      CLAUDE_GAUGE_HOST: '127.0.0.1',
      CLAUDE_GAUGE_PORT: new URL(base).port,
      CLAUDE_GAUGE_TOKEN: TOKEN,
    });
    expect(r.stdout).toMatch(/gauge ✓\n$/);
    const p = await usage();
    expect(p.window_5h_pct).toBe(0.3);
    // The 7 d figure of the previous report stays.
    expect(p.quota_7d_pct).toBe(0.412);
  });

  it('says so when the token is wrong, and the daemon keeps what it had', async () => {
    const r = await run(['--url', base, '--token', 'wrong-token-000'], statusJson());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ gauge: bad token\n$/);
    expect((await usage()).window_5h_pct).toBe(0.3);
  });

  it('the daemon refuses a bad report with 400 and a reason', async () => {
    const res = await fetch(`${base}/v1/statusline`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ rate_limits: { five_hour: { used_percentage: 'lots' } } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/used_percentage/);
    expect((await usage()).window_5h_pct).toBe(0.3);
  });

  it('pushes a new official figure to /usage/stream subscribers at once', async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 10_000);
    try {
      const res = await fetch(`${base}/usage/stream`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
        signal: abort.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      const events = () =>
        text
          .split('\n\n')
          .filter((e) => e.includes('event: usage'))
          .map(
            (e) =>
              JSON.parse(
                e
                  .split('\n')
                  .find((l) => l.startsWith('data: '))
                  ?.slice(6) ?? '{}',
              ) as UsagePayload,
          );
      // The first event is the current payload; then the report arrives.
      while (events().length < 1) text += decoder.decode((await reader.read()).value, { stream: true });
      const r = await run(
        ['--url', base, '--token', TOKEN],
        statusJson({ five_hour: { used_percentage: 64, resets_at: RESET_S } }),
      );
      expect(r.stdout).toMatch(/gauge ✓/);
      while (!events().some((p) => p.window_5h_pct === 0.64))
        text += decoder.decode((await reader.read()).value, { stream: true });
      expect(events().at(-1)?.fuel_basis).toBe('official');
      await reader.cancel();
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  });

  it('does not call the daemon when there is nothing to forward', async () => {
    const r = await run(['--url', base, '--token', TOKEN], statusJson('none'));
    expect(r.stdout).toBe('Opus 4.5 │ quota n/a\n');
  });
});

describe('statusline command without a daemon', () => {
  it('still prints its line when the daemon is down', async () => {
    const port = await freeLoopbackPort();
    const r = await run(['--port', String(port)], statusJson());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Opus 4.5 │ 5h 24% → 39% ↻ 2h00m │ 7d 41% ↻ 2d20h │ gauge off\n');
  });

  it('gives up on a daemon that accepts and never answers', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hang: Server = createServer(() => {
      // Never answer.
    });
    hang.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const { port } = hang.address() as AddressInfo;
      const r = await run(['--port', String(port), '--timeout-ms', '100'], statusJson());
      expect(r.stdout).toMatch(/│ gauge off\n$/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });

  it('prints a line for empty or garbage stdin, exits 2 only for a bad flag', async () => {
    expect((await run([], '')).stdout).toBe('claude-gauge: no status JSON on stdin\n');
    expect((await run([], '\u0000\u0001garbage')).code).toBe(0);
    const bad = await run(['--bogus'], statusJson());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--bogus/);
    const help = await run(['--help'], '');
    expect(help.stdout).toMatch(
      /"statusLine": \{ "type": "command", "command": "claude-gauge statusline" \}/,
    );
  });

  it('is reachable through the main CLI too', async () => {
    let out = '';
    const port = await freeLoopbackPort();
    const code = await main(['statusline', '--port', String(port)], {
      stdout: (s) => {
        out += s;
      },
      stderr: () => {},
      env: {},
      stdin: Readable.from([Buffer.from(statusJson('none'))]),
    });
    expect(code).toBe(0);
    expect(out).toBe('Opus 4.5 │ quota n/a\n');
  });
});

describe('statusline entry stays light', () => {
  it('imports only Node built-ins, daemon-client.ts, quota.ts, the plausibility bounds, json.ts and listeners.ts, transitively', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const { files, external } = importGraph(resolve(here, '../../../host/src/statusline/main.ts'));
    expect(files).toEqual([
      'src/daemon-client.ts',
      'src/json.ts',
      'src/listeners.ts',
      'src/plausible.ts',
      'statusline/main.ts',
      'statusline/quota.ts',
    ]);
    for (const spec of external) expect(spec).toMatch(/^node:/);
  });
});

const root = fileURLToPath(new URL('../../..', import.meta.url));
const entry = join(root, 'dist', 'host', 'src', 'statusline', 'main.js');
const distFresh =
  existsSync(entry) &&
  statSync(entry).mtimeMs >= statSync(join(root, 'host', 'src', 'statusline', 'main.ts')).mtimeMs &&
  statSync(entry).mtimeMs >= statSync(join(root, 'host', 'src', 'statusline', 'quota.ts')).mtimeMs &&
  statSync(entry).mtimeMs >= statSync(join(root, 'host', 'src', 'daemon-client.ts')).mtimeMs &&
  statSync(entry).mtimeMs >= statSync(join(root, 'host', 'src', 'plausible.ts')).mtimeMs;

describe.skipIf(!distFresh)('the real executable (needs a fresh `npm run build`)', () => {
  it('reads stdin, prints the line and exits 0 with the daemon down', async () => {
    const port = await freeLoopbackPort();
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'claude-gauge.mjs'), 'statusline', '--port', String(port)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stdin.end(statusJson());
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(out).toMatch(/^Opus 4\.5 │ 5h \d+% .*│ gauge off\n$/);
  });
});
