// The virtual device (firmware/build/native/virtual-device) against a real HTTP server on loopback: flags,
// the bearer token, --once, a hanging and an oversized daemon, and a clean exit on SIGTERM. Assertions are on
// what it prints and how it exits, never on how long anything took.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildVirtualDevice } from './builds.js';

const STATE_LINE =
  /^GAUGE t=\d+ phase=(SELFTEST|LIVE|NOSIGNAL) tach=-?\d+\.\d fuel=-?\d+\.\d temp=-?\d+\.\d boost=-?\d+\.\d lamps=(-|[A-Z,]+) rgb=[0-9A-F]{6} model=\S+ stale=[01] over=[01]/;

const payload = JSON.stringify({
  v: 1,
  rate_1m: 600000,
  window_5h_pct: 0.3,
  thinking_ratio: 0.25,
  cache_hit_rate: 0.9,
  last_model: 'claude-opus-4-5-20251101',
  hot: true,
});

let device: string;
let server: Server;
let base: string;
const seenAuth: (string | undefined)[] = [];

beforeAll(async () => {
  device = buildVirtualDevice();
  server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    switch (req.url) {
      case '/usage':
        res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
        return;
      case '/auth/usage':
        seenAuth.push(headers.authorization);
        if (headers.authorization !== 'Bearer s3cret') res.writeHead(401).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
        return;
      case '/big/usage':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ rate_1m: 5, last_model: 'x'.repeat(20_000) }));
        return;
      case '/hang/usage':
        return; // never answers
      default:
        res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string;
}

/** Runs the device; `stopAfterLines` sends SIGTERM once that many state lines arrived. */
function run(args: string[], stopAfterLines?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(device, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: string[] = [];
    let partial = '';
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000); // a hung device must not hang the suite
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      stdout.push(...parts);
      if (stopAfterLines !== undefined && stdout.length >= stopAfterLines) child.kill('SIGTERM');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('virtual device', () => {
  test('--help, and clear errors on bad flags (exit 2)', () => {
    const help = spawnSync(device, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--url URL');
    const bad: [string[], RegExp][] = [
      [[], /--url is required/],
      [['--url'], /--url needs a value/],
      [['--url', 'ftp://127.0.0.1/usage'], /must start with http/],
      [['--url', `${base}/usage`, '--duration-ms', '12abc'], /whole number of milliseconds/],
      [['--url', `${base}/usage`, '--duration-ms', '-5'], /whole number of milliseconds/],
      [['--url', `${base}/usage`, '--bogus'], /unknown argument "--bogus"/],
      [['--url', `${base}/usage`, '--token', ''], /--token must be non-empty/],
    ];
    for (const [args, message] of bad) {
      const r = spawnSync(device, args, { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  test('--once prints one line after the first result; the token is sent as a bearer header', async () => {
    const [ok, noToken, withToken, refused] = await Promise.all([
      run(['--url', `${base}/usage`, '--once']),
      run(['--url', `${base}/auth/usage`, '--once']),
      run(['--url', `${base}/auth/usage`, '--once', '--token', 's3cret']),
      // Port 9 on loopback: nothing listens, the connection is refused.
      run(['--url', 'http://127.0.0.1:9/usage', '--once']),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toHaveLength(1);
    expect(ok.stdout[0]).toMatch(STATE_LINE);
    expect(ok.stdout[0]).toMatch(/ phase=LIVE .* lamps=HOT .* model=opus-4\.5 /);

    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('# poll: unauthorized');
    expect(noToken.stdout[0]).toMatch(/ model=- /);
    expect(withToken.code).toBe(0);
    expect(withToken.stdout[0]).toMatch(/ model=opus-4\.5 /);
    expect(seenAuth).toContain('Bearer s3cret');
    expect(seenAuth).toContain(undefined);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('# poll: connect_failed');
  });

  test('streams state lines until SIGTERM, then exits cleanly', async () => {
    const r = await run(['--url', `${base}/usage`], 6);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('# stopping on signal');
    expect(r.stdout.length).toBeGreaterThanOrEqual(6);
    const times = r.stdout.map((line) => {
      expect(line).toMatch(STATE_LINE);
      return Number(/ t=(\d+)/.exec(line)?.[1]);
    });
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(r.stdout[0]).toMatch(/phase=SELFTEST/);
  });

  test('a daemon that never answers does not freeze the picture; an oversized body is a bad body', async () => {
    const [hang, big] = await Promise.all([
      run(['--url', `${base}/hang/usage`, '--duration-ms', '2500']),
      run(['--url', `${base}/big/usage`, '--once']),
    ]);
    expect(hang.code).toBe(0);
    // Self-test lines keep coming while the first request hangs, then curl's timeout is reported.
    expect(hang.stdout.length).toBeGreaterThanOrEqual(3);
    expect(hang.stderr).toMatch(/# poll: timeout/);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/# poll: bad_body - body larger than 8192 bytes/);
  });

  test('frames are on a fixed step of the device clock: a process run late prints the same timeline', async () => {
    // Until the first line after the self-test: the self-test lines depend on the device's clock only.
    const selfTest = (stopMs: number) =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(device, ['--url', 'http://127.0.0.1:9/usage'], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const lines: string[] = [];
        let partial = '';
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          const parts = (partial + d).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) {
            if (lines.length === 0 && stopMs > 0) {
              // Stopped as a loaded host would leave it: no frame runs until it is continued.
              child.kill('SIGSTOP');
              setTimeout(() => child.kill('SIGCONT'), stopMs);
            }
            if (!line.includes('phase=SELFTEST')) child.kill('SIGTERM');
            else lines.push(line);
          }
        });
        child.on('error', reject);
        child.on('close', () => {
          clearTimeout(killer);
          resolve(lines);
        });
      });
    const [steady, late] = await Promise.all([selfTest(0), selfTest(700)]);
    expect(steady[0]).toMatch(/^GAUGE t=0 phase=SELFTEST /);
    expect(steady.length).toBeGreaterThan(10);
    for (const line of steady) expect(Number(/ t=(\d+)/.exec(line)?.[1]) % 20).toBe(0);
    expect(late).toEqual(steady);
  });
});
