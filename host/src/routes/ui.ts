// The built simulator at / when there is one, so `npm start` is a single origin; otherwise a plain index.
// Static files carry no usage data and a browser navigation cannot send a bearer header, so they are
// served without the token (the page then calls /usage with it).

import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export const uiRoutes: FastifyPluginAsync<{ root: string | null }> = async (app, { root }) => {
  if (root) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      cacheControl: true,
      maxAge: 0,
    });
    return;
  }
  app.get('/', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return [
      'claude-gauge daemon',
      '',
      'GET /usage         the gauge payload (JSON, contract v1)',
      'GET /usage/stream  the same as Server-Sent Events',
      'GET /metrics       Prometheus metrics',
      'GET /healthz       liveness',
      '',
      'No web UI is served: build the simulator (simulator/dist) or pass --ui <dir>.',
      '',
    ].join('\n');
  });
};
