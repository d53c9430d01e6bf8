// GET /metrics: Prometheus text exposition of the payload and the session tracker.

import type { FastifyPluginAsync } from 'fastify';
import { createMetrics } from '../metrics.js';
import type { UsageService } from '../service.js';

export const metricsRoutes: FastifyPluginAsync<{ service: UsageService }> = async (app, { service }) => {
  const metrics = createMetrics();
  app.get('/metrics', async (_request, reply) => {
    metrics.update(await service.payload(), service.sessionCounts(), service.sourceStats());
    reply.header('Content-Type', metrics.registry.contentType).header('Cache-Control', 'no-cache');
    return metrics.registry.metrics();
  });
};
