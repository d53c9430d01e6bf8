// POST /v1/hook: `claude-gauge hook` forwards a Claude Code hook event here (the HOOK_FIELDS of its input).
// Inside the auth scope, like /v1/statusline; the body is small JSON (the daemon's 16 kB limit applies).
// 204 when taken (an event that says nothing about waiting is taken and ignored), 400 with the reason when
// not; nothing of a report is logged, and only the count of waiting sessions is ever served.

import type { FastifyPluginAsync } from 'fastify';
import { type AttentionStore, HookError, parseHookReport } from '../hooks/attention.js';

export const hookRoutes: FastifyPluginAsync<{ attention: AttentionStore }> = async (app, { attention }) => {
  app.post('/v1/hook', async (request, reply) => {
    try {
      attention.apply(parseHookReport(request.body), attention.clock());
    } catch (err) {
      if (err instanceof HookError)
        return reply.code(400).send({ error: 'bad_request', message: err.message });
      throw err;
    }
    return reply.code(204).send();
  });
};
