import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPayload,
  contentKey,
  NO_SESSIONS,
  type SessionView,
  sanitizeSnapshot,
} from '../../host/src/payload.js';
import type { SourceSnapshot } from '../../host/src/sources/source.js';
import { SNAP, validatePayload } from './helpers/fixtures.js';

const settings = { redline: 1000, ceiling: 10_000, warnFraction: 0.8, stallMinutes: 5 };
const NOW = Date.UTC(2026, 0, 1, 12);
const oneLive: SessionView = { active: 1, working: 1, newestWorkingStartMs: NOW - 3_600_000 };

function build(snap: Partial<SourceSnapshot>, sessions: SessionView = oneLive, stale = false) {
  return buildPayload({
    snapshot: { ...SNAP, ...snap },
    sessions,
    settings,
    nowMs: NOW,
    stale,
    source: 'jsonl',
  });
}

describe('buildPayload', () => {
  it('maps the snapshot onto the contract and validates', () => {
    const p = build({ rate1m: 500, window5hTokens: 4000, lastResponseAtMs: NOW - 1000 });
    expect(p).toEqual({
      v: 1,
      ts: NOW,
      rate_1m: 500,
      rate_redline: 1000,
      window_5h_tokens: 4000,
      window_5h_pct: 0.4,
      window_5h_reset_in_s: 3600,
      thinking_ratio: 0.25,
      cache_hit_rate: 0.5,
      last_model: 'claude-sonnet-4-5-20250929',
      sessions_active: 1,
      hot: false,
      warn: false,
      stall: false,
      idle: false,
      stale: false,
      source: 'jsonl',
      machines: 0,
    });
    expect(validatePayload(p)).toBe(true);
  });

  it("a hub's snapshot: machines, and the other machines' live sessions added to its own", () => {
    const hub = { machines: 3, sessionsActive: 2, sessionsWorking: 1 };
    const p = build({ hub, lastResponseAtMs: NOW - 10 * 60_000 });
    expect(p.machines).toBe(3);
    expect(p.sessions_active).toBe(3);
    expect(p.idle).toBe(false);
    // Working sessions elsewhere count for STALL too: nothing heard for 10 min from anyone.
    expect(p.stall).toBe(true);
    const alone = build({ hub: { machines: 1, sessionsActive: 0, sessionsWorking: 0 } }, NO_SESSIONS);
    expect([alone.machines, alone.sessions_active, alone.idle]).toEqual([1, 0, true]);
    expect(
      sanitizeSnapshot({ hub: { machines: Number.NaN, sessionsActive: -2, sessionsWorking: 1.6 } }).hub,
    ).toEqual({
      machines: 0,
      sessionsActive: 0,
      sessionsWorking: 2,
    });
    expect(validatePayload(p)).toBe(true);
  });

  it('trips HOT strictly above the redline and WARN strictly above the warn fraction', () => {
    expect(build({ rate1m: 1000 }).hot).toBe(false);
    expect(build({ rate1m: 1000.5 }).hot).toBe(true);
    expect(build({ window5hTokens: 8000 }).warn).toBe(false);
    expect(build({ window5hTokens: 8001 }).warn).toBe(true);
    const over = build({ window5hTokens: 12_000 });
    expect(over.window_5h_pct).toBeCloseTo(1.2);
    expect(validatePayload(over)).toBe(true);
  });

  it('lights IDLE with no live session, and never STALL then', () => {
    const p = build({ lastResponseAtMs: NOW - 3_600_000 }, NO_SESSIONS);
    expect(p.idle).toBe(true);
    expect(p.stall).toBe(false);
    expect(p.sessions_active).toBe(0);
  });

  it('lights STALL when a working session has heard nothing for the stall minutes', () => {
    expect(build({ lastResponseAtMs: NOW - 5 * 60_000 }).stall).toBe(false);
    expect(build({ lastResponseAtMs: NOW - 5 * 60_000 - 1 }).stall).toBe(true);
    // A session that started after the last response is judged from its own start.
    const fresh: SessionView = { active: 1, working: 1, newestWorkingStartMs: NOW - 60_000 };
    expect(build({ lastResponseAtMs: NOW - 3_600_000 }, fresh).stall).toBe(false);
    // Sessions waiting for the user (status idle) do not stall.
    const waiting: SessionView = { active: 1, working: 0, newestWorkingStartMs: null };
    expect(build({ lastResponseAtMs: NOW - 3_600_000 }, waiting).stall).toBe(false);
    // Nothing known at all: no evidence of a stall.
    expect(
      build({ lastResponseAtMs: null }, { active: 1, working: 1, newestWorkingStartMs: null }).stall,
    ).toBe(false);
  });

  it('infers one active session from recent responses when there are no manifests at all', () => {
    const none: SessionView = {
      active: 0,
      working: 0,
      newestWorkingStartMs: null,
      manifestsAvailable: false,
    };
    const recent = build({ lastResponseAtMs: NOW - 60_000 }, none);
    expect(recent).toMatchObject({ sessions_active: 1, idle: false, stall: false });
    const old = build({ lastResponseAtMs: NOW - 6 * 60_000 }, none);
    expect(old).toMatchObject({ sessions_active: 0, idle: true, stall: false });
    expect(build({ lastResponseAtMs: null }, none)).toMatchObject({ sessions_active: 0, idle: true });
  });

  it('lets a source that scripts sessions (the demo) override the tracker', () => {
    const p = build({ sessionsActive: 3, lastResponseAtMs: NOW - 10 * 60_000 }, NO_SESSIONS);
    expect(p.sessions_active).toBe(3);
    expect(p.idle).toBe(false);
    expect(p.stall).toBe(true);
  });

  it('sanitises hostile snapshots into a valid payload', () => {
    const hostile = {
      rate1m: Number.NaN,
      window5hTokens: -5,
      window5hResetInS: Number.POSITIVE_INFINITY,
      thinkingRatio: 7,
      cacheHitRate: -1,
      lastModel: `evil\u0000\n${'x'.repeat(10_000)}`,
      lastResponseAtMs: Number.NaN,
      sessionsActive: -2,
    } as SourceSnapshot;
    const p = build(hostile, oneLive, true);
    expect(validatePayload(p), JSON.stringify(validatePayload.errors)).toBe(true);
    expect(p.rate_1m).toBe(0);
    expect(p.window_5h_tokens).toBe(0);
    expect(p.window_5h_reset_in_s).toBeNull();
    expect(p.thinking_ratio).toBe(1);
    expect(p.cache_hit_rate).toBe(0);
    expect(p.last_model.startsWith('evilx')).toBe(true);
    expect(p.last_model).toHaveLength(128);
    expect(p.stale).toBe(true);
    expect(sanitizeSnapshot(null).rate1m).toBe(0);
  });

  it('always yields a schema-valid payload, whatever the source says (property)', () => {
    const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constant(Number.NaN), fc.constant(-0));
    fc.assert(
      fc.property(
        fc.record({
          rate1m: anyNumber,
          window5hTokens: anyNumber,
          window5hResetInS: fc.oneof(anyNumber, fc.constant(null)),
          thinkingRatio: anyNumber,
          cacheHitRate: anyNumber,
          lastModel: fc.string({ maxLength: 300 }),
          lastResponseAtMs: fc.oneof(anyNumber, fc.constant(null)),
        }),
        fc.nat(20),
        (snap, active) => {
          const p = build(snap as SourceSnapshot, { active, working: active, newestWorkingStartMs: null });
          return validatePayload(p) === true && p.idle === (active === 0);
        },
      ),
    );
  });

  it('gives equal content keys to payloads that differ only in ts', () => {
    const a = build({});
    const b = { ...a, ts: a.ts + 5000 };
    expect(contentKey(a)).toBe(contentKey(b));
    expect(contentKey(a)).not.toBe(contentKey({ ...a, rate_1m: a.rate_1m + 1 }));
  });
});
