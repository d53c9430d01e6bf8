// Hostile OTLP bodies: whatever arrives, decoding either succeeds or throws OtlpDecodeError (a 400 with a
// reason), and what it lets through never makes the snapshot NaN, negative or infinite.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLogs, decodeMetrics, OtlpDecodeError } from '../../../../host/src/sources/otlp/decode.js';
import { OtlpSource } from '../../../../host/src/sources/otlp/source.js';
import { fixture, T0 } from './helpers.js';

/** Replaces one randomly chosen value deep inside a JSON tree. */
function mutate(tree: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || tree === null || typeof tree !== 'object') return replacement;
  const [head = 0, ...rest] = path;
  if (Array.isArray(tree)) {
    if (tree.length === 0) return replacement;
    const i = head % tree.length;
    return tree.map((v, j) => (j === i ? mutate(v, rest, replacement) : v));
  }
  const keys = Object.keys(tree);
  if (keys.length === 0) return replacement;
  const key = keys[head % keys.length] as string;
  return {
    ...(tree as Record<string, unknown>),
    [key]: mutate((tree as Record<string, unknown>)[key], rest, replacement),
  };
}

const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    1e300,
    '1e3',
    '',
    'x'.repeat(10_000),
    '-0',
    '007',
  ),
);

function assertSane(s: Awaited<ReturnType<OtlpSource['snapshot']>>) {
  for (const v of [s.rate1m, s.window5hTokens, s.cacheHitRate, s.thinkingRatio])
    expect(Number.isFinite(v) && v >= 0, JSON.stringify(s)).toBe(true);
  expect(s.cacheHitRate).toBeLessThanOrEqual(1);
  expect(s.lastModel.length).toBeLessThanOrEqual(128);
}

describe('OTLP decoding under hostile input', () => {
  const bodies = [
    ['metrics', fixture('metrics-delta.json')],
    ['metrics', fixture('metrics-cumulative-2.json')],
    ['logs', fixture('logs-api-request.json')],
  ] as const;

  it('refuses with OtlpDecodeError or accepts; the snapshot stays sane', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodies),
        fc.array(fc.nat(50), { maxLength: 12 }),
        hostile,
        async ([kind, body], path, replacement) => {
          const source = new OtlpSource({ clock: () => T0 });
          await source.start();
          const broken = mutate(body, path, replacement);
          try {
            if (kind === 'metrics') source.ingestMetrics(decodeMetrics(broken));
            else source.ingestEvents(decodeLogs(broken));
          } catch (err) {
            expect(err).toBeInstanceOf(OtlpDecodeError);
          }
          assertSane(await source.snapshot(T0));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never counts a batch twice, whatever order retries come in', async () => {
    const batches = [
      decodeMetrics(fixture('metrics-delta.json')),
      decodeMetrics(fixture('metrics-cumulative-1.json')),
      decodeMetrics(fixture('metrics-cumulative-2.json')),
      decodeMetrics(fixture('metrics-cumulative-restart.json')),
    ];
    const once = new OtlpSource({ clock: () => T0 });
    await once.start();
    for (const b of batches) once.ingestMetrics(b);
    const expected = (await once.snapshot(T0)).window5hTokens;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { minLength: 0, maxLength: 12 }), async (retries) => {
        const source = new OtlpSource({ clock: () => T0 });
        await source.start();
        for (const b of batches) {
          source.ingestMetrics(b);
          // Retries of anything already delivered, in any order.
          for (const r of retries) if (r <= batches.indexOf(b)) source.ingestMetrics(batches[r] ?? []);
        }
        expect((await source.snapshot(T0)).window5hTokens).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
