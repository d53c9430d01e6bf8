// The only imports gauge-core.wasm has: WASI functions that libc's stdio links in for snprintf. The core makes
// no system calls, so each answers ENOSYS (never reached in practice); anything else is a module this
// wrapper cannot run.
import { GaugeCoreError } from './errors.js';

const ENOSYS = 52;

export function stubImports(module: WebAssembly.Module): WebAssembly.Imports {
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
