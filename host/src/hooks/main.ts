// `claude-gauge hook`: a Claude Code hook command. Reads the hook's input JSON on stdin and forwards only
// what says whether the session waits for the user (HOOK_FIELDS: the event, the session id, the
// notification type, the tool name) to the daemon's POST /v1/hook, stamped with when this process started
// so the daemon can order events that hooks run in the background deliver out of order.
// It runs on hook events (some on every tool call), so it is as light as `statusline`: Node built-ins,
// daemon-client.ts and attention.ts only; it waits at most FORWARD_TIMEOUT_MS for the daemon and exits 0
// whatever happens, printing nothing on stdout (Claude Code adds a UserPromptSubmit or SessionStart hook's
// stdout to Claude's context). A bad flag exits 1, never 2: exit 2 would block the prompt or the tool.

import {
  type CommandIo,
  DAEMON_FLAGS_HELP,
  daemonEndpoint,
  parseDaemonFlags,
  postJson,
  readInput,
} from '../daemon-client.js';
import { HOOK_FIELDS, INSTALLED_HOOK_EVENTS } from './attention.js';

/** A hook's input may carry a tool's whole output; the members needed come first, so the rest is not read. */
const MAX_STDIN_BYTES = 1024 * 1024;
/** Longer member values are not taken (a session id is 36 characters). */
const MAX_VALUE = 256;

const HELP = `claude-gauge hook: Claude Code hook command (reads the hook's JSON on stdin)

Forwards whether a session waits for you (a permission prompt, a question, the end of Claude's turn) or
goes on, to the daemon (POST /v1/hook): only the event name, session id, notification type and tool name
leave this command. Prints nothing; always exits 0. \`claude-gauge setup --write\` installs it in
~/.claude/settings.json for ${INSTALLED_HOOK_EVENTS.join(', ')}.

${DAEMON_FLAGS_HELP}`;

/**
 * The string members `keys` at the top level of a JSON object text, read without parsing the rest: the
 * text may be cut short at the read limit, and a member nested deeper (inside tool_input) is never taken.
 * Stops at the first syntax error or the end of the text, or once every key is found; the first occurrence
 * of a key wins.
 */
export function topLevelStrings(text: string, keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const n = text.length;
  let i = 0;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  /** Reads the string at i (which must be '"'); the decoded text, or null at an error or the end. */
  const str = (keep: boolean): string | null => {
    if (text[i] !== '"') return null;
    i++;
    let s = '';
    while (i < n) {
      const c = text.charCodeAt(i++);
      if (c === 0x22) return s;
      if (c < 0x20) return null;
      if (c !== 0x5c) {
        if (keep && s.length <= MAX_VALUE) s += String.fromCharCode(c);
        continue;
      }
      const e = text[i++];
      let ch: string;
      if (e === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return null;
        ch = String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e === undefined || !Object.hasOwn(simple, e)) return null;
        ch = simple[e] as string;
      }
      if (keep && s.length <= MAX_VALUE) s += ch;
    }
    return null;
  };
  /** Skips the value at i; false at an error or the end. */
  const skip = (): boolean => {
    const c = text[i];
    if (c === '"') return str(false) !== null;
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < n) {
        const d = text[i];
        if (d === '"') {
          if (str(false) === null) return false;
          continue;
        }
        i++;
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') {
          depth--;
          if (depth === 0) return true;
        }
      }
      return false;
    }
    const start = i;
    while (i < n && !',}] \n\r\t'.includes(text[i] as string)) i++;
    return i > start && i < n;
  };
  ws();
  if (text[i] !== '{') return out;
  i++;
  while (out.size < keys.length) {
    ws();
    const key = str(true);
    if (key === null) break;
    ws();
    if (text[i] !== ':') break;
    i++;
    ws();
    if (keys.includes(key) && !out.has(key) && text[i] === '"') {
      const v = str(true);
      if (v === null) break;
      if (v.length <= MAX_VALUE) out.set(key, v);
    } else if (!skip()) break;
    ws();
    if (text[i] !== ',') break;
    i++;
  }
  return out;
}

/** The body for POST /v1/hook from a hook's input text, or null when it names no event or session. */
export function hookReportOf(text: string, atMs: number): Record<string, unknown> | null {
  const f = topLevelStrings(text, HOOK_FIELDS);
  if (!f.get('hook_event_name') || !f.get('session_id')) return null;
  return { ...Object.fromEntries(f), at_ms: atMs };
}

export async function hookMain(argv: string[], io: CommandIo): Promise<number> {
  const values = parseDaemonFlags(argv, io, { name: 'hook', help: HELP, badFlagExit: 1 });
  if (typeof values === 'number') return values;
  // When this process started: Claude Code spawns hooks in the order of their events.
  const startedAt = io.now ? io.now() : performance.timeOrigin;
  const report = hookReportOf(await readInput(io.stdin, MAX_STDIN_BYTES), startedAt);
  if (!report) return 0;
  const result = await postJson(daemonEndpoint(values, io.env), '/v1/hook', report);
  // A daemon that is off is normal; a wrong token or address is a setup error worth a line on stderr.
  if (result === 'unauthorized') io.stderr('claude-gauge hook: the daemon refused the token (--token)\n');
  else if (result === 'refused') io.stderr('claude-gauge hook: the daemon refused the report\n');
  return 0;
}
