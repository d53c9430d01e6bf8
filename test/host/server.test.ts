import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { flattenStats } from '../../host/src/metrics.js';
import { buildServer } from '../../host/src/server.js';
import { UsageService } from '../../host/src/service.js';
import { FakeSource, tempDir, validatePayload } from './helpers/fixtures.js';

const settings = { redline: 1000, ceiling: 10_000, warnFraction: 0.8, stallMinutes: 5 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  opts: { token?: string; maxStreamClients?: number; heartbeatMs?: number; ui?: string } = {},
) {
  const source = new FakeSource();
  const service = new UsageService({ source, settings, clock: () => 1_700_000_000_000, tickMs: 20 });
  await service.start();
  const app = await buildServer({ service, ...opts });
  cleanups.push(() => service.stop());
  cleanups.push(() => app.close());
  return { app, source, service };
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('no address');
  return addr.port;
}

/** Opens an SSE stream on loopback and collects its events. */
function openStream(port: number, path = '/usage/stream', headers: Record<string, string> = {}) {
  const events: Array<{ event: string; data: string }> = [];
  const comments: string[] = [];
  let buffer = '';
  const waiters: Array<() => void> = [];
  let res: IncomingMessage | undefined;
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path,
    headers: { Accept: 'text/event-stream', ...headers },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buffer += chunk;
        let i = buffer.indexOf('\n\n');
        while (i >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: data.join('\n') });
          i = buffer.indexOf('\n\n');
        }
        for (const w of waiters.splice(0)) w();
      });
      resolve(r);
    });
    req.on('error', reject);
  });
  req.end();
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise<void>((r) => waiters.push(r));
  };
  const close = () => {
    res?.destroy();
    req.destroy();
  };
  cleanups.push(close);
  return { events, comments, response, until, close };
}

describe('GET /usage', () => {
  it('returns a contract-valid payload with an ETag, and 304 while nothing changed', async () => {
    const { app, source } = await setup();
    const first = await app.inject({ method: 'GET', url: '/usage' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/application\/json/);
    const body = first.json();
    expect(validatePayload(body), JSON.stringify(validatePayload.errors)).toBe(true);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/".+"$/);

    const again = await app.inject({ method: 'GET', url: '/usage', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    const listed = await app.inject({
      method: 'GET',
      url: '/usage',
      headers: { 'if-none-match': `"x", ${etag}` },
    });
    expect(listed.statusCode).toBe(304);

    source.set({ rate1m: 4242 });
    const changed = await app.inject({ method: 'GET', url: '/usage', headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().rate_1m).toBe(4242);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('sends CORS headers and answers preflights', async () => {
    const { app } = await setup({ token: 's3cret' });
    const pre = await app.inject({
      method: 'OPTIONS',
      url: '/usage',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const denied = await app.inject({
      method: 'GET',
      url: '/usage',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(denied.statusCode).toBe(401);
    // The browser can read the 401 because the CORS headers come first.
    expect(denied.headers['access-control-allow-origin']).toBe('*');
    const ok = await app.inject({
      method: 'GET',
      url: '/usage',
      headers: { origin: 'http://localhost:5173', authorization: 'Bearer s3cret' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-expose-headers']).toMatch(/ETag/);
  });
});

describe('bearer token', () => {
  it('guards every data route with 401 + WWW-Authenticate, but not /healthz', async () => {
    const { app } = await setup({ token: 's3cret' });
    for (const url of ['/usage', '/metrics', '/usage/stream']) {
      const none = await app.inject({ method: 'GET', url });
      expect(none.statusCode, url).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="claude-gauge"/);
      const wrong = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer s3cre' } });
      expect(wrong.statusCode, url).toBe(401);
      expect(wrong.headers['www-authenticate']).toMatch(/invalid_token/);
      const longer = await app.inject({
        method: 'GET',
        url,
        headers: { authorization: 'Bearer s3cret-and-more' },
      });
      expect(longer.statusCode, url).toBe(401);
    }
    const basic = await app.inject({
      method: 'GET',
      url: '/usage',
      headers: { authorization: 'Basic czNjcmV0' },
    });
    expect(basic.statusCode).toBe(401);
    // A query token is only for EventSource on /usage/stream, never for /usage.
    expect((await app.inject({ method: 'GET', url: '/usage?token=s3cret' })).statusCode).toBe(401);
    const good = await app.inject({
      method: 'GET',
      url: '/usage',
      headers: { authorization: 'bearer s3cret' },
    });
    expect(good.statusCode).toBe(200);
    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(metrics.statusCode).toBe(200);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ ok: true, source: 'jsonl' });
  });

  it('accepts ?token= on the stream, for EventSource', async () => {
    const { app } = await setup({ token: 's3cret' });
    const port = await listen(app);
    const s = openStream(port, '/usage/stream?token=s3cret');
    expect((await s.response).statusCode).toBe(200);
    await s.until(() => s.events.length >= 1);
    const bad = openStream(port, '/usage/stream?token=nope');
    expect((await bad.response).statusCode).toBe(401);
  });
});

describe('hostile requests', () => {
  it('survives huge and malformed headers, query strings and methods', async () => {
    const { app } = await setup({ token: 's3cret-t0ken' });
    const junk = 'x'.repeat(10_000);
    const auth = { authorization: 'Bearer s3cret-t0ken' };
    const cases: Array<[InjectOptions, number]> = [
      [{ method: 'GET', url: '/usage', headers: { ...auth, 'if-none-match': junk } }, 200],
      [{ method: 'GET', url: '/usage', headers: { ...auth, 'if-none-match': `W/"${junk}", *` } }, 304],
      [{ method: 'GET', url: '/usage', headers: { authorization: `Bearer ${junk}` } }, 401],
      [{ method: 'GET', url: '/usage', headers: { authorization: 'Bearer' } }, 401],
      [{ method: 'GET', url: '/usage', headers: { authorization: '\u0000\u0001' } }, 401],
      [{ method: 'GET', url: `/usage?${junk}=1`, headers: auth }, 200],
      [{ method: 'GET', url: `/usage/stream?token=${junk}` }, 401],
      [{ method: 'POST', url: '/usage', headers: auth, payload: { a: 1 } }, 404],
      [{ method: 'GET', url: '/usage/../../etc/passwd', headers: auth }, 404],
      [{ method: 'GET', url: '/%ff%fe', headers: auth }, 400],
    ];
    for (const [req, code] of cases) {
      const res = await app.inject(req);
      expect(res.statusCode, `${req.method} ${String(req.url).slice(0, 40)}`).toBe(code);
    }
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('GET /usage/stream', () => {
  it('sends the payload on connect and again on every change, with heartbeats', async () => {
    const { app, source, service } = await setup({ heartbeatMs: 20 });
    const port = await listen(app);
    const s = openStream(port, '/usage/stream', { Origin: 'http://localhost:5173' });
    const res = await s.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    await s.until(() => s.events.length >= 1);
    const first = JSON.parse(s.events[0]?.data ?? '{}');
    expect(s.events[0]?.event).toBe('usage');
    expect(validatePayload(first)).toBe(true);
    expect(first.rate_1m).toBe(1000);

    source.set({ rate1m: 7777 });
    await s.until(() => s.events.some((e) => JSON.parse(e.data).rate_1m === 7777));
    await s.until(() => s.comments.includes(': heartbeat'));

    // Closing the client releases its subscription.
    s.close();
    await app.close();
    await service.stop();
    expect(source.listenerCount).toBe(0);
  });

  it('releases every subscription when many clients come and go', async () => {
    const { app, service } = await setup({ maxStreamClients: 50 });
    const port = await listen(app);
    const streams = Array.from({ length: 20 }, () => openStream(port));
    for (const s of streams) await s.until(() => s.events.length >= 1);
    expect(service.listenerCount).toBe(20);
    for (const s of streams) s.close();
    while (service.listenerCount > 0) await new Promise((r) => setTimeout(r, 10));
    expect(service.listenerCount).toBe(0);
  });

  it('has no HEAD form (a stream has no headers-only answer)', async () => {
    const { app } = await setup();
    expect((await app.inject({ method: 'HEAD', url: '/usage/stream' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'HEAD', url: '/usage' })).statusCode).toBe(200);
  });

  it('refuses clients beyond the limit with 503 and frees the slot when one leaves', async () => {
    const { app } = await setup({ maxStreamClients: 1 });
    const port = await listen(app);
    const a = openStream(port);
    expect((await a.response).statusCode).toBe(200);
    await a.until(() => a.events.length >= 1);
    const b = openStream(port);
    const refused = await b.response;
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    a.close();
    // The server notices the close asynchronously: retry until the slot is free (bounded by the test timeout).
    for (;;) {
      const c = openStream(port);
      const r = await c.response;
      c.close();
      if (r.statusCode === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});

describe('GET /metrics', () => {
  it('exposes the payload gauges and the session metrics', async () => {
    const { app, source } = await setup();
    source.set({ rate1m: 2500, window5hTokens: 9000, lastModel: 'claude-opus-4-5-20251101' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(/^claude_gauge_rate_1m_tokens 2500$/m);
    expect(text).toMatch(/^claude_gauge_window_5h_tokens 9000$/m);
    expect(text).toMatch(/^claude_gauge_window_5h_ratio 0.9$/m);
    expect(text).toMatch(/^claude_gauge_lamp\{lamp="hot"\} 1$/m);
    expect(text).toMatch(/^claude_gauge_lamp\{lamp="warn"\} 1$/m);
    expect(text).toMatch(/^claude_gauge_lamp\{lamp="idle"\} 1$/m);
    expect(text).toMatch(/^claude_gauge_last_model_info\{model="claude-opus-4-5-20251101"\} 1$/m);
    expect(text).toMatch(/^cc_sessions_active 0$/m);
    expect(text).toMatch(/^cc_sessions_stale 0$/m);
    expect(text).toMatch(/^cc_session_started_total 0$/m);
    expect(text).toMatch(/^# TYPE cc_sessions_active_by_model gauge$/m);
  });
});

describe('source counters in /metrics', () => {
  it("exports a source's own stats, flattened, numbers only", async () => {
    expect(flattenStats({ a: 1, b: 'x', c: Number.NaN, skipped: { bad_json: 2, 'odd-name': 3 } })).toEqual([
      ['a', 1],
      ['skipped_bad_json', 2],
      ['skipped_odd_name', 3],
    ]);
    const source = Object.assign(new FakeSource(), {
      stats: () => ({ duplicates: 4, skipped: { garbage: 2 } }),
    });
    const service = new UsageService({ source, settings });
    await service.start();
    const app = await buildServer({ service });
    cleanups.push(() => service.stop());
    cleanups.push(() => app.close());
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^claude_gauge_source_stat\{stat="duplicates"\} 4$/m);
    expect(text).toMatch(/^claude_gauge_source_stat\{stat="skipped_garbage"\} 2$/m);
  });
});

describe('web UI', () => {
  it('serves a built UI directory at / without the token, and a plain index otherwise', async () => {
    const tmp = tempDir('cg-ui-');
    cleanups.push(tmp.cleanup);
    mkdirSync(join(tmp.path, 'assets'));
    writeFileSync(join(tmp.path, 'index.html'), '<!doctype html><title>sim</title>');
    writeFileSync(join(tmp.path, 'assets', 'app.js'), 'console.log(1)');
    const { app } = await setup({ ui: tmp.path, token: 's3cret' });
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>sim</title>');
    expect((await app.inject({ method: 'GET', url: '/assets/app.js' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/usage' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/../package.json' })).statusCode).toBe(404);

    const { app: bare } = await setup();
    const plain = await bare.inject({ method: 'GET', url: '/' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toMatch(/GET \/usage/);
  });
});
