#!/usr/bin/env node
// Launcher: the CLI is TypeScript compiled to dist/ (`npm run build`); this file only finds and runs it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `claude-gauge statusline` and `claude-gauge hook` run on every Claude Code status refresh or hook event:
 * their small entries only, not the daemon.
 */
const SMALL_ENTRIES = {
  statusline: { file: '../dist/host/src/statusline/main.js', fn: 'statuslineMain' },
  hook: { file: '../dist/host/src/hooks/main.js', fn: 'hookMain' },
};

async function runSmall(name) {
  const { file, fn } = SMALL_ENTRIES[name];
  const entry = new URL(file, import.meta.url);
  if (!existsSync(fileURLToPath(entry))) {
    // The status line shows what is printed: say what is wrong there. A hook's stdout could reach Claude's
    // context, so it says it on stderr. Neither fails Claude Code.
    if (name === 'statusline') process.stdout.write('claude-gauge: not built (npm run build)\n');
    else process.stderr.write('claude-gauge: not built (npm run build)\n');
    return;
  }
  let code = 0;
  try {
    code = await (await import(entry.href))[fn](process.argv.slice(3), {
      stdin: process.stdin,
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
      env: process.env,
    });
  } catch (err) {
    // A fault here must not fail Claude Code's status bar or hook: say it, exit 0.
    process.stderr.write(`claude-gauge ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
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
      // Log lines on a terminal are readable lines, not JSON.
      terminal: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
    });
    if (code !== 0) process.exitCode = code;
  } catch (err) {
    console.error(`claude-gauge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  }
}

if (Object.hasOwn(SMALL_ENTRIES, process.argv[2] ?? '')) await runSmall(process.argv[2]);
else await runCli();
