// POST /v1/statusline: `claude-gauge statusline` forwards Claude Code's official quota (rate_limits) here.
// Inside the auth scope; the body is small JSON (the daemon's 16 kB limit applies). 204 when taken, 400 with
// the reason when not (nothing is kept from a rejected report).

import type { FastifyPluginAsync } from 'fastify';
import type { Faults } from '../faults.js';
import { parseQuotaReport, QuotaError, type QuotaStore } from '../statusline/quota.js';

export const statuslineRoutes: FastifyPluginAsync<{ quota: QuotaStore; faults?: Faults }> = async (
  app,
  { quota, faults },
) => {
  app.post('/v1/statusline', async (request, reply) => {
    try {
      const now = quota.clock();
      quota.update(parseQuotaReport(request.body, now), now);
    } catch (err) {
      if (err instanceof QuotaError) {
        if (err.implausible) faults?.hit('implausible-statusline', { reason: err.message });
        return reply.code(400).send({ error: 'bad_request', message: err.message });
      }
      throw err;
    }
    return reply.code(204).send();
  });
};
