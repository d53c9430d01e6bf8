// The typed wrapper around gauge-core.wasm: loading (and failing to load, clearly), the field table read from
// the module, payload glue under hostile input, the Frame read through the exported layout, injected time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { GaugeCore, GaugeCoreError } from '../../firmware/platform/wasm/gaugeCore.js';
import { repoRoot, wasmBytes } from './builds.js';

let bytes: Uint8Array;
let module: WebAssembly.Module;
beforeAll(async () => {
  bytes = wasmBytes();
  module = await GaugeCore.compile(bytes);
});

const STATE_LINE =
  /^GAUGE t=\d+ phase=(SELFTEST|LIVE|NOSIGNAL) tach=-?\d+\.\d fuel=-?\d+\.\d temp=-?\d+\.\d boost=-?\d+\.\d lamps=(-|[A-Z,]+) rgb=[0-9A-F]{6} model=\S+ stale=[01] over=[01]( \S+=\S+)*$/;

const cruising = {
  v: 1,
  ts: 1_763_780_000_000,
  rate_1m: 600_000,
  rate_redline: 1_000_000,
  window_5h_tokens: 12_000_000,
  window_5h_pct: 0.3,
  window_5h_reset_in_s: 7980,
  thinking_ratio: 0.25,
  cache_hit_rate: 0.9,
  last_model: 'claude-opus-4-5-20251101',
  sessions_active: 2,
  hot: false,
  warn: false,
  stall: false,
  idle: false,
  stale: false,
  source: 'jsonl',
};

/** Boots, answers every due poll with `body` until `until`, updating every 50 ms. */
function runLive(core: GaugeCore, body: unknown, until: number): void {
  core.boot(0);
  for (let t = 0; t <= until; t += 50) {
    if (core.pollTick(t)) core.applyPayloadJson(t, body);
    core.update(t);
  }
}

describe('loading', () => {
  test('loads from bytes, from a compiled module and from a Response', async () => {
    const fromBytes = await GaugeCore.load(bytes);
    const fromModule = await GaugeCore.load(module);
    const fromResponse = await GaugeCore.load(
      new Response(bytes.slice(), { headers: { 'content-type': 'application/wasm' } }),
    );
    for (const core of [fromBytes, fromModule, fromResponse]) {
      core.boot(0);
      core.update(0);
      expect(core.stateLine()).toMatch(/^GAUGE t=0 phase=SELFTEST /);
    }
  });

  test('needs no real imports: every import is a WASI function the wrapper stubs', () => {
    for (const imp of WebAssembly.Module.imports(module)) {
      expect(imp.module).toBe('wasi_snapshot_preview1');
      expect(imp.kind).toBe('function');
    }
  });

  test('the simulator copy is the same module as the build output', () => {
    const pub = readFileSync(join(repoRoot, 'simulator', 'public', 'gauge-core.wasm'));
    expect(Buffer.compare(pub, Buffer.from(bytes))).toBe(0);
  });

  const bad: [string, () => unknown, RegExp][] = [
    ['empty bytes', () => new Uint8Array(0), /is empty/],
    [
      'an HTML page',
      () => new TextEncoder().encode('<!doctype html><html>404</html>'),
      /not a WebAssembly module.*HTML/,
    ],
    [
      'random bytes',
      () => Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff),
      /not a WebAssembly module/,
    ],
    ['a truncated module', () => bytes.slice(0, Math.floor(bytes.length / 2)), /is corrupt/],
    [
      'a flipped byte in the code',
      () => flipByte(bytes, Math.floor(bytes.length * 0.6)),
      /corrupt|instantiated|lacks/,
    ],
    // The smallest valid module: magic + version, no exports at all.
    [
      'a module without our exports',
      () => Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
      /exports no memory|lacks/,
    ],
  ];
  for (const [what, make, message] of bad) {
    test(`${what} gives a GaugeCoreError saying how to fix it`, async () => {
      const err = await GaugeCore.load(make() as Uint8Array).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GaugeCoreError);
      expect((err as Error).message).toMatch(message);
      if (!/lacks|exports no memory/.test((err as Error).message)) {
        expect((err as Error).message).toContain('npm run firmware:wasm');
      }
    });
  }

  test('an HTTP error response names the status', async () => {
    const err = await GaugeCore.load(
      new Response('not found', { status: 404, statusText: 'Not Found' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GaugeCoreError);
    expect((err as Error).message).toMatch(/HTTP 404 Not Found.*npm run firmware:wasm/);
  });

  test('a fetch that fails names the URL', async () => {
    // Port 9 on loopback: nothing listens there, the connection is refused at once.
    const err = await GaugeCore.load('http://127.0.0.1:9/gauge-core.wasm').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GaugeCoreError);
    expect((err as Error).message).toContain('http://127.0.0.1:9/gauge-core.wasm');
  });
});

function flipByte(src: Uint8Array, at: number): Uint8Array {
  const copy = src.slice();
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

describe('field table', () => {
  test('matches contract/usage.v1.schema.json property for property, in order, with the same types', async () => {
    type Props = Record<string, { type: string | string[] }>;
    const schema = JSON.parse(readFileSync(join(repoRoot, 'contract', 'usage.v1.schema.json'), 'utf8')) as {
      properties: Props;
      allOf: Array<{ $ref: string }>;
      $defs: Record<string, { properties: Props }>;
    };
    const core = await GaugeCore.load(module);
    // The top-level properties, then each optional group ($defs, in allOf order) the core consumes: whole.
    const known = new Set(core.fields.map((f) => f.name));
    const props: Props = { ...schema.properties };
    for (const { $ref } of schema.allOf) {
      const group = schema.$defs[$ref.replace('#/$defs/', '')]?.properties ?? {};
      const names = Object.keys(group);
      const consumed = names.filter((n) => known.has(n));
      expect(consumed.length === 0 || consumed.length === names.length, $ref).toBe(true);
      if (consumed.length > 0) Object.assign(props, group);
    }
    const fromSchema = Object.entries(props).map(([name, p]) => {
      const types = Array.isArray(p.type) ? p.type : [p.type];
      const type = types.includes('null') ? `nullable_${types.find((t) => t !== 'null')}` : types[0];
      return { name, type };
    });
    expect(core.fields.map(({ name, type }) => ({ name, type }))).toEqual(fromSchema);
    expect(core.fields.map((f) => f.index)).toEqual(fromSchema.map((_, i) => i));
  });

  test('outcome and status names come from the module', async () => {
    const core = await GaugeCore.load(module);
    expect(core.pollOutcomes).toEqual(
      expect.arrayContaining([
        'ok',
        'http_error',
        'timeout',
        'connect_failed',
        'bad_body',
        'rejected',
        'unauthorized',
      ]),
    );
    expect(core.decodeStatuses).toEqual(expect.arrayContaining(['ok', 'bad_version', 'no_known_fields']));
  });
});

describe('payloads', () => {
  test('a good payload drives the needles to its values', async () => {
    const core = await GaugeCore.load(module);
    runLive(core, JSON.stringify(cruising), 8000);
    // Full scale 1.5M (smallest nice number >= 1.25 x 1M): 600k -> 0.4 -> -135 + 0.4 * 270 = -27.
    const f = core.frame();
    const [tach, fuel, temp, boost] = f.dials;
    expect(tach?.needle_deg).toBeCloseTo(-27, 3);
    expect(fuel?.needle_deg).toBeCloseTo(-120 + 0.7 * 240, 3); // 30 % used -> 70 % left
    expect(temp?.needle_deg).toBeCloseTo(-120 + 0.25 * 240, 3);
    expect(boost?.needle_deg).toBeCloseTo(-120 + 0.9 * 240, 3);
    expect(f.phase).toBe('LIVE');
    expect(f.model.text).toBe('opus-4.5');
  });

  test('string, bytes and a parsed object give the same verdict and picture', async () => {
    const text = JSON.stringify(cruising);
    const cores = await Promise.all([0, 1, 2].map(() => GaugeCore.load(module)));
    const bodies: unknown[] = [text, new TextEncoder().encode(text), structuredClone(cruising)];
    cores.forEach((core, i) => {
      runLive(core, bodies[i], 3000);
    });
    const lines = cores.map((c) => c.stateLine());
    expect(new Set(lines).size).toBe(1);
  });

  test('the verdicts: ok, rejected with the reason, bad body', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    expect(core.applyPayloadJson(0, '{"rate_1m": 5, "x": 1}')).toEqual({
      outcome: 'ok',
      status: 'ok',
      report: { present: 1, accepted: 1, defaulted: 0, clamped: 0, truncated: 0 },
    });
    expect(core.applyPayloadJson(0, '{"v": 2, "rate_1m": 5}')).toMatchObject({
      outcome: 'rejected',
      status: 'bad_version',
    });
    expect(core.applyPayloadJson(0, '{}')).toMatchObject({ outcome: 'rejected', status: 'no_known_fields' });
    for (const body of [
      '',
      '{"rate_1m": NaN}',
      '{"rate_1m": 1e400}',
      '[1]',
      'null',
      '"x"',
      '{"a":',
      '{"a":"\\ud800"}',
    ]) {
      const r = core.applyPayloadJson(0, body);
      expect(r.outcome, body).toBe('bad_body');
      expect(r.reason, body).toBeTruthy();
    }
    expect(core.applyPayloadJson(0, Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)).outcome).toBe(
      'bad_body',
    );
    expect(core.applyPayloadJson(0, `\ufeff${JSON.stringify(cruising)}`).outcome).toBe('ok');
  });

  test('strings longer than the transfer buffer are cut, and the core still truncates them at 128 bytes', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    for (const model of [
      `claude-${'x'.repeat(100_000)}`,
      `claude-${'é'.repeat(40_000)}`,
      `${'😀'.repeat(30_000)}`,
    ]) {
      const r = core.applyPayloadJson(0, { last_model: model, rate_1m: 1 });
      expect(r.report).toMatchObject({ truncated: 1, accepted: 2 });
    }
  });

  test('hostile values never throw: exotic objects, proxies, getters', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    const throwingProxy = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    const getter = Object.defineProperty({}, 'rate_1m', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const cases: unknown[] = [
      undefined,
      null,
      42,
      'not json',
      Symbol('x'),
      () => 1,
      [cruising],
      new Map([['rate_1m', 5]]),
      throwingProxy,
      getter,
      Object.create({ rate_1m: 600_000 }), // inherited fields are not the payload's own
      { rate_1m: 10n },
      { rate_1m: Number.NaN, window_5h_pct: Number.POSITIVE_INFINITY, thinking_ratio: -0 },
      { last_model: { nested: true }, hot: 'yes', v: 1 },
    ];
    for (const value of cases) {
      expect(() => core.applyPayloadJson(100, value)).not.toThrow();
      core.update(100);
      expect(core.stateLine()).toMatch(STATE_LINE);
    }
    expect(core.applyPayloadJson(0, throwingProxy).outcome).toBe('bad_body');
    expect(core.applyPayloadJson(0, getter).outcome).toBe('rejected'); // accessor = wrong type, nothing usable
    expect(core.applyPayloadJson(0, Object.create({ rate_1m: 600_000 })).status).toBe('no_known_fields');
  });

  test('nesting: 10 levels are fine, 11 (or 100,000) are a bad body, as on the ESP32', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    const nested = (levels: number) =>
      `{"rate_1m": 5, "x": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(core.applyPayloadJson(0, nested(10)).outcome).toBe('ok');
    expect(core.applyPayloadJson(0, nested(11))).toMatchObject({
      outcome: 'bad_body',
      reason: /nested deeper/,
    });
    expect(core.applyPayloadJson(0, nested(100_000)).outcome).toBe('bad_body');
    expect(core.applyPayloadJson(0, `{"x": ${'['.repeat(100_000)}}`).outcome).toBe('bad_body');
    // brackets inside strings are text
    expect(
      core.applyPayloadJson(0, `{"rate_1m": 5, "x": "${'['.repeat(50)}\\"${'{'.repeat(50)}"}`).outcome,
    ).toBe('ok');
  });

  test('property: any text or JSON value never throws, and the frame stays well-formed', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    let t = 0;
    const jsonish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .tuple(
          fc.record(
            Object.fromEntries(
              core.fields.map((f) => [
                f.name,
                fc.oneof(fc.double(), fc.boolean(), fc.string(), fc.constant(null), fc.integer()),
              ]),
            ),
            { requiredKeys: [] },
          ),
          fc.boolean(),
        )
        .map(([o, asText]) => (asText ? JSON.stringify(o) : o)),
    );
    fc.assert(
      fc.property(jsonish, (body) => {
        t += 37;
        const r = core.applyPayloadJson(t, body);
        expect(['ok', 'bad_body', 'rejected']).toContain(r.outcome);
        core.update(t);
        expect(core.stateLine()).toMatch(STATE_LINE);
        const f = core.frame();
        for (const d of f.dials) {
          expect(Number.isFinite(d.needle_deg)).toBe(true);
          expect(d.needle_deg).toBeGreaterThanOrEqual(d.start_deg - 15);
          expect(d.needle_deg).toBeLessThanOrEqual(d.end_deg);
        }
      }),
      { numRuns: 400, seed: 20261122 },
    );
  });
});

describe('frame', () => {
  test('is read through the layout the module exports', async () => {
    const core = await GaugeCore.load(module);
    runLive(core, JSON.stringify({ ...cruising, hot: true, warn: true, rate_1m: 1_350_000 }), 6000);
    const f = core.frame();
    expect(f.dials.map((d) => d.id)).toEqual(['tach', 'fuel', 'temp', 'boost']);
    expect(f.lamps.map((l) => l.id)).toEqual(['HOT', 'WARN', 'STALL', 'IDLE', 'NOSIG', 'ATTN']);
    expect(f.lamps.filter((l) => l.active).map((l) => l.id)).toEqual(['HOT', 'WARN']);
    expect(f.t_ms).toBe(6000);
    for (const d of f.dials) {
      expect(d.zones).toHaveLength(d.zone_count);
      expect(d.ticks).toHaveLength(d.tick_count);
      expect(d.start_deg).toBeLessThan(d.end_deg);
      expect(['left', 'center', 'right']).toContain(d.label.align);
    }
    // The tach's red zone starts at the redline: 1M of 1.5M full scale = 2/3 -> -135 + 2/3 * 270 = 45 deg.
    const tach = f.dials[0];
    expect(tach?.zones.some((z) => Math.abs(z.from_deg - 45) < 1e-3 && z.to_deg === 135)).toBe(true);
    expect(tach?.label.text).toBe('TOKENS/MIN');
    expect(tach?.value.text).toBe('1.4M');
  });

  test('is a snapshot: later updates do not change it', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    core.update(100);
    const before = core.frame();
    const copy = structuredClone(before);
    core.update(700);
    expect(before).toEqual(copy);
    expect(core.frame().dials[0]?.needle_deg).not.toBe(before.dials[0]?.needle_deg);
  });
});

describe('what the core hands out besides the frame', () => {
  test('the last good payload, as the core decoded and clamped it', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    expect(core.usage()).toMatchObject({ rate_1m: 0, rate_redline: 1_000_000, source: '' });
    core.applyPayloadJson(0, { ...cruising, rate_1m: -5, window_5h_pct: 99, source: 'x'.repeat(40) });
    const u = core.usage();
    expect(u.rate_1m).toBe(0); // negative -> 0
    expect(u.window_5h_pct).toBe(10); // clamped to kMaxWindowPct
    expect(u.source).toBe('x'.repeat(32)); // cut to the schema's maxLength
    expect(u.last_model).toBe(cruising.last_model);
    core.applyPayloadJson(10, '{"v": 2}'); // rejected: the last good payload stays
    expect(core.usage().last_model).toBe(cruising.last_model);
  });

  test('the drawing: text placement, ticks, needles and lamps in screen pixels', async () => {
    const core = await GaugeCore.load(module);
    runLive(core, JSON.stringify(cruising), 4000);
    const f = core.frame();
    const d = core.drawing();
    expect(d.glyph_w).toBe(6);
    expect(d.glyph_h).toBe(8);
    const tach = f.dials[0];
    const tachDrawing = d.dials[0];
    if (!tach || !tachDrawing) throw new Error('no tach');
    // The value text, centred in its box at its size: the core's rule, not ours.
    const size = tach.value.size;
    expect(tachDrawing.value.size).toBe(size);
    expect(tachDrawing.value.chars).toBe(tach.value.text.length);
    expect(tachDrawing.value.x).toBe(
      tach.value.x + Math.trunc((tach.value.w - tach.value.text.length * 6 * size) / 2),
    );
    expect(tachDrawing.ticks).toHaveLength(tach.tick_count);
    expect(tachDrawing.arc_inner_radius).toBe(tach.radius - tach.arc_width);
    expect(tachDrawing.needle.pivot).toEqual({ x: tach.cx, y: tach.cy });
    for (const l of d.lamps) expect(l.corner_radius).toBe(4);
  });

  test('constants the platforms share: body cap, JSON depth, screen size', async () => {
    const core = await GaugeCore.load(module);
    expect(core.constants).toEqual({
      screen_w: 320,
      screen_h: 240,
      max_body_bytes: 8192,
      max_json_depth: 10,
    });
  });
});

describe('time and arguments', () => {
  test('time is injected and taken modulo 2^32, like millis()', async () => {
    const a = await GaugeCore.load(module);
    const b = await GaugeCore.load(module);
    a.boot(1234);
    b.boot(2 ** 32 + 1234);
    for (const dt of [0, 200, 900, 1600]) {
      a.update(1234 + dt);
      b.update(2 ** 32 + 1234 + dt + 0.75); // fractions of a ms are dropped
      expect(b.stateLine()).toBe(a.stateLine());
    }
  });

  test('bad times and unknown outcomes are caller bugs and throw RangeError', async () => {
    const core = await GaugeCore.load(module);
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() => core.update(bad)).toThrow(RangeError);
    }
    expect(() => core.pollResult(0, 'exploded' as never)).toThrow(RangeError);
  });

  test('instances do not share a device', async () => {
    const a = await GaugeCore.load(module);
    const b = await GaugeCore.load(module);
    runLive(a, JSON.stringify(cruising), 3000);
    b.boot(0);
    b.update(3000);
    expect(a.frame().model.text).toBe('opus-4.5');
    expect(b.frame().model.text).toBe('--');
  });

  test('poll pacing: one request per second, none while one is in flight, timeout from the core', async () => {
    const core = await GaugeCore.load(module);
    core.boot(0);
    expect(core.pollTick(0)).toBe(true);
    expect(core.inFlight()).toBe(true);
    expect(core.pollTick(10)).toBe(false);
    core.pollResult(20, 'http_error');
    expect(core.consecutiveFailures()).toBe(1);
    expect(core.requestTimeoutMs()).toBeGreaterThan(0);
    expect(core.msUntilNextPoll(20)).toBeGreaterThan(0);
  });
});
