// The Host/Origin allow-list against DNS rebinding and cross-site requests, applied to EVERY route of the
// daemon (a root-level hook: routes added later, and 404s, get it too).
//
// DNS rebinding: a page on attacker.example whose name is made to resolve to 127.0.0.1 talks to the daemon
// as "same origin", so CORS protects nothing; but its requests carry `Host: attacker.example`. So a request
// is answered only when its Host names this daemon: an IP literal (no name can be rebound to an IP literal,
// and the gauge and the bind address are IPs), a loopback name (localhost, *.localhost), the machine's
// mDNS name (<hostname>.local, and the hostname itself), the bind address when it is a name,
// host.docker.internal (Docker's name for the host; `.internal` is never delegated in public DNS), and
// whatever --allowed-hosts adds. Anything else gets 421 Misdirected Request.
// Cross-site requests: a browser sends `Origin` with every cross-origin request and every POST; a request
// whose Origin is not one of those names (a foreign site, or "null") gets 403, whatever its Host.

import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Faults } from '../faults.js';

export interface HostGuardOptions {
  /** The address the daemon binds (a name there is allowed too). */
  bindHost: string;
  /** More names (--allowed-hosts). */
  allowedHosts?: readonly string[];
  /** The machine's name; os.hostname() by default. */
  machine?: string;
  faults?: Faults;
}

/** A Host header's or URL's host part without port, brackets or trailing dot, lower-cased; null when empty. */
export function hostnameOf(hostHeader: string): string | null {
  let h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    h = h.slice(1, end);
  } else if (h.split(':').length === 2) h = h.slice(0, h.indexOf(':'));
  // else: a bare IPv6 literal without brackets (not valid in Host, but unambiguous), or a plain name.
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h === '' ? null : h;
}

/** The names this daemon answers to (besides any IP literal and *.localhost). */
export function allowedNames(opts: HostGuardOptions): Set<string> {
  const names = new Set<string>(['localhost', 'host.docker.internal']);
  const machine = (opts.machine ?? osHostname()).trim().toLowerCase();
  if (machine) {
    names.add(machine);
    const short = machine.split('.')[0];
    if (short) names.add(`${short}.local`);
  }
  const bind = hostnameOf(opts.bindHost);
  if (bind && isIP(bind) === 0) names.add(bind);
  for (const h of opts.allowedHosts ?? []) {
    const n = hostnameOf(h);
    if (n) names.add(n);
  }
  return names;
}

/** Whether a hostname (as hostnameOf gives it) is one this daemon answers to. */
export function hostAllowed(hostname: string, names: ReadonlySet<string>): boolean {
  return isIP(hostname) !== 0 || hostname.endsWith('.localhost') || names.has(hostname);
}

/** Whether an Origin header value is a page served under an allowed name. */
export function originAllowed(origin: string, names: ReadonlySet<string>): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const h = hostnameOf(url.host);
  return h !== null && hostAllowed(h, names);
}

/**
 * Registers the check as a root-level onRequest hook. The function is marked like fastify-plugin does
 * (skip-override), so registering it on the root instance applies it to every route, whichever plugin
 * adds that route and whenever.
 */
export function hostGuard(opts: HostGuardOptions) {
  const names = allowedNames(opts);
  const plugin = async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const host = request.headers.host;
      // HTTP/1.0 without Host: not a browser, nothing to rebind.
      if (host !== undefined) {
        const name = hostnameOf(host);
        if (name === null || !hostAllowed(name, names)) {
          opts.faults?.hit('http-host-refused', { host: host.slice(0, 100) });
          return reply.code(421).send({
            error: 'misdirected_request',
            message: 'this daemon does not answer to that Host name (allow it with --allowed-hosts)',
          });
        }
      }
      const origin = request.headers.origin;
      if (origin !== undefined && !originAllowed(origin, names)) {
        opts.faults?.hit('http-origin-refused', { origin: origin.slice(0, 100) });
        return reply.code(403).send({
          error: 'forbidden_origin',
          message: 'requests from pages of other sites are refused (allow a host with --allowed-hosts)',
        });
      }
    });
  };
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'host-guard',
  });
  return plugin;
}
