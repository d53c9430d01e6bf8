// POST /v1/metrics and POST /v1/logs: an OTLP/HTTP JSON receiver (OTEL_EXPORTER_OTLP_PROTOCOL=http/json),
// mounted inside the daemon's auth scope. Bodies may be gzip- or deflate-compressed and chunked. A batch is
// all-or-nothing: it is fully decoded before anything is counted, so a 400 counts nothing and the
// exporter's retry after a 5xx/timeout is recognised by the source's dedupe keys, never counted twice.
// Protobuf (the exporters' default http/protobuf) gets 415 with a hint to switch to http/json.

import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { decodeLogs, decodeMetrics, type MetricPoint, OtlpDecodeError, type RequestEvent } from './decode.js';
import type { IngestResult } from './index.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** What the receiver feeds: the otlp source implements it. */
export interface OtlpSink {
  ingestMetrics(points: readonly MetricPoint[]): IngestResult;
  ingestEvents(events: readonly RequestEvent[]): IngestResult;
  noteRejected(): void;
}

/** The source as an OtlpSink when it is one (the otlp source), else null: the receiver is mounted only then. */
export function otlpSinkOf(source: unknown): OtlpSink | null {
  const s = source as Partial<OtlpSink> | null;
  return s &&
    typeof s.ingestMetrics === 'function' &&
    typeof s.ingestEvents === 'function' &&
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
}

export const DEFAULT_OTLP_BODY_LIMIT = 4 * 1024 * 1024;
export const DEFAULT_OTLP_INFLATED_LIMIT = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function headerOf(h: string | string[] | undefined): string {
  return (Array.isArray(h) ? h.join(',') : (h ?? '')).trim().toLowerCase();
}

async function inflateBody(raw: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  if (encoding === '' || encoding === 'identity') {
    if (raw.length > maxBytes) throw new HttpError(413, `body is larger than ${maxBytes} bytes`);
    return raw;
  }
  const fn =
    encoding === 'gzip' || encoding === 'x-gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : null;
  if (!fn)
    throw new HttpError(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported (gzip, deflate)`);
  try {
    return await fn(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new HttpError(413, `decompressed body is larger than ${maxBytes} bytes`);
    throw new HttpError(400, `body is not valid ${encoding} (${(err as Error).message.slice(0, 80)})`);
  }
}

function parseJson(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'empty body');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body is not JSON (${(err as Error).message.slice(0, 120)})`);
  }
}

function fail(reply: FastifyReply, statusCode: number, message: string) {
  // google.rpc.Status-like JSON, as OTLP/HTTP asks for error bodies.
  return reply.code(statusCode).send({ code: statusCode, message });
}

export const otlpReceiverRoutes: FastifyPluginAsync<OtlpReceiverOptions> = async (app, opts) => {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_OTLP_BODY_LIMIT;
  const maxInflated = opts.maxInflatedBytes ?? DEFAULT_OTLP_INFLATED_LIMIT;
  // Raw bytes for every content type in this plugin only: decompression and the JSON check happen in the
  // handler, where a failure can name its reason.
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
      try {
        const type = headerOf(request.headers['content-type']).split(';')[0]?.trim() ?? '';
        if (type !== 'application/json')
          throw new HttpError(
            415,
            `Content-Type "${type.slice(0, 60)}" is not supported: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json`,
          );
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const body = parseJson(
          await inflateBody(raw, headerOf(request.headers['content-encoding']), maxInflated),
        );
        let result: IngestResult;
        try {
          result =
            kind === 'metrics'
              ? opts.sink.ingestMetrics(decodeMetrics(body))
              : opts.sink.ingestEvents(decodeLogs(body));
        } catch (err) {
          if (err instanceof OtlpDecodeError) throw new HttpError(400, err.message.slice(0, 300));
          throw err;
        }
        reply.header('X-Claude-Gauge-Accepted', String(result.accepted));
        if (result.duplicates > 0) reply.header('X-Claude-Gauge-Duplicates', String(result.duplicates));
        return reply.code(200).send({});
      } catch (err) {
        if (err instanceof HttpError) {
          if (err.statusCode === 400 || err.statusCode === 413) opts.sink.noteRejected();
          return fail(reply, err.statusCode, err.message);
        }
        throw err;
      }
    };

  const routeOpts = { bodyLimit };
  app.post('/v1/metrics', routeOpts, handle('metrics'));
  app.post('/v1/logs', routeOpts, handle('logs'));
  // Claude Code may also export traces when asked to; they carry nothing the gauge shows.
  app.post('/v1/traces', routeOpts, async (_request, reply) => reply.code(200).send({}));
};
