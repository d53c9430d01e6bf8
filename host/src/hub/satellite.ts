// Wires a satellite (`serve --forward-to URL`): the jsonl source's responses (feed.ts) into the forwarder,
// the session tracker's live counts into its reports. The daemon keeps serving its own /usage throughout.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Faults } from '../faults.js';
import type { Log } from '../log.js';
import type { SessionTracker } from '../sessions.js';
import type { JsonlSource } from '../sources/jsonl/source.js';
import type { MachineName } from '../sources/otlp/decode.js';
import { LedgerFeed } from './feed.js';
import { Forwarder, type ForwarderOptions, type ForwardStatus, forwardUrl } from './forwarder.js';

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
  log?: Log;
  /** For tests: the forwarder's tunables. */
  tune?: Partial<ForwarderOptions>;
}

export interface Satellite {
  readonly url: string;
  readonly spoolDir: string;
  status(): ForwardStatus;
  forwarder: Forwarder;
  /** Resolves once forwarding runs (after the cold start). */
  ready: Promise<void>;
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
  // Once the cold start is done: everything once (the hub may lack any of it), then every change as it
  // comes. The daemon does not wait for that to listen (a long cold start serves stale values meanwhile),
  // and a cold start that fails still lets the spool go out.
  const unsubscribe = opts.sessions.subscribe(() => forwarder.stateChanged());
  const following = source
    .follow((e) => forwarder.enqueue(feed.records(e)))
    .then(
      () => forwarder.start(),
      (err: unknown) => {
        opts.log?.warn(
          { err: String(err) },
          'the transcripts could not be read: only the spool is forwarded',
        );
        forwarder.start();
      },
    );
  return {
    url,
    spoolDir,
    forwarder,
    status: () => forwarder.snapshot(),
    ready: following,
    async stop() {
      unsubscribe();
      await forwarder.stop();
    },
  };
}
