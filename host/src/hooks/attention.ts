// "Claude is waiting for you": which Claude Code hook events put a session in the waiting state or take it
// out, and the daemon's per-session memory of it. `claude-gauge hook` forwards each event (POST /v1/hook);
// the payload's `attention` is the number of live sessions waiting. Session ids stay in this memory: they
// are never served, logged or written anywhere. Time is injected; it imports only json.ts (the hook command
// loads this file for HOOK_FIELDS).

import { isJsonObject } from '../json.js';
import { Listeners } from '../listeners.js';

/** The members of a hook's input the daemon reads; everything else (prompts, tool input, paths) is dropped
 * by the hook command before it leaves the machine, and ignored by the route. */
export const HOOK_FIELDS = ['hook_event_name', 'session_id', 'notification_type', 'tool_name'] as const;

/** What an event says about its session. */
export type HookEffect = 'wait' | 'continue' | 'end' | 'ignore';

/** Notification types that mean the user is needed (Claude Code's `notification_type`). */
const WAITING_NOTIFICATIONS = new Set(['permission_prompt', 'idle_prompt', 'elicitation_dialog']);

export interface HookReport {
  event: string;
  sessionId: string;
  notificationType: string | null;
  toolName: string | null;
  /** When the hook process started (epoch ms, Claude Code's machine's clock), or null: orders events. */
  atMs: number | null;
}

/**
 * Each event's effect (from Claude Code's hooks reference). Waiting: a permission dialog (PermissionRequest,
 * Notification permission_prompt), a question (the AskUserQuestion tool, an MCP elicitation), or the end of
 * Claude's turn (Stop; Notification idle_prompt a minute later). Continuing: the user sent a prompt, a tool
 * starts or finished (after a permission was granted), a session (re)starts. A Notification without a type
 * comes from a Claude Code that sent notifications only for those two waits. Other events say nothing.
 */
const EFFECTS: Record<string, (r: HookReport) => HookEffect> = {
  Notification: (r) =>
    r.notificationType === null || WAITING_NOTIFICATIONS.has(r.notificationType) ? 'wait' : 'ignore',
  PermissionRequest: () => 'wait',
  Stop: () => 'wait',
  PreToolUse: (r) => (r.toolName === 'AskUserQuestion' ? 'wait' : 'continue'),
  UserPromptSubmit: () => 'continue',
  PostToolUse: () => 'continue',
  PostToolUseFailure: () => 'continue',
  SessionStart: () => 'continue',
  SessionEnd: () => 'end',
};

/** The events `claude-gauge setup` installs the hook for: enough to set and clear every wait above. */
export const INSTALLED_HOOK_EVENTS = [
  'Notification',
  'PermissionRequest',
  'Stop',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'SessionEnd',
] as const;

export function effectOf(r: HookReport): HookEffect {
  const rule = Object.hasOwn(EFFECTS, r.event) ? EFFECTS[r.event] : undefined;
  return rule ? rule(r) : 'ignore';
}

export class HookError extends Error {
  override name = 'HookError';
}

/** Session ids are UUIDs; this admits any plain id up to the bound and nothing that could be a path. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const EVENT_NAME = /^[A-Za-z]{1,64}$/;
const NOTIFICATION_TYPE = /^[a-z_]{1,64}$/;
const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Validates a POST /v1/hook body: the HOOK_FIELDS of a hook's input plus `at_ms`; other members ignored. */
export function parseHookReport(body: unknown): HookReport {
  if (!isJsonObject(body)) throw new HookError('body is not a JSON object');
  const b = body;
  // The reasons never echo a value: a 400 must not carry what a hook was given.
  const event = b.hook_event_name;
  if (typeof event !== 'string' || !EVENT_NAME.test(event))
    throw new HookError('hook_event_name is not an event name');
  const id = b.session_id;
  if (typeof id !== 'string' || !SESSION_ID.test(id))
    throw new HookError('session_id is not a session id (letters, digits, . _ : -; at most 128)');
  const optional = (key: string, re: RegExp): string | null => {
    const v = b[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || !re.test(v)) throw new HookError(`${key} is not valid`);
    return v;
  };
  const at = b.at_ms;
  if (
    at !== undefined &&
    at !== null &&
    (typeof at !== 'number' || !Number.isFinite(at) || at <= 0 || at > 8.64e15)
  )
    throw new HookError('at_ms is not a time');
  return {
    event,
    sessionId: id,
    notificationType: optional('notification_type', NOTIFICATION_TYPE),
    toolName: optional('tool_name', TOOL_NAME),
    atMs: typeof at === 'number' ? at : null,
  };
}

/** A waiting session that has not been heard from for this long no longer counts (and is forgotten). */
export const ATTENTION_STALE_MS = 6 * 3_600_000;
/** A session that is not waiting is remembered this long, so a late event of its past is recognised. */
export const SETTLED_KEEP_MS = 10 * 60_000;
/** At most this many sessions are remembered (ids of at most 128 bytes: well under 64 kB in all); past
 * it, the one heard from least recently is forgotten. */
export const MAX_ATTENTION_SESSIONS = 256;

interface SessionState {
  waiting: boolean;
  /** The newest hook start time applied (the hook's clock), or null when none was given. */
  atMs: number | null;
  /** When the daemon last heard from the session (its own clock). */
  heardMs: number;
}

/** What applying a report did. */
export type ApplyResult = HookEffect | 'late';

export class AttentionStore {
  /** Insertion order is the order last heard from: the first entry is the one to forget first. */
  private readonly sessions = new Map<string, SessionState>();
  private readonly listeners = new Listeners();
  /** When the last valid report arrived (daemon clock), or null: what `doctor` shows. */
  lastReportMs: number | null = null;

  /**
   * `clock` stamps the reports the route receives (the daemon's clock, frozen under --now); sessions
   * forgotten for MAX_ATTENTION_SESSIONS are counted in `faults` when given.
   */
  constructor(
    readonly clock: () => number = Date.now,
    // The daemon's fault registry (faults.ts), typed by what is used here: this file imports nothing.
    private readonly faults: {
      hit(id: 'hook-sessions-evicted', detail?: Record<string, unknown>): void;
    } | null = null,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  apply(r: HookReport, nowMs: number): ApplyResult {
    this.lastReportMs = nowMs;
    const effect = effectOf(r);
    if (effect === 'ignore') return effect;
    const prev = this.sessions.get(r.sessionId);
    // Hooks may run in the background (async): a report can arrive after a newer one of its session.
    if (prev && r.atMs !== null && prev.atMs !== null && r.atMs < prev.atMs) return 'late';
    const waiting = effect === 'wait';
    this.sessions.delete(r.sessionId);
    this.sessions.set(r.sessionId, { waiting, atMs: r.atMs ?? prev?.atMs ?? null, heardMs: nowMs });
    for (const id of this.sessions.keys()) {
      if (this.sessions.size <= MAX_ATTENTION_SESSIONS) break;
      this.sessions.delete(id);
      this.faults?.hit('hook-sessions-evicted', { limit: MAX_ATTENTION_SESSIONS });
    }
    if (waiting !== (prev?.waiting ?? false)) this.notify();
    return effect;
  }

  /** Live sessions waiting as of `nowMs`; `ended(id)` says a session is known to be gone (crashed). */
  count(nowMs: number, ended: (sessionId: string) => boolean = () => false): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      const age = nowMs - s.heardMs;
      if (age >= (s.waiting ? ATTENTION_STALE_MS : SETTLED_KEEP_MS)) {
        this.sessions.delete(id);
        continue;
      }
      if (s.waiting && !ended(id)) n++;
    }
    return n;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.subscribe(listener);
  }

  private notify(): void {
    this.listeners.notify();
  }
}
