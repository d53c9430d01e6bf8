import { appendFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../host/src/config.js';
import { startDaemon } from '../../host/src/daemon.js';
import { linuxProcHost } from '../../host/src/sessions.js';
import { DemoUntilData } from '../../host/src/sources/fallback.js';
import { tempDir, writeManifest, writeTranscript } from './helpers/fixtures.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('cg-daemon-');
});
afterEach(() => tmp.cleanup());

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // No keep-alive agent: every probe is a new connection, so a closed server shows as refused.
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function settingsFor(flags: Record<string, unknown>) {
  return resolveSettings({ flags, env: {}, home: join(tmp.path, 'home'), cwd: tmp.path });
}

describe('daemon', () => {
  it('prints one clear startup line, serves, and releases the port on stop', async () => {
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    mkdirSync(a);
    mkdirSync(b);
    // This test process stands in for two sessions (procStart proves the PID is the one that wrote them).
    const procStart = linuxProcHost().startTicks(process.pid);
    writeManifest(a, `${process.pid}.json`, { pid: process.pid, sessionId: 's1', procStart });
    writeManifest(b, 'x.json', { pid: process.pid, sessionId: 's2', procStart });
    const daemon = await startDaemon(
      settingsFor({ source: 'demo', port: 0, claudeDirs: [a, b], ui: 'none' }),
    );
    const port = Number(new URL(daemon.url).port);
    expect(daemon.startupLine).toBe(
      `claude-gauge: serving http://127.0.0.1:${port}/usage (source demo, 2 claude dirs, 2 live sessions)`,
    );
    expect(await status(port, '/usage')).toBe(200);
    await daemon.stop();
    await daemon.stop(); // idempotent
    await expect(status(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('says when it falls back to the demo', async () => {
    const empty = join(tmp.path, 'empty');
    mkdirSync(empty);
    const daemon = await startDaemon(
      settingsFor({ port: 0, claudeDirs: [empty], fallbackDemo: true, ui: 'none' }),
    );
    try {
      expect(daemon.startupLine).toMatch(/\(source demo, 1 claude dir, 0 live sessions\)/);
      expect(daemon.startupLine).toMatch(/no Claude Code transcripts .*: showing the demo/);
      expect(daemon.startupLine).toMatch(/replaces it by itself once Claude Code writes a transcript/);
    } finally {
      await daemon.stop();
    }
  });

  it('gives way from the demo to the real transcripts as soon as the first one is written', async () => {
    const dir = join(tmp.path, 'claude');
    mkdirSync(join(dir, 'projects'), { recursive: true });
    const daemon = await startDaemon(
      settingsFor({ port: 0, claudeDirs: [dir], fallbackDemo: true, ui: 'none' }),
    );
    const usage = async () => (await daemon.app.inject({ url: '/usage' })).json();
    try {
      expect((await usage()).source).toBe('demo');
      const source = daemon.service.source as DemoUntilData;
      expect(source).toBeInstanceOf(DemoUntilData);
      await source.check(); // what its timer does every few seconds
      expect((await usage()).source).toBe('demo'); // nothing to read yet
      writeTranscript(dir, {
        project: '-home-someone-p',
        sessionId: 's1',
        cwd: '/home/someone/p',
        prompt: 'hello',
        turns: [{ at: Date.now() - 60_000, input: 100, output: 23, cacheRead: 0, cacheCreation: 0 }],
      });
      await source.check();
      const real = await usage();
      expect(real.source).toBe('jsonl');
      expect(real.window_5h_tokens).toBe(123);
    } finally {
      await daemon.stop();
    }
  });

  it('fails clearly and cleans up when the port is taken', async () => {
    const first = await startDaemon(settingsFor({ source: 'demo', port: 0, ui: 'none' }));
    try {
      const port = Number(new URL(first.url).port);
      await expect(startDaemon(settingsFor({ source: 'demo', port, ui: 'none' }))).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await first.stop();
    }
  });

  it('streams a new transcript line end to end (jsonl source, file watch, SSE)', async () => {
    const claudeDir = join(tmp.path, 'claude');
    const now = Date.now();
    const file = writeTranscript(claudeDir, {
      project: '-p',
      sessionId: 'cccccccc-0000-0000-0000-000000000003',
      cwd: '/p',
      prompt: 'hi',
      turns: [{ at: now - 60_000 }],
    });
    const daemon = await startDaemon(settingsFor({ port: 0, claudeDirs: [claudeDir], ui: 'none' }));
    const port = Number(new URL(daemon.url).port);
    const tokens: number[] = [];
    let wake: () => void = () => {};
    const req = request({ host: '127.0.0.1', port, path: '/usage/stream', agent: false }, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (const m of buf.matchAll(/^data: (.*)$/gm))
          tokens.push(JSON.parse(m[1] ?? '{}').window_5h_tokens);
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
        wake();
      });
    });
    req.end();
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise<void>((r) => (wake = r));
    };
    try {
      await until(() => tokens.length > 0);
      expect(tokens[0]).toBe(1130);
      appendFileSync(
        file,
        `${JSON.stringify({
          type: 'assistant',
          sessionId: 'cccccccc-0000-0000-0000-000000000003',
          cwd: '/p',
          requestId: 'req_new',
          timestamp: new Date().toISOString(),
          message: {
            id: 'msg_new',
            model: 'claude-opus-4-5-20251101',
            usage: {
              input_tokens: 1,
              output_tokens: 2,
              cache_read_input_tokens: 3,
              cache_creation_input_tokens: 4,
            },
          },
        })}\n`,
      );
      await until(() => tokens.includes(1140));
    } finally {
      req.destroy();
      await daemon.stop();
    }
  });
});
