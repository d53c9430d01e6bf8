// Node 20 cannot run TypeScript: a script that needs TS modules (the HIL runner, the vector checker, the virtual
// panel's client, the simulator's scenes) bundles its TS entry with esbuild into build/ts/ first (~100 ms) and imports that. npm packages stay
// external. Plain JS, so scripts and bench files can use it (types in importTs.d.mts).
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from './platformioIni.mjs';

/** Bundles the TS module at `entry` (absolute path) and returns its exports. */
export async function importTs(entry) {
  const outDir = join(repoRoot, 'build', 'ts');
  mkdirSync(outDir, { recursive: true });
  // Named by the entry's path, so two entries called cli.ts (the panel's, the vectors') never share a bundle.
  const name = relative(repoRoot, entry).replace(/\.ts$/, '').replace(/[\\/]/g, '_');
  const outfile = join(outDir, `${name}.mjs`);
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
