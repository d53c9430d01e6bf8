#!/usr/bin/env node
// Launcher: the CLI is TypeScript compiled to dist/ (`npm run build`); this file only finds and runs it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `claude-gauge statusline` runs on every Claude Code status refresh: its small entry only, not the daemon. */
async function runStatusline() {
  const entry = new URL('../dist/host/src/statusline/main.js', import.meta.url);
  if (!existsSync(fileURLToPath(entry))) {
    // Claude Code shows whatever is printed: say what is wrong there, and do not fail its status bar.
    process.stdout.write('claude-gauge: not built (npm run build)\n');
    return;
  }
  const { statuslineMain } = await import(entry.href);
  const code = await statuslineMain(process.argv.slice(3), {
    stdin: process.stdin,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
  // stdin may still be open (nothing was piped): do not wait for it.
  process.stdin.destroy();
  if (code !== 0) process.exitCode = code;
}

async function runCli() {
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
}

if (process.argv[2] === 'statusline') await runStatusline();
else await runCli();
