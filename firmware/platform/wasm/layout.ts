// What the wasm module says about itself, read once at load: its names (poll outcomes, decoder verdicts, JSON
// kinds, state-line keys, lamps), its constants, and the memory layout of the structs it hands out
// (firmware/core/frame_layout.h). From the layout it compiles readers that copy a struct out of linear memory
// into plain objects, with no offset written down here. codegen.ts turns the same description into the
// TypeScript types (core.generated.ts).
import { BUILD_HINT, GaugeCoreError } from './errors.js';
import type { CoreExports } from './exports.js';

export interface FieldDesc {
  name: string;
  offset: number;
  /** The kind's number in the core's table (frame_layout.h Kind). */
  kindCode: number;
  /** u8, i8, u16, i16, u32, i32, u64, f32, f64, bool, chars, enum, struct (the core's kindName()). */
  kind: string;
  /** Array length (1 for a scalar); for chars the byte capacity. */
  count: number;
  stride: number;
  /** Index of the struct (kind struct) or enum (kind enum). */
  ref: number;
  array: boolean;
  /** The sibling field counting the array's used elements, or null. */
  countField: string | null;
}

export interface StructDesc {
  name: string;
  size: number;
  fields: FieldDesc[];
}

export interface EnumDesc {
  name: string;
  values: string[];
}

export interface UsageFieldDesc {
  /** Index in the core's kUsageFields (what gauge_stage takes). */
  index: number;
  /** JSON property name, e.g. `rate_1m`. */
  name: string;
  /** The JSON type the contract declares: integer, number, nullable_integer, nullable_number, boolean or string. */
  type: string;
}

export interface CoreDescription {
  usageFields: UsageFieldDesc[];
  pollOutcomes: string[];
  decodeStatuses: string[];
  jsonKinds: string[];
  stateLineKeys: string[];
  /** Lamp names from the highest priority down. */
  lampPriority: string[];
  constants: { name: string; value: number }[];
  structs: StructDesc[];
  enums: EnumDesc[];
}

const utf8 = new TextDecoder('utf-8');

/** A NUL-terminated string at `ptr` in the module's memory. */
export function readCString(x: CoreExports, ptr: number, max = 4096): string {
  if (ptr === 0)
    throw new GaugeCoreError(
      `the gauge core returned a null string where a name was expected (${BUILD_HINT})`,
    );
  const bytes = new Uint8Array(x.memory.buffer);
  let end = ptr;
  while (end < bytes.length && end - ptr < max && bytes[end] !== 0) end++;
  return utf8.decode(bytes.subarray(ptr, end));
}

function names(x: CoreExports, count: number, at: (i: number) => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(readCString(x, at(i)));
  return out;
}

/** Reads everything the module describes about itself. */
export function describeCore(x: CoreExports): CoreDescription {
  const usageFields: UsageFieldDesc[] = [];
  for (let i = 0; i < x.gauge_field_count(); i++) {
    usageFields.push({
      index: i,
      name: readCString(x, x.gauge_field_name(i)),
      type: readCString(x, x.gauge_field_type(i)),
    });
  }
  const enums: EnumDesc[] = [];
  for (let e = 0; e < x.gauge_layout_enum_count(); e++) {
    enums.push({
      name: readCString(x, x.gauge_layout_enum_name(e)),
      values: names(x, x.gauge_layout_enum_value_count(e), (v) => x.gauge_layout_enum_value_name(e, v)),
    });
  }
  const structs: StructDesc[] = [];
  for (let s = 0; s < x.gauge_layout_struct_count(); s++) {
    const fields: FieldDesc[] = [];
    for (let f = 0; f < x.gauge_layout_field_count(s); f++) {
      const countPtr = x.gauge_layout_field_count_field(s, f);
      const kindPtr = x.gauge_layout_kind_name(x.gauge_layout_field_info(s, f, 1));
      fields.push({
        name: readCString(x, x.gauge_layout_field_name(s, f)),
        offset: x.gauge_layout_field_info(s, f, 0),
        kindCode: x.gauge_layout_field_info(s, f, 1),
        kind: kindPtr === 0 ? `#${x.gauge_layout_field_info(s, f, 1)}` : readCString(x, kindPtr),
        count: x.gauge_layout_field_info(s, f, 2),
        stride: x.gauge_layout_field_info(s, f, 3),
        ref: x.gauge_layout_field_info(s, f, 4),
        array: x.gauge_layout_field_info(s, f, 5) === 1,
        countField: countPtr === 0 ? null : readCString(x, countPtr),
      });
    }
    structs.push({
      name: readCString(x, x.gauge_layout_struct_name(s)),
      size: x.gauge_layout_struct_size(s),
      fields,
    });
  }
  const constants: { name: string; value: number }[] = [];
  for (let i = 0; i < x.gauge_constant_count(); i++) {
    constants.push({ name: readCString(x, x.gauge_constant_name(i)), value: x.gauge_constant_value(i) });
  }
  const lampPriority: string[] = [];
  for (let i = 0; x.gauge_lamp_priority_name(i) !== 0; i++) {
    lampPriority.push(readCString(x, x.gauge_lamp_priority_name(i)));
  }
  return {
    usageFields,
    pollOutcomes: names(x, x.gauge_poll_outcome_count(), (i) => x.gauge_poll_outcome_name(i)),
    decodeStatuses: names(x, x.gauge_decode_status_count(), (i) => x.gauge_decode_status_name(i)),
    jsonKinds: names(x, x.gauge_json_kind_count(), (i) => x.gauge_json_kind_name(i)),
    stateLineKeys: names(x, x.gauge_state_line_key_count(), (i) => x.gauge_state_line_key_name(i)),
    lampPriority,
    constants,
    structs,
    enums,
  };
}

/** One field of a struct in the core's layout table, as a native build of the core prints it too. */
export interface LayoutField {
  name: string;
  offset: number;
  kind: number;
  count: number;
  stride: number;
  ref: number;
  countField: string | null;
}

/**
 * The core's layout table (frame_layout.h) in the form a native program built from the same headers reports
 * it (the virtual panel's `hello`): every struct with its size and fields, and which one is the Frame.
 */
export interface FrameLayout {
  structs: { name: string; size: number; fields: LayoutField[] }[];
  /** Index of the Frame itself in `structs`. */
  frame: number;
}

export function frameLayout(desc: Pick<CoreDescription, 'structs'>): FrameLayout {
  return {
    structs: desc.structs.map((st) => ({
      name: st.name,
      size: st.size,
      fields: st.fields.map((f) => ({
        name: f.name,
        offset: f.offset,
        kind: f.kindCode,
        count: f.count,
        stride: f.stride,
        ref: f.ref,
        countField: f.countField,
      })),
    })),
    frame: desc.structs.findIndex((st) => st.name === 'Frame'),
  };
}

/** The Frame's own TextBox members, in declaration order (what gauge::frameTexts() walks). */
export function frameTextFields(desc: Pick<CoreDescription, 'structs'>): string[] {
  const frame = desc.structs.find((st) => st.name === 'Frame');
  return (frame?.fields ?? [])
    .filter((f) => f.kind === 'struct' && desc.structs[f.ref]?.name === 'TextBox' && !f.array)
    .map((f) => f.name);
}

/** How a field reads, e.g. `i16`, `chars`, `enum:Phase`, `struct:Dial[4]`: what core.generated.ts records. */
export function fieldSignature(f: FieldDesc, desc: Pick<CoreDescription, 'structs' | 'enums'>): string {
  const base =
    f.kind === 'enum'
      ? `enum:${desc.enums[f.ref]?.name ?? f.ref}`
      : f.kind === 'struct'
        ? `struct:${desc.structs[f.ref]?.name ?? f.ref}`
        : f.kind;
  return f.array ? `${base}[${f.count}]` : base;
}

/** Copies one struct at a byte address into a plain object. */
export type StructReader = (address: number) => Record<string, unknown>;

type ValueReader = (view: DataView, bytes: Uint8Array, address: number) => unknown;

/** Compiles a reader for every described struct; `get(name)` returns one (throws for an unknown name). */
export function compileReaders(
  memory: WebAssembly.Memory,
  desc: Pick<CoreDescription, 'structs' | 'enums'>,
): (name: string) => StructReader {
  const raw: ((view: DataView, bytes: Uint8Array, address: number) => Record<string, unknown>)[] = [];
  const structReader =
    (s: number): ValueReader =>
    (view, bytes, address) => {
      const reader = raw[s];
      if (!reader) throw new GaugeCoreError(`no reader for struct ${s}`);
      return reader(view, bytes, address);
    };
  const readOne = (structName: string, f: FieldDesc): ValueReader => {
    switch (f.kind) {
      case 'u8':
        return (v, _b, a) => v.getUint8(a);
      case 'i8':
        return (v, _b, a) => v.getInt8(a);
      case 'u16':
        return (v, _b, a) => v.getUint16(a, true);
      case 'i16':
        return (v, _b, a) => v.getInt16(a, true);
      case 'u32':
        return (v, _b, a) => v.getUint32(a, true);
      case 'i32':
        return (v, _b, a) => v.getInt32(a, true);
      case 'u64':
        return (v, _b, a) => Number(v.getBigUint64(a, true));
      case 'f32':
        return (v, _b, a) => v.getFloat32(a, true);
      case 'f64':
        return (v, _b, a) => v.getFloat64(a, true);
      case 'bool':
        return (v, _b, a) => v.getUint8(a) !== 0;
      case 'chars':
        return (_v, b, a) => {
          let end = a;
          while (end < a + f.count && b[end] !== 0) end++;
          return utf8.decode(b.subarray(a, end));
        };
      case 'enum': {
        const values = desc.enums[f.ref]?.values ?? [];
        return (v, _b, a) => {
          const n = v.getUint8(a);
          return values[n] ?? `#${n}`;
        };
      }
      case 'struct':
        return structReader(f.ref);
      default:
        throw new GaugeCoreError(`${structName}.${f.name} has an unknown kind ${f.kind} (${BUILD_HINT})`);
    }
  };
  desc.structs.forEach((st, s) => {
    const plan = st.fields.map((f) => ({
      name: f.name,
      offset: f.offset,
      stride: f.stride,
      length: f.array ? f.count : 1,
      array: f.array,
      countField: f.countField,
      read: readOne(st.name, f),
    }));
    raw[s] = (view, bytes, address) => {
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
  return (name) => {
    const s = desc.structs.findIndex((st) => st.name === name);
    if (s < 0) throw new GaugeCoreError(`the gauge core describes no struct ${name} (${BUILD_HINT})`);
    const read = structReader(s);
    return (address) => {
      const buffer = memory.buffer;
      return read(new DataView(buffer), new Uint8Array(buffer), address) as Record<string, unknown>;
    };
  };
}
