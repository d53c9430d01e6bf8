// Bad input: whatever the daemon or the files do, the page shows what the device would show (last good
// values, then NO SIGNAL) or a clear message, and never throws. A small daemon stand-in on 127.0.0.1 plays
// the misbehaving daemon; the page reaches it through ?daemon=.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, gaugeState, test, waitForState } from './fixtures.js';

type Behaviour = 'good' | 'garbage' | 'bad-version' | 'hang' | 'error';

const goodPayload = () => ({
  v: 1,
  ts: Date.now(),
  rate_1m: 30_000,
  rate_redline: 60_000,
  window_5h_tokens: 800_000,
  window_5h_pct: 0.4,
  window_5h_reset_in_s: 7200,
  thinking_ratio: 0.3,
  cache_hit_rate: 0.7,
  last_model: 'claude-sonnet-4-5-20250929',
  sessions_active: 1,
  hot: false,
  warn: false,
  stall: false,
  idle: false,
  stale: false,
  source: 'jsonl',
});

async function standIn(cors: boolean) {
  const state = { behaviour: 'good' as Behaviour, requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    };
    if (cors) headers['Access-Control-Allow-Origin'] = '*';
    if (req.url?.split('?')[0] !== '/usage') return void res.writeHead(404, headers).end('{}');
    switch (state.behaviour) {
      case 'good':
        return void res.writeHead(200, headers).end(JSON.stringify(goodPayload()));
      case 'garbage':
        return void res.writeHead(200, headers).end('{"v":1,"rate_1m":12,"last_mod');
      case 'bad-version':
        return void res.writeHead(200, headers).end(JSON.stringify({ ...goodPayload(), v: 2 }));
      case 'error':
        return void res.writeHead(500, headers).end('{"error":"boom"}');
      case 'hang':
        return; // never answers: the core's request timeout must fire
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test.describe.configure({ mode: 'parallel' });

test.describe('a misbehaving daemon', () => {
  for (const behaviour of ['garbage', 'bad-version', 'hang', 'error'] as const) {
    test(`${behaviour}: last good values stay, then NO SIGNAL, no exception`, async ({ page, gotoSim }) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const daemon = await standIn(true);
      try {
        await gotoSim(`?daemon=${encodeURIComponent(daemon.url)}`);
        const good = await waitForState(page, (s) => s.phase === 'LIVE' && s.accepted > 0);
        expect(good.model).toBe('sonnet-4.5');
        daemon.state.behaviour = behaviour;
        const expected = {
          garbage: 'bad_body',
          'bad-version': 'rejected',
          hang: 'timeout',
          error: 'http_error',
        }[behaviour];
        // Right after the failure the device still shows the last good payload.
        const failing = await waitForState(page, (s) => s.lastOutcome === expected);
        expect(failing.phase).toBe('LIVE');
        expect(failing.model).toBe('sonnet-4.5');
        await expect(page.locator('#messages')).toContainText(expected.replace('_', ' '));
        // cfg::kNoSignalAfterMs = 5 s without a good payload (plus backoff granularity): NO SIGNAL.
        const lost = await waitForState(page, (s) => s.phase === 'NOSIGNAL', 12_000);
        expect(lost.activeLamps).toEqual(['NO SIG']);
        expect(lost.error).toBeNull();
        // And it recovers on the next good answer.
        daemon.state.behaviour = 'good';
        await waitForState(page, (s) => s.phase === 'LIVE', 12_000);
        expect(errors).toEqual([]);
      } finally {
        await daemon.close();
      }
    });
  }

  test('a daemon on another origin without CORS headers gets a clear message', async ({ page, gotoSim }) => {
    const daemon = await standIn(false);
    try {
      await gotoSim(`?daemon=${encodeURIComponent(daemon.url)}`);
      await expect(page.locator('#messages')).toContainText('without CORS headers', { timeout: 10_000 });
      const s = await gaugeState(page);
      expect(s.accepted).toBe(0);
    } finally {
      await daemon.close();
    }
  });
});

test.describe('missing or broken files', () => {
  test('a missing wasm core is reported on the page', async ({ page, gotoSim }) => {
    await page.route('**/gauge-core.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await gotoSim('?vector=scenes');
    await expect(page.locator('#messages')).toContainText('HTTP 404');
    await expect(page.locator('#messages')).toContainText('npm run firmware:wasm');
    await expect(page.locator('#mode')).toHaveText('no core');
    const s = (await page.evaluate(() => window.gauge?.state())) as { error: string };
    expect(s.error).toContain('HTTP 404');
  });

  test('a corrupt wasm core is reported on the page', async ({ page, gotoSim }) => {
    await page.route('**/gauge-core.wasm', (route) =>
      route.fulfill({ status: 200, contentType: 'application/wasm', body: '<!doctype html><p>oops' }),
    );
    await gotoSim('?mock=cruise');
    await expect(page.locator('#messages')).toContainText('not a WebAssembly module');
  });

  test('an unknown vector, an unknown scene and a bad option are named, not guessed', async ({
    page,
    gotoSim,
  }) => {
    await gotoSim('?vector=nope&t=banana&scene=nowhere');
    await expect(page.locator('#messages')).toContainText('No vector "nope"');
    await expect(page.locator('#messages')).toContainText('?t=banana');
    await expect(page.locator('#messages')).toContainText('?scene=nowhere is unknown');
  });

  test('the garbage mock never shows data, and NO SIGNAL comes from boot', async ({ page, gotoSim }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await gotoSim('?mock=garbage');
    const s = await waitForState(page, (x) => x.phase === 'NOSIGNAL', 12_000);
    expect(s.accepted).toBe(0);
    expect(s.lastOutcome).toBe('bad_body');
    expect(errors).toEqual([]);
  });
});
