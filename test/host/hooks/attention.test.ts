// The daemon's memory of sessions waiting for the user: which hook events set and clear it, how it orders
// late reports, when it forgets, its bounds, and what it refuses.

import { describe, expect, it } from 'vitest';
import {
  ATTENTION_STALE_MS,
  AttentionStore,
  effectOf,
  HookError,
  type HookReport,
  INSTALLED_HOOK_EVENTS,
  MAX_ATTENTION_SESSIONS,
  parseHookReport,
  SETTLED_KEEP_MS,
} from '../../../host/src/hooks/attention.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const A = '5f1c0b1e-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = '5f1c0b1e-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

function report(event: string, sessionId = A, extra: Partial<HookReport> = {}): HookReport {
  return { event, sessionId, notificationType: null, toolName: null, atMs: null, ...extra };
}

describe('which events wait, continue or end', () => {
  it('follows the hooks reference', () => {
    const wait = (r: HookReport) => expect(effectOf(r), r.event).toBe('wait');
    wait(report('PermissionRequest'));
    wait(report('Stop'));
    wait(report('Notification', A, { notificationType: 'permission_prompt' }));
    wait(report('Notification', A, { notificationType: 'idle_prompt' }));
    wait(report('Notification', A, { notificationType: 'elicitation_dialog' }));
    // Older Claude Code sent notifications only for permission and idle input, without a type.
    wait(report('Notification'));
    wait(report('PreToolUse', A, { toolName: 'AskUserQuestion' }));
    for (const e of ['UserPromptSubmit', 'PostToolUse', 'PostToolUseFailure', 'SessionStart'])
      expect(effectOf(report(e)), e).toBe('continue');
    expect(effectOf(report('PreToolUse', A, { toolName: 'Bash' }))).toBe('continue');
    expect(effectOf(report('SessionEnd'))).toBe('end');
    expect(effectOf(report('Notification', A, { notificationType: 'auth_success' }))).toBe('ignore');
    for (const e of ['SubagentStop', 'PreCompact', 'Unknown', 'constructor', 'toString', '__proto__'])
      expect(effectOf(report(e)), e).toBe('ignore');
  });

  it('setup installs only events that set or clear a wait', () => {
    for (const e of INSTALLED_HOOK_EVENTS) expect(effectOf(report(e)), e).not.toBe('ignore');
    expect(INSTALLED_HOOK_EVENTS).toEqual(
      expect.arrayContaining(['Notification', 'UserPromptSubmit', 'SessionEnd']),
    );
  });
});

describe('POST /v1/hook bodies', () => {
  it('takes a hook input as Claude Code writes it, ignoring everything else in it', () => {
    const r = parseHookReport({
      session_id: A,
      transcript_path: '/home/u/.claude/projects/p/x.jsonl',
      cwd: '/home/u/p',
      hook_event_name: 'Notification',
      message: 'Claude needs your permission to use Bash',
      notification_type: 'permission_prompt',
      at_ms: NOW + 0.25,
    });
    expect(r).toEqual({
      event: 'Notification',
      sessionId: A,
      notificationType: 'permission_prompt',
      toolName: null,
      atMs: NOW + 0.25,
    });
    expect(
      parseHookReport({ session_id: A, hook_event_name: 'PreToolUse', tool_name: 'mcp__srv__do.it' })
        .toolName,
    ).toBe('mcp__srv__do.it');
  });

  it.each([
    ['not an object', [A], /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['no event', { session_id: A }, /hook_event_name/],
    ['an event that is no name', { session_id: A, hook_event_name: 'Stop; rm -rf /' }, /hook_event_name/],
    ['no session id', { hook_event_name: 'Stop' }, /session_id/],
    ['a numeric session id', { hook_event_name: 'Stop', session_id: 42 }, /session_id/],
    ['an empty session id', { hook_event_name: 'Stop', session_id: '' }, /session_id/],
    ['a path for a session id', { hook_event_name: 'Stop', session_id: '../../etc/passwd' }, /session_id/],
    ['a 129-character id', { hook_event_name: 'Stop', session_id: 'a'.repeat(129) }, /session_id/],
    ['control characters', { hook_event_name: 'Stop', session_id: 'a\u0000b' }, /session_id/],
    ['a non-ASCII id', { hook_event_name: 'Stop', session_id: 'sessión' }, /session_id/],
    [
      'a bad notification type',
      { hook_event_name: 'Notification', session_id: A, notification_type: 7 },
      /notification_type/,
    ],
    ['a bad tool name', { hook_event_name: 'PreToolUse', session_id: A, tool_name: 'a b' }, /tool_name/],
    ['at_ms a string', { hook_event_name: 'Stop', session_id: A, at_ms: '1' }, /at_ms/],
    ['at_ms infinite', { hook_event_name: 'Stop', session_id: A, at_ms: 1e300 }, /at_ms/],
    ['at_ms negative', { hook_event_name: 'Stop', session_id: A, at_ms: -1 }, /at_ms/],
  ])('refuses %s, without repeating the value', (_label, body, reason) => {
    let err: unknown;
    try {
      parseHookReport(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HookError);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).not.toMatch(/passwd|rm -rf|sessión|aaaaaaaaaaaaaaaaaaaa/);
  });

  it('keeps ids that are object keys in JavaScript apart (no prototype is touched)', () => {
    const store = new AttentionStore(() => NOW);
    for (const id of ['constructor', 'hasOwnProperty', 'toString', 'valueOf'])
      store.apply(parseHookReport({ hook_event_name: 'Stop', session_id: id }), NOW);
    expect(store.count(NOW)).toBe(4);
    store.apply(parseHookReport({ hook_event_name: 'UserPromptSubmit', session_id: 'toString' }), NOW);
    expect(store.count(NOW)).toBe(3);
    expect(() => parseHookReport({ hook_event_name: 'Stop', session_id: '__proto__' })).toThrow(HookError);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('AttentionStore', () => {
  it('a Notification sets it, the next UserPromptSubmit clears it', () => {
    const store = new AttentionStore();
    expect(store.count(NOW)).toBe(0);
    expect(store.apply(report('Notification', A, { notificationType: 'permission_prompt' }), NOW)).toBe(
      'wait',
    );
    expect(store.count(NOW)).toBe(1);
    expect(store.apply(report('UserPromptSubmit'), NOW + 1000)).toBe('continue');
    expect(store.count(NOW + 1000)).toBe(0);
  });

  it('a granted permission clears it when the tool has run; Stop sets it again', () => {
    const store = new AttentionStore();
    store.apply(report('PermissionRequest'), NOW);
    expect(store.count(NOW)).toBe(1);
    store.apply(report('PostToolUse'), NOW + 5000);
    expect(store.count(NOW + 5000)).toBe(0);
    store.apply(report('Stop'), NOW + 9000);
    expect(store.count(NOW + 9000)).toBe(1);
  });

  it('SessionEnd clears it, and an auth notification changes nothing', () => {
    const store = new AttentionStore();
    store.apply(report('Stop'), NOW);
    expect(store.apply(report('Notification', A, { notificationType: 'auth_success' }), NOW)).toBe('ignore');
    expect(store.count(NOW)).toBe(1);
    store.apply(report('SessionEnd'), NOW + 10);
    expect(store.count(NOW + 10)).toBe(0);
  });

  it('counts each waiting session once, however many times it waits', () => {
    const store = new AttentionStore();
    store.apply(report('Stop', A), NOW);
    store.apply(report('Notification', A, { notificationType: 'idle_prompt' }), NOW + 60_000);
    store.apply(report('PermissionRequest', B), NOW + 60_000);
    expect(store.count(NOW + 60_000)).toBe(2);
    store.apply(report('UserPromptSubmit', A), NOW + 70_000);
    expect(store.count(NOW + 70_000)).toBe(1);
  });

  it('drops a report older than one already applied (hooks run in the background)', () => {
    const store = new AttentionStore();
    // Stop started first, UserPromptSubmit second, but the prompt's report arrives first.
    expect(store.apply(report('UserPromptSubmit', A, { atMs: NOW + 2 }), NOW + 3)).toBe('continue');
    expect(store.apply(report('Stop', A, { atMs: NOW + 1 }), NOW + 4)).toBe('late');
    expect(store.count(NOW + 4)).toBe(0);
    // Equal stamps (or none) apply in arrival order.
    expect(store.apply(report('Stop', A, { atMs: NOW + 2 }), NOW + 5)).toBe('wait');
    expect(store.apply(report('UserPromptSubmit', A), NOW + 6)).toBe('continue');
    expect(store.count(NOW + 6)).toBe(0);
    // A report without a stamp keeps the newest one: an older stamped report is still late.
    expect(store.apply(report('Stop', A, { atMs: NOW + 1 }), NOW + 7)).toBe('late');
  });

  it('forgets a wait not heard from for ATTENTION_STALE_MS, and a settled session sooner', () => {
    const store = new AttentionStore();
    store.apply(report('Stop', A), NOW);
    store.apply(report('UserPromptSubmit', B), NOW);
    expect(store.size).toBe(2);
    expect(store.count(NOW + SETTLED_KEEP_MS - 1)).toBe(1);
    expect(store.size).toBe(2);
    expect(store.count(NOW + SETTLED_KEEP_MS)).toBe(1);
    expect(store.size).toBe(1);
    expect(store.count(NOW + ATTENTION_STALE_MS - 1)).toBe(1);
    expect(store.count(NOW + ATTENTION_STALE_MS)).toBe(0);
    expect(store.size).toBe(0);
  });

  it('a session known to be gone (its manifest is stale) does not count', () => {
    const store = new AttentionStore();
    store.apply(report('Stop', A), NOW);
    store.apply(report('Stop', B), NOW);
    expect(store.count(NOW, (id) => id === B)).toBe(1);
  });

  it('keeps at most MAX_ATTENTION_SESSIONS sessions, forgetting the one heard from least recently', () => {
    const store = new AttentionStore();
    const id = (i: number) => `s-${i}`;
    store.apply(report('Stop', id(0)), NOW);
    for (let i = 1; i < MAX_ATTENTION_SESSIONS; i++) store.apply(report('Stop', id(i)), NOW + i);
    // Session 0 is heard from again: now session 1 is the least recent.
    store.apply(report('Notification', id(0), { notificationType: 'idle_prompt' }), NOW + 10_000);
    for (let i = 0; i < 50; i++) store.apply(report('Stop', `new-${i}`), NOW + 20_000 + i);
    expect(store.size).toBe(MAX_ATTENTION_SESSIONS);
    expect(store.count(NOW + 30_000)).toBe(MAX_ATTENTION_SESSIONS);
    // A flood of ten thousand more stays bounded too.
    for (let i = 0; i < 10_000; i++) store.apply(report('UserPromptSubmit', `flood-${i}`), NOW + 40_000);
    expect(store.size).toBe(MAX_ATTENTION_SESSIONS);
    expect(store.count(NOW + 40_000)).toBe(0);
  });

  it('tells listeners when a session starts or stops waiting, not on every report', () => {
    const store = new AttentionStore();
    let calls = 0;
    const off = store.subscribe(() => {
      calls++;
    });
    store.apply(report('Stop'), NOW);
    store.apply(report('Notification', A, { notificationType: 'idle_prompt' }), NOW + 1);
    expect(calls).toBe(1);
    store.apply(report('PreToolUse', A, { toolName: 'Read' }), NOW + 2);
    store.apply(report('PostToolUse'), NOW + 3);
    expect(calls).toBe(2);
    off();
    store.apply(report('Stop'), NOW + 4);
    expect(calls).toBe(2);
  });

  it('remembers when the last report arrived, whatever it said', () => {
    const store = new AttentionStore();
    expect(store.lastReportMs).toBeNull();
    store.apply(report('SubagentStop'), NOW + 5);
    expect(store.lastReportMs).toBe(NOW + 5);
  });
});
