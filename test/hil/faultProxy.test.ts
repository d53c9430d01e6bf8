import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FaultProxy, garbageBodies, startFaultProxy } from './lib/faultProxy.js';
import { waitFor } from './lib/waitFor.js';

let upstream: Server;
let upstreamUrl: string;
let upstreamHits = 0;
let proxy: FaultProxy;

beforeEach(async () => {
  upstreamHits = 0;
  upstream = createServer((req, res) => {
    upstreamHits++;
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"abc"' });
    res.end(JSON.stringify({ v: 1, path: req.url, auth: req.headers.authorization ?? null }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startFaultProxy({ upstream: () => upstreamUrl });
});

afterEach(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const get = (path = '/usage', ms = 3000) =>
  fetch(`${proxy.url}${path}`, { headers: { Authorization: 'Bearer t0k' }, signal: AbortSignal.timeout(ms) });

describe('fault proxy', () => {
  it('binds loopback and forwards status, headers, body and auth untouched', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await get('/usage?x=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"abc"');
    expect(await res.json()).toEqual({ v: 1, path: '/usage?x=1', auth: 'Bearer t0k' });
    expect(proxy.stats).toMatchObject({ requests: 1, forwarded: 1, faulted: 0 });
  });

  it('answers injected statuses without reaching the daemon', async () => {
    proxy.setFault({ kind: 'status', status: 500 });
    const res = await get();
    expect(res.status).toBe(500);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    await res.text();
    expect(upstreamHits).toBe(0);
    expect(proxy.stats.faulted).toBe(1);
  });

  it('rotates through garbage bodies that are not valid payloads', async () => {
    proxy.setFault({ kind: 'garbage' });
    const seen: string[] = [];
    for (let i = 0; i < garbageBodies.length; i++) seen.push(await (await get()).text());
    expect(new Set(seen).size).toBe(garbageBodies.length);
    for (const body of seen) {
      let ok = false;
      try {
        const j = JSON.parse(body);
        ok = typeof j === 'object' && j !== null && !Array.isArray(j) && j.v === 1;
      } catch {
        ok = false;
      }
      expect(ok, body.slice(0, 40)).toBe(false);
    }
    expect(seen.some((b) => b.length > 10_000)).toBe(true);
  });

  it('holds a slow answer back from the daemon, then forwards it', async () => {
    proxy.setFault({ kind: 'slow', delayMs: 60_000 });
    const ac = new AbortController();
    const pending = fetch(proxy.usageUrl, { signal: ac.signal }).catch((e: unknown) => e);
    await waitFor(() => proxy.stats.requests === 1, { timeoutMs: 3000 });
    expect(upstreamHits).toBe(0); // still held
    ac.abort();
    await pending;
    proxy.setFault({ kind: 'slow', delayMs: 20 });
    const res = await get();
    expect(res.status).toBe(200);
    await res.text();
    expect(upstreamHits).toBe(1);
  });

  it('does not forward a slow request the client gave up on', async () => {
    proxy.setFault({ kind: 'slow', delayMs: 200 });
    // Give up once the proxy holds the request (not after a fixed few ms: on a loaded machine the request may
    // not have reached the proxy yet, and then there is nothing for it to drop).
    const gaveUp = new AbortController();
    const first = fetch(`${proxy.url}/usage`, { signal: gaveUp.signal });
    await waitFor(() => proxy.stats.requests === 1, { timeoutMs: 10_000 });
    gaveUp.abort();
    await expect(first).rejects.toThrow();
    // Wait (bounded) until the held request's delay has expired and the proxy has looked at it again.
    await waitFor(() => proxy.stats.forwarded === 0 && upstreamHits === 0 && proxy.stats.faulted === 1, {
      timeoutMs: 10_000,
    });
    proxy.setFault({ kind: 'slow', delayMs: 250 });
    await (await get()).text(); // this one started after the first one's delay, so it finishes after it
    expect(upstreamHits).toBe(1);
    expect(proxy.stats.forwarded).toBe(1);
  });

  it('hangs until the client times out', async () => {
    proxy.setFault({ kind: 'hang' });
    await expect(get('/usage', 100)).rejects.toThrow(/aborted|timeout/i);
    expect(upstreamHits).toBe(0);
  });

  it('drops the connection on reset', async () => {
    proxy.setFault({ kind: 'reset' });
    await expect(get()).rejects.toThrow(/fetch failed/);
  });

  it('drops the connection when the daemon is down (a network failure, not a 502)', async () => {
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
    await expect(get()).rejects.toThrow(/fetch failed/);
    expect(proxy.stats.upstreamErrors).toBe(1);
    // Back on the same port: forwarding resumes.
    const port = Number(new URL(upstreamUrl).port);
    await new Promise<void>((r) => upstream.listen(port, '127.0.0.1', r));
    expect((await get()).status).toBe(200);
  });

  it('closes with requests still hanging', async () => {
    proxy.setFault({ kind: 'hang' });
    const pending = get('/usage', 5000).catch((e: unknown) => e);
    await new Promise<void>((r) => setTimeout(r, 50));
    await proxy.close();
    expect(await pending).toBeInstanceOf(Error);
    proxy = await startFaultProxy({ upstream: () => upstreamUrl }); // for afterEach
  });

  it('serves other paths through the optional handler', async () => {
    const p2 = await startFaultProxy({
      upstream: () => upstreamUrl,
      other: (req, res) => {
        if (req.url !== '/index.html') return false;
        res.end('page');
        return true;
      },
    });
    try {
      expect(await (await fetch(`${p2.url}/index.html`)).text()).toBe('page');
      expect((await (await fetch(`${p2.url}/other`)).json()).path).toBe('/other');
      expect(p2.stats.requests).toBe(0); // only /usage counts as a poll
    } finally {
      await p2.close();
    }
  });
});
