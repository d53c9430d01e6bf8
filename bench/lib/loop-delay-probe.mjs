// Preloaded into the daemon by bench/hostile-load.mjs (NODE_OPTIONS=--import): measures the daemon's own
// event-loop delay, so a figure says what the daemon did, apart from what the poller's process suffered.
// On SIGUSR2 it writes {p50, p99, max} (ms) of the delay since the last SIGUSR2 to $LOOP_DELAY_FILE.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.LOOP_DELAY_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(
      file,
      JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) }),
    );
    h.reset();
  });
}
