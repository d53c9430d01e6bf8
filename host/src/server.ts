// Assembles the Fastify app, the one place that does: the root-level plugins (plugins/: the Host/Origin
// guard, the auth and CORS hooks) and every route (routes/, one file each), /healthz and the UI outside
// the auth scope, everything that carries usage data inside it.

import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { DEFAULTS } from './config.js';
import { REQUEST_SERIALIZERS } from './log.js';
import { hostGuard } from './plugins/host-guard.js';
import { bearerAuth, corsHook } from './plugins/http.js';
import { healthRoutes } from './routes/health.js';
import { hookRoutes } from './routes/hook.js';
import { installRoutes } from './routes/install.js';
import { metricsRoutes } from './routes/metrics.js';
import { otlpReceiverRoutes, otlpSinkOf } from './routes/otlp.js';
import { statuslineRoutes } from './routes/statusline.js';
import { streamRoutes } from './routes/stream.js';
import { uiRoutes } from './routes/ui.js';
import { usageRoutes } from './routes/usage.js';
import type { UsageService } from './service.js';
import type { DecodePool } from './sources/otlp/decode-pool.js';
import { findRepoRoot, VERSION } from './version.js';

/** Largest request body on every route but the OTLP receiver (which sets its own). */
export const API_BODY_LIMIT = 16 * 1024;

export interface ServerOptions {
  service: UsageService;
  token?: string | null;
  maxStreamClients?: number;
  heartbeatMs?: number;
  ui?: string | null;
  /** The bind address and any --allowed-hosts: the Host/Origin allow-list (plugins/host-guard.ts). */
  bindHost?: string;
  allowedHosts?: readonly string[];
  /** The OTLP receiver's decoder (tests give one with a stand-in worker); its own by default. */
  otlpPool?: DecodePool;
  /** The checkout the install page reads boards and images from (default: this daemon's own). */
  projectDir?: string | null;
  /** Where released firmware images are fetched (default: package.json's GitHub repository). */
  releaseBase?: string | null;
  /** Fastify logger option; false (quiet) unless the daemon passes its pino settings. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The gauge polls at 1 Hz, so per-request lines at info would drown everything else: they go to debug.
 * Errors keep their level.
 */
class QuietRequestLog extends LogController {
  override incomingRequest(request: Parameters<LogController['incomingRequest']>[0]): void {
    request.log.debug({ req: request }, 'incoming request');
  }
  override requestCompleted(
    ...[error, _request, reply]: Parameters<LogController['requestCompleted']>
  ): void {
    if (error)
      reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const logger =
    typeof opts.logger === 'object' && opts.logger !== null
      ? {
          ...opts.logger,
          // Never log query strings: /usage/stream may carry ?token=.
          serializers: REQUEST_SERIALIZERS,
        }
      : (opts.logger ?? false);
  const app = Fastify({
    logger,
    logController: new QuietRequestLog(),
    // SSE sockets are never idle; close them on shutdown instead of waiting.
    forceCloseConnections: true,
    bodyLimit: API_BODY_LIMIT,
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
  });
  // First of all, for every route (also ones registered later, and 404s): Host and Origin allow-list.
  await app.register(
    hostGuard({
      bindHost: opts.bindHost ?? DEFAULTS.host,
      allowedHosts: opts.allowedHosts ?? [],
      faults: opts.service.faults,
    }),
  );
  // Fastify's own 404 logs "Route GET:<url with query> not found" at info: a ?token= in the log, and one
  // line per probe. Ours logs the path only, at debug, and echoes nothing back.
  app.setNotFoundHandler((request, reply) => {
    request.log.debug({ method: request.method, path: request.url.split('?')[0]?.slice(0, 200) }, 'no route');
    return reply.code(404).send({ error: 'not_found', message: 'no such route' });
  });

  await app.register(healthRoutes, { service: opts.service, version: VERSION });
  await app.register(async (api) => {
    api.addHook('onRequest', corsHook);
    if (opts.token) api.addHook('onRequest', bearerAuth(opts.token));
    await api.register(usageRoutes, { service: opts.service });
    await api.register(streamRoutes, {
      service: opts.service,
      maxClients: opts.maxStreamClients ?? 32,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
    });
    await api.register(metricsRoutes, { service: opts.service });
    // POST /v1/statusline (official quota) when the service keeps one; the OTLP receiver when the source
    // is fed by it (--source otlp).
    if (opts.service.quota)
      await api.register(statuslineRoutes, { quota: opts.service.quota, faults: opts.service.faults });
    // POST /v1/hook (sessions waiting for the user) when the service keeps them.
    if (opts.service.attention) await api.register(hookRoutes, { attention: opts.service.attention });
    const sink = otlpSinkOf(opts.service.source);
    if (sink)
      await api.register(otlpReceiverRoutes, {
        sink,
        faults: opts.service.faults,
        ...(opts.otlpPool ? { pool: opts.otlpPool } : {}),
      });
  });
  await app.register(installRoutes, {
    projectDir: opts.projectDir !== undefined ? opts.projectDir : findRepoRoot(),
    uiRoot: opts.ui ?? null,
    listenHost: opts.bindHost ?? '127.0.0.1',
    token: opts.token ?? null,
    ...(opts.releaseBase !== undefined ? { releaseBase: opts.releaseBase } : {}),
  });
  await app.register(uiRoutes, { root: opts.ui ?? null });
  return app;
}
