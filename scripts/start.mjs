#!/usr/bin/env node
// `npm start`: installs what is missing, builds the core to wasm and the simulator, then runs the daemon
// on the embedded default source (Claude Code's own files) with the simulator served from the same
// origin, and prints the URL to open. With no Claude Code data the daemon falls back to the demo.
// Extra arguments go to `claude-gauge serve`, e.g. `npm start -- --port 9000 --plan max5`.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function step(label, cmd, args) {
  console.log(`claude-gauge: ${label}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`claude-gauge: ${label} failed (exit ${r.status}); see the output above.`);
    process.exit(r.status ?? 1);
  }
}

step('checking dependencies', 'bash', ['scripts/bootstrap.sh', 'npm', 'cpp', 'wasm']);
step('building the firmware core for the browser (wasm)', 'make', ['-s', '-C', 'firmware', 'wasm']);
step('building the simulator', 'npm', ['run', '-s', 'sim:build']);

const daemon = spawn(
  process.execPath,
  ['bin/claude-gauge.mjs', 'serve', '--ui', 'simulator/dist', '--fallback-demo', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => daemon.kill(sig));
daemon.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
