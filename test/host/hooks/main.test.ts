// `claude-gauge hook` end to end: a Claude Code hook's stdin JSON in, only the waiting-state members out to
// a real daemon over loopback, /usage's `attention` following; and the daemon down, hanging, or refusing the
// token, garbage and hostile input: always exit 0, never a byte on stdout.

import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsagePayload } from '../../../contract/usage.js';
import { main } from '../../../host/src/cli.js';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { HOOK_FIELDS } from '../../../host/src/hooks/attention.js';
import { hookMain, hookReportOf, topLevelStrings } from '../../../host/src/hooks/main.js';
import { freeLoopbackPort, runCommand, tempDir, validatePayload } from '../helpers/fixtures.js';
import { importGraph } from '../helpers/imports.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const TOKEN = 'hook-token-12345';
const SESSION = '5f1c0b1e-1111-4222-8333-444455556666';

/** A hook's stdin as Claude Code writes it (common members first, then the event's own). */
function hookJson(event: string, extra: Record<string, unknown> = {}, session = SESSION): string {
  return JSON.stringify({
    session_id: session,
    transcript_path: `/home/u/.claude/projects/-home-u-p/${session}.jsonl`,
    cwd: '/home/u/p',
    permission_mode: 'default',
    hook_event_name: event,
    ...extra,
  });
}
const NOTIFICATION = hookJson('Notification', {
  message: 'Claude needs your permission to use Bash',
  notification_type: 'permission_prompt',
});
const PROMPT = hookJson('UserPromptSubmit', { prompt: 'please refactor the parser' });

async function run(argv: string[], stdin: string | Buffer, env: NodeJS.ProcessEnv = {}, at = NOW) {
  return runCommand(hookMain, argv, stdin, env, at);
}

describe('reading the hook input', () => {
  const pick = (text: string) => Object.fromEntries(topLevelStrings(text, HOOK_FIELDS));

  it('takes the top-level members only, never one nested in tool input', () => {
    const text = JSON.stringify({
      tool_input: { session_id: 'nested-evil', hook_event_name: 'Stop', x: ['}', '{', '"'] },
      session_id: SESSION,
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
    });
    expect(pick(text)).toEqual({ session_id: SESSION, hook_event_name: 'PreToolUse', tool_name: 'Bash' });
  });

  it('decodes escapes and skips every kind of value', () => {
    const text =
      '{ "n": -1.5e3, "t": true, "z": null, "a": [1, {"b": "\\"}"}], "s": "x\\\\y", ' +
      '"hook_event_name": "St\\u006fp", "session_id": "a\\/b" }';
    expect(pick(text)).toEqual({ hook_event_name: 'Stop', session_id: 'a/b' });
  });

  it('reads what comes before the cut of a long input', () => {
    const full = hookJson('PostToolUse', { tool_name: 'Read', tool_response: 'x'.repeat(2_000_000) });
    expect(hookReportOf(full.slice(0, 1024 * 1024), NOW)).toEqual({
      session_id: SESSION,
      hook_event_name: 'PostToolUse',
      tool_name: 'Read',
      at_ms: NOW,
    });
    // Cut inside the session id: it is not taken, and nothing is sent.
    const cut = hookJson('Stop');
    expect(hookReportOf(cut.slice(0, cut.indexOf(SESSION) + 10), NOW)).toBeNull();
  });

  it('gives nothing for garbage', () => {
    for (const text of [
      '',
      'null',
      '[1]',
      '"x"',
      '{',
      '{"session_id":',
      '{"session_id": 42, "hook_event_name": "Stop"}',
      '\u0000\u0001\u00ff',
      '{"a" 1}',
    ])
      expect(hookReportOf(text, NOW), JSON.stringify(text)).toBeNull();
    // A session id longer than any real one is not taken.
    expect(hookReportOf(hookJson('Stop', {}, 'x'.repeat(300)), NOW)).toBeNull();
  });
});

describe('hook command with a daemon', () => {
  let tmp: ReturnType<typeof tempDir>;
  let daemon: Daemon;
  let base: string;
  let port: string;

  beforeAll(async () => {
    tmp = tempDir('cg-hook-');
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
    port = new URL(base).port;
  });
  afterAll(async () => {
    await daemon?.stop();
    tmp?.cleanup();
  });

  async function attention(): Promise<number | undefined> {
    const res = await fetch(`${base}/usage`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const p = (await res.json()) as UsagePayload;
    expect(validatePayload(p), JSON.stringify(validatePayload.errors)).toBe(true);
    return p.attention;
  }

  it('a Notification lights attention, the next UserPromptSubmit clears it', async () => {
    expect(await attention()).toBe(0);
    expect(await run(['--port', port, '--token', TOKEN], NOTIFICATION, {}, NOW + 1)).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(await attention()).toBe(1);
    expect(await run(['--port', port, '--token', TOKEN], PROMPT, {}, NOW + 2)).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(await attention()).toBe(0);
  });

  it('takes the daemon address and token from the environment', async () => {
    const env = { CLAUDE_GAUGE_HOST: '127.0.0.1', CLAUDE_GAUGE_PORT: port, CLAUDE_GAUGE_TOKEN: TOKEN };
    expect((await run([], hookJson('Stop'), env, NOW + 3)).code).toBe(0);
    expect(await attention()).toBe(1);
    expect(
      (await run(['--url', base], hookJson('SessionEnd', { reason: 'prompt_input_exit' }), env, NOW + 4))
        .code,
    ).toBe(0);
    expect(await attention()).toBe(0);
  });

  it('says so on stderr when the token is wrong, exits 0, and the daemon keeps what it had', async () => {
    const r = await run(['--url', base, '--token', 'wrong-token-000'], hookJson('Stop'), {}, NOW + 5);
    expect(r).toEqual({
      code: 0,
      stdout: '',
      stderr: 'claude-gauge hook: the daemon refused the token (--token)\n',
    });
    expect(await attention()).toBe(0);
  });

  it('sends nothing for garbage or a 2 MB input it cannot use, and still exits 0 silently', async () => {
    const before = daemon.service.attention?.lastReportMs;
    for (const stdin of [
      '',
      'not json',
      Buffer.alloc(2 * 1024 * 1024, 0xff),
      `{"session_id": "${'a'.repeat(2_000_000)}"}`,
    ])
      expect(await run(['--url', base, '--token', TOKEN], stdin)).toEqual({
        code: 0,
        stdout: '',
        stderr: '',
      });
    expect(daemon.service.attention?.lastReportMs).toBe(before);
  });

  it('forwards a 2 MB PostToolUse by its first members', async () => {
    await run(
      ['--url', base, '--token', TOKEN],
      hookJson('PermissionRequest', { tool_name: 'Bash' }),
      {},
      NOW + 6,
    );
    expect(await attention()).toBe(1);
    const big = hookJson('PostToolUse', {
      tool_name: 'Bash',
      tool_response: { stdout: 'y'.repeat(2_000_000) },
    });
    // A generous wait: the point is which members are read, and a loaded machine may stall past 300 ms.
    expect(await run(['--url', base, '--token', TOKEN, '--timeout-ms', '5000'], big, {}, NOW + 7)).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(await attention()).toBe(0);
  });

  it('an invalid session id is refused by the daemon: a line on stderr, exit 0', async () => {
    const r = await run(
      ['--url', base, '--token', TOKEN],
      hookJson('Stop', {}, '../../etc/passwd'),
      {},
      NOW + 8,
    );
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'claude-gauge hook: the daemon refused the report\n' });
    expect(await attention()).toBe(0);
  });

  it('pushes the change to /usage/stream subscribers at once', async () => {
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
      while (events().length < 1) text += decoder.decode((await reader.read()).value, { stream: true });
      expect(events().at(-1)?.attention).toBe(0);
      await run(['--url', base, '--token', TOKEN], NOTIFICATION, {}, NOW + 9);
      while (!events().some((p) => p.attention === 1))
        text += decoder.decode((await reader.read()).value, { stream: true });
      await run(['--url', base, '--token', TOKEN], PROMPT, {}, NOW + 10);
      while (events().at(-1)?.attention !== 0)
        text += decoder.decode((await reader.read()).value, { stream: true });
      await reader.cancel();
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  });
});

describe('hook command without a daemon', () => {
  it('exits 0 silently when the daemon is down', async () => {
    const port = await freeLoopbackPort();
    expect(await run(['--port', String(port)], NOTIFICATION)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('gives up on a daemon that accepts and never answers', async () => {
    const sockets = new Set<Socket>();
    const hang: Server = createServer(() => {
      // Never answer.
    });
    hang.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const { port } = hang.address() as AddressInfo;
      expect(await run(['--port', String(port), '--timeout-ms', '100'], NOTIFICATION)).toEqual({
        code: 0,
        stdout: '',
        stderr: '',
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });

  it('exits 1 (not 2, which would block the event) on a bad flag, 0 with --help', async () => {
    const bad = await run(['--bogus'], NOTIFICATION);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--bogus/);
    const help = await run(['--help'], '');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/claude-gauge hook: Claude Code hook command/);
  });

  it('is reachable through the main CLI too', async () => {
    let out = '';
    const port = await freeLoopbackPort();
    const code = await main(['hook', '--port', String(port)], {
      stdout: (s) => {
        out += s;
      },
      stderr: () => {},
      env: {},
      stdin: Readable.from([Buffer.from(NOTIFICATION)]),
    });
    expect(code).toBe(0);
    expect(out).toBe('');
  });
});

describe('hook entry stays light', () => {
  it('imports only Node built-ins, daemon-client.ts, attention.ts, json.ts and listeners.ts, transitively', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const { files, external } = importGraph(resolve(here, '../../../host/src/hooks/main.ts'));
    expect(files).toEqual([
      'hooks/attention.ts',
      'hooks/main.ts',
      'src/daemon-client.ts',
      'src/json.ts',
      'src/listeners.ts',
    ]);
    for (const spec of external) expect(spec).toMatch(/^node:/);
  });
});

const root = fileURLToPath(new URL('../../..', import.meta.url));
const entry = join(root, 'dist', 'host', 'src', 'hooks', 'main.js');
const sources = ['hooks/main.ts', 'hooks/attention.ts', 'daemon-client.ts', 'json.ts', 'listeners.ts'].map(
  (f) => join(root, 'host', 'src', f),
);
const distFresh = existsSync(entry) && sources.every((f) => statSync(entry).mtimeMs >= statSync(f).mtimeMs);

/** Runs the real executable with `stdin`; its exit code and output. */
async function runBin(args: string[], stdin: string) {
  const child = spawn(process.execPath, [join(root, 'bin', 'claude-gauge.mjs'), 'hook', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, stdout, stderr };
}

describe.skipIf(!distFresh)('the real executable (needs a fresh `npm run build`)', () => {
  it('a Notification through `claude-gauge hook` shows as attention 1 on /usage; UserPromptSubmit clears it', async () => {
    const tmp = tempDir('cg-hook-bin-');
    // The real clock: the executable stamps its reports with its own start time.
    const daemon = await startDaemon(
      resolveSettings({
        flags: { source: 'demo', port: 0, ui: 'none', mdns: false, claudeDirs: [tmp.path] },
        env: {},
        home: tmp.path,
        cwd: tmp.path,
      }),
    );
    try {
      const args = ['--url', new URL(daemon.url).origin];
      const usage = async () => ((await (await fetch(daemon.url)).json()) as UsagePayload).attention;
      expect(await usage()).toBe(0);
      expect(await runBin(args, NOTIFICATION)).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await usage()).toBe(1);
      expect(await runBin(args, PROMPT)).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await usage()).toBe(0);
      // Down: still 0, silent.
      expect(await runBin(['--port', String(await freeLoopbackPort())], NOTIFICATION)).toEqual({
        code: 0,
        stdout: '',
        stderr: '',
      });
    } finally {
      await daemon.stop();
      tmp.cleanup();
    }
  });
});
