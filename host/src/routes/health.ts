// GET /healthz: liveness for supervisors; no auth and no usage data.

import type { FastifyPluginAsync } from 'fastify';
import type { UsageService } from '../service.js';

export const healthRoutes: FastifyPluginAsync<{ service: UsageService; version: string }> = async (
  app,
  { service, version },
) => {
  app.get('/healthz', async () => ({
    ok: true,
    version,
    source: service.source.name,
    // The source failing does not make the daemon unhealthy (it keeps serving stale values), but say so.
    source_failures: service.consecutiveFailures,
  }));
};
