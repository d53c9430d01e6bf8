#!/usr/bin/env node
// Entry point of the vector checker (test/vectors/lib/cli.ts; `make -C firmware vectors` calls it). Node 20
// cannot run TypeScript, so the checker is bundled first by test/lib/importTs.mjs, like the HIL runner.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTs } from '../lib/importTs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const { main } = await importTs(join(here, 'lib', 'cli.ts'));
process.exitCode = await main(process.argv.slice(2), repoRoot);
