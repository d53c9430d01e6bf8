// Deadlines derived from the firmware's own constants (never hand-tuned sleeps).
import type { FirmwareTiming } from '../lib/firmwareConfig.js';

/** Slack for a state to reach the runner: the device's print cadence, the browser's sampling, a busy CPU. */
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
