// mDNS pairing: when the daemon listens on a LAN address, the gauge can find it as _claude-gauge._tcp
// instead of needing a hard-coded IP. Never on loopback (nobody else could reach it). The publisher is
// injectable so tests describe the advertisement without sending a packet.

import { hostname } from 'node:os';
import { isLoopbackHost } from './config.js';

export const MDNS_TYPE = 'claude-gauge';

export interface ServiceDescription {
  name: string;
  type: string;
  protocol: 'tcp';
  port: number;
  txt: Record<string, string>;
}

export interface Publisher {
  publish(desc: ServiceDescription): void;
  /** Unpublishes and releases the socket. */
  destroy(): Promise<void>;
}

export function describeService(opts: {
  port: number;
  tokenRequired: boolean;
  /** The machine's name (default os.hostname()), shown in the instance name. */
  machine?: string;
}): ServiceDescription {
  const name = `claude-gauge on ${(opts.machine ?? hostname()).split('.')[0]?.slice(0, 40) || 'host'}`;
  return {
    name,
    type: MDNS_TYPE,
    protocol: 'tcp',
    port: opts.port,
    // TXT keys as the firmware reads them: where the payload is and whether to send a token.
    txt: { path: '/usage', stream: '/usage/stream', v: '1', auth: opts.tokenRequired ? 'bearer' : 'none' },
  };
}

export function shouldAdvertise(host: string, enabled: boolean): boolean {
  return enabled && !isLoopbackHost(host);
}

export async function bonjourPublisher(onError: (err: unknown) => void = () => {}): Promise<Publisher> {
  const { Bonjour } = await import('bonjour-service');
  // Multicast trouble (no interface, a firewall) is reported, never fatal to the daemon.
  const bonjour = new Bonjour({}, onError);
  return {
    publish(desc) {
      bonjour.publish(desc);
    },
    destroy() {
      return new Promise((resolve) => {
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
      });
    },
  };
}

export interface Advertisement {
  description: ServiceDescription;
  stop(): Promise<void>;
}

/** Starts the advertisement, or returns null when it must not run (loopback, disabled). */
export async function advertise(
  opts: { host: string; port: number; tokenRequired: boolean; enabled: boolean },
  makePublisher: () => Promise<Publisher> = bonjourPublisher,
): Promise<Advertisement | null> {
  if (!shouldAdvertise(opts.host, opts.enabled)) return null;
  const description = describeService({ port: opts.port, tokenRequired: opts.tokenRequired });
  const publisher = await makePublisher();
  publisher.publish(description);
  let stopped = false;
  return {
    description,
    async stop() {
      if (stopped) return;
      stopped = true;
      await publisher.destroy();
    },
  };
}
