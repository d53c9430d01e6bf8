// Live: a real daemon (bin/claude-gauge.mjs serve) over a throwaway Claude dir, serving the built simulator
// at `/` (same origin: plain live polling). Appending assistant lines moves the tach and lights HOT past the
// redline; removing the session manifest lights IDLE; killing the daemon brings NO SIGNAL within the core's
// bound (cfg::kNoSignalAfterMs = 5 s after the last good payload, checked here with a 12 s ceiling);
// restarting it on the same port recovers (backoff is capped at 4 s).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ClaudeDir } from '../hil/lib/claudeDir.js';
import { distDir, expect, repoRoot, test, waitForState } from './fixtures.js';

const REDLINE = 20_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startDaemon(claudeDir: string, port: number, extra: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'claude-gauge.mjs'),
      'serve',
      '--claude-dir',
      claudeDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--ui',
      distDir,
      '--redline',
      String(REDLINE),
      '--no-mdns',
      '--log-level',
      'warn',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

async function waitHealthy(url: string): Promise<void> {
  await expect
    .poll(
      async () => {
        try {
          return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
        } catch {
          return false;
        }
      },
      { timeout: 15_000, intervals: [100, 250] },
    )
    .toBe(true);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

test('a real daemon: tach and HOT, IDLE, NO SIGNAL on kill, recovery on restart', async ({ page }) => {
  test.setTimeout(90_000);
  const dir = new ClaudeDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let daemon = startDaemon(dir.root, port);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    const session = dir.startSession();
    dir.appendTurn(session.sessionId, {
      input: 200,
      output: 300,
      cacheRead: 500,
      model: 'claude-opus-4-5-20251101',
    });
    await waitHealthy(url);
    await page.goto(`${url}/`);
    await page.waitForFunction(() => window.gauge?.ready === true);

    const calm = await waitForState(page, (s) => s.phase === 'LIVE' && s.model === 'opus-4.5', 15_000);
    expect(calm.mode).toBe('live');
    expect(calm.activeLamps).not.toContain('HOT');
    expect(calm.activeLamps).not.toContain('IDLE');

    // 2 x 15k tokens within the minute: rate_1m 30k > redline 20k.
    dir.appendTurn(session.sessionId, { input: 1000, output: 4000, cacheRead: 10_000 });
    dir.appendTurn(session.sessionId, { input: 1000, output: 4000, cacheRead: 10_000 });
    const hot = await waitForState(page, (s) => s.activeLamps.includes('HOT'), 15_000);
    // The tach needle climbs to the new target (spring-damper, ~0.5 s).
    await waitForState(page, (s) => s.needles.tach > calm.needles.tach + 20, 5_000);
    expect(hot.phase).toBe('LIVE');

    dir.endSession(session.sessionId);
    await waitForState(page, (s) => s.activeLamps.includes('IDLE'), 15_000);

    await stop(daemon);
    const lost = await waitForState(page, (s) => s.phase === 'NOSIGNAL', 12_000);
    expect(lost.activeLamps).toEqual(['NO SIG']);

    daemon = startDaemon(dir.root, port);
    await waitHealthy(url);
    await waitForState(page, (s) => s.phase === 'LIVE', 15_000);
    expect(errors).toEqual([]);
  } finally {
    await stop(daemon);
    dir.dispose();
  }
});

test('a real daemon with --token: refused without it, streamed with ?token=&stream', async ({ page }) => {
  test.setTimeout(60_000);
  const dir = new ClaudeDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const daemon = startDaemon(dir.root, port, ['--token', 's3cret-token-e2e']);
  try {
    const session = dir.startSession();
    dir.appendTurn(session.sessionId, { input: 100, output: 200, model: 'claude-opus-4-5-20251101' });
    await waitHealthy(url);
    await page.goto(`${url}/`);
    const refused = await waitForState(page, (s) => s.lastOutcome === 'unauthorized', 10_000);
    expect(refused.accepted).toBe(0);
    await expect(page.locator('#messages')).toContainText('token');

    await page.goto(`${url}/?stream&token=s3cret-token-e2e`);
    await waitForState(page, (s) => s.phase === 'LIVE' && s.model === 'opus-4.5', 15_000);
    await expect(page.locator('#mode')).toHaveText(/^stream \(SSE\)/, { timeout: 10_000 });
  } finally {
    await stop(daemon);
    dir.dispose();
  }
});
