#!/usr/bin/env node
// Generates firmware/platform/wasm/core.generated.ts from the built wasm core (the TypeScript types and names
// of everything the core hands out; see firmware/platform/wasm/codegen.ts). `--check` exits 1 when the
// committed file is out of date. Node 20 cannot run TypeScript, so the generator is bundled with esbuild
// first, like the HIL runner.
//
//   npm run core:gen            (builds the wasm core first)
//   node scripts/gen-core-types.mjs [--check]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('make', ['-s', '-C', join(root, 'firmware'), 'wasm'], { stdio: 'inherit' });
const outDir = join(root, 'build', 'codegen');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, 'codegen.mjs');
await build({
  stdin: {
    contents: [
      "export { instantiateCore } from './firmware/platform/wasm/loader.ts';",
      "export { describeCore } from './firmware/platform/wasm/layout.ts';",
      "export { generateCoreTypes, GENERATED_PATH } from './firmware/platform/wasm/codegen.ts';",
    ].join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const { instantiateCore, describeCore, generateCoreTypes, GENERATED_PATH } = await import(
  pathToFileURL(outfile).href
);
const wasm = readFileSync(join(root, 'firmware', 'build', 'wasm', 'gauge-core.wasm'));
const text = generateCoreTypes(describeCore(await instantiateCore(wasm)));
const path = join(root, GENERATED_PATH);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {}
  if (current !== text) {
    console.error(`${GENERATED_PATH} is out of date: run \`npm run core:gen\``);
    process.exit(1);
  }
  console.log(`${GENERATED_PATH} matches the wasm core`);
} else {
  writeFileSync(path, text);
  console.log(`wrote ${GENERATED_PATH}`);
}
