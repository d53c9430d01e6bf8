// Builds the firmware artefacts the tests need (incrementally: make does nothing when they are fresh). A
// lock keeps two test workers from running the same make at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const wasmPath = join(repoRoot, 'firmware', 'build', 'wasm', 'gauge-core.wasm');
export const vectorRunnerPath = join(repoRoot, 'firmware', 'build', 'native', 'vector-runner');
export const vectorsDir = join(repoRoot, 'test', 'vectors');

/** `make <target>` in a checkout's firmware/, one at a time across test workers and targets. */
export function make(target: string, root = repoRoot): void {
  const lock = join(root, 'firmware', 'build', '.make.lock');
  mkdirSync(dirname(lock), { recursive: true });
  execFileSync('flock', [lock, 'make', '-s', '-C', join(root, 'firmware'), target], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
}

/** The wasm core's bytes, built first if needed. */
export function wasmBytes(): Uint8Array {
  make('wasm');
  return new Uint8Array(readFileSync(wasmPath));
}

export const improvWasmPath = join(repoRoot, 'firmware', 'build', 'wasm', 'improv.wasm');

/** The core's Improv codec as wasm (improvCodec.ts), built first if needed. */
export function improvWasmBytes(): Uint8Array {
  make('wasm');
  return new Uint8Array(readFileSync(improvWasmPath));
}

/** The native vector runner's path, built first if needed. */
export function buildVectorRunner(): string {
  make('vector-runner');
  return vectorRunnerPath;
}

export const virtualDevicePath = join(repoRoot, 'firmware', 'build', 'native', 'virtual-device');

/** The virtual device's path, built first if needed. */
export function buildVirtualDevice(): string {
  make('virtual-device');
  return virtualDevicePath;
}
