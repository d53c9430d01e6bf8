// Typed wrapper around gauge-core.wasm: the SAME C++ gauge core the ESP32 runs, compiled to WebAssembly
// (firmware/platform/wasm/gauge_wasm.cpp). Works in Node and in the browser: no Node-only imports here.
//
//   const core = await GaugeCore.load(bytesOrUrlOrResponse);
//   core.boot(now);
//   loop:  if (core.pollTick(now)) fetch('/usage') ... then core.applyPayloadJson(now, bodyText)
//                                                   or core.pollResult(now, 'timeout' | 'http_error' | ...)
//          core.update(now); draw(core.frame());
//
// TIME IS INJECTED: every method that needs the time takes `nowMs` (milliseconds from any origin, e.g.
// performance.now()). Nothing in here reads a clock, so a test or a vector runner can replay exact
// timelines. Like the ESP32's millis(), the value is taken modulo 2^32 (the core is wrap-safe).
//
// Nothing about the core is written down twice: the payload's field table, the outcome names and the Frame's
// memory layout are all read from the module itself. Errors (missing, corrupt or mismatched wasm) throw a
// GaugeCoreError whose message a page can show as is.

/** The JSON type the contract declares for a payload field (as the core's kUsageFields says). */
export type UsageFieldType = 'integer' | 'number' | 'nullable_integer' | 'boolean' | 'string';

export interface UsageFieldInfo {
  /** Index in the core's kUsageFields (the setter argument). */
  readonly index: number;
  /** JSON property name, e.g. `rate_1m`. */
  readonly name: string;
  readonly type: UsageFieldType;
}

export type PollOutcomeName =
  | 'ok'
  | 'http_error'
  | 'timeout'
  | 'connect_failed'
  | 'bad_body'
  | 'rejected'
  | 'unauthorized';

export type DecodeStatusName = 'ok' | 'bad_version' | 'no_known_fields' | 'not_started';

/** What the decoder had to fix up in a payload (gauge::DecodeReport). */
export interface DecodeReport {
  present: number;
  accepted: number;
  defaulted: number;
  clamped: number;
  truncated: number;
}

/** The verdict on one response body. */
export interface PayloadResult {
  /** `ok`: new data shown; `bad_body`: not a JSON object; `rejected`: JSON the decoder refused. */
  outcome: 'ok' | 'bad_body' | 'rejected';
  /** The decoder's status, or null when the body never reached the decoder (bad_body). */
  status: DecodeStatusName | null;
  report: DecodeReport | null;
  /** Why a body was bad (parse error message), for logs. */
  reason?: string;
}

// ---- The Frame (firmware/core/frame.h), field for field; enums carry the C++ enumerator names ----------

export type PhaseName = 'SelfTest' | 'Live' | 'NoSignal';
export type DialName = 'Tach' | 'Fuel' | 'Temp' | 'Boost';
export type AlignName = 'Left' | 'Center' | 'Right';
export type LampName = 'Hot' | 'Warn' | 'Stall' | 'Idle' | 'NoSignal';

export interface TextBox {
  x: number;
  y: number;
  w: number;
  h: number;
  size: number;
  align: AlignName;
  color: number;
  text: string;
  seq: number;
}

export interface Zone {
  from_deg: number;
  to_deg: number;
  color: number;
}

export interface Tick {
  deg: number;
  major: number;
  label: string;
}

export interface Dial {
  id: DialName;
  cx: number;
  cy: number;
  radius: number;
  arc_width: number;
  label_radius: number;
  needle_length: number;
  hub_radius: number;
  start_deg: number;
  end_deg: number;
  arc_color: number;
  tick_color: number;
  needle_color: number;
  zone_count: number;
  /** Only the zone_count zones in use. */
  zones: Zone[];
  tick_count: number;
  /** Only the tick_count ticks in use. */
  ticks: Tick[];
  label: TextBox;
  value: TextBox;
  needle_deg: number;
  face_seq: number;
  needle_seq: number;
}

export interface LampView {
  id: LampName;
  x: number;
  y: number;
  w: number;
  h: number;
  label_size: number;
  label: string;
  active: boolean;
  lit: boolean;
  on_color: number;
  off_color: number;
  color: number;
  label_color: number;
  seq: number;
}

export interface Frame {
  t_ms: number;
  seq: number;
  layout_seq: number;
  phase: PhaseName;
  stale: boolean;
  fuel_over: boolean;
  background: number;
  /** Indexed by DialId: Tach, Fuel, Temp, Boost. */
  dials: Dial[];
  /** Indexed by LampId: Hot, Warn, Stall, Idle, NoSignal. */
  lamps: LampView[];
  model: TextBox;
  status: TextBox;
  rgb_led: number;
  discrete_mask: number;
}

/** Anything the module can be loaded from. Strings and URLs are fetched (browser, or http(s) in Node). */
export type WasmSource =
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module
  | Response
  | PromiseLike<Response>
  | URL
  | string;

/** A failure to load or use the wasm core, with a message meant for humans. */
export class GaugeCoreError extends Error {
  override name = 'GaugeCoreError';
}

const ABI_VERSION = 1;
const BUILD_HINT = 'build it with `npm run firmware:wasm`';
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const ENOSYS = 52;

/** The exports gauge_wasm.cpp defines (all numbers are i32 except the f64 of gauge_decode_number). */
interface CoreExports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  gauge_abi_version(): number;
  gauge_field_count(): number;
  gauge_field_name(i: number): number;
  gauge_field_type(i: number): number;
  gauge_poll_outcome_count(): number;
  gauge_poll_outcome_name(i: number): number;
  gauge_decode_status_count(): number;
  gauge_decode_status_name(i: number): number;
  gauge_boot(now: number): void;
  gauge_tick(now: number): number;
  gauge_on_poll_result(now: number, outcome: number): void;
  gauge_update(now: number): void;
  gauge_request_timeout_ms(): number;
  gauge_ms_until_next_poll(now: number): number;
  gauge_in_flight(): number;
  gauge_consecutive_failures(): number;
  gauge_wants_rediscovery(): number;
  gauge_ack_rediscovery(): void;
  gauge_string_buffer(): number;
  gauge_string_buffer_capacity(): number;
  gauge_decode_begin(): void;
  gauge_decode_number(field: number, value: number): void;
  gauge_decode_bool(field: number, value: number): void;
  gauge_decode_string(field: number, len: number): void;
  gauge_decode_null(field: number): void;
  gauge_decode_wrong_type(field: number): void;
  gauge_decode_finish(now: number): number;
  gauge_decode_report(which: number): number;
  gauge_frame(): number;
  gauge_format_state_line(): number;
  gauge_state_line_buffer(): number;
  gauge_layout_struct_count(): number;
  gauge_layout_frame_struct(): number;
  gauge_layout_struct_name(s: number): number;
  gauge_layout_struct_size(s: number): number;
  gauge_layout_field_count(s: number): number;
  gauge_layout_field_name(s: number, f: number): number;
  gauge_layout_field_info(s: number, f: number, what: number): number;
  gauge_layout_field_count_field(s: number, f: number): number;
  gauge_layout_enum_count(): number;
  gauge_layout_enum_name(e: number): number;
  gauge_layout_enum_value_count(e: number): number;
  gauge_layout_enum_value_name(e: number, v: number): number;
}

const REQUIRED_FUNCTIONS: readonly (keyof CoreExports)[] = [
  'gauge_abi_version',
  'gauge_field_count',
  'gauge_field_name',
  'gauge_field_type',
  'gauge_poll_outcome_count',
  'gauge_poll_outcome_name',
  'gauge_decode_status_count',
  'gauge_decode_status_name',
  'gauge_boot',
  'gauge_tick',
  'gauge_on_poll_result',
  'gauge_update',
  'gauge_request_timeout_ms',
  'gauge_ms_until_next_poll',
  'gauge_in_flight',
  'gauge_consecutive_failures',
  'gauge_wants_rediscovery',
  'gauge_ack_rediscovery',
  'gauge_string_buffer',
  'gauge_string_buffer_capacity',
  'gauge_decode_begin',
  'gauge_decode_number',
  'gauge_decode_bool',
  'gauge_decode_string',
  'gauge_decode_null',
  'gauge_decode_wrong_type',
  'gauge_decode_finish',
  'gauge_decode_report',
  'gauge_frame',
  'gauge_format_state_line',
  'gauge_state_line_buffer',
  'gauge_layout_struct_count',
  'gauge_layout_frame_struct',
  'gauge_layout_struct_name',
  'gauge_layout_struct_size',
  'gauge_layout_field_count',
  'gauge_layout_field_name',
  'gauge_layout_field_info',
  'gauge_layout_field_count_field',
  'gauge_layout_enum_count',
  'gauge_layout_enum_name',
  'gauge_layout_enum_value_count',
  'gauge_layout_enum_value_name',
];

// ---- Frame layout: what this wrapper expects, checked once against what the module describes -------------

// Kinds as numbered in frame_layout.h.
const KIND = {
  u8: 1,
  i8: 2,
  u16: 3,
  i16: 4,
  u32: 5,
  i32: 6,
  f32: 7,
  bool: 8,
  chars: 9,
  enum: 10,
  struct: 11,
} as const;

/** How each field of each struct reads in TS: a number, boolean, string, enum name or nested struct. */
type Expect = 'number' | 'boolean' | 'string' | `enum:${string}` | `struct:${string}`;
const EXPECTED_LAYOUT: Record<string, Record<string, Expect>> = {
  TextBox: {
    x: 'number',
    y: 'number',
    w: 'number',
    h: 'number',
    size: 'number',
    align: 'enum:Align',
    color: 'number',
    text: 'string',
    seq: 'number',
  },
  Zone: { from_deg: 'number', to_deg: 'number', color: 'number' },
  Tick: { deg: 'number', major: 'number', label: 'string' },
  Dial: {
    id: 'enum:DialId',
    cx: 'number',
    cy: 'number',
    radius: 'number',
    arc_width: 'number',
    label_radius: 'number',
    needle_length: 'number',
    hub_radius: 'number',
    start_deg: 'number',
    end_deg: 'number',
    arc_color: 'number',
    tick_color: 'number',
    needle_color: 'number',
    zone_count: 'number',
    zones: 'struct:Zone',
    tick_count: 'number',
    ticks: 'struct:Tick',
    label: 'struct:TextBox',
    value: 'struct:TextBox',
    needle_deg: 'number',
    face_seq: 'number',
    needle_seq: 'number',
  },
  LampView: {
    id: 'enum:LampId',
    x: 'number',
    y: 'number',
    w: 'number',
    h: 'number',
    label_size: 'number',
    label: 'string',
    active: 'boolean',
    lit: 'boolean',
    on_color: 'number',
    off_color: 'number',
    color: 'number',
    label_color: 'number',
    seq: 'number',
  },
  Frame: {
    t_ms: 'number',
    seq: 'number',
    layout_seq: 'number',
    phase: 'enum:Phase',
    stale: 'boolean',
    fuel_over: 'boolean',
    background: 'number',
    dials: 'struct:Dial',
    lamps: 'struct:LampView',
    model: 'struct:TextBox',
    status: 'struct:TextBox',
    rgb_led: 'number',
    discrete_mask: 'number',
  },
};
// Fields that are arrays in frame.h (all others are scalars or single structs).
const ARRAY_FIELDS = new Set(['Dial.zones', 'Dial.ticks', 'Frame.dials', 'Frame.lamps']);

/** Reads one struct at a byte address into a plain object. */
type StructReader = (view: DataView, bytes: Uint8Array, address: number) => Record<string, unknown>;

/** One field of a struct in the core's layout table (frame_layout.h), as the module reports it. */
export interface LayoutField {
  name: string;
  offset: number;
  kind: number;
  count: number;
  stride: number;
  ref: number;
  countField: string | null;
}

/** The core's layout table: every struct of the Frame with its size and fields, indexed like the module's. */
export interface FrameLayout {
  structs: { name: string; size: number; fields: LayoutField[] }[];
  /** Index of the Frame itself in `structs`. */
  frame: number;
}

const utf8 = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isByteSource(x: unknown): x is ArrayBuffer | ArrayBufferView {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

function toBytes(x: ArrayBuffer | ArrayBufferView): Uint8Array {
  return x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** ms -> uint32 like millis(); a time that is not a finite, non-negative number is a caller bug. */
function toMs(nowMs: number): number {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || nowMs < 0) {
    throw new RangeError(
      `gauge core: time must be a finite number of milliseconds >= 0, got ${String(nowMs)}`,
    );
  }
  return Math.floor(nowMs) % 0x1_0000_0000;
}

// Deepest nesting of arrays/objects accepted (the top-level object counts as 1): the ESP32's ArduinoJson
// NestingLimit, so the simulator, the virtual device and the device refuse the same bodies.
const MAX_JSON_DEPTH = 10;

/**
 * Finds what the device's parsers reject in JSON text that JSON.parse accepts: a number that overflows a
 * double (JSON.parse makes it Infinity), a lone UTF-16 surrogate (escaped or raw), and nesting deeper than
 * MAX_JSON_DEPTH. This must look at the TEXT, not the parsed value: with a duplicate key the offending
 * value is overwritten before anyone could see it, yet the device's parser has already refused the whole
 * body. Only called on text JSON.parse accepted, so the token structure is known to be valid.
 */
function strictJsonProblem(text: string): string | null {
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
      i++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      i++;
    } else if (c === 0x22) {
      // A string: walk it, pairing surrogates (escaped or raw) the way a UTF-8 parser must.
      i++;
      // The high surrogate waiting for its low half: 0 none, 1 raw, 2 escaped. A raw half never pairs with
      // an escaped one: as UTF-8 on the wire the raw half would already be a replacement character.
      let pending = 0;
      while (i < n) {
        let unit = text.charCodeAt(i);
        if (unit === 0x22) break;
        let kind = 1;
        if (unit === 0x5c) {
          kind = 2;
          if (text.charCodeAt(i + 1) === 0x75) {
            unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
            i += 6;
          } else {
            unit = 0x20; // any other escape is a plain character
            i += 2;
          }
        } else {
          i++;
        }
        const isHigh = unit >= 0xd800 && unit <= 0xdbff;
        const isLow = unit >= 0xdc00 && unit <= 0xdfff;
        if (isLow ? pending !== kind : pending !== 0) return 'string with a lone UTF-16 surrogate';
        pending = isHigh ? kind : 0;
      }
      if (pending !== 0) return 'string with a lone UTF-16 surrogate';
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(text.charAt(j))) j++;
      if (!Number.isFinite(Number(text.slice(i, j)))) return 'number out of range of a double';
      i = j;
    } else {
      i++;
    }
  }
  return null;
}

async function toModule(source: WasmSource): Promise<WebAssembly.Module> {
  let from = 'the given bytes';
  let bytes: Uint8Array;
  if (source instanceof WebAssembly.Module) return source;
  if (isByteSource(source)) {
    bytes = toBytes(source);
  } else {
    let response: Response;
    if (typeof source === 'string' || source instanceof URL) {
      from = String(source);
      try {
        response = await fetch(source);
      } catch (e) {
        throw new GaugeCoreError(`could not fetch the gauge core from ${from}: ${errorText(e)}`);
      }
    } else {
      try {
        response = await source;
      } catch (e) {
        throw new GaugeCoreError(`could not fetch the gauge core: ${errorText(e)}`);
      }
      from = response.url || 'the response';
    }
    if (!response.ok) {
      throw new GaugeCoreError(
        `could not load the gauge core from ${from}: HTTP ${response.status} ${response.statusText} (${BUILD_HINT})`,
      );
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  if (bytes.length === 0) throw new GaugeCoreError(`the gauge core from ${from} is empty (${BUILD_HINT})`);
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    const head = utf8.decode(bytes.subarray(0, 16)).replace(/[^\x20-\x7e]/g, '.');
    throw new GaugeCoreError(
      `the gauge core from ${from} is not a WebAssembly module (it starts with "${head}"; ` +
        `an HTML error page served instead?) (${BUILD_HINT})`,
    );
  }
  try {
    // Copy: compile() wants a plain ArrayBuffer-backed view, not a window on someone else's buffer.
    return await WebAssembly.compile(bytes.slice());
  } catch (e) {
    throw new GaugeCoreError(`the gauge core from ${from} is corrupt: ${errorText(e)} (${BUILD_HINT})`);
  }
}

/** Stub imports: the core needs no system calls; anything libc links in (stdio for snprintf) gets ENOSYS. */
function stubImports(module: WebAssembly.Module): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1' || imp.kind !== 'function') {
      throw new GaugeCoreError(
        `the gauge core imports ${imp.module}.${imp.name} (${imp.kind}), which this wrapper cannot provide ` +
          `(was it built by firmware/platform/wasm/rules.mk?)`,
      );
    }
    const ns = imports[imp.module] ?? {};
    imports[imp.module] = ns;
    ns[imp.name] =
      imp.name === 'proc_exit'
        ? (code: number) => {
            throw new GaugeCoreError(`the gauge core called exit(${code})`);
          }
        : () => ENOSYS;
  }
  return imports;
}

export class GaugeCore {
  /** The core's payload field table (kUsageFields), in schema order. */
  readonly fields: readonly UsageFieldInfo[];
  /** PollOutcome names, indexed like the C++ enum. */
  readonly pollOutcomes: readonly PollOutcomeName[];
  /** DecodeStatus names, indexed like the C++ enum. */
  readonly decodeStatuses: readonly DecodeStatusName[];

  /**
   * The Frame's memory layout in this module, from its own table: with it a native program built from the same
   * frame.h can check that frameBytes() is its own Frame, byte for byte (the virtual panel does).
   */
  readonly layout: FrameLayout;

  readonly #x: CoreExports;
  readonly #readFrame: StructReader;
  readonly #stringBuffer: number;
  readonly #stringCapacity: number;

  private constructor(exports: CoreExports) {
    this.#x = exports;
    const x = exports;
    const version = x.gauge_abi_version();
    if (version !== ABI_VERSION) {
      throw new GaugeCoreError(
        `the gauge core speaks ABI version ${version} but this wrapper expects ${ABI_VERSION} (${BUILD_HINT})`,
      );
    }
    const fields: UsageFieldInfo[] = [];
    for (let i = 0; i < x.gauge_field_count(); i++) {
      fields.push({
        index: i,
        name: this.#cString(x.gauge_field_name(i)),
        type: this.#cString(x.gauge_field_type(i)) as UsageFieldType,
      });
    }
    this.fields = Object.freeze(fields);
    this.pollOutcomes = Object.freeze(
      this.#names(x.gauge_poll_outcome_count(), (i) => x.gauge_poll_outcome_name(i)) as PollOutcomeName[],
    );
    this.decodeStatuses = Object.freeze(
      this.#names(x.gauge_decode_status_count(), (i) => x.gauge_decode_status_name(i)) as DecodeStatusName[],
    );
    for (const needed of ['ok', 'bad_body', 'rejected'] as const) {
      if (!this.pollOutcomes.includes(needed)) {
        throw new GaugeCoreError(`the gauge core has no poll outcome "${needed}" (${BUILD_HINT})`);
      }
    }
    this.#stringBuffer = x.gauge_string_buffer();
    this.#stringCapacity = x.gauge_string_buffer_capacity();
    const { reader, layout } = this.#buildFrameReader();
    this.#readFrame = reader;
    this.layout = layout;
  }

  /**
   * Loads and instantiates the core. Each instance owns its own Device (fresh, not booted).
   * @throws GaugeCoreError with a human-readable message when the module is missing, corrupt or mismatched.
   */
  static async load(source: WasmSource): Promise<GaugeCore> {
    const module = await toModule(source);
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, stubImports(module));
    } catch (e) {
      if (e instanceof GaugeCoreError) throw e;
      throw new GaugeCoreError(`the gauge core could not be instantiated: ${errorText(e)} (${BUILD_HINT})`);
    }
    const exports = instance.exports as Record<string, unknown>;
    if (!(exports.memory instanceof WebAssembly.Memory)) {
      throw new GaugeCoreError(`the gauge core exports no memory (${BUILD_HINT})`);
    }
    const missing = REQUIRED_FUNCTIONS.filter((name) => typeof exports[name] !== 'function');
    if (missing.length > 0) {
      throw new GaugeCoreError(
        `the gauge core lacks the export(s) ${missing.join(', ')}: built from another version? (${BUILD_HINT})`,
      );
    }
    const core = exports as unknown as CoreExports;
    // A reactor module runs its static constructors (the Device) in _initialize.
    if (typeof core._initialize === 'function') core._initialize();
    return new GaugeCore(core);
  }

  /** Compiles once, so many independent cores can be created cheaply with load(module). */
  static compile(source: WasmSource): Promise<WebAssembly.Module> {
    return toModule(source);
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
   * Hands one /usage response body to the core, exactly as the device's JSON glue does: parse, then for
   * every field in the core's own table that the object has, call the setter matching the value's JSON
   * type; the core decides what is valid. Never throws on hostile input.
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
      ({ value, reason } = parseBody(body));
    }
    if (reason === null && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      reason = `not a JSON object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
    }
    if (reason === null) {
      try {
        return this.#decode(now, value as object);
      } catch (e) {
        // Only an exotic pre-parsed value (a throwing Proxy or getter) gets here; JSON never does.
        reason = `unreadable object: ${errorText(e)}`;
      }
    }
    this.#x.gauge_on_poll_result(now, this.pollOutcomes.indexOf('bad_body'));
    return { outcome: 'bad_body', status: null, report: null, reason };
  }

  #decode(now: number, obj: object): PayloadResult {
    const x = this.#x;
    x.gauge_decode_begin();
    for (const field of this.fields) {
      const desc = Object.getOwnPropertyDescriptor(obj, field.name);
      if (desc === undefined) continue; // missing: the default applies
      const v: unknown = 'value' in desc ? desc.value : undefined;
      if (v === null) x.gauge_decode_null(field.index);
      else if (typeof v === 'boolean') x.gauge_decode_bool(field.index, v ? 1 : 0);
      // Zero is passed unsigned: nlohmann reads "-0" as the integer 0 and JSON.parse as -0.
      else if (typeof v === 'number') x.gauge_decode_number(field.index, v === 0 ? 0 : v);
      else if (typeof v === 'string') x.gauge_decode_string(field.index, this.#writeString(v));
      else x.gauge_decode_wrong_type(field.index);
    }
    const status = this.decodeStatuses[x.gauge_decode_finish(now)] ?? 'not_started';
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
    const memory = this.#x.memory.buffer;
    return this.#readFrame(
      new DataView(memory),
      new Uint8Array(memory),
      this.#x.gauge_frame(),
    ) as unknown as Frame;
  }

  /** The current frame's bytes as the module holds them (frame.h's struct, laid out as `layout` says); a copy. */
  frameBytes(): Uint8Array {
    const size = this.layout.structs[this.layout.frame]?.size ?? 0;
    const at = this.#x.gauge_frame();
    return new Uint8Array(this.#x.memory.buffer.slice(at, at + size));
  }

  /** The state line the device prints on serial, e.g. `GAUGE t=1500 phase=LIVE tach=-120.0 ...`. */
  stateLine(): string {
    const len = this.#x.gauge_format_state_line();
    return utf8.decode(new Uint8Array(this.#x.memory.buffer, this.#x.gauge_state_line_buffer(), len));
  }

  // ---- Internals ------------------------------------------------------------------------------------------

  #cString(ptr: number, max = 4096): string {
    if (ptr === 0)
      throw new GaugeCoreError('the gauge core returned a null string where a name was expected');
    const bytes = new Uint8Array(this.#x.memory.buffer);
    let end = ptr;
    while (end < bytes.length && end - ptr < max && bytes[end] !== 0) end++;
    return utf8.decode(bytes.subarray(ptr, end));
  }

  #names(count: number, at: (i: number) => number): string[] {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.#cString(at(i)));
    return out;
  }

  /** Reads the layout table from the module, checks it against EXPECTED_LAYOUT, and compiles a reader. */
  #buildFrameReader(): { reader: StructReader; layout: FrameLayout } {
    const x = this.#x;
    const enums: string[][] = [];
    const enumNames: string[] = [];
    for (let e = 0; e < x.gauge_layout_enum_count(); e++) {
      enumNames.push(this.#cString(x.gauge_layout_enum_name(e)));
      enums.push(
        this.#names(x.gauge_layout_enum_value_count(e), (v) => x.gauge_layout_enum_value_name(e, v)),
      );
    }
    const structCount = x.gauge_layout_struct_count();
    const structNames = this.#names(structCount, (s) => x.gauge_layout_struct_name(s));
    const layouts: LayoutField[][] = [];
    for (let s = 0; s < structCount; s++) {
      const fields: LayoutField[] = [];
      for (let f = 0; f < x.gauge_layout_field_count(s); f++) {
        const countPtr = x.gauge_layout_field_count_field(s, f);
        fields.push({
          name: this.#cString(x.gauge_layout_field_name(s, f)),
          offset: x.gauge_layout_field_info(s, f, 0),
          kind: x.gauge_layout_field_info(s, f, 1),
          count: x.gauge_layout_field_info(s, f, 2),
          stride: x.gauge_layout_field_info(s, f, 3),
          ref: x.gauge_layout_field_info(s, f, 4),
          countField: countPtr === 0 ? null : this.#cString(countPtr),
        });
      }
      layouts.push(fields);
    }

    const mismatch = (what: string) =>
      new GaugeCoreError(
        `the gauge core's Frame layout does not match this wrapper: ${what} (${BUILD_HINT})`,
      );
    for (const [structName, expected] of Object.entries(EXPECTED_LAYOUT)) {
      const s = structNames.indexOf(structName);
      if (s < 0) throw mismatch(`struct ${structName} missing`);
      const fields = layouts[s] ?? [];
      for (const [fieldName, want] of Object.entries(expected)) {
        const f = fields.find((y) => y.name === fieldName);
        if (!f) throw mismatch(`${structName}.${fieldName} missing`);
        const got =
          f.kind === KIND.bool
            ? 'boolean'
            : f.kind === KIND.chars
              ? 'string'
              : f.kind === KIND.enum
                ? `enum:${enumNames[f.ref]}`
                : f.kind === KIND.struct
                  ? `struct:${structNames[f.ref]}`
                  : 'number';
        if (got !== want) throw mismatch(`${structName}.${fieldName} is ${got}, expected ${want}`);
        const isArray = ARRAY_FIELDS.has(`${structName}.${fieldName}`);
        if (f.kind !== KIND.chars && isArray !== f.count > 1) {
          throw mismatch(`${structName}.${fieldName} array length ${f.count}`);
        }
      }
    }

    const readers: StructReader[] = [];
    const readerOf =
      (s: number): StructReader =>
      (view, bytes, address) => {
        const reader = readers[s];
        if (!reader) throw new GaugeCoreError(`no reader for struct ${s}`);
        return reader(view, bytes, address);
      };
    layouts.forEach((fields, s) => {
      const structName = structNames[s] ?? '';
      const expected = EXPECTED_LAYOUT[structName] ?? {};
      const readOne = (f: LayoutField): ((v: DataView, b: Uint8Array, a: number) => unknown) => {
        switch (f.kind) {
          case KIND.u8:
            return (v, _b, a) => v.getUint8(a);
          case KIND.i8:
            return (v, _b, a) => v.getInt8(a);
          case KIND.u16:
            return (v, _b, a) => v.getUint16(a, true);
          case KIND.i16:
            return (v, _b, a) => v.getInt16(a, true);
          case KIND.u32:
            return (v, _b, a) => v.getUint32(a, true);
          case KIND.i32:
            return (v, _b, a) => v.getInt32(a, true);
          case KIND.f32:
            return (v, _b, a) => v.getFloat32(a, true);
          case KIND.bool:
            return (v, _b, a) => v.getUint8(a) !== 0;
          case KIND.chars:
            return (_v, b, a) => {
              let end = a;
              while (end < a + f.count && b[end] !== 0) end++;
              return utf8.decode(b.subarray(a, end));
            };
          case KIND.enum: {
            const names = enums[f.ref] ?? [];
            return (v, _b, a) => {
              const n = v.getUint8(a);
              return names[n] ?? `#${n}`;
            };
          }
          case KIND.struct:
            return readerOf(f.ref);
          default:
            throw mismatch(`${structName}.${f.name} has unknown kind ${f.kind}`);
        }
      };
      // Only the fields this wrapper knows are read; extra fields in a newer core are ignored.
      const plan = fields
        .filter((f) => f.name in expected)
        .map((f) => ({
          name: f.name,
          offset: f.offset,
          stride: f.stride,
          length: f.kind === KIND.chars ? 1 : f.count,
          array: ARRAY_FIELDS.has(`${structName}.${f.name}`),
          countField: f.countField,
          read: readOne(f),
        }));
      readers[s] = (view, bytes, address) => {
        const out: Record<string, unknown> = {};
        for (const p of plan) {
          const base = address + p.offset;
          if (!p.array) {
            out[p.name] = p.read(view, bytes, base);
            continue;
          }
          let used = p.length;
          if (p.countField !== null) {
            const n = out[p.countField];
            // A count beyond the array's length would be a core bug; never read past the array.
            used = typeof n === 'number' ? Math.min(Math.max(n, 0), p.length) : p.length;
          }
          const items: unknown[] = [];
          for (let i = 0; i < used; i++) items.push(p.read(view, bytes, base + i * p.stride));
          out[p.name] = items;
        }
        return out;
      };
    });
    const frameStruct = x.gauge_layout_frame_struct();
    if (structNames[frameStruct] !== 'Frame') throw mismatch('the frame struct is not named Frame');
    const layout: FrameLayout = {
      structs: layouts.map((fields, s) => ({
        name: structNames[s] ?? '',
        size: x.gauge_layout_struct_size(s),
        fields,
      })),
      frame: frameStruct,
    };
    return { reader: readerOf(frameStruct), layout };
  }
}

/** Text or bytes -> parsed JSON, with the strictness of the device's parser. */
function parseBody(body: string | ArrayBuffer | ArrayBufferView): { value: unknown; reason: string | null } {
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    try {
      text = utf8Strict.decode(toBytes(body)); // also drops a leading BOM
    } catch {
      return { value: undefined, reason: 'body is not valid UTF-8' };
    }
  }
  // The device's parser skips a UTF-8 byte order mark; JSON.parse would choke on it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { value: undefined, reason: `not JSON: ${errorText(e)}` };
  }
  const problem = strictJsonProblem(text);
  return problem === null ? { value, reason: null } : { value: undefined, reason: `not JSON: ${problem}` };
}
