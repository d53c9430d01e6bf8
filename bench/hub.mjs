#!/usr/bin/env node
// The hub (issue 19, docs/hub.md): a hub and two satellites as separate processes on loopback, each on a
// small generated history with recent work, forwarding with the default batching.
//   1. ingest: records per second the hub takes from forwarded deliveries (1,000 records each, gzip, as a
//      satellite sends them, 3 in flight: its decode queue holds 4), every record new;
//   2. append -> hub /usage: one assistant line appended to a satellite's transcript, timed until the
//      hub's GET /usage (polled back to back) shows the union grown by exactly its tokens; 100 appends
//      (40 with --quick) 100-300 ms apart. Goal p95 <= 250 ms.
// No peer: nothing else counts several machines. Needs `npm run build` (it runs dist/ like the other
// benches; BENCH_DAEMON_BIN measures another build). Options: --quick.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  assistantLine,
  nowMs,
  percentile,
  ROOT,
  report,
  row,
  sleep,
  startDaemon,
  tempDir,
  waitForUsage,
} from './lib/common.mjs';

const quick = process.argv.includes('--quick');
const DELIVERIES = quick ? 30 : 100;
const PER_DELIVERY = 1000;
const IN_FLIGHT = 3;
const APPENDS = quick ? 40 : 100;
const GOAL_P95_MS = 250;

const { encodeDelivery } = await import(
  pathToFileURL(join(ROOT, 'dist', 'host', 'src', 'hub', 'record.js')).href
);

/** A claude dir with a session file of responses over the last two hours (an active block). */
function history(dir, seed) {
  const session = { sessionId: `bench-${seed}`, cwd: `/home/bench/p${seed}`, model: 'claude-opus-4-6' };
  const project = join(dir, 'projects', `-home-bench-p${seed}`);
  mkdirSync(project, { recursive: true });
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  const file = join(project, `${session.sessionId}.jsonl`);
  const lines = [];
  const now = Date.now();
  for (let t = now - 2 * 3_600_000; t < now - 60_000; t += 20_000 + ((seed * 7919 + t) % 40_000))
    lines.push(
      assistantLine(session, 5000).replace(
        /"timestamp":"[^"]+"/,
        `"timestamp":"${new Date(t).toISOString()}"`,
      ),
    );
  writeFileSync(file, lines.join(''));
  return { file, session };
}

/** POST one gzip body to the hub's /v1/logs on a keep-alive agent; resolves with the status. */
function post(port, body, agent) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/logs',
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
          'Content-Length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode, accepted: Number(res.headers['x-claude-gauge-accepted']) }),
        );
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const base = tempDir('hub');
const procs = [];
try {
  const a = join(base, 'a');
  const b = join(base, 'b');
  const c = join(base, 'c');
  history(a, 1);
  const sat = history(b, 2);
  history(c, 3);
  const hub = await startDaemon(a, [
    '--accept-forward',
    '--machine',
    'desk',
    '--state-dir',
    join(base, 'state-hub'),
  ]);
  procs.push(hub);
  const hubUrl = `http://127.0.0.1:${hub.port}`;
  for (const [dir, name] of [
    [b, 'laptop'],
    [c, 'devbox'],
  ])
    procs.push(
      await startDaemon(dir, [
        '--forward-to',
        hubUrl,
        '--machine',
        name,
        '--state-dir',
        join(base, `state-${name}`),
      ]),
    );
  await waitForUsage(hub.port, (p) => p.machines === 3 && !p.stale, 60_000, 20);

  // 1. Ingest: pre-encoded deliveries of new records (never seen: distinct ids), stamped over the last hour.
  const now = Date.now();
  const bodies = [];
  for (let d = 0; d < DELIVERIES; d++) {
    const records = [];
    for (let i = 0; i < PER_DELIVERY; i++) {
      const n = d * PER_DELIVERY + i;
      records.push({
        id: (0xbe000000 + n).toString(16).padStart(32, '0'),
        ts: now - 3_600_000 + Math.floor((n * 3_000_000) / (DELIVERIES * PER_DELIVERY)),
        model: 'claude-opus-4-6',
        input: 3,
        output: 200,
        cacheRead: 20_000,
        cacheCreation: 500,
        thinking: 50,
        sidechain: false,
      });
    }
    const body = encodeDelivery(
      records,
      { name: 'bench', id: 'be0c4e11' },
      { sessionsActive: 1, sessionsWorking: 1 },
      now,
    );
    bodies.push(gzipSync(Buffer.from(JSON.stringify(body))));
  }
  const wireBytes = bodies.reduce((x, y) => x + y.length, 0);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  let accepted = 0;
  let refused = 0;
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        for (;;) {
          const r = await post(hub.port, body, agent);
          if (r.status === 200) {
            accepted += r.accepted;
            break;
          }
          refused++;
          await sleep(50);
        }
      }
    }),
  );
  const ingestMs = nowMs() - t0;
  agent.destroy();
  const rate = (accepted / ingestMs) * 1000;
  console.log(
    `ingest: ${accepted} records in ${(ingestMs / 1000).toFixed(2)} s (${DELIVERIES} deliveries, ${(wireBytes / DELIVERIES / 1024).toFixed(0)} kB gzip each, ${refused} answered 503 and sent again)`,
  );

  // 2. Append on a satellite -> the hub's /usage shows it.
  const latencies = [];
  let timeouts = 0;
  let window = (await waitForUsage(hub.port, () => true, 5000, 0)).payload.window_5h_tokens;
  for (let i = 0; i < APPENDS; i++) {
    const tokens = 10_000 + 17 * (i + 1);
    const expected = window + tokens;
    appendFileSync(sat.file, assistantLine(sat.session, tokens));
    const t = nowMs();
    try {
      await waitForUsage(hub.port, (p) => p.window_5h_tokens === expected, 5000, 0);
      latencies.push(nowMs() - t);
    } catch {
      timeouts++;
    }
    window = (await waitForUsage(hub.port, (p) => p.window_5h_tokens >= expected, 15_000, 5)).payload
      .window_5h_tokens;
    await sleep(100 + Math.random() * 200);
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  const p95 = timeouts > APPENDS * 0.05 ? Number.POSITIVE_INFINITY : percentile(sorted, 0.95);
  console.log(`append -> hub: ${APPENDS} appends, ${timeouts} not seen within 5 s`);
  const B = 'hub';
  report(
    'hub',
    [
      row({
        bench: B,
        metric: `records a hub ingests (${PER_DELIVERY}-record gzip deliveries, ${IN_FLIGHT} in flight)`,
        unit: 'records/s',
        gauge: rate,
      }),
      row({
        bench: B,
        metric: `append on a satellite -> hub GET /usage p50 (${APPENDS} appends 100-300 ms apart)`,
        unit: 'ms',
        gauge: percentile(sorted, 0.5),
      }),
      row({
        bench: B,
        metric: 'append on a satellite -> hub GET /usage p95',
        unit: 'ms',
        gauge: p95,
        goal: `<= ${GOAL_P95_MS} ms`,
        met: p95 <= GOAL_P95_MS,
      }),
      row({
        bench: B,
        metric: 'append on a satellite -> hub GET /usage max',
        unit: 'ms',
        gauge: sorted[sorted.length - 1],
      }),
    ],
    {
      ingest: { accepted, ms: ingestMs, deliveries: DELIVERIES, wireBytes, refused },
      appends: APPENDS,
      timeouts,
    },
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(base, { recursive: true, force: true });
}
