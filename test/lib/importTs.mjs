// Node 20 cannot run TypeScript: a script that needs TS modules (the wasm core's wrapper, the virtual panel's
// client) bundles its TS entry with esbuild into build/ts/ first (~100 ms) and imports that. npm packages stay
// external. Plain JS, so scripts and bench files can use it (types in importTs.d.mts).
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from './platformioIni.mjs';

/** Bundles the TS module at `entry` (absolute path) and returns its exports. */
export async function importTs(entry) {
  const outDir = join(repoRoot, 'build', 'ts');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${basename(entry).replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}
