#!/usr/bin/env node
// Entry point of `npm run hil`. Node 20 cannot run TypeScript, so the runner (and the scenarios and
// adapters it imports) is bundled first by test/lib/importTs.mjs (~100 ms); npm packages stay external.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTs } from '../lib/importTs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const { main } = await importTs(join(here, 'runner.ts'));
process.exitCode = await main(process.argv.slice(2), repoRoot);
