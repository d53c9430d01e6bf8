// GET /healthz: liveness for supervisors; no auth and no usage data. It also says what went wrong quietly:
// the fault registry's counts (limits hit, read errors, implausible values, refused requests), by id only.

import type { FastifyPluginAsync } from 'fastify';
import type { UsageService } from '../service.js';

export const healthRoutes: FastifyPluginAsync<{ service: UsageService; version: string }> = async (
  app,
  { service, version },
) => {
  app.get('/healthz', async () => {
    const counts = service.sessionCounts();
    const machines = service.machineList();
    return {
      ok: true,
      version,
      source: service.source.name,
      // The source failing does not make the daemon unhealthy (it keeps serving stale values), but say so.
      source_failures: service.consecutiveFailures,
      // Everything counted by the fault registry: {"<id>": {kind, count, last_at}}; ids are in docs/daemon.md.
      faults: service.faults.summary(),
      // Session manifests the last scan read and could not (no paths).
      manifests: { stale: counts.stale, invalid: counts.invalid, skipped: counts.skipped },
      // A hub: how many machines it knows and hears (no names here: /metrics, with the token, has them).
      ...(machines && {
        hub: { machines_live: machines.filter((m) => m.live).length, machines_known: machines.length },
      }),
      // A satellite: what waits for the hub (counts and times only).
      ...(service.forwardStatus && { forward: service.forwardStatus() }),
    };
  });
};
