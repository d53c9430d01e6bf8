// GET /metrics: Prometheus text exposition of the payload and the session tracker.

import type { FastifyPluginAsync } from 'fastify';
import type { UsageMetrics } from '../metrics.js';
import type { UsageService } from '../service.js';

export const metricsRoutes: FastifyPluginAsync<{ service: UsageService }> = async (app, { service }) => {
  // prom-client is loaded by the first scrape, not before the daemon's first /usage answer (it was ~10 ms
  // of the server's ~110 ms of module loading). Nothing is lost by waiting: every metric is set from the service at scrape time, and
  // the session counter from the tracker's running total.
  let metrics: Promise<UsageMetrics> | null = null;
  app.get('/metrics', async (_request, reply) => {
    metrics ??= import('../metrics.js').then((m) => m.createMetrics());
    const m = await metrics.catch((err: unknown) => {
      metrics = null; // a failed load is retried by the next scrape
      throw err;
    });
    m.update(await service.payload(), service.sessionCounts(), service.sourceStats(), service.reportTimes(), {
      machines: service.machineList(),
      forward: service.forwardStatus?.() ?? null,
    });
    reply.header('Content-Type', m.registry.contentType).header('Cache-Control', 'no-cache');
    return m.registry.metrics();
  });
};
