// Typed wrapper around gauge-core.wasm: the SAME C++ gauge core the ESP32 runs, compiled to WebAssembly
// (firmware/platform/wasm/gauge_wasm.cpp). Works in Node and in the browser: no Node-only imports here.
//
//   const core = await GaugeCore.load(bytesOrUrlOrResponse);
//   core.boot(now);
//   loop:  if (core.pollTick(now)) fetch('/usage') ... then core.applyPayloadJson(now, bodyText)
//                                                   or core.pollResult(now, 'timeout' | 'http_error' | ...)
//          core.update(now); draw(core.frame(), core.drawing());
//
// TIME IS INJECTED: every method that needs the time takes `nowMs` (milliseconds from any origin, e.g.
// performance.now()). Nothing in here reads a clock, so a test or a vector runner can replay exact
// timelines. Like the ESP32's millis(), the value is taken modulo 2^32 (the core is wrap-safe).
//
// Nothing about the core is written down here: the payload's field table, every name, the constants and the
// layout of the Frame, the payload and the Drawing are read from the module itself (layout.ts), and their
// TypeScript types are generated from it (core.generated.ts). The files beside this one each do one job:
// loader.ts (bytes -> checked instance), wasiStubs.ts, strictJson.ts (JSON.parse as strict as the device),
// layout.ts (reading structs), codegen.ts (the generated types).
import {
  CONSTANT_NAMES,
  type ConstantName,
  DECODE_STATUSES,
  type DecodeStatusName,
  type Drawing,
  FRAME_TEXT_FIELDS,
  type Frame,
  JSON_KINDS,
  type JsonKindName,
  LAMP_PRIORITY,
  LAYOUT,
  POLL_OUTCOMES,
  type PollOutcomeName,
  STATE_LINE_KEYS,
  type Usage,
} from './core.generated.js';
import { BUILD_HINT, errorText, GaugeCoreError } from './errors.js';
import type { CoreExports } from './exports.js';
import {
  type CoreDescription,
  compileReaders,
  describeCore,
  type FrameLayout,
  fieldSignature,
  frameLayout,
  frameTextFields,
  type StructReader,
  type UsageFieldDesc,
} from './layout.js';
import { compileCore, instantiateCore, isByteSource, toBytes, type WasmSource } from './loader.js';
import { parseStrictJson } from './strictJson.js';

export * from './core.generated.js';
export { GaugeCoreError } from './errors.js';
export type { FrameLayout, LayoutField } from './layout.js';
export type { WasmSource } from './loader.js';

/** A payload field as the core's kUsageFields has it. */
export type UsageFieldInfo = UsageFieldDesc;

/** What the decoder had to fix up in a payload (gauge::DecodeReport). */
export interface DecodeReport {
  present: number;
  accepted: number;
  defaulted: number;
  clamped: number;
  truncated: number;
}

/** The verdict on one response body (gauge::BodyVerdict). */
export interface PayloadResult {
  /** `ok`: new data shown; `bad_body`: not a JSON object; `rejected`: JSON the decoder refused. */
  outcome: 'ok' | 'bad_body' | 'rejected';
  /** The decoder's status, or null when the body never reached the decoder (bad_body). */
  status: DecodeStatusName | null;
  report: DecodeReport | null;
  /** Why a body was bad (parse error message), for logs. */
  reason?: string;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** ms -> uint32 like millis(); a time that is not a finite, non-negative number is a caller bug. */
function toMs(nowMs: number): number {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || nowMs < 0) {
    throw new RangeError(
      `gauge core: time must be a finite number of milliseconds >= 0, got ${String(nowMs)}`,
    );
  }
  return Math.floor(nowMs) % 0x1_0000_0000;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Refuses a module whose names or layout differ from what core.generated.ts was generated from. */
export function checkAgainstGenerated(desc: CoreDescription): void {
  const stale = (what: string) =>
    new GaugeCoreError(
      `the gauge core does not match this wrapper: ${what} (${BUILD_HINT}; after changing the core, ` +
        'regenerate firmware/platform/wasm/core.generated.ts with `npm run core:gen`)',
    );
  const lists: [string, readonly string[], readonly string[]][] = [
    ['state-line keys', desc.stateLineKeys, STATE_LINE_KEYS],
    ['lamp priority', desc.lampPriority, LAMP_PRIORITY],
    ['poll outcomes', desc.pollOutcomes, POLL_OUTCOMES],
    ['decoder verdicts', desc.decodeStatuses, DECODE_STATUSES],
    ['JSON kinds', desc.jsonKinds, JSON_KINDS],
    ["Frame's own text boxes", frameTextFields(desc), FRAME_TEXT_FIELDS],
    ['constants', desc.constants.map((c) => c.name), CONSTANT_NAMES],
  ];
  for (const [what, got, want] of lists) {
    if (!sameList(got, want)) throw stale(`its ${what} are ${got.join(',')}, expected ${want.join(',')}`);
  }
  for (const [structName, fields] of Object.entries(LAYOUT)) {
    const st = desc.structs.find((s) => s.name === structName);
    if (!st) throw stale(`struct ${structName} missing`);
    for (const [fieldName, want] of Object.entries(fields)) {
      const f = st.fields.find((x) => x.name === fieldName);
      if (!f) throw stale(`${structName}.${fieldName} missing`);
      const got = fieldSignature(f, desc);
      if (got !== want) throw stale(`${structName}.${fieldName} is ${got}, expected ${want}`);
    }
  }
}

export class GaugeCore {
  /** The core's payload field table (kUsageFields), in schema order. */
  readonly fields: readonly UsageFieldInfo[];
  /** PollOutcome names, indexed like the C++ enum. */
  readonly pollOutcomes: readonly PollOutcomeName[];
  /** DecodeStatus names, indexed like the C++ enum. */
  readonly decodeStatuses: readonly DecodeStatusName[];
  /** The numbers the core exports by name: body cap, JSON depth, screen size. */
  readonly constants: Readonly<Record<ConstantName, number>>;
  /**
   * The module's layout table: with it a native program built from the same core can check that frameBytes()
   * is its own Frame, byte for byte (the virtual panel does).
   */
  readonly layout: FrameLayout;

  readonly #x: CoreExports;
  readonly #readFrame: StructReader;
  readonly #readUsage: StructReader;
  readonly #readDrawing: StructReader;
  readonly #jsonKind: Readonly<Record<JsonKindName, number>>;
  readonly #stringBuffer: number;
  readonly #stringCapacity: number;

  private constructor(exports: CoreExports) {
    this.#x = exports;
    const desc = describeCore(exports);
    checkAgainstGenerated(desc);
    this.fields = Object.freeze(desc.usageFields);
    this.pollOutcomes = Object.freeze(desc.pollOutcomes as PollOutcomeName[]);
    this.decodeStatuses = Object.freeze(desc.decodeStatuses as DecodeStatusName[]);
    this.constants = Object.freeze(
      Object.fromEntries(desc.constants.map((c) => [c.name, c.value])) as Record<ConstantName, number>,
    );
    this.#jsonKind = Object.freeze(
      Object.fromEntries(desc.jsonKinds.map((n, i) => [n, i])) as Record<JsonKindName, number>,
    );
    this.layout = frameLayout(desc);
    const reader = compileReaders(exports.memory, desc);
    this.#readFrame = reader('Frame');
    this.#readUsage = reader('Usage');
    this.#readDrawing = reader('Drawing');
    this.#stringBuffer = exports.gauge_string_buffer();
    this.#stringCapacity = exports.gauge_string_buffer_capacity();
  }

  /**
   * Loads and instantiates the core. Each instance owns its own Device (fresh, not booted).
   * @throws GaugeCoreError with a human-readable message when the module is missing, corrupt or mismatched.
   */
  static async load(source: WasmSource): Promise<GaugeCore> {
    return new GaugeCore(await instantiateCore(source));
  }

  /** Compiles once, so many independent cores can be created cheaply with load(module). */
  static compile(source: WasmSource): Promise<WebAssembly.Module> {
    return compileCore(source);
  }

  // ---- Device ---------------------------------------------------------------------------------------------

  /** Starts the device: self-test sweep, poller reset. */
  boot(nowMs: number): void {
    this.#x.gauge_boot(toMs(nowMs));
  }

  /** Call often. True when one GET /usage should start now (never two in flight). */
  pollTick(nowMs: number): boolean {
    return this.#x.gauge_tick(toMs(nowMs)) === 1;
  }

  /**
   * Reports how a request ended without a body to decode: 'timeout', 'http_error', 'connect_failed',
   * 'unauthorized', ... A body (even a bad one) goes to applyPayloadJson instead.
   */
  pollResult(nowMs: number, outcome: PollOutcomeName): void {
    const index = this.pollOutcomes.indexOf(outcome);
    if (index < 0) {
      throw new RangeError(`gauge core: unknown poll outcome ${JSON.stringify(outcome)}`);
    }
    this.#x.gauge_on_poll_result(toMs(nowMs), index);
  }

  /** Advances needles and lamps to `nowMs` and rebuilds the frame. */
  update(nowMs: number): void {
    this.#x.gauge_update(toMs(nowMs));
  }

  /** The timeout the HTTP client should apply to each request (ms). */
  requestTimeoutMs(): number {
    return this.#x.gauge_request_timeout_ms();
  }

  /** Milliseconds until the next request may start (0 when due or one is in flight). */
  msUntilNextPoll(nowMs: number): number {
    return this.#x.gauge_ms_until_next_poll(toMs(nowMs));
  }

  inFlight(): boolean {
    return this.#x.gauge_in_flight() === 1;
  }

  consecutiveFailures(): number {
    return this.#x.gauge_consecutive_failures();
  }

  /** True after a run of network failures: re-resolve the daemon's address, then ackRediscovery(). */
  wantsRediscovery(): boolean {
    return this.#x.gauge_wants_rediscovery() === 1;
  }

  ackRediscovery(): void {
    this.#x.gauge_ack_rediscovery();
  }

  // ---- Payloads -------------------------------------------------------------------------------------------

  /**
   * Hands one /usage response body to the core, as the device's JSON glue does: parse (as strictly as the
   * device), then say for every field in the core's own table what JSON value the object holds; the core's
   * feed loop (usage_feed.h) and decoder decide the rest. Never throws on hostile input.
   *
   * @param body the body text (a string), its raw bytes (Uint8Array/ArrayBuffer, decoded as strict UTF-8),
   *   or an already-parsed value (anything else). Text that is not JSON, and JSON that is not an object,
   *   are the core's BadBody outcome.
   */
  applyPayloadJson(nowMs: number, body: unknown): PayloadResult {
    const now = toMs(nowMs);
    let value: unknown = body;
    let reason: string | null = null;
    if (typeof body === 'string' || isByteSource(body)) {
      ({ value, reason } = parseStrictJson(
        typeof body === 'string' ? body : toBytes(body),
        this.constants.max_json_depth,
      ));
    }
    if (reason === null && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      reason = `not a JSON object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
    }
    if (reason === null) {
      try {
        this.#stage(value as object);
        return this.#feed(now);
      } catch (e) {
        // Only an exotic pre-parsed value (a throwing Proxy or getter) gets here; JSON never does.
        reason = `unreadable object: ${errorText(e)}`;
      }
    }
    this.#x.gauge_on_poll_result(now, this.pollOutcomes.indexOf('bad_body'));
    return { outcome: 'bad_body', status: null, report: null, reason };
  }

  /** Tells the core, field by field, what JSON value the object holds (its own properties only). */
  #stage(obj: object): void {
    const x = this.#x;
    const kind = this.#jsonKind;
    x.gauge_stage_begin();
    for (const field of this.fields) {
      const desc = Object.getOwnPropertyDescriptor(obj, field.name);
      if (desc === undefined) continue; // missing: the default applies
      const v: unknown = 'value' in desc ? desc.value : undefined;
      if (v === null) x.gauge_stage(field.index, kind.null, 0, 0);
      else if (typeof v === 'boolean') x.gauge_stage(field.index, kind.bool, v ? 1 : 0, 0);
      else if (typeof v === 'number') x.gauge_stage(field.index, kind.number, v, 0);
      else if (typeof v === 'string') x.gauge_stage(field.index, kind.string, 0, this.#writeString(v));
      else x.gauge_stage(field.index, kind.other, 0, 0);
    }
  }

  #feed(now: number): PayloadResult {
    const x = this.#x;
    const status = this.decodeStatuses[x.gauge_feed(now)] ?? 'not_started';
    const r = (i: number) => x.gauge_decode_report(i);
    return {
      outcome: status === 'ok' ? 'ok' : 'rejected',
      status,
      report: { present: r(0), accepted: r(1), defaulted: r(2), clamped: r(3), truncated: r(4) },
    };
  }

  /** UTF-8 encodes into the core's string buffer; returns the byte length (cut to the buffer's size). */
  #writeString(s: string): number {
    const buffer = new Uint8Array(this.#x.memory.buffer, this.#stringBuffer, this.#stringCapacity);
    // More than 3 bytes per UTF-16 unit never happens, so a prefix this long always fills the buffer.
    const prefix = s.length > this.#stringCapacity ? s.slice(0, this.#stringCapacity) : s;
    const { written } = utf8Encoder.encodeInto(prefix, buffer);
    return written;
  }

  // ---- Output ---------------------------------------------------------------------------------------------

  /** The current frame as plain data (a snapshot: later updates do not change it). */
  frame(): Frame {
    return this.#readFrame(this.#x.gauge_frame()) as unknown as Frame;
  }

  /** The current frame's bytes as the module holds them (frame.h's struct, laid out as `layout` says); a copy. */
  frameBytes(): Uint8Array {
    const size = this.layout.structs[this.layout.frame]?.size ?? 0;
    const at = this.#x.gauge_frame();
    return new Uint8Array(this.#x.memory.buffer.slice(at, at + size));
  }

  /** The last good payload as the core decoded and clamped it (the schema's defaults before the first). */
  usage(): Usage {
    return this.#readUsage(this.#x.gauge_usage()) as unknown as Usage;
  }

  /** How the current frame is drawn (firmware/core/drawing.h): text placements, ticks, needles, lamps. */
  drawing(): Drawing {
    return this.#readDrawing(this.#x.gauge_drawing()) as unknown as Drawing;
  }

  /** The state line the device prints on serial, e.g. `GAUGE t=1500 phase=LIVE tach=-120.0 ...`. */
  stateLine(): string {
    const len = this.#x.gauge_format_state_line();
    return utf8.decode(new Uint8Array(this.#x.memory.buffer, this.#x.gauge_state_line_buffer(), len));
  }
}
