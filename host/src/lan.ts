// The daemon's address as the gauge on the LAN sees it: for the startup line and the install page, which
// hands it to the gauge.
import { networkInterfaces } from 'node:os';
import { isLoopbackHost } from './config.js';

/** A LAN address to print when bound to a wildcard, so the user knows what to put in the gauge. */
export function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The /usage URL a gauge can poll, from the address the daemon listens on, its port, and the local address
 * a request arrived on (a LAN address when the page was opened over the LAN). Null, with the reason, when
 * the daemon listens on loopback only or no LAN address is known.
 */
export function deviceDaemonUrl(
  listenHost: string,
  port: number,
  localAddress: string | undefined,
): { url: string | null; reason: string | null } {
  if (isLoopbackHost(listenHost))
    return {
      url: null,
      reason: `the daemon listens on ${listenHost} only, which the gauge cannot reach: restart it with --lan (and --token)`,
    };
  let host = listenHost;
  if (WILDCARDS.has(listenHost)) {
    const local = (localAddress ?? '').replace(/^::ffff:/, '');
    host = /^\d+\.\d+\.\d+\.\d+$/.test(local) && !isLoopbackHost(local) ? local : (lanAddress() ?? '');
    if (!host) return { url: null, reason: 'this machine has no IPv4 LAN address the gauge could poll' };
  }
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/usage`, reason: null };
}
