// Wires a satellite (`serve --forward-to URL`): the jsonl source's responses (feed.ts) into the forwarder,
// the session tracker's live counts into its reports. The daemon keeps serving its own /usage throughout.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Faults } from '../faults.js';
import type { SessionTracker } from '../sessions.js';
import type { JsonlSource } from '../sources/jsonl/index.js';
import type { MachineName } from '../sources/otlp/decode.js';
import { LedgerFeed } from './feed.js';
import {
  Forwarder,
  type ForwarderLog,
  type ForwarderOptions,
  type ForwardStatus,
  forwardUrl,
} from './forwarder.js';

export interface SatelliteOptions {
  source: JsonlSource;
  sessions: SessionTracker;
  /** The hub's URL as given (--forward-to). */
  url: string;
  token: string | null;
  machine: MachineName;
  /** The daemon's state dir: the spool lives under <stateDir>/forward/. */
  stateDir: string;
  faults: Faults;
  log?: ForwarderLog;
  /** For tests: the forwarder's tunables. */
  tune?: Partial<ForwarderOptions>;
}

export interface Satellite {
  readonly url: string;
  readonly spoolDir: string;
  status(): ForwardStatus;
  forwarder: Forwarder;
  stop(): Promise<void>;
}

/** One spool per machine and hub: two satellites on one host, or a new hub URL, never share one. */
export function spoolDirOf(stateDir: string, machineId: string, url: string): string {
  const target = createHash('sha256').update(url).digest('hex').slice(0, 8);
  return join(stateDir, 'forward', `${machineId}-${target}`);
}

export async function startSatellite(opts: SatelliteOptions): Promise<Satellite> {
  const url = forwardUrl(opts.url);
  const spoolDir = spoolDirOf(opts.stateDir, opts.machine.id, url);
  const feed = new LedgerFeed(opts.machine.id);
  const source = opts.source;
  const forwarder = new Forwarder({
    url,
    token: opts.token,
    machine: opts.machine,
    spoolDir,
    state: () => {
      const c = opts.sessions.counts();
      return { sessionsActive: c.active, sessionsWorking: c.working };
    },
    *everything() {
      for (const e of source.entries()) yield* feed.records(e, false);
    },
    faults: opts.faults,
    ...(opts.log ? { log: opts.log } : {}),
    ...opts.tune,
  });
  // Before the cold start's entries are known nothing is sent but the spool; then everything once (the
  // hub may lack any of it), then every change as it comes.
  await source.follow((e) => forwarder.enqueue(feed.records(e)));
  const unsubscribe = opts.sessions.subscribe(() => forwarder.stateChanged());
  forwarder.start();
  return {
    url,
    spoolDir,
    forwarder,
    status: () => forwarder.snapshot(),
    async stop() {
      unsubscribe();
      await forwarder.stop();
    },
  };
}
