// POST /v1/statusline: `claude-gauge statusline` forwards Claude Code's official quota (rate_limits) here.
// Inside the auth scope; the body is small JSON (the daemon's 16 kB limit applies). 204 when taken, 400 with
// the reason when not (nothing is kept from a rejected report).

import type { FastifyPluginAsync } from 'fastify';
import { parseQuotaReport, QuotaError, type QuotaStore } from './quota.js';

export const statuslineRoutes: FastifyPluginAsync<{ quota: QuotaStore }> = async (app, { quota }) => {
  app.post('/v1/statusline', async (request, reply) => {
    try {
      quota.update(parseQuotaReport(request.body), quota.clock());
    } catch (err) {
      if (err instanceof QuotaError)
        return reply.code(400).send({ error: 'bad_request', message: err.message });
      throw err;
    }
    return reply.code(204).send();
  });
};
