import { BrowserTarget } from './browser.js';
import { NativeTarget } from './native.js';
import { SerialTarget } from './serial.js';
import type { Target, TargetName } from './target.js';
import { WasmTarget } from './wasm.js';

export function createTarget(name: TargetName, repoRoot: string): Target {
  switch (name) {
    case 'native':
      return new NativeTarget(repoRoot);
    case 'wasm':
      return new WasmTarget(repoRoot);
    case 'browser':
      return new BrowserTarget(repoRoot);
    case 'serial':
      return new SerialTarget({ repoRoot });
  }
}
