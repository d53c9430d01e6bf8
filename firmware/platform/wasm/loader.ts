// Getting gauge-core.wasm running: bytes, a URL, a Response or a compiled module -> a checked instance, with a
// human-readable GaugeCoreError for every way that can fail (missing, an HTML page instead, corrupt, built from
// another version). improvCodec.ts compiles improv.wasm with the same checks (compileModule). No Node-only
// imports: the simulator bundles this file.
import { BUILD_HINT, errorText, GaugeCoreError } from './errors.js';
import { ABI_VERSION, type CoreExports, REQUIRED_FUNCTIONS } from './exports.js';
import { stubImports } from './wasiStubs.js';

/** Anything the module can be loaded from. Strings and URLs are fetched (browser, or http(s) in Node). */
export type WasmSource =
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module
  | Response
  | PromiseLike<Response>
  | URL
  | string;

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function isByteSource(x: unknown): x is ArrayBuffer | ArrayBufferView {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

export function toBytes(x: ArrayBuffer | ArrayBufferView): Uint8Array {
  return x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** Which module is being loaded, for the messages: how to name it, the error to throw, how to build it. */
export interface ModuleKind {
  name: string;
  error: new (message: string) => Error;
  hint: string;
}

const GAUGE_CORE: ModuleKind = { name: 'the gauge core', error: GaugeCoreError, hint: BUILD_HINT };

/** Fetches or takes the bytes and compiles them, saying what is wrong when they are not our module. */
export function compileCore(source: WasmSource): Promise<WebAssembly.Module> {
  return compileModule(source, GAUGE_CORE);
}

/** compileCore() for any of the firmware's wasm modules (gauge-core.wasm, improv.wasm). */
export async function compileModule(source: WasmSource, kind: ModuleKind): Promise<WebAssembly.Module> {
  const { name, error: Fail, hint } = kind;
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
        throw new Fail(`could not fetch ${name} from ${from}: ${errorText(e)}`);
      }
    } else {
      try {
        response = await source;
      } catch (e) {
        throw new Fail(`could not fetch ${name}: ${errorText(e)}`);
      }
      from = response.url || 'the response';
    }
    if (!response.ok) {
      throw new Fail(
        `could not load ${name} from ${from}: HTTP ${response.status} ${response.statusText} (${hint})`,
      );
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  if (bytes.length === 0) throw new Fail(`${name} from ${from} is empty (${hint})`);
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 16)).replace(/[^\x20-\x7e]/g, '.');
    throw new Fail(
      `${name} from ${from} is not a WebAssembly module (it starts with "${head}"; ` +
        `an HTML error page served instead?) (${hint})`,
    );
  }
  try {
    // Copy: compile() wants a plain ArrayBuffer-backed view, not a window on someone else's buffer.
    return await WebAssembly.compile(bytes.slice());
  } catch (e) {
    throw new Fail(`${name} from ${from} is corrupt: ${errorText(e)} (${hint})`);
  }
}

/** A fresh instance (its own Device), its exports checked against this wrapper's ABI. */
export async function instantiateCore(source: WasmSource): Promise<CoreExports> {
  const module = await compileCore(source);
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
  const version = core.gauge_abi_version();
  if (version !== ABI_VERSION) {
    throw new GaugeCoreError(
      `the gauge core speaks ABI version ${version} but this wrapper expects ${ABI_VERSION} (${BUILD_HINT})`,
    );
  }
  return core;
}
