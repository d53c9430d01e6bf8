// GET /usage/stream: Server-Sent Events. One `usage` event with the current payload on connect, then one
// on every content change, and a comment line as heartbeat so proxies and the ESP32 see a live socket.
// The number of clients is bounded; a client that stops reading is dropped rather than buffered forever.

import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { UsagePayload } from '../../../contract/usage.js';
import { preflight } from '../plugins/http.js';
import type { UsageService } from '../service.js';

export interface StreamOptions {
  service: UsageService;
  maxClients: number;
  heartbeatMs: number;
}

/** Unsent bytes above which a slow client is disconnected. */
export const MAX_BUFFERED = 1024 * 1024;

export const streamRoutes: FastifyPluginAsync<StreamOptions> = async (app, opts) => {
  const clients = new Set<ServerResponse>();
  let eventId = 0;

  app.addHook('preClose', async () => {
    for (const res of clients) res.end();
    clients.clear();
  });

  app.options('/usage/stream', { config: { cors: true } }, preflight);
  // No HEAD twin: a hijacked event stream has no meaningful headers-only form.
  app.get(
    '/usage/stream',
    { exposeHeadRoute: false, config: { cors: true, tokenInQuery: true } },
    async (_request, reply) => {
      if (clients.size >= opts.maxClients) {
        opts.service.faults.hit('stream-clients-full', { limit: opts.maxClients });
        return reply
          .code(503)
          .header('Retry-After', '10')
          .send({ error: 'too_many_clients', message: `at most ${opts.maxClients} stream clients` });
      }
      const res = reply.raw;
      reply.hijack();
      const headers: Record<string, string> = {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      };
      // Headers set by hooks (CORS) are not sent for a hijacked reply; carry them over.
      for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') headers[k] = v;
      res.writeHead(200, headers);
      clients.add(res);

      let closed = false;
      const write = (chunk: string) => {
        if (closed) return;
        if (res.writableLength > MAX_BUFFERED) {
          opts.service.faults.hit('stream-client-slow', { limit: `${MAX_BUFFERED} bytes unsent` });
          res.destroy();
          return;
        }
        res.write(chunk);
      };
      const send = (p: UsagePayload) =>
        write(`event: usage\nid: ${++eventId}\ndata: ${JSON.stringify(p)}\n\n`);

      // Subscribe before the first payload so no change between them is lost.
      const unsubscribe = opts.service.onChange(send);
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs);
      heartbeat.unref();
      const cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        clients.delete(res);
      };
      res.on('close', cleanup);
      res.on('error', cleanup);

      write('retry: 2000\n\n');
      send(await opts.service.payload());
    },
  );
};
