// The real executable: startup line, SIGTERM/SIGINT shutdown with exit 0. It runs the compiled dist/, so
// it only runs when dist/ is at least as new as every host/contract source (`npm run build`); otherwise
// it is skipped with that reason rather than testing stale code.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'host', 'src', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const distFresh =
  existsSync(cli) &&
  statSync(cli).mtimeMs >=
    Math.max(newestSource(join(root, 'host', 'src')), newestSource(join(root, 'contract')));

function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** util-linux `script`: runs a command on a pseudo-terminal, as `npm start` in a terminal does. */
const haveScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!distFresh)('bin/claude-gauge.mjs (needs a fresh `npm run build`)', () => {
  it.skipIf(!haveScript)('on a terminal, logs readable lines among its human ones, no JSON', async () => {
    const command = [
      process.execPath,
      join(root, 'bin', 'claude-gauge.mjs'),
      'serve',
      '--source',
      'demo',
      '--port',
      '0',
      '--ui',
      'none',
      '--no-mdns',
    ].join(' ');
    // Closing the terminal (killing `script`) hangs the daemon up: it ends with it.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, CLAUDE_CONFIG_DIR: '/nonexistent-claude-dir' },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (/Server listening at/.test(out) && /claude-gauge: serving/.test(out)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
    } finally {
      child.kill('SIGKILL');
    }
    const lines = out.split(/\r?\n/).filter(Boolean);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}Server listening at http:/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^claude-gauge: serving http:/));
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints the startup line and exits 0 on ${signal}`, async () => {
      const child = spawn(
        process.execPath,
        [
          join(root, 'bin', 'claude-gauge.mjs'),
          'serve',
          '--source',
          'demo',
          '--port',
          '0',
          '--ui',
          'none',
          '--log-level',
          'silent',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, CLAUDE_CONFIG_DIR: '/nonexistent-claude-dir' },
        },
      );
      let out = '';
      child.stdout.setEncoding('utf8');
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          const m = /^claude-gauge: serving .*$/m.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      expect(line).toMatch(
        /^claude-gauge: serving http:\/\/127\.0\.0\.1:\d+\/usage \(source demo, 1 claude dir, 0 live sessions\)$/,
      );
      const port = Number(/:(\d+)\/usage/.exec(line)?.[1]);
      expect(await healthz(port)).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      await expect(healthz(port)).rejects.toThrow(/ECONNREFUSED/);
    });
  }
});
