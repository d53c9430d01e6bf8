// Typed wrapper around improv.wasm: the gauge core's Improv Wi-Fi codec (firmware/core/improv.h) compiled to
// WebAssembly (improv_wasm.cpp), for the client side of the serial port. Works in Node and in the browser.
//
//   const codec = await ImprovCodec.load(bytesOrUrlOrResponse);
//   for (const e of codec.push(received, now)) ...   // text chunks, packets (with their strings), drops
//   port.write(codec.rpc(codec.command.device_info, []));
//
// The framing, the checksum, the "IMPROV at the start of a line" rule and every protocol number come from
// the module: nothing about the wire format is written down here. Time is injected (`nowMs`), as in the core.

import { BUILD_HINT } from './errors.js';
import { compileModule, type ModuleKind, type WasmSource } from './loader.js';

export type { WasmSource } from './loader.js';

export class ImprovCodecError extends Error {
  override name = 'ImprovCodecError';
}

const ABI_VERSION = 1;
const IMPROV_WASM: ModuleKind = { name: 'improv.wasm', error: ImprovCodecError, hint: BUILD_HINT };

interface Exports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  improv_abi_version(): number;
  improv_max_data(): number;
  improv_max_strings(): number;
  improv_frame_timeout_ms(): number;
  improv_firmware_name(): number;
  improv_name_count(): number;
  improv_name(i: number): number;
  improv_name_value(i: number): number;
  improv_push(byte: number, now: number): number;
  improv_dropped(): number;
  improv_text_ptr(): number;
  improv_text_len(): number;
  improv_packet_type(): number;
  improv_packet_ptr(): number;
  improv_packet_len(): number;
  improv_reset(): void;
  improv_parse_strings(): number;
  improv_parsed_offsets(): number;
  improv_parsed_lens(): number;
  improv_strings_ptr(): number;
  improv_string_lens_ptr(): number;
  improv_encode(type: number, command: number, count: number): number;
  improv_encode_raw(type: number, len: number): number;
  improv_out_ptr(): number;
}

export type ImprovEvent =
  /** Console text (everything that is not an Improv packet), in order. */
  | { kind: 'text'; bytes: Uint8Array }
  /**
   * A packet with a good checksum. `strings` is its data read as command | length | strings (RPCs and RPC
   * results), null for the one-byte state and error packets or data of another shape.
   */
  | { kind: 'packet'; type: number; data: Uint8Array; command: number | null; strings: string[] | null }
  /** A packet that was dropped: a bad checksum, or it stalled for the frame timeout. */
  | { kind: 'dropped'; reason: 'bad_checksum' | 'stalled' };

// The protocol numbers the wrapper exposes, by the names improv_wasm.cpp gives them; the values are read from
// the module, and a module without one of these names is refused.
const GROUPS = {
  type: ['current_state', 'error_state', 'rpc', 'rpc_result'],
  state: ['stopped', 'ready', 'provisioning', 'provisioned'],
  error: ['none', 'invalid_rpc', 'unknown_rpc', 'unable_to_connect', 'unknown'],
  command: ['wifi_settings', 'current_state', 'device_info', 'scan_networks', 'daemon_settings'],
} as const;
type Group<K extends keyof typeof GROUPS> = Readonly<Record<(typeof GROUPS)[K][number], number>>;

const utf8 = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export class ImprovCodec {
  /** The firmware name the gauge reports in its device info (improv::kFirmwareName). */
  readonly firmwareName: string;
  readonly maxData: number;
  /** A packet that stops arriving for this long is abandoned (the demux's rule). */
  readonly frameTimeoutMs: number;
  readonly type: Group<'type'>;
  readonly state: Group<'state'>;
  readonly error: Group<'error'>;
  readonly command: Group<'command'>;

  readonly #x: Exports;
  readonly #maxStrings: number;

  private constructor(x: Exports) {
    this.#x = x;
    if (x.improv_abi_version() !== ABI_VERSION)
      throw new ImprovCodecError(
        `improv.wasm has ABI ${x.improv_abi_version()}, expected ${ABI_VERSION} (${BUILD_HINT})`,
      );
    this.firmwareName = this.#cString(x.improv_firmware_name());
    this.maxData = x.improv_max_data();
    this.frameTimeoutMs = x.improv_frame_timeout_ms();
    this.#maxStrings = x.improv_max_strings();
    const values = new Map<string, number>();
    for (let i = 0; i < x.improv_name_count(); i++)
      values.set(this.#cString(x.improv_name(i)), x.improv_name_value(i));
    const group = <K extends keyof typeof GROUPS>(key: K): Group<K> => {
      const out: Record<string, number> = {};
      for (const name of GROUPS[key]) {
        const v = values.get(`${key}.${name}`);
        if (v === undefined)
          throw new ImprovCodecError(`improv.wasm does not name ${key}.${name} (${BUILD_HINT})`);
        out[name] = v;
      }
      return Object.freeze(out) as Group<K>;
    };
    this.type = group('type');
    this.state = group('state');
    this.error = group('error');
    this.command = group('command');
  }

  /** Loads a fresh codec: its own demux, so one per serial port. */
  static async load(source: WasmSource): Promise<ImprovCodec> {
    const module = await compileModule(source, IMPROV_WASM);
    const imports = WebAssembly.Module.imports(module);
    if (imports.length > 0)
      throw new ImprovCodecError(
        `improv.wasm imports ${imports.map((i) => `${i.module}.${i.name}`).join(', ')} (${BUILD_HINT})`,
      );
    const instance = await WebAssembly.instantiate(module, {});
    const x = instance.exports as unknown as Exports;
    if (!(x.memory instanceof WebAssembly.Memory) || typeof x.improv_push !== 'function')
      throw new ImprovCodecError(`improv.wasm lacks the codec's exports (${BUILD_HINT})`);
    x._initialize?.();
    return new ImprovCodec(x);
  }

  /** The name of a protocol number in a group, e.g. nameOf(codec.error, 3) === 'unable_to_connect'. */
  nameOf(group: Readonly<Record<string, number>>, value: number): string {
    for (const [k, v] of Object.entries(group)) if (v === value) return k;
    return `0x${value.toString(16).padStart(2, '0')}`;
  }

  /** Splits received bytes into console text, packets and drops, in order (adjacent text coalesced). */
  push(bytes: Uint8Array, nowMs: number): ImprovEvent[] {
    const x = this.#x;
    const now = Math.trunc(nowMs) >>> 0;
    const out: ImprovEvent[] = [];
    let text: number[] = [];
    const flush = () => {
      if (text.length) out.push({ kind: 'text', bytes: Uint8Array.from(text) });
      text = [];
    };
    for (const b of bytes) {
      const kind = x.improv_push(b, now);
      const dropped = x.improv_dropped();
      if (dropped !== 0) {
        flush();
        out.push({ kind: 'dropped', reason: dropped === 1 ? 'bad_checksum' : 'stalled' });
      }
      if (kind === 1) {
        const view = this.#bytes(x.improv_text_ptr(), x.improv_text_len());
        for (const c of view) text.push(c);
      } else if (kind === 2) {
        flush();
        out.push(this.#packet());
      }
    }
    flush();
    return out;
  }

  /** Forgets a half-received packet (e.g. after the port was reopened). */
  reset(): void {
    this.#x.improv_reset();
  }

  /** A whole RPC packet (type 3): command | length | strings, UTF-8. Throws when it does not fit. */
  rpc(command: number, strings: readonly string[]): Uint8Array {
    return this.encode(this.type.rpc, command, strings);
  }

  /** Any packet whose data is command | length | strings (RPCs, and RPC results for a fake device). */
  encode(type: number, command: number, strings: readonly string[]): Uint8Array {
    const x = this.#x;
    if (strings.length > this.#maxStrings)
      throw new RangeError(`Improv: at most ${this.#maxStrings} strings in one packet`);
    const encoded = strings.map((s) => encoder.encode(s));
    const total = encoded.reduce((n, e) => n + e.length, 0);
    if (total > this.maxData)
      throw new RangeError(`Improv: ${total} bytes of strings do not fit in one packet`);
    const area = this.#bytes(x.improv_strings_ptr(), this.maxData);
    const lens = new Uint32Array(x.memory.buffer, x.improv_string_lens_ptr(), this.#maxStrings);
    let at = 0;
    encoded.forEach((e, i) => {
      area.set(e, at);
      lens[i] = e.length;
      at += e.length;
    });
    const n = x.improv_encode(type, command, strings.length);
    if (n === 0) throw new RangeError(`Improv: the strings do not fit in one packet (${this.maxData} bytes)`);
    return this.#bytes(x.improv_out_ptr(), n).slice();
  }

  /** A packet with raw data (the one-byte state and error packets). */
  encodeRaw(type: number, data: Uint8Array): Uint8Array {
    const x = this.#x;
    if (data.length > this.maxData) throw new RangeError('Improv: data too long for one packet');
    this.#bytes(x.improv_strings_ptr(), this.maxData).set(data);
    const n = x.improv_encode_raw(type, data.length);
    return this.#bytes(x.improv_out_ptr(), n).slice();
  }

  #packet(): ImprovEvent {
    const x = this.#x;
    const type = x.improv_packet_type();
    const data = this.#bytes(x.improv_packet_ptr(), x.improv_packet_len()).slice();
    const count = x.improv_parse_strings();
    let strings: string[] | null = null;
    if (count >= 0 && type !== this.type.current_state && type !== this.type.error_state) {
      const offsets = new Uint32Array(x.memory.buffer, x.improv_parsed_offsets(), count);
      const lens = new Uint32Array(x.memory.buffer, x.improv_parsed_lens(), count);
      try {
        strings = Array.from(offsets, (o, i) => utf8Strict.decode(data.subarray(o, o + (lens[i] ?? 0))));
      } catch {
        strings = null; // not UTF-8: the spec says strings are
      }
    }
    return { kind: 'packet', type, data, command: strings ? (data[0] ?? null) : null, strings };
  }

  #bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.#x.memory.buffer, ptr, len);
  }

  #cString(ptr: number): string {
    const mem = new Uint8Array(this.#x.memory.buffer);
    let end = ptr;
    while (mem[end] !== 0) end++;
    return utf8.decode(mem.subarray(ptr, end));
  }
}
