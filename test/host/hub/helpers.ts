// Generated histories for the hub tests: each machine its own seeded run of responses (some streamed
// over two lines, some with thinking), written as Claude Code writes them; a machine may hold a copy of
// another's transcripts (a synced ~/.claude). And small HTTP helpers for loopback daemons.

import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { UsagePayload } from '../../../contract/usage.js';
import { assistantLine } from '../sources/jsonl/helpers.js';

export const MIN = 60_000;
export const HOUR = 3_600_000;

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HistoryOpts {
  seed: number;
  /** Responses are stamped in [fromMs, toMs], gaps of up to `maxGapMs`. */
  fromMs: number;
  toMs: number;
  maxGapMs?: number;
  /** Also responses in the last minute before toMs (the tach). */
  recent?: number;
}

/** The lines of one machine's history (one session file), each response one or two lines. */
export function historyLines(o: HistoryOpts): string[] {
  const rnd = prng(o.seed);
  const lines: string[] = [];
  let t = o.fromMs;
  let n = 0;
  const one = (ts: number) => {
    n++;
    const msgId = `msg_${o.seed}_${n}`;
    const requestId = `req_${o.seed}_${n}`;
    const usage = {
      input: 1 + Math.floor(rnd() * 50),
      cacheCreation: Math.floor(rnd() * 2000),
      cacheRead: Math.floor(rnd() * 30_000),
    };
    const model = rnd() < 0.7 ? 'claude-opus-4-6' : 'claude-sonnet-4-6';
    const output = 1 + Math.floor(rnd() * 800);
    const session = `session-${o.seed}`;
    if (rnd() < 0.3) {
      // Streamed over two lines: a thinking block first (small output), then the text (the full output).
      lines.push(
        assistantLine({
          ts,
          msgId,
          requestId,
          model,
          ...usage,
          output: 5,
          sessionId: session,
          content: [{ type: 'thinking', thinking: '', signature: 'x' }],
        }),
      );
      lines.push(
        assistantLine({
          ts: ts + 300,
          msgId,
          requestId,
          model,
          ...usage,
          output,
          sessionId: session,
          content: [{ type: 'text', text: 'y'.repeat(Math.floor(rnd() * 400)) }],
        }),
      );
    } else lines.push(assistantLine({ ts, msgId, requestId, model, ...usage, output, sessionId: session }));
  };
  while (t <= o.toMs - 2 * MIN) {
    one(t);
    t += 1000 + Math.floor(rnd() * (o.maxGapMs ?? 15 * MIN));
  }
  for (let i = 0; i < (o.recent ?? 0); i++) one(o.toMs - 55_000 + Math.floor((50_000 * i) / (o.recent ?? 1)));
  return lines;
}

/** Writes a machine's claude dir (with an empty sessions/): its own session file, and a copy of `copyOf`'s transcripts if given. */
export function writeMachine(dir: string, o: HistoryOpts, copyOf?: string): string {
  mkdirSync(join(dir, 'projects', `-home-me-p${o.seed}`), { recursive: true });
  // Current Claude Code writes session manifests here (none live: no session runs in the test).
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  const file = join(dir, 'projects', `-home-me-p${o.seed}`, `session-${o.seed}.jsonl`);
  writeFileSync(file, `${historyLines(o).join('\n')}\n`);
  if (copyOf) cpSync(join(copyOf, 'projects'), join(dir, 'projects'), { recursive: true });
  return file;
}

let appended = 0;
/** One more response at `ts` (unique ids), as Claude Code appends it; returns its total tokens. */
export function appendResponse(file: string, ts: number, tokens = 1000 + (appended % 97)): number {
  appended++;
  appendFileSync(
    file,
    `${assistantLine({ ts, msgId: `msg_live_${appended}`, requestId: `req_live_${appended}`, input: 10, output: tokens - 10 })}\n`,
  );
  return tokens;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request on loopback (no keep-alive: a stopped daemon shows as refused). */
export function http(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * GET /usage, asked again while the answer is stale (the daemon missed its deadline on a loaded machine:
 * last good values, not the current ones), for at most 15 s.
 */
export async function usage(port: number, token?: string): Promise<UsagePayload> {
  const end = Date.now() + 15_000;
  for (;;) {
    const res = await http(port, {
      path: '/usage',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    if (res.status !== 200) throw new Error(`GET /usage: HTTP ${res.status}`);
    const p = JSON.parse(res.body) as UsagePayload;
    if (!p.stale || Date.now() > end) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** POSTs an OTLP logs body (gzip) to /v1/logs. */
export function postLogs(port: number, body: unknown, token?: string): Promise<HttpAnswer> {
  return http(port, {
    method: 'POST',
    path: '/v1/logs',
    headers: {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: gzipSync(JSON.stringify(body)),
  });
}

/** Polls `probe` until it returns a value `accept` takes; throws with the last value after `timeoutMs`. */
export async function until<T>(
  probe: () => Promise<T>,
  accept: (v: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown = null;
  while (Date.now() < end) {
    try {
      last = await probe();
      error = null;
      if (accept(last)) return last;
    } catch (err) {
      error = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)?.slice(0, 400)}${error ? `, error: ${String(error)}` : ''})`,
  );
}
