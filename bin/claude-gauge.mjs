#!/usr/bin/env node
// Launcher: the CLI is TypeScript compiled to dist/ (`npm run build`); this file only finds and runs it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/host/src/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  console.error(`claude-gauge: the daemon is not built yet (${fileURLToPath(cli)} is missing).`);
  console.error(`claude-gauge: run npm run build in ${root} first.`);
  process.exit(1);
}
const { main } = await import(cli.href);
try {
  const code = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
  if (code !== 0) process.exitCode = code;
} catch (err) {
  console.error(`claude-gauge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
}
