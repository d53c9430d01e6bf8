// The scenario format: a TS module whose default export says what the daemon is configured with and what
// happens, step by step, on the daemon's side (transcripts, session manifests, daemon stop/start, proxy
// faults) and what every target must then show. Written once, run against every target at the same time.

import type { TargetName } from '../targets/target.js';
import type { ClaudeDir } from './claudeDir.js';
import type { Daemon, DaemonSettings } from './daemon.js';
import type { Expectation } from './expect.js';
import type { FaultProxy } from './faultProxy.js';
import type { FirmwareTiming } from './firmwareConfig.js';

export interface ExpectOptions {
  /**
   * Deadline on each target's own clock, counted from the later of its previous verdict and the end of
   * the last daemon-side step (states are looked for from that step's start). Default 8000 ms.
   */
  timeoutMs?: number;
  /**
   * Compare the targets' timelines once they all pass (default true). Off for transient states (the
   * self-test sweep) where the picture after the pass is already the next one.
   */
  compare?: boolean;
}

export interface ScenarioContext {
  readonly claude: ClaudeDir;
  readonly daemon: Daemon;
  readonly proxy: FaultProxy;
  /** The transcript session most scenarios write to. */
  readonly sessionId: string;
  /** The firmware's own timing constants (gauge_config.h): NO SIGNAL bound, backoff, self-test. */
  readonly timing: FirmwareTiming;
  /** How many targets run this scenario (each polls the proxy once per poll interval). */
  readonly targetCount: number;
  /**
   * Every (still passing) target shows `exp` within the deadline, judged on its own timeline: some state
   * it showed, however briefly, from its start point on; records an assertion point. Calls to `claude`,
   * `daemon` (start, stop, kill, restart, statusline, hook) and `proxy.setFault` are the steps that move
   * start points.
   */
  expect(label: string, exp: Expectation, options?: ExpectOptions): Promise<void>;
  /**
   * Every state each target showed from its start point until `until()` held matches `exp` (e.g. "LIVE
   * with the last good values while the proxy serves 3 garbage answers"). `until` is a daemon-side
   * condition; its moment is placed on each target's clock.
   */
  expectThroughout(
    label: string,
    exp: Expectation,
    until: () => boolean | Promise<boolean>,
    options?: { timeoutMs?: number },
  ): Promise<void>;
  /** Waits for a daemon-side condition (not a target state), e.g. the payload has hot=true. */
  until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Waits until the proxy has answered `n` more /usage requests (from any target). */
  polls(n: number, timeoutMs?: number): Promise<void>;
  /** A note in the report. */
  note(message: string): void;
}

export interface Scenario {
  name: string;
  /** One sentence: what is being shown. */
  description: string;
  daemon?: DaemonSettings;
  /** Only these targets (default: all). */
  targets?: TargetName[];
  run(s: ScenarioContext): Promise<void>;
}

export function defineScenario(s: Scenario): Scenario {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(s.name)) throw new Error(`scenario name "${s.name}" must be kebab-case`);
  return s;
}
