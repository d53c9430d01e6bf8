// /usage, /usage/stream, /metrics and /healthz must never carry paths, cwd, prompts, session ids or
// anything else from the user's files. A claude dir full of marked strings is served by the real daemon
// (jsonl source + session tracker) and every body is searched for the marks.

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../host/src/config.js';
import { type Daemon, startDaemon } from '../../host/src/daemon.js';
import { linuxProcHost } from '../../host/src/sessions.js';
import { tempDir, validatePayload, writeManifest, writeTranscript } from './helpers/fixtures.js';

const NOW = Date.parse('2026-03-01T10:00:00Z');
const SECRETS = {
  user: 'aliceprivuser',
  cwd: '/home/aliceprivuser/SECRETPROJ-cwd-7f3a',
  prompt: 'PROMPTSECRET do not leak this prompt',
  sessionId: '5ec7e75e-0000-4000-8000-5ec7e75ec7e7',
  otherSession: '0dd5e551-0000-4000-8000-0dd5e5510dd5',
  name: 'SESSIONNAMESECRET',
};

let tmp: ReturnType<typeof tempDir>;
let daemon: Daemon | null = null;
beforeEach(() => {
  tmp = tempDir('cg-privacy-PATHMARK-');
});
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  tmp.cleanup();
});

function get(port: number, path: string, untilEvent = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        const data = body.indexOf('data: ');
        if (untilEvent && data >= 0 && body.includes('\n\n', data)) {
          res.destroy();
          resolve(body);
        }
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A claude dir full of marked strings: transcripts, a live session (this process), a crashed one, a torn one. */
function secretClaudeDir(): string {
  const claudeDir = join(tmp.path, 'claude');
  writeTranscript(claudeDir, {
    project: SECRETS.cwd.replace(/[^A-Za-z0-9]/g, '-'),
    sessionId: SECRETS.sessionId,
    cwd: SECRETS.cwd,
    prompt: SECRETS.prompt,
    turns: [{ at: NOW - 90_000 }, { at: NOW - 20_000, model: 'claude-opus-4-5-20251101' }],
  });
  writeTranscript(claudeDir, {
    project: 'SECRETPROJ-two',
    sessionId: SECRETS.otherSession,
    cwd: `${SECRETS.cwd}/sub`,
    prompt: `${SECRETS.prompt} again`,
    turns: [{ at: NOW - 10_000 }],
  });
  // A live session (this test process) and a crashed one, both naming the secrets.
  writeManifest(claudeDir, `${process.pid}.json`, {
    pid: process.pid,
    sessionId: SECRETS.sessionId,
    cwd: SECRETS.cwd,
    kind: 'interactive',
    name: SECRETS.name,
    startedAt: NOW - 600_000,
    procStart: linuxProcHost().startTicks(process.pid),
  });
  writeManifest(claudeDir, '999999.json', {
    pid: 4_000_000,
    sessionId: SECRETS.otherSession,
    cwd: SECRETS.cwd,
  });
  writeManifest(claudeDir, 'torn.json', `{"pid": 1, "cwd": "${SECRETS.cwd}`);

  return claudeDir;
}

const MARKS = () => [
  ...Object.values(SECRETS),
  'SECRETPROJ',
  'PROMPTSECRET',
  'PATHMARK',
  tmp.path,
  // A pid number could occur inside a float by chance; look for it as a field or label instead.
  `"pid"`,
  'pid=',
  `:${process.pid},`,
  '5ec7e75e',
  '0dd5e551',
  '/home/',
];

describe('privacy', () => {
  it('serves no path, cwd, prompt, session id or name on any route', async () => {
    const claudeDir = secretClaudeDir();
    const settings = resolveSettings({
      flags: { claudeDirs: [claudeDir], port: 0, now: NOW, mdns: false, ui: 'none' },
      env: {},
      home: join(tmp.path, 'home'),
      cwd: tmp.path,
    });
    daemon = await startDaemon(settings);
    const port = Number(new URL(daemon.url).port);

    const usage = await get(port, '/usage');
    const payload = JSON.parse(usage);
    expect(validatePayload(payload)).toBe(true);
    // The data was really read: one live session, the transcripts' model and tokens.
    expect(payload).toMatchObject({
      sessions_active: 1,
      last_model: 'claude-sonnet-4-5-20250929',
      source: 'jsonl',
    });
    expect(payload.window_5h_tokens).toBe(3 * 1130);

    const stream = await get(port, '/usage/stream', true);
    expect(stream).toContain('event: usage');
    const metrics = await get(port, '/metrics');
    expect(metrics).toMatch(/^cc_sessions_active 1$/m);
    expect(metrics).toMatch(/^cc_sessions_stale 1$/m);
    expect(metrics).toMatch(/^cc_session_manifests_invalid 1$/m);
    expect(metrics).toMatch(/^cc_sessions_active_by_model\{model="claude-opus-4-5-20251101"\} 1$/m);
    const health = await get(port, '/healthz');

    const marks = [...MARKS(), claudeDir];
    for (const [route, body] of Object.entries({ usage, stream, metrics, health })) {
      for (const mark of marks) expect(body.includes(mark), `${route} leaks ${mark}`).toBe(false);
    }
    // The startup line may name counts, never paths.
    expect(daemon.startupLine).not.toContain(claudeDir);
  });

  it('forwards to a hub no path, cwd, prompt, session or message id, nothing but counts and a name', async () => {
    const claudeDir = secretClaudeDir();
    const bodies: string[] = [];
    const hub = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
    try {
      const settings = resolveSettings({
        flags: {
          claudeDirs: [claudeDir],
          port: 0,
          now: NOW,
          mdns: false,
          ui: 'none',
          forwardTo: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`,
          machine: 'laptop',
          stateDir: join(tmp.path, 'state'),
        },
        env: {},
        home: join(tmp.path, 'home'),
        cwd: tmp.path,
      });
      daemon = await startDaemon(settings);
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !bodies.some((b) => b.includes('claude_code.api_request')))
        await new Promise((r) => setTimeout(r, 50));
      const sent = bodies.join('\n');
      // The responses were sent (three of them, with their counts), and the live session.
      expect(sent.match(/"claude_gauge\.response_id"/g)?.length).toBe(3);
      expect(sent).toContain('"stringValue":"laptop"');
      expect(sent).toMatch(/"key":"claude_gauge\.sessions_active","value":\{"intValue":"1"\}/);
      for (const mark of [...MARKS(), claudeDir, 'msg_', 'req_'])
        expect(sent.includes(mark), `the forwarded records leak ${mark}`).toBe(false);
    } finally {
      hub.closeAllConnections();
      await new Promise((r) => hub.close(r));
    }
  });
});
