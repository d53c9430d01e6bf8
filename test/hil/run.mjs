#!/usr/bin/env node
// Entry point of `npm run hil`. Node 20 cannot run TypeScript, so the runner (and the scenarios and
// adapters it imports) are bundled with esbuild into build/hil/ first (~100 ms); npm packages stay
// external and are loaded from node_modules as usual.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const outDir = join(repoRoot, 'build', 'hil');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, 'runner.mjs');
await build({
  entryPoints: [join(here, 'runner.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2), repoRoot);
