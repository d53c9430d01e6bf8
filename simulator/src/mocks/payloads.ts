// Canned /usage bodies for `?mock=<name>`: development and tests without a daemon. They follow
// contract/usage.v1.schema.json; `garbage`, `bad-version`, `hang` and `error` exercise the core's rejection
// and NO SIGNAL paths exactly as a misbehaving daemon would.
import type { UsagePayload } from '../../../contract/usage.js';

const REDLINE = 60_000;

function base(nowMs: number): UsagePayload {
  return {
    v: 1,
    ts: nowMs,
    rate_1m: 0,
    rate_redline: REDLINE,
    window_5h_tokens: 0,
    window_5h_pct: 0,
    window_5h_reset_in_s: null,
    thinking_ratio: 0,
    cache_hit_rate: 0,
    last_model: '',
    sessions_active: 0,
    hot: false,
    warn: false,
    stall: false,
    idle: true,
    stale: false,
    source: 'jsonl',
  };
}

function active(nowMs: number, over: Partial<UsagePayload>): UsagePayload {
  const rate = over.rate_1m ?? 0;
  const pct = over.window_5h_pct ?? 0;
  return {
    ...base(nowMs),
    window_5h_tokens: Math.round(pct * 2_000_000),
    window_5h_reset_in_s: 3 * 3600 + 120,
    thinking_ratio: 0.35,
    cache_hit_rate: 0.82,
    last_model: 'claude-opus-4-5-20251101',
    sessions_active: 1,
    idle: false,
    ...over,
    hot: rate > (over.rate_redline ?? REDLINE),
    warn: pct > 0.8,
  };
}

/** A slow, deterministic wobble so a live-looking mock moves the needle without randomness. */
const wobble = (nowMs: number, amplitude: number) => amplitude * Math.sin(nowMs / 9_000);

export type MockBody = { kind: 'json'; body: UsagePayload } | { kind: 'text'; body: string };
export type MockReply = MockBody | { kind: 'status'; status: number } | { kind: 'hang' };

export const mockNames = [
  'cruise',
  'hot',
  'warn',
  'over',
  'stall',
  'idle',
  'demo',
  'stale',
  'garbage',
  'bad-version',
  'error',
  'hang',
] as const;
export type MockName = (typeof mockNames)[number];

export function isMockName(name: string): name is MockName {
  return (mockNames as readonly string[]).includes(name);
}

export function mockReply(name: MockName, nowMs: number): MockReply {
  const json = (body: UsagePayload): MockReply => ({ kind: 'json', body });
  switch (name) {
    case 'cruise':
      return json(active(nowMs, { rate_1m: 18_000 + wobble(nowMs, 4_000), window_5h_pct: 0.42 }));
    case 'hot':
      return json(
        active(nowMs, { rate_1m: 84_000 + wobble(nowMs, 6_000), window_5h_pct: 0.55, thinking_ratio: 0.7 }),
      );
    case 'warn':
      return json(active(nowMs, { rate_1m: 12_000, window_5h_pct: 0.88 }));
    case 'over':
      return json(active(nowMs, { rate_1m: 9_000, window_5h_pct: 1.12 }));
    case 'stall':
      return json(active(nowMs, { rate_1m: 0, window_5h_pct: 0.3, stall: true }));
    case 'idle':
      return json(base(nowMs));
    case 'demo':
      return json({
        ...active(nowMs, { rate_1m: 24_000 + wobble(nowMs, 8_000), window_5h_pct: 0.5 }),
        source: 'demo',
      });
    case 'stale':
      return json(active(nowMs, { rate_1m: 15_000, window_5h_pct: 0.4, stale: true }));
    case 'garbage':
      return { kind: 'text', body: '{"v":1,"ts":12,"rate_1m":"fast",' };
    case 'bad-version':
      return json({ ...active(nowMs, { rate_1m: 15_000 }), v: 2 as 1 });
    case 'error':
      return { kind: 'status', status: 500 };
    case 'hang':
      return { kind: 'hang' };
  }
}
