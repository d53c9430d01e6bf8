// The line parser on its own: which cache-creation figure counts, lines holding several JSON objects, when
// a last line without a newline is complete, and (from the real fixtures, when ../shared is there) one line
// of every line type and every field shape Claude Code writes up to 2.1.237, each checked to change nothing
// it should not.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isCompleteLine,
  type ParseResult,
  parseUsageLine,
  type UsageRecord,
} from '../../../../host/src/sources/jsonl/parse.js';
import { realTranscripts } from '../../helpers/fixtures.js';
import { transcriptFiles } from './ccusage.js';
import { assistantLine } from './helpers.js';

const T0 = Date.parse('2026-08-13T09:43:18.297Z');

/** An assistant line whose usage is `usage` (the token fields default to 0). */
function withUsage(usage: Record<string, unknown>, id = 'msg_1'): Buffer {
  const o = JSON.parse(assistantLine({ ts: T0, msgId: id })) as { message: { usage: unknown } };
  o.message.usage = { input_tokens: 1, output_tokens: 2, ...usage };
  return Buffer.from(JSON.stringify(o));
}
function records(r: ParseResult): UsageRecord[] {
  if (!r.ok) throw new Error(`not counted: ${r.reason}`);
  return r.records;
}

describe('cache creation: the billed figure', () => {
  it('is the flat field where the 5m/1h split disagrees with it (an advisor response of 2.1.227+)', () => {
    // The shape of teslamint__entirecontext's msg_011CdzXi77PKinhAMYdn6NeC: the split holds only the
    // first iteration's write, the flat field (what the API bills) their sum.
    const line = withUsage({
      cache_creation_input_tokens: 2666,
      cache_read_input_tokens: 100,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1003 },
      iterations: [
        {
          type: 'message',
          input_tokens: 1,
          output_tokens: 1,
          cache_creation_input_tokens: 1003,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1003 },
        },
        {
          type: 'advisor_message',
          model: 'claude-fable-5',
          input_tokens: 500,
          output_tokens: 60,
          cache_creation_input_tokens: 40,
          cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 0 },
        },
        {
          type: 'message',
          input_tokens: 0,
          output_tokens: 1,
          cache_creation_input_tokens: 1663,
          cache_creation: { ephemeral_5m_input_tokens: 1663, ephemeral_1h_input_tokens: 0 },
        },
      ],
    });
    const [main, advisor] = records(parseUsageLine(line));
    expect(main?.cacheCreation).toBe(2666);
    expect(advisor?.cacheCreation).toBe(40); // the same rule for an iteration
    expect(advisor?.messageId).toBe('msg_1:advisor:0');
  });

  it('is the split where there is no flat field, and either where they agree', () => {
    const split = { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 4000 };
    expect(records(parseUsageLine(withUsage({ cache_creation: split })))[0]?.cacheCreation).toBe(4300);
    expect(
      records(parseUsageLine(withUsage({ cache_creation: split, cache_creation_input_tokens: 4300 })))[0]
        ?.cacheCreation,
    ).toBe(4300);
    expect(records(parseUsageLine(withUsage({ cache_creation_input_tokens: 7 })))[0]?.cacheCreation).toBe(7);
  });

  it('a malformed split still drops the line, as in ccusage', () => {
    for (const cache_creation of [
      'lots',
      { ephemeral_5m_input_tokens: -1 },
      { ephemeral_1h_input_tokens: '5' },
    ])
      expect(parseUsageLine(withUsage({ cache_creation_input_tokens: 5, cache_creation }))).toEqual({
        ok: false,
        reason: 'schema',
      });
  });
});

describe('a line of several JSON objects (a last line that lost its newline, then appended to)', () => {
  const a = assistantLine({ ts: T0, msgId: 'msg_a', output: 10 });
  const b = assistantLine({ ts: T0 + 1000, msgId: 'msg_b', output: 20 });
  const summary = JSON.stringify({ type: 'summary', summary: 'x', leafUuid: 'u' });
  const ids = (s: string) => records(parseUsageLine(Buffer.from(s))).map((r) => r.messageId);

  it('counts each object as its own line', () => {
    expect(ids(`${a}${b}`)).toEqual(['msg_a', 'msg_b']);
    expect(ids(`${a}  ${b}\r`)).toEqual(['msg_a', 'msg_b']);
    expect(ids(`${a}${summary}`)).toEqual(['msg_a']); // entireio__cli's 3a782158 has one like it
    expect(ids(`${summary}${b}`)).toEqual(['msg_b']);
  });

  it('drops what is not a complete object after the last one, and each bad object alone', () => {
    expect(ids(`${a}${b.slice(0, 90)}`)).toEqual(['msg_a']);
    expect(ids(`${a} garbage "usage":{`)).toEqual(['msg_a']);
    expect(ids(`${a.replace('"requestId":"', '"requestId":null,"x":"')}${b}`)).toEqual(['msg_b']);
    expect(ids(`${a}${Buffer.from([0xff]).toString('latin1')}`)).toEqual(['msg_a']);
  });

  it('a torn object before a complete one is one bad line (its braces never close)', () => {
    expect(parseUsageLine(Buffer.from(`${a.slice(0, 120)}${b}`))).toEqual({ ok: false, reason: 'bad-json' });
    expect(parseUsageLine(Buffer.from(`x${a}`))).toEqual({ ok: false, reason: 'bad-json' });
  });
});

describe('isCompleteLine: may a last line without a newline count yet?', () => {
  const a = assistantLine({ ts: T0 });
  it.each([
    ['a whole object', a, true],
    ['with trailing blanks and a CR', `${a} \r`, true],
    ['two objects back to back', `${a}${a}`, true],
    ['an empty object', '{}', true],
    ['all but its last byte', a.slice(0, -1), false],
    ['cut inside a string that holds a brace', '{"a":"}', false],
    ['an object and a torn one', `${a}${a.slice(0, 50)}`, false],
    ['an object and garbage', `${a}x}`, false],
    ['an array', '[{}]', false],
    ['a string', '"}"', false],
    ['nothing', '', false],
    ['blanks', '  ', false],
  ])('%s: %s', (_, text, want) => {
    expect(isCompleteLine(Buffer.from(text as string))).toBe(want);
  });
  it('invalid UTF-8 inside is not complete', () => {
    expect(
      isCompleteLine(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3]), Buffer.from('"}')])),
    ).toBe(false);
  });
});

// --- Every line type and field shape of the recent fixtures (Claude Code 2.0.74–2.1.237) ----------------

const recent = realTranscripts('recent-transcripts');
const recentDirs = recent.dir
  ? ['entireio__cli', 'teslamint__entirecontext'].map((d) => join(recent.dir as string, d))
  : [];
if (recentDirs.length === 0)
  console.warn(`SKIPPED: the new-field parser checks: no fixtures in ${recent.where}`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * A field path and how to take it out of a line. `message.usage.iterations[]` and `message.content[]` name
 * array elements by their `type` (`[advisor_message]`), or all elements (`[].key`, the key in each).
 */
interface Shape {
  path: string;
  kind: string;
  remove(o: Obj): void;
}

function shapesOf(o: Obj): Shape[] {
  const out: Shape[] = [];
  const walk = (node: Obj, path: string[], depth: number) => {
    for (const [k, v] of Object.entries(node)) {
      const p = [...path, k];
      out.push({ path: p.join('.'), kind: kind(v), remove: (x) => deleteAt(x, p) });
      if (isObj(v) && depth > 0) walk(v, p, depth - 1);
      if (Array.isArray(v) && (k === 'iterations' || k === 'content'))
        for (const el of v)
          if (isObj(el)) {
            const t = String(el.type);
            out.push({
              path: `${p.join('.')}[${t}]`,
              kind: 'object',
              remove: (x) => {
                const arr = getAt(x, p);
                if (Array.isArray(arr))
                  setAt(
                    x,
                    p,
                    arr.filter((e) => !isObj(e) || e.type !== el.type),
                  );
              },
            });
            if (k === 'iterations')
              for (const [ik, iv] of Object.entries(el))
                out.push({
                  path: `${p.join('.')}[].${ik}`,
                  kind: kind(iv),
                  remove: (x) => {
                    for (const e of (getAt(x, p) as Json[]) ?? []) if (isObj(e)) delete e[ik];
                  },
                });
          }
    }
  };
  walk(o, [], 3);
  return out;
}
function getAt(o: Obj, p: string[]): Json | undefined {
  let n: Json | undefined = o;
  for (const k of p) n = isObj(n) ? n[k] : undefined;
  return n;
}
function setAt(o: Obj, p: string[], v: Json): void {
  const parent = getAt(o, p.slice(0, -1));
  if (isObj(parent)) parent[p[p.length - 1] as string] = v;
}
function deleteAt(o: Obj, p: string[]): void {
  const parent = getAt(o, p.slice(0, -1));
  if (isObj(parent)) delete parent[p[p.length - 1] as string];
}

/** Fields the parser reads to count: taking them out changes the count by design (tested elsewhere). */
const COUNTED = new Set([
  'timestamp',
  'sessionId',
  'version',
  'requestId',
  'isSidechain',
  'isApiErrorMessage',
  'costUSD',
  'message',
  'message.id',
  'message.model',
  'message.usage',
  'message.usage.input_tokens',
  'message.usage.output_tokens',
  'message.usage.cache_read_input_tokens',
  'message.usage.cache_creation_input_tokens',
]);

/** What taking a field out may change: the record fields it feeds. Everything else must stay the same. */
function mayChange(path: string): { fields: (keyof UsageRecord)[]; advisorsToo: boolean } | null {
  if (COUNTED.has(path)) return null;
  if (path === 'message.usage.speed') return { fields: ['hasSpeed'], advisorsToo: false };
  if (path.startsWith('message.usage.output_tokens_details'))
    return { fields: ['thinkingTokens'], advisorsToo: false };
  // iterations: only the advisor entries come from them; the response's own entry never changes
  if (path.startsWith('message.usage.iterations')) return { fields: [], advisorsToo: true };
  if (path.startsWith('message.content'))
    return { fields: ['visibleChars', 'hasThinkingBlock'], advisorsToo: false };
  return { fields: [], advisorsToo: false };
}

function without<T extends object>(r: T, fields: (keyof T)[]): Partial<T> {
  const copy: Partial<T> = { ...r };
  for (const f of fields) delete copy[f];
  return copy;
}

describe.skipIf(recentDirs.length === 0)('every line type and field shape of the recent fixtures', () => {
  const lines = recentDirs.flatMap((d) =>
    transcriptFiles(d).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    ),
  );
  const parsed = lines.flatMap((raw) => {
    try {
      const o = JSON.parse(raw) as Json;
      return isObj(o) ? [{ raw, o }] : [];
    } catch {
      return []; // a torn or concatenated line: parse.test.ts above covers those
    }
  });

  it('a line of every type without message.usage gives nothing', () => {
    const byType = new Map<string, string>();
    for (const { raw, o } of parsed) {
      const usage = isObj(o.message) ? o.message.usage : undefined;
      if (!isObj(usage) && !byType.has(String(o.type))) byType.set(String(o.type), raw);
    }
    // the types 2.1.1xx–2.1.2xx brought are all there
    for (const t of ['attachment', 'ai-title', 'mode', 'permission-mode', 'file-history-delta', 'pr-link'])
      expect([...byType.keys()]).toContain(t);
    for (const [type, raw] of byType) expect(parseUsageLine(Buffer.from(raw)).ok, type).toBe(false);
    console.info(`parser: ${byType.size} line types without usage: ${[...byType.keys()].join(', ')}`);
  });

  it('one usage line of every field shape: taking the field out changes only what it feeds', () => {
    const byShape = new Map<string, { shape: Shape; o: Obj; raw: string }>();
    for (const { raw, o } of parsed) {
      if (!isObj(o.message) || !isObj(o.message.usage) || !parseUsageLine(Buffer.from(raw)).ok) continue;
      for (const shape of shapesOf(o)) {
        const key = `${shape.path}:${shape.kind}`;
        if (!byShape.has(key)) byShape.set(key, { shape, o, raw });
      }
    }
    const paths = new Set([...byShape.values()].map((s) => s.shape.path));
    for (const p of [
      'message.usage.iterations[advisor_message]',
      'message.usage.inference_geo',
      'message.usage.speed',
      'message.usage.server_tool_use',
      'message.usage.output_tokens_details.thinking_tokens',
      'message.usage.cache_creation',
      'message.diagnostics.cache_miss_reason',
      'effort',
      'entrypoint',
      'advisorModel',
    ])
      expect(paths).toContain(p);
    let checked = 0;
    for (const [key, { shape, o, raw }] of byShape) {
      const allowed = mayChange(shape.path);
      if (allowed === null) continue;
      const base = records(parseUsageLine(Buffer.from(JSON.stringify(o))));
      // re-serialising alone changes nothing
      expect(records(parseUsageLine(Buffer.from(raw))), key).toEqual(base);
      const copy = structuredClone(o);
      shape.remove(copy);
      const after = records(parseUsageLine(Buffer.from(JSON.stringify(copy))));
      const strip = (rs: UsageRecord[]) => rs.map((r) => without(r, allowed.fields));
      if (allowed.advisorsToo) expect(strip(after.slice(0, 1)), key).toEqual(strip(base.slice(0, 1)));
      else expect(strip(after), key).toEqual(strip(base));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
    console.info(`parser: ${byShape.size} field shapes on usage lines, ${checked} taken out one by one`);
  });
});
