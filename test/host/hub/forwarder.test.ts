// The satellite's forwarder against a stand-in hub on loopback (node:http, no mocks of fetch): batching,
// gzip, order of a response's versions, retries while the hub is away, the memory and spool bounds, the
// spool across a restart, refusals, 413 splitting, and the resync on a new hub epoch.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Faults } from '../../../host/src/faults.js';
import { Forwarder, type ForwarderOptions, forwardUrl } from '../../../host/src/hub/forwarder.js';
import type { ForwardRecord } from '../../../host/src/hub/record.js';
import { decodeLogRecords, type RequestEvent } from '../../../host/src/sources/otlp/decode.js';
import { tempDir } from '../helpers/fixtures.js';
import { until } from './helpers.js';

interface Delivery {
  events: RequestEvent[];
  sessions: number;
  encoding: string | undefined;
  auth: string | undefined;
}

/** A stand-in hub: records every delivery; answers what `answer` says (default 200 with an epoch). */
class StandIn {
  deliveries: Delivery[] = [];
  answer: (d: Delivery) => { status: number; headers?: Record<string, string> } = () => ({
    status: 200,
    headers: { 'X-Claude-Gauge-Hub-Epoch': 'e1', 'X-Claude-Gauge-Heartbeat-Ms': '60000' },
  });
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const { events, reports } = decodeLogRecords(JSON.parse(body.toString('utf8')));
        const d: Delivery = {
          events,
          sessions: reports[0]?.sessionsActive ?? -1,
          encoding: req.headers['content-encoding'],
          auth: req.headers.authorization,
        };
        const a = this.answer(d);
        if (a.status === 200) this.deliveries.push(d);
        res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
        res.end('{}');
      });
    });
    this.server = server;
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  /** Every record delivered, in order. */
  get events(): RequestEvent[] {
    return this.deliveries.flatMap((d) => d.events);
  }
}

function record(i: number, output = 100): ForwardRecord {
  return {
    id: i.toString(16).padStart(32, '0'),
    ts: 1_800_000_000_000 + i * 1000,
    model: 'claude-opus-4-6',
    input: 1,
    output,
    cacheRead: 0,
    cacheCreation: 0,
    thinking: 0,
    sidechain: false,
  };
}

let tmp: ReturnType<typeof tempDir>;
let hub: StandIn;
const forwarders: Forwarder[] = [];
beforeEach(async () => {
  tmp = tempDir('cg-fwd-');
  hub = new StandIn();
  await hub.start();
});
afterEach(async () => {
  for (const f of forwarders.splice(0)) await f.stop();
  await hub.stop();
  tmp.cleanup();
});

function forwarder(o: Partial<ForwarderOptions> = {}, faults = new Faults()): Forwarder {
  const f = new Forwarder({
    url: forwardUrl(`http://127.0.0.1:${hub.port}`),
    token: 'sat-token-123',
    machine: { name: 'laptop', id: '00112233' },
    spoolDir: join(tmp.path, 'spool'),
    state: () => ({ sessionsActive: 2, sessionsWorking: 1 }),
    everything: () => [],
    faults,
    batchDelayMs: 5,
    backoffMinMs: 20,
    backoffMaxMs: 200,
    ...o,
  });
  forwarders.push(f);
  return f;
}

const ids = (events: RequestEvent[]) => events.map((e) => e.responseId);

describe('Forwarder', () => {
  it('sends batches gzip-compressed with the token and the machine report; a changed response goes once, newest', async () => {
    const f = forwarder({ maxBatch: 10 });
    f.start();
    f.enqueue([record(1), record(2)]);
    f.enqueue([record(1, 999)]); // a newer version of 1 while it waits: sent once, in its place
    for (let i = 3; i <= 25; i++) f.enqueue([record(i)]);
    await until(
      async () => hub.events.length,
      (n) => n >= 25,
      10_000,
      'all delivered',
    );
    expect(hub.events).toHaveLength(25);
    expect(ids(hub.events)).toEqual(Array.from({ length: 25 }, (_, i) => record(i + 1).id));
    expect(hub.events[0]?.output).toBe(999);
    expect(hub.deliveries.every((d) => d.events.length <= 10)).toBe(true);
    expect(hub.deliveries.every((d) => d.encoding === 'gzip' && d.auth === 'Bearer sat-token-123')).toBe(
      true,
    );
    expect(hub.deliveries.every((d) => d.sessions === 2)).toBe(true);
    // The hub has the records before the forwarder has read its answer: wait for that, then judge.
    await until(
      async () => f.snapshot(),
      (s) => s.delivered >= 25,
      10_000,
      'delivery acknowledged',
    );
    expect(f.snapshot()).toMatchObject({ state: 'ok', queued: 0, spooled: 0, delivered: 25, failures: 0 });
  });

  it('keeps everything while the hub is away and delivers it, in order, once it is back', async () => {
    const port = hub.port;
    await hub.stop();
    const f = forwarder();
    f.start();
    for (let i = 1; i <= 30; i++) f.enqueue([record(i)]);
    f.enqueue([record(7, 777)]);
    await until(
      async () => f.snapshot(),
      (s) => s.state === 'failing' && s.failures >= 3,
      10_000,
      'retrying',
    );
    expect(f.snapshot().last_error).toMatch(/ECONNREFUSED/);
    hub = new StandIn();
    await hub.start(port);
    await until(
      async () => hub.events.length,
      (n) => n >= 30,
      10_000,
      'delivered after the outage',
    );
    expect(ids(hub.events)).toEqual(Array.from({ length: 30 }, (_, i) => record(i + 1).id));
    expect(hub.events.find((e) => e.responseId === record(7).id)?.output).toBe(777);
    await until(
      async () => f.snapshot(),
      (s) => s.state === 'ok' && s.queued === 0,
      10_000,
      'delivery acknowledged after the outage',
    );
  });

  it('backs off after a failure: records that come meanwhile wait for the retry instead of forcing one', async () => {
    let attempts = 0;
    hub.answer = () => {
      attempts++;
      return { status: 503 };
    };
    const f = forwarder({ backoffMinMs: 60_000, backoffMaxMs: 60_000 });
    f.start();
    f.enqueue([record(1)]);
    await until(
      async () => f.snapshot().failures,
      (n) => n === 1,
      10_000,
      'first attempt failed',
    );
    // 20 records while the first backoff (30-60 s) runs: none of them makes an attempt of its own.
    const before = attempts;
    for (let i = 2; i <= 21; i++) {
      f.enqueue([record(i)]);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(attempts).toBe(before);
    expect(f.snapshot()).toMatchObject({ state: 'failing', failures: 1, queued: 21 });
    hub.answer = () => ({ status: 200 });
    await f.flush(); // what the end of the backoff does
    await until(
      async () => hub.events.length,
      (n) => n >= 21,
      10_000,
      'all delivered after the backoff',
    );
  });

  it('retries a 503 after its Retry-After, with backoff, and sends the same records again', async () => {
    let refused = 0;
    hub.answer = () => (refused++ < 3 ? { status: 503, headers: { 'Retry-After': '0' } } : { status: 200 });
    const f = forwarder();
    f.start();
    f.enqueue([record(1), record(2)]);
    await until(
      async () => hub.events.length,
      (n) => n >= 2,
      10_000,
      'delivered after three 503s',
    );
    expect(refused).toBeGreaterThanOrEqual(4);
    expect(ids(hub.events)).toEqual([record(1).id, record(2).id]);
  });

  it('spills past its memory bound to the spool, and drops the oldest (counted) past the spool bound', async () => {
    await hub.stop();
    const faults = new Faults();
    const f = forwarder({ maxMemory: 20, spoolMaxBytes: 4096, spoolSegmentBytes: 1024 }, faults);
    for (let i = 1; i <= 200; i++) f.enqueue([record(i)]);
    const s = f.snapshot();
    expect(s.queued).toBeLessThanOrEqual(20);
    expect(s.spool_bytes).toBeLessThanOrEqual(4096 + 1024);
    expect(s.spooled).toBeGreaterThan(0);
    expect(s.spool_dropped).toBeGreaterThan(0);
    expect(s.queued + s.spooled + s.spool_dropped).toBe(200);
    expect(faults.count('forward-spool-full')).toBe(s.spool_dropped);
  });

  it('keeps what it could not send on disk across a restart, and sends it from there', async () => {
    await hub.stop();
    const first = forwarder();
    first.start();
    for (let i = 1; i <= 12; i++) first.enqueue([record(i)]);
    await until(
      async () => first.snapshot(),
      (s) => s.state === 'failing',
      10_000,
      'failing',
    );
    await first.stop();
    // The hub back on a port of its own (the old one may have gone to another process meanwhile on a busy
    // machine); the spool is the forwarder's, not the hub address's.
    hub = new StandIn();
    await hub.start();
    // A new forwarder on the same spool, with nothing of its own to send: only the spool can deliver these.
    const second = forwarder({ everything: () => [] });
    expect(second.snapshot().spooled).toBe(12);
    second.start();
    await until(
      async () => hub.events.length,
      (n) => n >= 12,
      10_000,
      'spool delivered',
    );
    expect(ids(hub.events)).toEqual(Array.from({ length: 12 }, (_, i) => record(i + 1).id));
    await until(
      async () => second.snapshot().spooled,
      (n) => n === 0,
      5000,
      'spool emptied',
    );
  });

  it('counts a refusal (401) as a fault and keeps the records until the hub takes them', async () => {
    let ok = false;
    hub.answer = () => (ok ? { status: 200 } : { status: 401 });
    const faults = new Faults();
    const f = forwarder({}, faults);
    f.start();
    f.enqueue([record(1)]);
    await until(
      async () => faults.count('forward-refused'),
      (n) => n >= 2,
      10_000,
      'refusals counted',
    );
    expect(f.snapshot()).toMatchObject({ state: 'failing', last_error: 'HTTP 401' });
    ok = true;
    await until(
      async () => hub.events.length,
      (n) => n === 1,
      10_000,
      'delivered once accepted',
    );
  });

  it('splits a batch the hub finds too large (413) and sends smaller ones', async () => {
    hub.answer = (d) => (d.events.length > 4 ? { status: 413 } : { status: 200 });
    const f = forwarder({ maxBatch: 16 });
    for (let i = 1; i <= 16; i++) f.enqueue([record(i)]);
    f.start();
    await until(
      async () => hub.events.length,
      (n) => n >= 16,
      10_000,
      'delivered in smaller batches',
    );
    expect(ids(hub.events)).toEqual(Array.from({ length: 16 }, (_, i) => record(i + 1).id));
    expect(hub.deliveries.every((d) => d.events.length <= 4)).toBe(true);
  });

  it('behind a collector (no epoch in the answers), sends everything again every resync period', async () => {
    hub.answer = () => ({ status: 200 });
    let walks = 0;
    const f = forwarder({
      resyncMs: 300,
      *everything() {
        walks++;
        yield record(100);
      },
    });
    f.start();
    await until(
      async () => walks,
      (n) => n >= 3,
      10_000,
      'resyncs without an epoch',
    );
    await until(
      async () => hub.events.length,
      (n) => n >= 2,
      10_000,
      'each resync delivered',
    );
    expect(new Set(ids(hub.events))).toEqual(new Set([record(100).id]));
  });

  it('sends everything again when the hub answers with a new epoch (it restarted)', async () => {
    let epoch = 'e1';
    hub.answer = () => ({ status: 200, headers: { 'X-Claude-Gauge-Hub-Epoch': epoch } });
    let walks = 0;
    const f = forwarder({
      *everything() {
        walks++;
        yield record(100);
        yield record(101);
      },
    });
    f.start();
    await until(
      async () => hub.events.length,
      (n) => n >= 2,
      10_000,
      'first sync',
    );
    expect(walks).toBe(1);
    epoch = 'e2';
    f.enqueue([record(1)]);
    await until(
      async () => hub.events.length,
      (n) => n >= 5,
      10_000,
      'resync after the new epoch',
    );
    expect(walks).toBe(2);
    expect(f.snapshot().resyncs).toBe(2);
    expect(ids(hub.events.slice(3))).toEqual([record(100).id, record(101).id]);
  });
});
