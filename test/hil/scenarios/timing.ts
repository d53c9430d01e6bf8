// Deadlines derived from the firmware's own constants (never hand-tuned sleeps).
import type { FirmwareTiming } from '../lib/firmwareConfig.js';

/**
 * Slack on the device's own clock: its print cadence (a changed line at most every 100 ms), a frame, and a
 * busy host slowing the daemon's and the device's network work. How late a state reaches the runner does
 * not count: assertions are judged on each target's timeline (lib/timeline.ts).
 */
export const reportSlackMs = 1500;

/** NO SIGNAL must show within the firmware's bound (measured from the last good payload) plus slack. */
export function noSignalDeadlineMs(t: FirmwareTiming): number {
  return t.noSignalAfterMs + reportSlackMs;
}

/** After the daemon is back: at most one backoff wait, one poll, one request timeout. */
export function recoveryDeadlineMs(t: FirmwareTiming): number {
  return t.backoffMaxMs + t.pollIntervalMs + t.requestTimeoutMs + reportSlackMs;
}

/** A payload change shows after at most one poll plus the needle settling. */
export function updateDeadlineMs(t: FirmwareTiming): number {
  return 2 * t.pollIntervalMs + 3000;
}
