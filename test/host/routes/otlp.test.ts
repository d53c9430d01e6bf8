// The OTLP/HTTP JSON receiver over real loopback HTTP, against a listening daemon with --source otlp.

import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsagePayload } from '../../../contract/usage.js';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { tempDir, validatePayload } from '../helpers/fixtures.js';
import { eventRequest, fixtureText, T0, tokenRequest } from '../sources/otlp/helpers.js';

const TOKEN = 'otlp-test-token-123';
let tmp: ReturnType<typeof tempDir>;
let daemon: Daemon;
let base: string;

beforeAll(async () => {
  tmp = tempDir('cg-otlp-');
  const settings = resolveSettings({
    flags: {
      source: 'otlp',
      port: 0,
      ui: 'none',
      mdns: false,
      token: TOKEN,
      now: T0,
      claudeDirs: [tmp.path],
    },
    env: {},
    home: tmp.path,
    cwd: tmp.path,
  });
  daemon = await startDaemon(settings);
  base = new URL(daemon.url).origin;
});

afterAll(async () => {
  await daemon?.stop();
  tmp?.cleanup();
});

const auth = { Authorization: `Bearer ${TOKEN}` };

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json().catch(() => null)) as Record<string, unknown> | null,
  };
}

async function usage(): Promise<UsagePayload> {
  const res = await fetch(`${base}/usage`, { headers: auth });
  expect(res.status).toBe(200);
  const p = (await res.json()) as UsagePayload;
  expect(validatePayload(p), JSON.stringify(validatePayload.errors)).toBe(true);
  return p;
}

/** Sends the body in pieces with Transfer-Encoding: chunked (no Content-Length). */
function postChunked(path: string, pieces: Buffer[], headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...headers, ...auth },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    let i = 0;
    const next = () => {
      const piece = pieces[i++];
      if (piece === undefined) req.end();
      else req.write(piece, () => setImmediate(next));
    };
    next();
  });
}

describe('OTLP receiver (--source otlp)', () => {
  // The tests share one daemon and build on each other's totals, in order.
  let total = 0;

  it('accepts Claude Code metrics as OTLP/HTTP JSON and shows them on /usage', async () => {
    const r = await post('/v1/metrics', fixtureText('metrics-delta.json'));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expect(r.headers.get('x-claude-gauge-accepted')).toBe('4');
    total += 55_000;
    const p = await usage();
    expect(p.source).toBe('otlp');
    expect(p.rate_1m).toBe(55_000);
    expect(p.window_5h_tokens).toBe(total);
    expect(p.last_model).toBe('claude-opus-4-5-20251101');
    expect(p.stale).toBe(false);
  });

  it('counts a retried batch once', async () => {
    const r = await post('/v1/metrics', fixtureText('metrics-delta.json'));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-claude-gauge-accepted')).toBe('0');
    expect(r.headers.get('x-claude-gauge-duplicates')).toBe('4');
    expect((await usage()).window_5h_tokens).toBe(total);
  });

  it('takes gzip-compressed bodies', async () => {
    const body = gzipSync(JSON.stringify(tokenRequest({ value: '700', time: '2026-11-22T10:00:11Z' })));
    const r = await post('/v1/metrics', body, { 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(200);
    total += 700;
    expect((await usage()).window_5h_tokens).toBe(total);
  });

  it('takes chunked bodies, plain and gzip, split anywhere', async () => {
    const text = Buffer.from(JSON.stringify(tokenRequest({ value: '11', time: '2026-11-22T10:00:12Z' })));
    const pieces = [text.subarray(0, 7), text.subarray(7, 300), text.subarray(300)];
    expect(
      await postChunked('/v1/metrics', pieces, { 'Content-Type': 'application/json; charset=utf-8' }),
    ).toBe(200);
    const gz = gzipSync(JSON.stringify(tokenRequest({ value: '13', time: '2026-11-22T10:00:13Z' })));
    const gzPieces = [gz.subarray(0, 5), gz.subarray(5)];
    expect(
      await postChunked('/v1/metrics', gzPieces, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      }),
    ).toBe(200);
    total += 24;
    expect((await usage()).window_5h_tokens).toBe(total);
  });

  it('refuses malformed bodies with 400 and a reason, counting nothing of the batch', async () => {
    const good = tokenRequest({ value: '5000', time: '2026-11-22T10:00:14Z' });
    const bad = tokenRequest({ value: 'lots', time: '2026-11-22T10:00:14Z' });
    // One valid point and one broken one in the same request: all or nothing.
    const mixed = {
      resourceMetrics: [...(good.resourceMetrics as unknown[]), ...(bad.resourceMetrics as unknown[])],
    };
    const cases: Array<[string | Buffer, Record<string, string>, RegExp]> = [
      ['{"resourceMetrics": [', {}, /not JSON/],
      ['', {}, /empty body/],
      ['[1,2]', {}, /body is not an object/],
      [JSON.stringify(mixed), {}, /asInt is not an integer/],
      [Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' }, /not valid gzip/],
    ];
    for (const [body, headers, reason] of cases) {
      const r = await post('/v1/metrics', body, headers);
      expect(r.status, String(reason)).toBe(400);
      expect(String(r.json?.message)).toMatch(reason);
    }
    const logs = await post('/v1/logs', JSON.stringify(eventRequest({ input_tokens: 'NaN' })));
    expect(logs.status).toBe(400);
    expect(String(logs.json?.message)).toMatch(/input_tokens is not a token count/);
    expect((await usage()).window_5h_tokens).toBe(total);
    // The same good point sent on its own afterwards still counts (the 400 recorded nothing).
    expect((await post('/v1/metrics', JSON.stringify(good))).status).toBe(200);
    total += 5000;
    expect((await usage()).window_5h_tokens).toBe(total);
  });

  it('refuses oversized bodies with 413, on the wire and after decompression', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const r = await post('/v1/metrics', huge);
    expect(r.status).toBe(413);
    expect(String(r.json?.message)).toMatch(/body is larger than 4194304 bytes/);
    // 20 MB of spaces gzip to ~20 kB: a bomb stopped at the inflate limit.
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    const b = await post('/v1/metrics', bomb, { 'Content-Encoding': 'gzip' });
    expect(b.status).toBe(413);
    expect(String(b.json?.message)).toMatch(/decompressed body is larger/);
    expect((await usage()).window_5h_tokens).toBe(total);
  });

  it('answers 415 to protobuf and unknown encodings, with the fix', async () => {
    const pb = await post('/v1/metrics', Buffer.from([0x0a, 0x00]), {
      'Content-Type': 'application/x-protobuf',
    });
    expect(pb.status).toBe(415);
    expect(String(pb.json?.message)).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL=http\/json/);
    const br = await post('/v1/metrics', '{}', { 'Content-Encoding': 'br' });
    expect(br.status).toBe(415);
  });

  it('requires the bearer token, as Claude Code sends it with OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const res = await fetch(`${base}/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: fixtureText('metrics-delta.json'),
    });
    expect(res.status).toBe(401);
    const wrong = await post('/v1/logs', fixtureText('logs-api-request.json'), {
      Authorization: 'Bearer nope-nope-nope',
    });
    expect(wrong.status).toBe(401);
  });

  it('takes api_request events (counts as strings) and switches the tach to them', async () => {
    const r = await post('/v1/logs', fixtureText('logs-api-request.json'));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-claude-gauge-accepted')).toBe('2');
    const p = await usage();
    // Events now decide; the metrics describing the same tokens are not added on top.
    expect(p.window_5h_tokens).toBe(33_900 + 40_800);
    expect(p.rate_1m).toBe(33_900 + 40_800);
    expect(
      (await post('/v1/logs', fixtureText('logs-api-request.json'))).headers.get('x-claude-gauge-duplicates'),
    ).toBe('2');
    expect((await usage()).window_5h_tokens).toBe(33_900 + 40_800);
  });

  it('publishes its counters on /metrics', async () => {
    const res = await fetch(`${base}/metrics`, { headers: auth });
    const text = await res.text();
    expect(text).toMatch(/claude_gauge_source_stat\{stat="batches_rejected"\} [1-9]/);
    expect(text).toMatch(/claude_gauge_source_stat\{stat="dropped_duplicate"\} [1-9]/);
  });
});

describe('OTLP receiver with another source', () => {
  it('is not mounted', async () => {
    const t = tempDir('cg-otlp-demo-');
    const d = await startDaemon(
      resolveSettings({
        flags: { source: 'demo', port: 0, ui: 'none', mdns: false },
        env: {},
        home: t.path,
        cwd: t.path,
      }),
    );
    try {
      const res = await fetch(`${new URL(d.url).origin}/v1/metrics`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(404);
    } finally {
      await d.stop();
      t.cleanup();
    }
  });
});
