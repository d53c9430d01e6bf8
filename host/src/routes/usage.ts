// GET /usage: the contract payload, serialised through the contract's own JSON schema, with a weak ETag
// over everything but `ts` so a poller that sends If-None-Match gets 304 while nothing has changed.

import type { FastifyPluginAsync } from 'fastify';
import usageSchema from '../../../contract/usage.v1.schema.json' with { type: 'json' };
import { contentKey } from '../payload.js';
import { ifNoneMatchHits, preflight, weakEtag } from '../plugins/http.js';
import type { UsageService } from '../service.js';

/** The contract schema minus its meta keys (Fastify's serializer compiles it as a plain response schema). */
export function responseSchema(): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = usageSchema as Record<string, unknown>;
  return rest;
}

export const usageRoutes: FastifyPluginAsync<{ service: UsageService }> = async (app, { service }) => {
  app.options('/usage', { config: { cors: true } }, preflight);
  app.get(
    '/usage',
    { config: { cors: true }, schema: { response: { 200: responseSchema(), 304: { type: 'null' } } } },
    async (request, reply) => {
      const payload = await service.payload();
      const etag = weakEtag(contentKey(payload));
      reply.header('ETag', etag).header('Cache-Control', 'no-cache');
      if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return payload;
    },
  );
};
