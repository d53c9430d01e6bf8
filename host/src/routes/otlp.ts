// POST /v1/metrics and POST /v1/logs: an OTLP/HTTP JSON receiver (OTEL_EXPORTER_OTLP_PROTOCOL=http/json),
// mounted inside the daemon's auth scope (and, like every route, behind the Host/Origin guard). Bodies may
// be gzip- or deflate-compressed and chunked. A batch is all-or-nothing: it is fully decoded before
// anything is counted, so a 400 counts nothing and the exporter's retry after a 5xx/timeout is recognised
// by the source's dedupe keys, never counted twice. Protobuf (the exporters' default http/protobuf) gets
// 415 with a hint to switch to http/json.
// Decoding (decompression, JSON.parse, the walk) runs in a worker thread (decode-pool.ts) and the source
// takes the result in slices: a 16 MB batch does not hold the event loop. Too many batches at once: 503.

import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Faults } from '../faults.js';
import type { MetricPoint, RequestEvent } from '../sources/otlp/decode.js';
import { DecodeBusyError, DecodePool, DecodeTimeoutError } from '../sources/otlp/decode-pool.js';
import type { PackedBatch } from '../sources/otlp/packed.js';
import type { IngestResult } from '../sources/otlp/source.js';

/** What the receiver feeds: the otlp source implements it (a hub that forwards could too). */
export interface OtlpSink {
  ingestMetrics(points: readonly MetricPoint[]): IngestResult;
  ingestEvents(events: readonly RequestEvent[]): IngestResult;
  /** A whole decoded delivery, taken in slices (see OtlpSource.ingestBatch). */
  ingestBatch(batch: PackedBatch): Promise<IngestResult>;
  noteRejected(): void;
  /** Headers for every answer to /v1/logs (a hub's epoch and heartbeat request: docs/hub.md). */
  responseHeaders?(): Record<string, string>;
}

/** The source as an OtlpSink when it is one (the otlp source), else null: the receiver is mounted only then. */
export function otlpSinkOf(source: unknown): OtlpSink | null {
  const s = source as Partial<OtlpSink> | null;
  return s &&
    typeof s.ingestMetrics === 'function' &&
    typeof s.ingestEvents === 'function' &&
    typeof s.ingestBatch === 'function' &&
    typeof s.noteRejected === 'function'
    ? (s as OtlpSink)
    : null;
}

export interface OtlpReceiverOptions {
  sink: OtlpSink;
  /** Largest request body on the wire (compressed or not), bytes. */
  bodyLimit?: number;
  /** Largest body after decompression, bytes (a zip bomb stops here). */
  maxInflatedBytes?: number;
  /** Where busy and timed-out decodes are counted. */
  faults?: Faults;
  /** The decoder (tests give a small one); one per receiver by default, closed with the server. */
  pool?: DecodePool;
}

export const DEFAULT_OTLP_BODY_LIMIT = 4 * 1024 * 1024;
export const DEFAULT_OTLP_INFLATED_LIMIT = 16 * 1024 * 1024;
/** Seconds an exporter is asked to wait after a 503. */
const RETRY_AFTER_S = 5;

function headerOf(h: string | string[] | undefined): string {
  return (Array.isArray(h) ? h.join(',') : (h ?? '')).trim().toLowerCase();
}

function fail(reply: FastifyReply, statusCode: number, message: string) {
  // google.rpc.Status-like JSON, as OTLP/HTTP asks for error bodies.
  return reply.code(statusCode).send({ code: statusCode, message });
}

export const otlpReceiverRoutes: FastifyPluginAsync<OtlpReceiverOptions> = async (app, opts) => {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_OTLP_BODY_LIMIT;
  const maxInflated = opts.maxInflatedBytes ?? DEFAULT_OTLP_INFLATED_LIMIT;
  const pool = opts.pool ?? new DecodePool();
  app.addHook('onClose', async () => pool.close());
  // Raw bytes for every content type in this plugin only: decompression and the JSON check happen in the
  // decoder, where a failure can name its reason.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  // Errors raised before the handler (a body over the limit, a broken chunked stream) get the same
  // OTLP-style body as the handler's own, and a refused batch is counted.
  app.setErrorHandler((err: { statusCode?: number; message?: string }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status === 400 || status === 413) opts.sink.noteRejected();
    const message =
      status === 413
        ? `body is larger than ${bodyLimit} bytes`
        : String(err.message ?? 'error').slice(0, 200);
    return fail(reply, status, message);
  });

  const handle =
    (kind: 'metrics' | 'logs') =>
    async (
      request: { headers: Record<string, string | string[] | undefined>; body: unknown },
      reply: FastifyReply,
    ) => {
      const type = headerOf(request.headers['content-type']).split(';')[0]?.trim() ?? '';
      if (type !== 'application/json')
        return fail(
          reply,
          415,
          `Content-Type "${type.slice(0, 60)}" is not supported: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json`,
        );
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let outcome: Awaited<ReturnType<DecodePool['decode']>>;
      try {
        outcome = await pool.decode({
          kind,
          body: raw,
          encoding: headerOf(request.headers['content-encoding']),
          maxInflatedBytes: maxInflated,
        });
      } catch (err) {
        if (err instanceof DecodeBusyError || err instanceof DecodeTimeoutError) {
          opts.faults?.hit(err instanceof DecodeBusyError ? 'otlp-busy' : 'otlp-decode-timeout', {
            reason: err.message,
          });
          reply.header('Retry-After', String(RETRY_AFTER_S));
          return fail(reply, 503, err.message);
        }
        throw err;
      }
      if (!outcome.ok) {
        if (outcome.status === 400 || outcome.status === 413) opts.sink.noteRejected();
        return fail(reply, outcome.status, outcome.message);
      }
      const result = await opts.sink.ingestBatch(outcome.batch);
      if (kind === 'logs')
        for (const [k, v] of Object.entries(opts.sink.responseHeaders?.() ?? {})) reply.header(k, v);
      reply.header('X-Claude-Gauge-Accepted', String(result.accepted));
      if (result.duplicates > 0) reply.header('X-Claude-Gauge-Duplicates', String(result.duplicates));
      return reply.code(200).send({});
    };

  const routeOpts = { bodyLimit };
  app.post('/v1/metrics', routeOpts, handle('metrics'));
  app.post('/v1/logs', routeOpts, handle('logs'));
  // Claude Code may also export traces when asked to; they carry nothing the gauge shows.
  app.post('/v1/traces', routeOpts, async (_request, reply) => reply.code(200).send({}));
};
