// Only the count of waiting sessions leaves the daemon: hook reports full of marked strings (prompt,
// message, cwd, paths, session ids) go through `claude-gauge hook` into the real daemon, logging at trace,
// and no route's body nor any log line carries them. A session whose manifest says it crashed stops
// counting (it sends no SessionEnd).

import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { hookMain } from '../../../host/src/hooks/main.js';
import { linuxProcHost } from '../../../host/src/sessions.js';
import { tempDir, writeManifest } from '../helpers/fixtures.js';

const NOW = Date.parse('2026-03-01T10:00:00Z');
const SECRETS = {
  live: '5ec7e75e-1111-4000-8000-5ec7e75ec7e7',
  crashed: '0dd5e551-2222-4000-8000-0dd5e5510dd5',
  remote: 'a11ce000-3333-4000-8000-a11ce000a11c',
  cwd: '/home/aliceprivuser/SECRETPROJ-cwd-7f3a',
  prompt: 'PROMPTSECRET do not leak this prompt',
  message: 'MESSAGESECRET Claude needs your permission to use Bash',
  command: 'rm -rf TOOLSECRET',
};

let tmp: ReturnType<typeof tempDir>;
let daemon: Daemon | null = null;
beforeEach(() => {
  tmp = tempDir('cg-hook-privacy-PATHMARK-');
});
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  tmp.cleanup();
});

describe('hook reports and privacy', () => {
  it('serves and logs nothing of a hook report but the count; a crashed session stops counting', async () => {
    const claudeDir = join(tmp.path, 'claude');
    writeManifest(claudeDir, `${process.pid}.json`, {
      pid: process.pid,
      sessionId: SECRETS.live,
      cwd: SECRETS.cwd,
      startedAt: NOW - 600_000,
      // This test process stands in for the session: procStart proves the PID is the one that wrote it.
      procStart: linuxProcHost().startTicks(process.pid),
    });
    writeManifest(claudeDir, '4000000.json', {
      pid: 4_000_000,
      sessionId: SECRETS.crashed,
      cwd: SECRETS.cwd,
    });

    let logs = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        logs += String(chunk);
        done();
      },
    });
    const logger: { level: string } = Object.assign({ level: 'trace' }, { stream });
    daemon = await startDaemon(
      resolveSettings({
        flags: { claudeDirs: [claudeDir], port: 0, now: NOW, mdns: false, ui: 'none', source: 'demo' },
        env: {},
        home: join(tmp.path, 'home'),
        cwd: tmp.path,
      }),
      { logger },
    );
    const base = new URL(daemon.url).origin;
    let at = NOW;
    const hook = async (body: Record<string, unknown>) => {
      let out = '';
      const code = await hookMain(['--url', base], {
        stdin: Readable.from([
          Buffer.from(
            JSON.stringify({
              transcript_path: `${SECRETS.cwd}/.claude/x.jsonl`,
              cwd: SECRETS.cwd,
              permission_mode: 'default',
              ...body,
            }),
          ),
        ]),
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          out += s;
        },
        env: {},
        now: () => ++at,
      });
      return { code, out };
    };
    const attention = async () =>
      ((await (await fetch(`${base}/usage`)).json()) as { attention: number }).attention;

    expect(
      await hook({
        session_id: SECRETS.live,
        hook_event_name: 'Notification',
        message: SECRETS.message,
        notification_type: 'permission_prompt',
      }),
    ).toEqual({ code: 0, out: '' });
    await hook({
      session_id: SECRETS.crashed,
      hook_event_name: 'PreToolUse',
      tool_name: 'AskUserQuestion',
      tool_input: { command: SECRETS.command },
    });
    // A session on another machine (no manifest here) counts.
    await hook({
      session_id: SECRETS.remote,
      hook_event_name: 'Stop',
      last_assistant_message: SECRETS.prompt,
    });
    expect(await attention()).toBe(2);
    await hook({ session_id: SECRETS.remote, hook_event_name: 'UserPromptSubmit', prompt: SECRETS.prompt });
    expect(await attention()).toBe(1);
    // A hostile report: refused, its values repeated nowhere.
    const bad = await fetch(`${base}/v1/hook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ hook_event_name: 'Stop', session_id: `${SECRETS.cwd}/../PROMPTSECRET` }),
    });
    expect(bad.status).toBe(400);
    const badBody = await bad.text();

    const usage = await (await fetch(`${base}/usage`)).text();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const health = await (await fetch(`${base}/healthz`)).text();
    expect(metrics).toMatch(/^claude_gauge_attention_sessions 1$/m);
    expect(logs).toContain('"url":"/v1/hook"'); // the log was really written, at trace
    const marks = [
      ...Object.values(SECRETS),
      '5ec7e75e',
      '0dd5e551',
      'a11ce000',
      'SECRET',
      'PATHMARK',
      'aliceprivuser',
      tmp.path,
    ];
    for (const [where, text] of Object.entries({ usage, metrics, health, badBody, logs }))
      for (const mark of marks) expect(text.includes(mark), `${where} leaks ${mark}`).toBe(false);
  });
});
