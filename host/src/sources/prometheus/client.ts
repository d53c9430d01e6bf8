// A minimal client for Prometheus' instant-query HTTP API (GET /api/v1/query). It turns every way a
// query can fail — network, timeout, HTTP status, non-JSON, `status: "error"`, an unexpected shape —
// into a PrometheusQueryError with a short, clear message, and parses sample values exactly as
// Prometheus writes them ("NaN", "+Inf", "-Inf" included).

import { isJsonObject } from '../../json.js';

export class PrometheusQueryError extends Error {
  override name = 'PrometheusQueryError';
}

/** One element of an instant vector (a scalar result becomes one sample with no labels). */
export interface InstantSample {
  metric: Record<string, string>;
  /** Evaluation timestamp in seconds, as Prometheus returns it. */
  timestampS: number;
  /** May be NaN or ±Infinity: callers decide what those mean for their query. */
  value: number;
}

export interface InstantQueryRequest {
  /** Prometheus' base URL, e.g. http://127.0.0.1:9090 or https://host/prometheus/ */
  baseUrl: string;
  query: string;
  /** Evaluation time, epoch milliseconds; omitted → Prometheus' own now. */
  timeMs?: number;
  signal: AbortSignal;
  /** Larger bodies are refused (a gauge query's answer is a few hundred bytes). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** Shortens untrusted text for an error message: one line, at most `max` characters. */
export function excerpt(text: string, max = 160): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a Prometheus sample value string. Throws on anything that is not a Prometheus float. */
export function parseSampleValue(raw: unknown): number {
  if (typeof raw !== 'string')
    throw new PrometheusQueryError(`sample value is not a string: ${excerpt(String(raw), 40)}`);
  if (raw === 'NaN') return Number.NaN;
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!NUMBER.test(raw))
    throw new PrometheusQueryError(`sample value is not a number: ${JSON.stringify(excerpt(raw, 40))}`);
  return Number(raw);
}

function parsePair(pair: unknown): { timestampS: number; value: number } {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || !Number.isFinite(pair[0])) {
    throw new PrometheusQueryError('sample is not a [timestamp, "value"] pair');
  }
  return { timestampS: pair[0], value: parseSampleValue(pair[1]) };
}

function parseMetric(metric: unknown): Record<string, string> {
  if (metric === undefined) return {};
  if (!isJsonObject(metric)) {
    throw new PrometheusQueryError('sample labels are not an object');
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(metric)) {
    if (typeof v !== 'string') throw new PrometheusQueryError(`label ${excerpt(k, 40)} is not a string`);
    labels[k] = v;
  }
  return labels;
}

/** Interprets a decoded /api/v1/query body. Exported for tests. */
export function parseQueryResponse(body: unknown): InstantSample[] {
  if (!isJsonObject(body)) throw new PrometheusQueryError('response is not a JSON object');
  const b = body;
  if (b.status === 'error') {
    const type = typeof b.errorType === 'string' ? b.errorType : 'unknown';
    const message = typeof b.error === 'string' ? b.error : '(no message)';
    throw new PrometheusQueryError(`Prometheus error (${excerpt(type, 40)}): ${excerpt(message)}`);
  }
  if (b.status !== 'success')
    throw new PrometheusQueryError(
      `unexpected status ${excerpt(JSON.stringify(b.status) ?? 'undefined', 40)}`,
    );
  const data = b.data as Record<string, unknown> | undefined;
  if (typeof data !== 'object' || data === null)
    throw new PrometheusQueryError('response has no data object');
  if (data.resultType === 'scalar') {
    return [{ metric: {}, ...parsePair(data.result) }];
  }
  if (data.resultType !== 'vector') {
    throw new PrometheusQueryError(
      `expected an instant vector, got resultType ${excerpt(String(data.resultType), 40)}`,
    );
  }
  if (!Array.isArray(data.result)) throw new PrometheusQueryError('vector result is not an array');
  return data.result.map((s: unknown) => {
    if (typeof s !== 'object' || s === null)
      throw new PrometheusQueryError('vector element is not an object');
    const sample = s as Record<string, unknown>;
    return { metric: parseMetric(sample.metric), ...parsePair(sample.value) };
  });
}

async function readBody(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Not awaited: cancelling some streams never settles, and the error must not wait for it.
      reader.cancel().catch(() => {});
      throw new PrometheusQueryError(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchFailure(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') return 'timed out';
    return reason instanceof Error ? excerpt(reason.message) : 'aborted';
  }
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `cannot connect (${cause.code})`;
  if (err instanceof Error) return excerpt(err.message);
  return 'request failed';
}

/** Runs one instant query. Resolves with the samples or rejects with a PrometheusQueryError. */
export async function instantQuery(req: InstantQueryRequest): Promise<InstantSample[]> {
  const base = req.baseUrl.endsWith('/') ? req.baseUrl : `${req.baseUrl}/`;
  const url = new URL('api/v1/query', base);
  url.searchParams.set('query', req.query);
  if (req.timeMs !== undefined) url.searchParams.set('time', (req.timeMs / 1000).toFixed(3));
  let text: string;
  let response: Response;
  try {
    response = await fetch(url, { signal: req.signal, headers: { accept: 'application/json' } });
    text = await readBody(response, req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof PrometheusQueryError) throw err;
    throw new PrometheusQueryError(describeFetchFailure(err, req.signal));
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const status = response.ok ? '' : `HTTP ${response.status}, `;
    throw new PrometheusQueryError(`${status}response is not JSON: ${JSON.stringify(excerpt(text, 60))}`);
  }
  // Prometheus answers 400/422/503 with a JSON error body; prefer its message over the bare status.
  if (!response.ok) {
    const b = body as { status?: unknown; error?: unknown } | null;
    const detail = b && b.status === 'error' && typeof b.error === 'string' ? `: ${excerpt(b.error)}` : '';
    throw new PrometheusQueryError(`HTTP ${response.status}${detail}`);
  }
  return parseQueryResponse(body);
}
