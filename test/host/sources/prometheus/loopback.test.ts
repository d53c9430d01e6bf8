// The Prometheus source against real sockets on loopback that misbehave: nothing listening, a server
// that never answers, and one that sends headers and then stalls mid-body. No mocks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusSource } from '../../../../host/src/sources/prometheus/source.js';
import { freeLoopbackPort } from '../../helpers/fixtures.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  server.on('connection', (s) => sockets.add(s));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('PrometheusSource on real loopback sockets', () => {
  it('says it cannot connect when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freeLoopbackPort()}`;
    const src = new PrometheusSource({ url, reuseForMs: 0 });
    await expect(src.snapshot(Date.now())).rejects.toThrow(/query: cannot connect \(ECONNREFUSED\)/);
    await src.stop();
  });

  it('times out a server that accepts and never answers', async () => {
    const url = await listen(() => {});
    const src = new PrometheusSource({ url, requestTimeoutMs: 150, deadlineMs: 1_000, reuseForMs: 0 });
    await expect(src.snapshot(Date.now())).rejects.toThrow(/query: timed out \(timeout 150 ms\)/);
    await src.stop();
  });

  it('times out a body that stalls after the headers', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success","data":{"resultType":"vector","result":[');
    });
    const src = new PrometheusSource({ url, requestTimeoutMs: 150, deadlineMs: 1_000, reuseForMs: 0 });
    await expect(src.snapshot(Date.now())).rejects.toThrow(/timed out/);
    await src.stop();
  });

  it('serves again once the server behaves', async () => {
    let broken = true;
    const url = await listen((_req, res) => {
      if (broken) {
        res.writeHead(500).end('oops');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    });
    const src = new PrometheusSource({ url, reuseForMs: 0 });
    await expect(src.snapshot(Date.now())).rejects.toThrow(/HTTP 500, response is not JSON: "oops"/);
    broken = false;
    expect((await src.snapshot(Date.now())).window5hTokens).toBe(0);
    await src.stop();
  });
});
