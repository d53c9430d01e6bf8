// One OTLP/HTTP request body → a decoded batch, or the HTTP status and reason to refuse it with. Pure and
// synchronous: it runs in the decode worker (decode-worker.ts), off the event loop, and inline only where
// no worker can be started (the TypeScript sources under the test runner).
// The batch key is a digest of the decompressed body: an exporter's retry sends the same bytes, so records
// that carry no identity of their own are still recognised when they come again (decode.ts).

import { createHash } from 'node:crypto';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeLogRecords, decodeMetrics, OtlpDecodeError } from './decode.js';
import { type PackedBatch, packEvents, packPoints } from './packed.js';

export interface DecodeRequest {
  kind: 'metrics' | 'logs';
  /** The body as received (maybe compressed). */
  body: Uint8Array;
  /** Content-Encoding, lower case ('' for none). */
  encoding: string;
  /** Largest body after decompression. */
  maxInflatedBytes: number;
}

export type DecodeOutcome = { ok: true; batch: PackedBatch } | { ok: false; status: number; message: string };

function refuse(status: number, message: string): DecodeOutcome {
  return { ok: false, status, message };
}

export function decodeRequest(req: DecodeRequest): DecodeOutcome {
  const raw = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  let inflated: Buffer;
  if (req.encoding === '' || req.encoding === 'identity') {
    if (raw.length > req.maxInflatedBytes)
      return refuse(413, `body is larger than ${req.maxInflatedBytes} bytes`);
    inflated = raw;
  } else {
    const fn =
      req.encoding === 'gzip' || req.encoding === 'x-gzip'
        ? gunzipSync
        : req.encoding === 'deflate'
          ? inflateSync
          : null;
    if (!fn)
      return refuse(415, `Content-Encoding "${req.encoding.slice(0, 40)}" is not supported (gzip, deflate)`);
    try {
      inflated = fn(raw, { maxOutputLength: req.maxInflatedBytes });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
        return refuse(413, `decompressed body is larger than ${req.maxInflatedBytes} bytes`);
      return refuse(400, `body is not valid ${req.encoding} (${(err as Error).message.slice(0, 80)})`);
    }
  }
  const text = inflated.toString('utf8');
  if (text.trim() === '') return refuse(400, 'empty body');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return refuse(400, `body is not JSON (${(err as Error).message.slice(0, 120)})`);
  }
  const batchKey = createHash('sha256').update(inflated).digest('base64url').slice(0, 24);
  try {
    if (req.kind === 'metrics') return { ok: true, batch: packPoints(decodeMetrics(json, batchKey)) };
    const { events, reports } = decodeLogRecords(json, batchKey);
    return { ok: true, batch: packEvents(events, reports) };
  } catch (err) {
    if (err instanceof OtlpDecodeError) return refuse(400, err.message.slice(0, 300));
    throw err;
  }
}
