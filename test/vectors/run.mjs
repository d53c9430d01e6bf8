#!/usr/bin/env node
// Entry point of the vector checker (test/vectors/lib/cli.ts; `make -C firmware vectors` calls it). Node 20
// cannot run TypeScript, so the checker is bundled with esbuild into build/vectors/ first, like the HIL runner;
// npm packages stay external.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const outDir = join(repoRoot, 'build', 'vectors');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, 'cli.mjs');
await build({
  entryPoints: [join(here, 'lib', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2), repoRoot);
