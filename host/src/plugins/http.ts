// Small HTTP helpers shared by the routes: bearer auth, CORS, ETags.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Send CORS headers so a page on another origin (the simulator in dev) can read the route. */
    cors?: boolean;
    /** Accept the token as ?token= too: EventSource cannot set an Authorization header. */
    tokenInQuery?: boolean;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time comparison; hashing first makes unequal lengths take the same path. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = digest(given);
  const b = digest(expected);
  return timingSafeEqual(a, b);
}

export function bearerFrom(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m?.[1]) return m[1];
  }
  if (request.routeOptions.config.tokenInQuery) {
    const q = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof q === 'string' && q.length > 0) return q;
  }
  return null;
}

/** onRequest hook: 401 with WWW-Authenticate unless the bearer token matches. Preflights pass. */
export function bearerAuth(token: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'OPTIONS') return;
    const given = bearerFrom(request);
    if (given !== null && tokenMatches(given, token)) return;
    reply
      .code(401)
      .header(
        'WWW-Authenticate',
        `Bearer realm="claude-gauge"${given === null ? '' : ', error="invalid_token"'}`,
      )
      .send({ error: 'unauthorized', message: 'send "Authorization: Bearer <token>" (see --token)' });
    return reply;
  };
}

export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag',
} as const;

/** onRequest hook: CORS headers on routes that ask for them (before auth, so a 401 is readable too). */
export async function corsHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.routeOptions.config.cors) return;
  reply.headers(CORS_HEADERS);
  reply.header('Vary', 'Origin');
}

/** Answers a CORS preflight. */
export async function preflight(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply
    .code(204)
    .header('Access-Control-Allow-Methods', 'GET, OPTIONS')
    .header('Access-Control-Allow-Headers', 'Authorization, If-None-Match, Cache-Control, Last-Event-ID')
    .header('Access-Control-Max-Age', '600')
    .send();
}

/** Weak ETag of a content key (the payload without ts: equal content, equal tag). */
export function weakEtag(key: string): string {
  return `W/"${createHash('sha1').update(key).digest('base64url').slice(0, 22)}"`;
}

/** If-None-Match uses weak comparison: W/ prefixes are ignored; "*" matches anything. (Node caps headers at 16 kB.) */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const raw = Array.isArray(header) ? header.join(',') : header;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  const want = opaque(etag);
  return raw.split(',').some((t) => t.trim() === '*' || opaque(t) === want);
}
