// Failures 3 and 4 of issue 16 and the UI item: what the daemon logs and whom it answers.
//  3. No query string is ever logged (the 404 of `/usage/stream/?token=…` was, at the default level), and
//     a 404 flood does not flood the log.
//  4. DNS rebinding: a request whose Host is not one of the daemon's names gets 421, one from a foreign web
//     page (Origin) gets 403, on every route: /usage, /v1/statusline, the OTLP receiver, /healthz, 404s.
//  UI: dotfiles (and anything that is not a regular file) in the UI directory are never served.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../../host/src/server.js';
import { UsageService } from '../../../host/src/service.js';
import { OtlpSource } from '../../../host/src/sources/otlp/source.js';
import { QuotaStore } from '../../../host/src/statusline/quota.js';
import { FakeSource, tempDir } from '../helpers/fixtures.js';
import { fifo, raw } from './helpers.js';

const SECRET = 'Sup3rSecretT0ken';
const SETTINGS = { redline: 1_000_000, ceiling: 20_000_000, warnFraction: 0.8, stallMinutes: 5 };

let app: FastifyInstance | null = null;
let tmp: ReturnType<typeof tempDir>;
const fifos: Array<{ release(): void }> = [];

beforeEach(() => {
  tmp = tempDir('cg-hostile-http-');
});
afterEach(async () => {
  await app?.close();
  app = null;
  for (const f of fifos.splice(0)) f.release();
  tmp.cleanup();
});

async function serve(
  opts: {
    level?: string;
    lines?: string[];
    allowedHosts?: string[];
    ui?: string | null;
    otlp?: boolean;
  } = {},
): Promise<{ port: number; service: UsageService }> {
  const source = opts.otlp ? new OtlpSource() : new FakeSource();
  const service = new UsageService({ source, settings: SETTINGS, quota: new QuotaStore() });
  await service.start();
  const lines = opts.lines;
  app = await buildServer({
    service,
    ui: opts.ui ?? null,
    ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}),
    logger: lines
      ? {
          level: opts.level ?? 'info',
          stream: new Writable({
            write(chunk, _enc, done) {
              lines.push(...String(chunk).split('\n').filter(Boolean));
              done();
            },
          }),
        }
      : false,
  } as Parameters<typeof buildServer>[0]);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, service };
}

describe('failure 3: secrets in logs', () => {
  it('failure 3: no query string reaches the log at any level, whatever the request', async () => {
    const lines: string[] = [];
    const { port } = await serve({ level: 'trace', lines });
    const q = `?token=${SECRET}`;
    await raw(port, { path: `/usage/stream/${q}` }); // the trailing slash of the issue: a 404
    await raw(port, { path: `/usage${q}` });
    await raw(port, { path: `/no/such/route${q}` });
    await raw(port, { path: `/%${q}` }); // a malformed URL
    await raw(port, { path: `/usage${q}`, method: 'DELETE' });
    await raw(port, { path: `/v1/statusline${q}`, method: 'POST', body: '{' });
    await raw(port, { path: `/usage${q}`, headers: { Host: 'evil.example' } });
    expect(lines.length).toBeGreaterThan(0); // the log did run
    for (const line of lines) expect(line).not.toContain(SECRET);
  });

  it('failure 3: a flood of 404s writes nothing at the default level', async () => {
    const lines: string[] = [];
    const { port } = await serve({ level: 'info', lines });
    const before = lines.length; // the "Server listening" line
    for (let i = 0; i < 200; i++) await raw(port, { path: `/probe/${i}?token=${SECRET}` });
    expect(lines.slice(before)).toEqual([]);
  });

  it('failure 3: the 404 body echoes nothing of the request', async () => {
    const { port } = await serve();
    const r = await raw(port, { path: `/usage/stream/?token=${SECRET}` });
    expect(r.status).toBe(404);
    expect(r.body).not.toContain(SECRET);
    expect(r.body).not.toContain('/usage/stream');
  });
});

describe('failure 4: DNS rebinding', () => {
  const routes = [
    { method: 'GET', path: '/usage' },
    { method: 'GET', path: '/usage/stream' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: '/healthz' },
    { method: 'GET', path: '/' },
    { method: 'GET', path: '/no-such-route' },
    { method: 'POST', path: '/v1/statusline', body: '{"rate_limits":{"five_hour":{"used_percentage":5}}}' },
    { method: 'POST', path: '/v1/metrics', body: '{"resourceMetrics":[]}' },
    { method: 'POST', path: '/v1/logs', body: '{"resourceLogs":[]}' },
  ];

  it('failure 4: a foreign Host gets 421 on every route, with no token set', async () => {
    const { port, service } = await serve({ otlp: true });
    for (const r of routes) {
      const res = await raw(port, {
        method: r.method,
        path: r.path,
        headers: { Host: `rebind.attacker.example:${port}`, 'Content-Type': 'application/json' },
        ...(r.body ? { body: r.body } : {}),
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(421);
      expect(res.body).not.toMatch(/rate_1m/);
    }
    expect(service.quota?.current()).toBeNull(); // the statusline POST was not taken
    expect(service.faults.count('http-host-refused')).toBe(routes.length);
  });

  it('failure 4: a foreign Origin gets 403 on every route, even with an allowed Host', async () => {
    const { port, service } = await serve({ otlp: true });
    for (const origin of ['https://attacker.example', 'null', 'http://127.0.0.1.attacker.example']) {
      for (const r of routes) {
        const res = await raw(port, {
          method: r.method,
          path: r.path,
          headers: { Origin: origin, 'Content-Type': 'application/json' },
          ...(r.body ? { body: r.body } : {}),
        });
        expect(res.status, `${origin} ${r.method} ${r.path}`).toBe(403);
      }
    }
    expect(service.quota?.current()).toBeNull();
  });

  it('failure 4: loopback names, IPs, the mDNS name, --allowed-hosts and their pages are answered', async () => {
    const { port } = await serve({ otlp: true, allowedHosts: ['gauge.lan'] });
    const { hostname } = await import('node:os');
    const short = hostname().toLowerCase().split('.')[0];
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `192.168.1.20:${port}`,
      `gauge.localhost:${port}`,
      `${short}.local:${port}`,
      `GAUGE.LAN:${port}`,
      'localhost.',
    ]) {
      const res = await raw(port, { path: '/usage', headers: { Host: host } });
      expect(res.status, host).toBe(200);
    }
    for (const origin of [`http://localhost:5173`, `http://127.0.0.1:${port}`, 'https://gauge.lan']) {
      const res = await raw(port, {
        method: 'POST',
        path: '/v1/statusline',
        headers: { Origin: origin, 'Content-Type': 'application/json' },
        body: '{"rate_limits":{"five_hour":{"used_percentage":5}}}',
      });
      expect(res.status, origin).toBe(204);
    }
  });
});

describe('degraded: dotfiles in the UI directory', () => {
  it('serves the UI but never a dotfile, a dot directory or a FIFO, and hangs on nothing', async () => {
    const ui = join(tmp.path, 'ui');
    mkdirSync(join(ui, '.git'), { recursive: true });
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>gauge</title>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(ui, '.env'), `TOKEN=${SECRET}`);
    writeFileSync(join(ui, '.git', 'config'), `[secret] ${SECRET}`);
    writeFileSync(join(ui, 'assets', '.hidden'), SECRET);
    fifos.push(fifo(join(ui, 'assets', 'pipe.js')));
    const { port } = await serve({ ui });
    expect((await raw(port, { path: '/' })).status).toBe(200);
    expect((await raw(port, { path: '/assets/app.js' })).status).toBe(200);
    for (const path of [
      '/.env',
      '/.git/config',
      '/assets/.hidden',
      '/%2eenv',
      '/assets/%2Ehidden',
      '/assets/../.env',
      '/assets/pipe.js',
    ]) {
      const res = await raw(port, { path });
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain(SECRET);
    }
  });
});
