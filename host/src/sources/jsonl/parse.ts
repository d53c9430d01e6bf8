// Turns one transcript line (raw bytes, no newline) into usage records, accepting and rejecting exactly
// the lines ccusage 20.0.24 accepts and rejects (verified against its binary; see README.md). Bytes stay
// bytes until the cheap checks pass: most lines of a transcript never reach JSON.parse.
// One rule of our own on top: a token count beyond the plausibility bounds (plausible.ts) skips the line
// (`implausible`), where ccusage would count it.

import { isJsonObject } from '../../json.js';
import { plausibleResponse } from '../../plausible.js';

/** The byte marker ccusage itself requires; Claude Code writes compact JSON, so every usage line has it. */
export const USAGE_MARKER = Buffer.from('"usage":{');

/** Why a line produced no record. `no-usage` is the normal case for user/progress/system lines. */
export type SkipReason =
  | 'no-usage'
  | 'invalid-utf8'
  | 'bad-json'
  | 'null-field'
  | 'schema'
  | 'timestamp'
  | 'invalid-entry'
  | 'implausible';

export interface UsageRecord {
  /** Epoch ms of the line's `timestamp`. */
  ts: number;
  /** `message.id` (advisor iterations get `<id>:advisor:<n>`), or null: then the line is never deduped. */
  messageId: string | null;
  requestId: string | null;
  sidechain: boolean;
  /** `usage.speed` present: ccusage prefers such a copy on equal totals. */
  hasSpeed: boolean;
  /** Raw `message.model`; null when absent. `<synthetic>` is kept here: sources/source.ts says where it counts. */
  model: string | null;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  /** `usage.output_tokens_details.thinking_tokens` when the API reported it. */
  thinkingTokens: number | null;
  /** The line carries a thinking / redacted_thinking content block. */
  hasThinkingBlock: boolean;
  /** Characters of visible output on this line: text blocks plus tool_use inputs (JSON). */
  visibleChars: number;
}

export type ParseResult = { ok: true; records: UsageRecord[] } | { ok: false; reason: SkipReason };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a BOM: ccusage rejects such a line;

export function recordTotal(
  r: Pick<UsageRecord, 'input' | 'output' | 'cacheCreation' | 'cacheRead'>,
): number {
  return r.input + r.output + r.cacheCreation + r.cacheRead;
}

/** The answer for most lines, shared rather than allocated per line. */
const NO_USAGE: ParseResult = Object.freeze({ ok: false, reason: 'no-usage' });

const USAGE_QUOTED = Buffer.from('"usage"');
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * True when the line holds USAGE_MARKER. Searched as `"usage"` and then checked for `:{`: Buffer.indexOf
 * is about twice as fast with that 7-byte needle as with the 9-byte marker (every non-usage line of a
 * transcript is scanned whole, so this is most of the bytes).
 */
export function hasUsageMarker(line: Buffer): boolean {
  let from = 0;
  for (;;) {
    const at = line.indexOf(USAGE_QUOTED, from);
    if (at < 0) return false;
    if (line[at + 7] === COLON && line[at + 8] === OPEN_BRACE) return true;
    from = at + 1;
  }
}

/**
 * `contentFromMs`: responses stamped before it get no content summary (visibleChars 0, no thinking
 * block). Only the thinking ratio's last 5 min reads it, and summing tool inputs is the costliest part of
 * a line after JSON.parse, so the cold start skips it for everything older.
 */
export function parseUsageLine(line: Buffer, contentFromMs = Number.NEGATIVE_INFINITY): ParseResult {
  if (!hasUsageMarker(line)) return NO_USAGE;
  if (hasRejectedNull(line)) return concatenated(line, contentFromMs) ?? { ok: false, reason: 'null-field' };
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return concatenated(line, contentFromMs) ?? { ok: false, reason: 'invalid-utf8' };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return concatenated(line, contentFromMs) ?? { ok: false, reason: 'bad-json' };
  }
  return fromObject(data, contentFromMs);
}

/**
 * A line that is several JSON objects written back to back: a transcript whose last line had lost its
 * newline (copied, synced, restored) and was then appended to. Each object is read as a line of its own,
 * the way the live tail reads them once it has counted the first (see `isCompleteLine`); bytes after the
 * last complete object are one more piece, dropped like any garbage. ccusage drops the whole line (a
 * difference README.md lists). Null when the line is not such a run of objects: then it is one bad line.
 */
function concatenated(line: Buffer, contentFromMs: number): ParseResult | null {
  const pieces = objectPieces(line);
  if (pieces === null) return null;
  const records: UsageRecord[] = [];
  let failed: ParseResult = NO_USAGE;
  for (const piece of pieces) {
    const r = parseUsageLine(piece, contentFromMs);
    if (r.ok) records.push(...r.records);
    else if (failed === NO_USAGE) failed = r;
  }
  return records.length > 0 ? { ok: true, records } : failed;
}

/**
 * The line cut after each top-level `{…}` (strings and nesting respected), leading whitespace skipped; a
 * rest that is not such an object is the last piece. Null when that gives fewer than two pieces.
 */
function objectPieces(line: Buffer): Buffer[] | null {
  const pieces: Buffer[] = [];
  let i = skipWs(line, 0);
  while (i < line.length) {
    const end = line[i] === OPEN_BRACE ? containerEnd(line, i + 1) : null;
    if (end === null) {
      pieces.push(line.subarray(i));
      break;
    }
    pieces.push(line.subarray(i, end + 1));
    i = skipWs(line, end + 1);
  }
  return pieces.length > 1 ? pieces : null;
}

/**
 * True when the line is whole: one or more complete JSON objects (whitespace around them allowed). The
 * live tail counts a last line that has no newline yet only when this holds, once its file is quiet; a
 * torn write fails it (a compact object is balanced only at its very end).
 */
export function isCompleteLine(line: Buffer): boolean {
  let last = line.length - 1;
  while (last >= 0 && isWs(line[last] as number)) last--;
  if (last < 0 || line[last] !== CLOSE_BRACE) return false;
  const first = skipWs(line, 0);
  for (const piece of objectPieces(line) ?? [line.subarray(first)]) {
    if (piece[0] !== OPEN_BRACE) return false;
    try {
      JSON.parse(utf8.decode(piece));
    } catch {
      return false;
    }
  }
  return true;
}

/** Exported for tests: the schema and validity rules applied to an already parsed line. */
export function fromObject(data: unknown, contentFromMs = Number.NEGATIVE_INFINITY): ParseResult {
  if (!isJsonObject(data)) return { ok: false, reason: 'schema' };
  const message = data.message;
  if (!isJsonObject(message)) return { ok: false, reason: 'schema' };
  const usage = message.usage;
  if (!isJsonObject(usage)) return { ok: false, reason: 'schema' };
  // ccusage deserialises into typed structs: a wrong type on any field it reads fails the whole line.
  if (!optString(data.sessionId) || !optString(data.version) || !optString(data.requestId))
    return { ok: false, reason: 'schema' };
  if (!optBool(data.isApiErrorMessage) || !optBool(data.isSidechain) || !optNumber(data.costUSD))
    return { ok: false, reason: 'schema' };
  if (!optString(message.id) || !optString(message.model)) return { ok: false, reason: 'schema' };
  if (typeof data.timestamp !== 'string') return { ok: false, reason: 'schema' };
  const tokens = readTokens(usage);
  if (!tokens) return { ok: false, reason: 'schema' };
  if (!plausibleResponse(tokens)) return { ok: false, reason: 'implausible' };
  const ts = parseTimestamp(data.timestamp);
  if (ts === null) return { ok: false, reason: 'timestamp' };
  if (typeof data.version === 'string' && !isSemverPrefix(data.version))
    return { ok: false, reason: 'invalid-entry' };
  if (data.sessionId === '' || data.requestId === '' || message.id === '' || message.model === '')
    return { ok: false, reason: 'invalid-entry' };

  const messageId = typeof message.id === 'string' ? message.id : null;
  const requestId = typeof data.requestId === 'string' ? data.requestId : null;
  const sidechain = data.isSidechain === true;
  const content = ts >= contentFromMs ? describeContent(message.content) : NO_CONTENT;
  const details = usage.output_tokens_details;
  const thinking = isJsonObject(details) ? details.thinking_tokens : undefined;
  const hasSpeed = usage.speed !== undefined && usage.speed !== null;
  const model = typeof message.model === 'string' ? message.model : null;
  const main = usageRecord(ts, messageId, requestId, sidechain, hasSpeed, model, tokens);
  main.thinkingTokens = isCount(thinking) ? thinking : null;
  main.hasThinkingBlock = content.hasThinking;
  main.visibleChars = content.visibleChars;
  const records = [main];
  // Advisor iterations are billed to another model and ccusage counts them as their own entries. Every
  // other iteration repeats the top-level usage and is never added.
  const advisors = advisorIterations(usage.iterations);
  if (!advisors.every((a) => plausibleResponse(a.tokens))) return { ok: false, reason: 'implausible' };
  for (const advisor of advisors) {
    const id = messageId === null ? null : `${messageId}:advisor:${records.length - 1}`;
    records.push(usageRecord(ts, id, requestId, sidechain, advisor.hasSpeed, advisor.model, advisor.tokens));
  }
  return { ok: true, records };
}

/**
 * Every record is built here, with all fields in one order: one object shape for the whole process keeps
 * property access fast in the Ledger (a spread-built record cost ~2 µs per line on a cold start).
 */
function usageRecord(
  ts: number,
  messageId: string | null,
  requestId: string | null,
  sidechain: boolean,
  hasSpeed: boolean,
  model: string | null,
  tokens: Tokens,
): UsageRecord {
  return {
    ts,
    messageId,
    requestId,
    sidechain,
    hasSpeed,
    model,
    input: tokens.input,
    output: tokens.output,
    cacheCreation: tokens.cacheCreation,
    cacheRead: tokens.cacheRead,
    thinkingTokens: null,
    hasThinkingBlock: false,
    visibleChars: 0,
  };
}

/** Advisor entries, or none when any iteration is malformed (ccusage then drops them all). */
function advisorIterations(iterations: unknown): { model: string; tokens: Tokens; hasSpeed: boolean }[] {
  if (!Array.isArray(iterations)) return [];
  const out: { model: string; tokens: Tokens; hasSpeed: boolean }[] = [];
  for (const it of iterations) {
    if (!isJsonObject(it) || typeof it.type !== 'string' || !optString(it.model)) return [];
    const tokens = readTokens(it);
    if (!tokens) return [];
    if (it.type === 'advisor_message' && typeof it.model === 'string' && it.model !== '')
      out.push({ model: it.model, tokens, hasSpeed: it.speed !== undefined && it.speed !== null });
  }
  return out;
}

interface Tokens {
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

function readTokens(u: Record<string, unknown>): Tokens | null {
  const { input_tokens: input, output_tokens: output } = u;
  const flat = u.cache_creation_input_tokens ?? 0;
  const read = u.cache_read_input_tokens ?? 0;
  if (!isCount(input) || !isCount(output) || !isCount(flat) || !isCount(read)) return null;
  if (u.speed !== undefined && u.speed !== null && u.speed !== 'standard' && u.speed !== 'fast') return null;
  let cacheCreation = flat;
  const buckets = u.cache_creation;
  if (buckets !== undefined && buckets !== null) {
    if (!isJsonObject(buckets)) return null;
    const m5 = buckets.ephemeral_5m_input_tokens ?? 0;
    const h1 = buckets.ephemeral_1h_input_tokens ?? 0;
    if (!isCount(m5) || !isCount(h1)) return null;
    // The flat field is what the API bills. The 5m/1h split can hold less (from 2.1.227 an advisor
    // response's split has only its first iteration's write), so it counts only without a flat field.
    // ccusage 20.0.24 counts the split: a difference README.md lists.
    if (u.cache_creation_input_tokens === undefined || u.cache_creation_input_tokens === null)
      cacheCreation = m5 + h1;
  }
  return { input, output, cacheCreation, cacheRead: read };
}

const NO_CONTENT = Object.freeze({ hasThinking: false, visibleChars: 0 });

function describeContent(content: unknown): { hasThinking: boolean; visibleChars: number } {
  let hasThinking = false;
  let visibleChars = 0;
  if (typeof content === 'string') return { hasThinking, visibleChars: content.length };
  if (!Array.isArray(content)) return { hasThinking, visibleChars };
  for (const block of content) {
    if (!isJsonObject(block)) continue;
    if (block.type === 'thinking' || block.type === 'redacted_thinking') hasThinking = true;
    else if (block.type === 'text' && typeof block.text === 'string') visibleChars += block.text.length;
    else if (block.type === 'tool_use' && block.input !== undefined) {
      try {
        visibleChars += JSON.stringify(block.input)?.length ?? 0;
      } catch {
        // unserialisable input cannot come out of JSON.parse; nothing to add
      }
    }
  }
  return { hasThinking, visibleChars };
}

/**
 * ccusage's timestamp grammar: `YYYY-MM-DDTHH:MM:SS` then optional `.mmm` (exactly 3 digits), then `Z` or
 * `±HH:MM`. Anything else (micro-seconds, no zone, lowercase) drops the line.
 */
export function parseTimestamp(s: string): number | null {
  const n = s.length;
  let msPart = 0;
  let zoneAt: number;
  if ((n === 20 || n === 25) && (s[19] === 'Z' || s[19] === '+' || s[19] === '-')) zoneAt = 19;
  else if ((n === 24 || n === 29) && s[19] === '.') {
    const ms = digits(s, 20, 23);
    if (ms === null) return null;
    msPart = ms;
    zoneAt = 23;
  } else return null;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return null;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  if (year === null || month === null || day === null || hour === null || minute === null || second === null)
    return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMin = 0;
  const zone = s.slice(zoneAt);
  if (zone !== 'Z') {
    if (zone.length !== 6 || (zone[0] !== '+' && zone[0] !== '-') || zone[3] !== ':') return null;
    const oh = digits(zone, 1, 3);
    const om = digits(zone, 4, 6);
    if (oh === null || om === null || oh > 23 || om > 59) return null;
    offsetMin = (zone[0] === '+' ? 1 : -1) * (oh * 60 + om);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, msPart) - offsetMin * 60_000;
}

function digits(s: string, from: number, to: number): number | null {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `D.D.D…`: ccusage drops lines whose `version` does not start like a semver. */
export function isSemverPrefix(v: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d)/.exec(v);
  return m !== null;
}

// Fields ccusage declares non-nullable: a line with `"<one of these>":null` ANYWHERE (even nested in
// content) is rejected before parsing. Reimplemented from its byte scan so the same lines drop.
const REJECTED_NULL_FIELDS = new Set([
  'id',
  'cwd',
  'model',
  'speed',
  'costUSD',
  'version',
  'sessionId',
  'requestId',
  'isApiErrorMessage',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
]);
/** Byte lengths of those names: most `"key":null` keys (stop_reason, stop_sequence…) fail this, without a string. */
const REJECTED_NULL_LENGTHS = new Set([...REJECTED_NULL_FIELDS].map((f) => f.length));
const NULL_NEEDLE = Buffer.from(':null');
const QUOTE = 0x22;

export function hasRejectedNull(line: Buffer): boolean {
  let from = 0;
  let iterations: [number, number] | null | undefined; // computed lazily: most lines have no null at all
  for (;;) {
    const at = line.indexOf(NULL_NEEDLE, from);
    if (at < 0) return false;
    from = at + NULL_NEEDLE.length;
    let end = at - 1;
    if (end < 0) continue;
    if (line[end] !== QUOTE) while (end > 0 && line[end] !== QUOTE) end--;
    if (line[end] !== QUOTE) continue;
    let start = Math.max(0, end - 1);
    while (start > 0 && line[start] !== QUOTE) start--;
    if (line[start] !== QUOTE || !REJECTED_NULL_LENGTHS.has(end - start - 1)) continue;
    const field = line.toString('latin1', start + 1, end);
    if (!REJECTED_NULL_FIELDS.has(field)) continue;
    if (field === 'model') {
      // `usage.iterations[].model` may be null (Claude Code writes it so); only that one is exempt.
      if (iterations === undefined) iterations = iterationsSpan(line);
      if (iterations && at >= iterations[0] && at < iterations[1]) continue;
    }
    return true;
  }
}

const USAGE_KEY = Buffer.from('"usage"');

/** Byte range of the body of an `iterations` array that is a direct member of a `usage` object. */
function iterationsSpan(line: Buffer): [number, number] | null {
  let from = 0;
  for (;;) {
    const found = line.indexOf(USAGE_KEY, from);
    if (found < 0) return null;
    const keyEnd = found + USAGE_KEY.length;
    from = keyEnd;
    const colon = expectAfterWs(line, keyEnd, 0x3a);
    const body = colon === null ? null : expectAfterWs(line, colon, 0x7b);
    if (body === null) continue;
    const span = iterationsInObject(line, body);
    if (span) return span;
  }
}

function iterationsInObject(line: Buffer, start: number): [number, number] | null {
  let i = skipWs(line, start);
  for (;;) {
    if (i >= line.length || line[i] !== QUOTE) return null;
    const keyEnd = stringEnd(line, i + 1);
    if (keyEnd === null) return null;
    const key = line.toString('latin1', i + 1, keyEnd);
    const colon = expectAfterWs(line, keyEnd + 1, 0x3a);
    if (colon === null) return null;
    const v = skipWs(line, colon);
    if (v >= line.length) return null;
    const c = line[v];
    let valueEnd: number | null;
    if (c === 0x5b && key === 'iterations') {
      const close = containerEnd(line, v + 1);
      return close === null ? null : [v + 1, close];
    }
    if (c === 0x5b || c === 0x7b) valueEnd = containerEnd(line, v + 1);
    else if (c === QUOTE) valueEnd = stringEnd(line, v + 1);
    else {
      let e = v;
      while (e < line.length && line[e] !== 0x2c && line[e] !== 0x7d) e++;
      valueEnd = e - 1;
    }
    if (valueEnd === null) return null;
    i = skipWs(line, valueEnd + 1);
    if (i >= line.length || line[i] !== 0x2c) return null;
    i = skipWs(line, i + 1);
  }
}

function containerEnd(line: Buffer, start: number): number | null {
  let depth = 1;
  for (let i = start; i < line.length; i++) {
    const c = line[i];
    if (c === QUOTE) {
      const e = stringEnd(line, i + 1);
      if (e === null) return null;
      i = e;
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return null;
}

function stringEnd(line: Buffer, start: number): number | null {
  for (let i = start; i < line.length; i++) {
    if (line[i] === 0x5c) i++;
    else if (line[i] === QUOTE) return i;
  }
  return null;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipWs(line: Buffer, i: number): number {
  while (i < line.length && isWs(line[i] as number)) i++;
  return i;
}

function expectAfterWs(line: Buffer, start: number, byte: number): number | null {
  const i = skipWs(line, start);
  return line[i] === byte ? i + 1 : null;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function optString(v: unknown): boolean {
  return v === undefined || v === null || typeof v === 'string';
}
function optBool(v: unknown): boolean {
  return v === undefined || v === null || typeof v === 'boolean';
}
function optNumber(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));
}
