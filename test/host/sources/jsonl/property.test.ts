// Property tests: random, torn and garbage lines (and invalid UTF-8) interleaved with valid lines, written
// in random pieces with a poll after each, never crash the tail nor change the count of the valid lines.
// Valid lines may lose their newline (a copied file, or one resumed after that: the next line lands on the
// same line), and some polls come after the file has been quiet, when a complete last line counts.

import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUsageLine } from '../../../../host/src/sources/jsonl/parse.js';
import { TranscriptReader } from '../../../../host/src/sources/jsonl/reader.js';
import { assistantLine, H, tempClaudeDir, total } from './helpers.js';

const T0 = Date.parse('2026-03-01T10:10:00Z');
const NOW = T0 + 2 * H;

const NL = 0x0a;
/** Bytes with no newline: garbage of every kind. */
const junkBytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.filter((b) => b !== NL)));
const junkWithMarker = fc
  .tuple(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }))
  .map(([a, b]) => Buffer.from(`${a}"usage":{${b}`.replaceAll('\n', ' ')));

const valid = fc.record({
  minute: fc.integer({ min: 0, max: 100 }),
  output: fc.integer({ min: 0, max: 5000 }),
  cacheRead: fc.integer({ min: 0, max: 100_000 }),
  copies: fc.integer({ min: 1, max: 3 }), // streamed copies with growing output
  noId: fc.boolean(), // no message.id: never deduped, so counting it twice would show
  newline: fc.boolean(), // false: written without its final newline
});

interface ValidSpec {
  minute: number;
  output: number;
  cacheRead: number;
  copies: number;
  noId: boolean;
  newline: boolean;
}

type Item =
  | { kind: 'valid'; lines: string[]; total: number; newline: boolean }
  | { kind: 'junk'; bytes: Buffer };

const items = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: valid.map((v) => ({ kind: 'valid' as const, v })) },
    { weight: 2, arbitrary: junkBytes.map((bytes) => ({ kind: 'junk' as const, bytes })) },
    { weight: 1, arbitrary: junkWithMarker.map((bytes) => ({ kind: 'junk' as const, bytes })) },
    // a valid line torn off (its end lost): garbage of the most realistic kind
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([v, cut]) => {
        const l = assistantLine({ ts: T0 + v.minute * 60_000, output: v.output });
        return { kind: 'junk' as const, bytes: Buffer.from(l.slice(0, Math.floor(l.length * cut))) };
      }),
    },
  ),
  { maxLength: 40 },
);

function materialise(
  raw: (
    | {
        kind: 'valid';
        v: ValidSpec;
      }
    | { kind: 'junk'; bytes: Buffer }
  )[],
): Item[] {
  return raw.map((r, i) => {
    if (r.kind === 'junk') return r;
    const { minute, output, cacheRead, noId, newline } = r.v;
    const copies = noId ? 1 : r.v.copies;
    const lines: string[] = [];
    for (let c = 1; c <= copies; c++)
      lines.push(
        assistantLine({
          ts: T0 + minute * 60_000 + c,
          msgId: noId ? null : `msg_p${i}`,
          requestId: noId ? null : `req_p${i}`,
          output: Math.floor((output * c) / copies),
          cacheRead,
        }),
      );
    return { kind: 'valid', lines, total: total({ ts: 0, output, cacheRead }), newline };
  });
}

/** The file's bytes: each item's lines, the last of a valid one without its newline when it says so. */
function bytesOf(list: Item[]): Buffer {
  return Buffer.concat(
    list.flatMap((it) =>
      it.kind === 'valid'
        ? it.lines.map((l, k) => Buffer.from(k === it.lines.length - 1 && !it.newline ? l : `${l}\n`))
        : [it.bytes, Buffer.from('\n')],
    ),
  );
}

/** Long enough that a file just written is never quiet while a test runs, however slow the machine. */
const QUIET = 10 * 60_000;
/** The file has been unchanged for longer than QUIET: a complete last line counts at the next poll. */
function makeQuiet(f: string): void {
  const past = new Date(Date.now() - 2 * QUIET);
  utimesSync(f, past, past);
}

describe('tail properties', () => {
  it.each([
    ['', {}],
    // Assistant lines here are ~500 bytes: most go through the long-line path (read again whole).
    [', every long line read again whole', { maxLineBytes: 300 }],
  ])('junk between valid lines, appended in random pieces, never changes the count%s', async (_, limits) => {
    await fc.assert(
      fc.asyncProperty(
        items,
        fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
        async (raw, cuts) => {
          const list = materialise(raw);
          const bytes = bytesOf(list);
          const expected = list.reduce((s, it) => s + (it.kind === 'valid' ? it.total : 0), 0);
          const t = tempClaudeDir();
          try {
            const projectDir = join(t.dir, 'projects', 'p');
            mkdirSync(projectDir, { recursive: true });
            const f = join(projectDir, 's.jsonl');
            writeFileSync(f, '');
            const e = new TranscriptReader({
              claudeDirs: [t.dir],
              chunkBytes: 64,
              finalLineQuietMs: QUIET,
              ...limits,
            });
            await e.coldStart(NOW);
            let at = 0;
            for (const [n, quietThen] of cuts) {
              if (at >= bytes.length) break;
              appendFileSync(f, bytes.subarray(at, at + n));
              at += n;
              if (quietThen) makeQuiet(f);
              await e.poll(f);
            }
            appendFileSync(f, bytes.subarray(at));
            await e.poll(f);
            makeQuiet(f); // the last line, if it has no newline, counts now
            await e.poll(f);
            expect(e.snapshot(NOW).window5hTokens).toBe(expected);
            expect(e.stats.readErrors).toBe(0);
            // and cold starts over the finished file agree: one-shot, and a daemon's on a quiet file
            for (const finalLineQuietMs of [0, QUIET]) {
              const cold = new TranscriptReader({
                claudeDirs: [t.dir],
                chunkBytes: 128,
                finalLineQuietMs,
                ...limits,
              });
              await cold.coldStart(NOW);
              expect(cold.snapshot(NOW).window5hTokens).toBe(expected);
            }
          } finally {
            t.cleanup();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the parser never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          junkBytes,
          junkWithMarker,
          fc.string().map((s) => Buffer.from(s)),
        ),
        (b) => {
          const r = parseUsageLine(b);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
