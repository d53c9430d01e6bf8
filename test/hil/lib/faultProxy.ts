// A fault-injecting HTTP proxy on loopback, between the device and the daemon. The device polls the proxy;
// the proxy forwards to the daemon unless a fault is set, so a scenario can make "the daemon" answer slowly,
// with 500s, with garbage, hang, or drop the connection, without touching the daemon itself. When the daemon
// is down the proxy drops the client's connection too, so the device sees a network failure (as it would
// polling the daemon directly), not a friendly 502.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  /** Answer with this HTTP status and a short text body. */
  | { kind: 'status'; status: number }
  /** 200 with a body that is not a valid payload (see garbageBodies). */
  | { kind: 'garbage'; body?: string }
  /** Forward, but hold the answer this long first. */
  | { kind: 'slow'; delayMs: number }
  /** Accept the request and never answer (the device's timeout must fire). */
  | { kind: 'hang' }
  /** Destroy the connection as soon as the request arrives. */
  | { kind: 'reset' };

/** Bodies the garbage fault rotates through: each is something a broken daemon or middlebox could send. */
export const garbageBodies: readonly string[] = [
  '{"v":1,"rate_1m":12',
  'not json at all',
  '<html><body>502 Bad Gateway</body></html>',
  `{"v":1,"last_model":"${'x'.repeat(10_000)}"`,
  '\u0000\u0001\u0002\ufffd',
  '[]',
  '{"v":2,"rate_1m":100}',
];

// The daemon sends these on /usage; injected answers carry them too, so a page on another origin sees the
// injected status or body rather than an opaque CORS failure.
const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag' };

export interface ProxyStats {
  requests: number;
  forwarded: number;
  faulted: number;
  upstreamErrors: number;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  /** The URL the device should poll (`<url>/usage`). */
  readonly usageUrl: string;
  setFault(fault: Fault): void;
  readonly fault: Fault;
  readonly stats: Readonly<ProxyStats>;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Where the daemon listens, e.g. http://127.0.0.1:8787. May change when the daemon restarts. */
  upstream: () => string;
  /** Optional extra handler for paths other than /usage (the browser target serves its page here). */
  other?: (req: IncomingMessage, res: ServerResponse) => boolean;
  port?: number;
  host?: string;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let fault: Fault = { kind: 'pass' };
  let garbageIndex = 0;
  const stats: ProxyStats = { requests: 0, forwarded: 0, faulted: 0, upstreamErrors: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    stats.forwarded++;
    let target: URL;
    try {
      target = new URL(req.url ?? '/', options.upstream());
    } catch {
      req.socket.destroy();
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const upstreamReq = request(target, { method: req.method, headers, timeout: 10_000 }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('timeout', () => upstreamReq.destroy(new Error('upstream timeout')));
    upstreamReq.on('error', () => {
      stats.upstreamErrors++;
      // Daemon down or dying: the device must see a failed connection, as without the proxy.
      if (!res.headersSent) req.socket.destroy();
      else res.destroy();
    });
    req.pipe(upstreamReq);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/usage') {
      if (options.other?.(req, res)) return;
      forward(req, res);
      return;
    }
    stats.requests++;
    const current = fault;
    switch (current.kind) {
      case 'pass':
        forward(req, res);
        return;
      case 'status':
        stats.faulted++;
        res.writeHead(current.status, { 'Content-Type': 'text/plain', Connection: 'close', ...cors });
        res.end(`injected ${current.status}`);
        return;
      case 'garbage': {
        stats.faulted++;
        const body = current.body ?? garbageBodies[garbageIndex++ % garbageBodies.length] ?? '';
        res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close', ...cors });
        res.end(body);
        return;
      }
      case 'slow': {
        stats.faulted++;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.socket.destroyed) forward(req, res);
        }, current.delayMs);
        timers.add(timer);
        return;
      }
      case 'hang':
        stats.faulted++;
        return; // the socket stays open until the client gives up or the proxy closes
      case 'reset':
        stats.faulted++;
        req.socket.destroy();
        return;
    }
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${port}`;
  return {
    url,
    port,
    usageUrl: `${url}/usage`,
    get fault() {
      return fault;
    },
    setFault(next: Fault) {
      fault = next;
    },
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
