// Differential test of the two JSON glues: nlohmann::json (native, firmware/platform/native/usage_json.cpp)
// and JSON.parse (wasm, gaugeCore.ts + strictJson.ts) must reach the same verdict and the same decoded payload
// on any body. Generated bodies (torn, mutated, odd numbers, odd escapes, random JSON) go through both builds
// as one vector; every step's output (verdict + decode report, and state lines along the way) must match.
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { GaugeCore } from '../../firmware/platform/wasm/gaugeCore.js';
import { wasmStepRunner } from '../../firmware/platform/wasm/vectorRunner.js';
import { nativeStepRunner } from '../vectors/lib/nativeRunner.js';
import { checkVector } from '../vectors/lib/vector.js';
import { buildVectorRunner, wasmBytes } from './builds.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const base = JSON.stringify({
  v: 1,
  rate_1m: 600000,
  rate_redline: 1000000,
  window_5h_pct: 0.3,
  window_5h_reset_in_s: 7980,
  thinking_ratio: 0.25,
  cache_hit_rate: 0.9,
  last_model: 'claude-opus-4-5-20251101',
  sessions_active: 2,
  hot: false,
  stale: false,
  source: 'jsonl',
});

const oddNumbers = [
  '1e400',
  '-1e400',
  '1E5',
  '-0',
  '-0.0',
  '0e-5',
  '1e-400',
  '2.5e-324',
  '1.7976931348623157e308',
  '1e308',
  '123456789012345678901234567890',
  '18446744073709551615',
  '18446744073709551616',
  '-9223372036854775809',
  '9007199254740993',
  '01',
  '1.',
  '.5',
  '+1',
  '0x10',
  '1_000',
  'Infinity',
  'NaN',
  '-',
  '1e',
  '1e+',
  '0.0000001',
];
const oddStrings = [
  '"\\u0000"',
  '"\\ud800"',
  '"\\udc00"',
  '"\\ud83d\\ude00"',
  '"\\ud83d"',
  '"\\x41"',
  '"\\/"',
  '"\\u00e9"',
  '"\\u12"',
  '"\t"',
  '"\u0001"',
  '"\u007f"',
  '"é"',
  '"😀"',
  '"a\\"b"',
  '""',
];
const fields = [
  'v',
  'rate_1m',
  'rate_redline',
  'window_5h_pct',
  'window_5h_reset_in_s',
  'last_model',
  'hot',
  'source',
];
const specialChars = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '\\',
  '\u0000',
  '\ufeff',
  ' ',
  '\n',
  '/',
  '*',
  'e',
  '-',
  '.',
];

const body: fc.Arbitrary<string> = fc.oneof(
  // torn at any point
  fc.nat({ max: base.length }).map((n) => base.slice(0, n)),
  // one character inserted, replaced or deleted
  fc
    .tuple(
      fc.nat({ max: base.length }),
      fc.constantFrom(...specialChars),
      fc.constantFrom('insert', 'replace', 'delete'),
    )
    .map(([at, ch, op]) =>
      op === 'insert'
        ? base.slice(0, at) + ch + base.slice(at)
        : op === 'replace'
          ? base.slice(0, at) + ch + base.slice(at + 1)
          : base.slice(0, at) + base.slice(at + 1),
    ),
  // a known field with an odd literal
  fc
    .tuple(
      fc.constantFrom(...fields),
      fc.constantFrom(...oddNumbers, ...oddStrings, 'true', 'null', '[]', '{}'),
    )
    .map(([f, lit]) => `{"${f}": ${lit}, "rate_1m": 5}`),
  // duplicate keys: a value the device's parser refuses, then a good one for the same key (or the reverse)
  fc
    .tuple(fc.constantFrom(...fields), fc.constantFrom(...oddNumbers, ...oddStrings), fc.boolean())
    .map(([f, lit, badFirst]) => (badFirst ? `{"${f}": ${lit}, "${f}": 5}` : `{"${f}": 5, "${f}": ${lit}}`)),
  // nesting around the limit of 10 levels, with brackets inside strings too
  fc
    .tuple(fc.integer({ min: 7, max: 13 }), fc.constantFrom('[', '{"k":'), fc.boolean())
    .map(([n, open, inString]) => {
      const close = open === '[' ? ']' : '}';
      const inner = `${open.repeat(n - 1)}1${close.repeat(n - 1)}`;
      return inString
        ? `{"last_model": ${JSON.stringify(inner)}, "rate_1m": 5}`
        : `{"x": ${inner}, "rate_1m": 5}`;
    }),
  // random JSON, bare or as the value of a known field
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 2 }))
    .map(([f, v]) => JSON.stringify({ [f]: v })),
  // random text, and random text in the model field
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.string({ maxLength: 300, unit: 'binary' }).map((s) => JSON.stringify({ rate_1m: 5, last_model: s })),
  // whitespace and a BOM around a good body
  fc.constantFrom('\ufeff', ' ', '\r\n', '\t', '\ufeff\ufeff', '\u00a0').map((w) => w + base + w),
);

let runner: string;
let module: WebAssembly.Module;
beforeAll(async () => {
  runner = buildVectorRunner();
  module = await GaugeCore.compile(wasmBytes());
});

test('native and wasm glue agree on 3000 generated bodies', async () => {
  // The steps reach the native runner as JSON, which must be valid UTF-8 for nlohmann: lone surrogates in the
  // generated JS strings are replaced (a lone surrogate ESCAPE inside a body, like "\\ud800", stays and is
  // part of the test).
  const bodies = fc
    .sample(body, { numRuns: 3000, seed: 4242 })
    .map((b) => b.replace(LONE_SURROGATE, '\ufffd'));
  const steps: unknown[] = [{ at: 0, boot: true }];
  bodies.forEach((b, i) => {
    steps.push({ at: i * 10, body: b });
    if (i % 10 === 9) steps.push({ at: i * 10, update: true });
  });
  const text = JSON.stringify({ description: 'generated bodies', steps });
  const native = await checkVector(text, nativeStepRunner(runner));
  const wasm = await checkVector(text, wasmStepRunner(module));
  expect(native.error).toBeNull();
  expect(wasm.error).toBeNull();
  expect(wasm.outputs).toHaveLength(steps.length);
  const diffs = wasm.outputs
    .map((line, i) => ({ i, step: steps[i], native: native.outputs[i], wasm: line }))
    .filter((d) => d.native !== d.wasm);
  expect(diffs.slice(0, 5)).toEqual([]);
  // The generator reaches every verdict, so agreement is not trivially "all bad".
  const verdicts = new Set(wasm.outputs.map((l) => /outcome=(\w+)/.exec(l)?.[1]).filter(Boolean));
  expect([...verdicts].sort()).toEqual(['bad_body', 'ok', 'rejected']);
});
