// The plausibility items of issue 16, all through the one set of bounds (host/src/plausible.ts):
//  - transcripts: a token count above the bound (2^53-1) skips the line; nothing absurd reaches the payload;
//  - statusline: a reset in the year 3000 or a percentage above 100 is refused (400);
//  - any source: a snapshot beyond the bounds is not served (the last good values are, as stale);
// and each refusal is counted where doctor and /healthz show it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsagePayload } from '../../../contract/usage.js';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { MAX_TOKENS_PER_RESPONSE } from '../../../host/src/plausible.js';
import { UsageService } from '../../../host/src/service.js';
import { FakeSource, tempDir } from '../helpers/fixtures.js';
import { raw, within } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let claude: string;
const daemons: Daemon[] = [];
const NOW = Date.parse('2026-11-22T12:00:00Z');

beforeEach(() => {
  tmp = tempDir('cg-hostile-plausible-');
  claude = join(tmp.path, 'claude');
  mkdirSync(join(claude, 'projects', 'p'), { recursive: true });
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  tmp.cleanup();
});

function line(id: string, atMs: number, input: number, output = 10): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(atMs).toISOString(),
    sessionId: 's',
    version: '2.1.39',
    requestId: `req_${id}`,
    message: {
      id: `msg_${id}`,
      model: 'claude-opus-4-5-20251101',
      usage: { input_tokens: input, output_tokens: output },
    },
  });
}

async function daemonOn(flags: Record<string, unknown> = {}): Promise<{ daemon: Daemon; port: number }> {
  const daemon = await within(
    20_000,
    'startDaemon',
    startDaemon(
      resolveSettings({
        flags: { port: 0, ui: 'none', mdns: false, claudeDirs: [claude], now: NOW, ...flags },
        env: {},
        home: tmp.path,
        cwd: tmp.path,
      }),
    ),
  );
  daemons.push(daemon);
  return { daemon, port: Number(new URL(daemon.url).port) };
}

async function usage(port: number): Promise<UsagePayload> {
  return JSON.parse((await raw(port, { path: '/usage' })).body) as UsagePayload;
}

describe('degraded: transcripts have no plausibility bound on token counts', () => {
  it('skips lines with 2^53-1 tokens and counts them; HOT and WARN stay dark', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    writeFileSync(
      join(claude, 'projects', 'p', 's.jsonl'),
      [
        line('a', NOW - 30_000, 1000),
        line('b', NOW - 20_000, max),
        line('c', NOW - 10_000, 5, max),
        line('d', NOW - 5_000, MAX_TOKENS_PER_RESPONSE + 1),
        line('e', NOW - 1_000, 400), // after the absurd ones: still counted
        '',
      ].join('\n'),
    );
    const { daemon, port } = await daemonOn();
    const p = await usage(port);
    expect(p.window_5h_tokens).toBe(1000 + 10 + 400 + 10);
    expect(p.rate_1m).toBe(1000 + 10 + 400 + 10);
    expect(p.hot).toBe(false);
    expect(p.warn).toBe(false);
    expect(daemon.service.sourceStats()).toMatchObject({ skipped: { implausible: 3 } });
    const health = JSON.parse((await raw(port, { path: '/healthz' })).body);
    expect(health.faults['implausible-transcript-tokens']).toMatchObject({ kind: 'implausible', count: 3 });
  });
});

describe('degraded: statusline resets_at far ahead, percentages above 100', () => {
  it('refuses them with 400 and the reason, keeps nothing of them, and counts them', async () => {
    const { daemon, port } = await daemonOn({ source: 'demo' });
    const post = (body: unknown) =>
      raw(port, {
        method: 'POST',
        path: '/v1/statusline',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const year3000 = Date.parse('3000-01-01T00:00:00Z') / 1000;
    const refused = [
      { rate_limits: { five_hour: { used_percentage: 20, resets_at: year3000 } } },
      { rate_limits: { five_hour: { used_percentage: 20, resets_at: NOW / 1000 + 6 * 3600 } } },
      { rate_limits: { seven_day: { used_percentage: 20, resets_at: NOW / 1000 + 8 * 86_400 } } },
      { rate_limits: { five_hour: { used_percentage: 100.5 } } },
      { rate_limits: { five_hour: { used_percentage: 1e300 } } },
    ];
    for (const body of refused) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(/above 100|further ahead than the window allows/);
    }
    expect(daemon.service.quota?.current()).toBeNull();
    expect(daemon.service.faults.count('implausible-statusline')).toBe(refused.length);
    // A real one: 5 h window resetting in 2 h, 7 d in 3 days.
    const ok = await post({
      rate_limits: {
        five_hour: { used_percentage: 42, resets_at: NOW / 1000 + 7200 },
        seven_day: { used_percentage: 100, resets_at: NOW / 1000 + 3 * 86_400 },
      },
    });
    expect(ok.status).toBe(204);
    const p = await usage(port);
    expect(p.fuel_basis).toBe('official');
    expect(p.window_5h_reset_in_s).toBe(7200);
    expect(p.window_5h_pct).toBeCloseTo(0.42);
  });
});

describe('plausibility bounds for every source', () => {
  it('serves the last good values as stale instead of a snapshot beyond the bounds', async () => {
    const source = new FakeSource('prometheus');
    const service = new UsageService({
      source,
      settings: { redline: 1_000_000, ceiling: 20_000_000, warnFraction: 0.8, stallMinutes: 5 },
      deadlineMs: 2000,
    });
    await service.start();
    const good = await service.payload();
    expect(good.stale).toBe(false);
    source.set({ rate1m: 4e12, window5hTokens: 4e12 });
    const bad = await service.payload();
    expect(bad).toMatchObject({
      stale: true,
      rate_1m: good.rate_1m,
      window_5h_tokens: good.window_5h_tokens,
    });
    expect(bad.hot).toBe(false);
    expect(service.faults.count('implausible-snapshot')).toBe(1);
    source.set({ rate1m: 1000, window5hTokens: 5000, window5hResetInS: 9e9 });
    expect((await service.payload()).stale).toBe(true);
    await service.stop();
  });
});
