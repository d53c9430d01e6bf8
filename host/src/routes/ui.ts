// The built simulator at / when there is one, so `npm start` is a single origin; otherwise a plain index.
// Static files carry no usage data and a browser navigation cannot send a bearer header, so they are
// served without the token (the page then calls /usage with it). Only regular files are served, and
// nothing whose path has a segment starting with a dot (.env, .git/, .DS_Store): 404 for those.

import { statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** True for a URL path the UI may serve: no dot segment, and a regular file or a directory (its index). */
export function servable(root: string, pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (decoded.split(/[/\\]/).some((seg) => seg.startsWith('.'))) return false;
  // A FIFO or a device in the UI dir must not reach the file sender (a read would block a pool thread).
  const st = statSync(join(root, normalize(decoded)), { throwIfNoEntry: false });
  return st === undefined || st.isFile() || st.isDirectory();
}

export const uiRoutes: FastifyPluginAsync<{ root: string | null }> = async (app, { root }) => {
  if (root) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      cacheControl: true,
      maxAge: 0,
      dotfiles: 'ignore',
      allowedPath: (pathname) => servable(root, pathname),
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
