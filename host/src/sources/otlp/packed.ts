// A decoded OTLP delivery packed into one Float64Array (plus its few distinct model names), so the decode
// worker hands it to the event loop by moving one buffer instead of cloning tens of thousands of objects
// (structured-clone of a 15 MB batch's points cost ~0.2-0.3 s on the event loop). Keys are hashed here
// (dedupe.ts), in the worker, too. The source reads records back one at a time in the same shape whatever
// the delivery's form (packed, or the decoder's objects given directly).

import type { MetricPoint, RequestEvent, Temporality, TokenType } from './decode.js';
import { hash53 } from './dedupe.js';

/** A metric point as the source ingests it: ids instead of key strings. */
export interface PointIn {
  seriesId: number;
  dedupeId: number | null;
  type: TokenType;
  model: string;
  value: number;
  temporality: Temporality;
  startMs: number | null;
  timeMs: number | null;
}

/** An api_request event as the source ingests it. */
export interface EventIn {
  dedupeId: number | null;
  model: string;
  timeMs: number | null;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export interface PackedBatch {
  kind: 'metrics' | 'logs';
  count: number;
  /** POINT_FIELDS or EVENT_FIELDS numbers per record; NaN stands for null. */
  data: Float64Array;
  models: string[];
}

/** Token types by the number packed for them. */
export const TYPES: readonly TokenType[] = ['input', 'output', 'cacheRead', 'cacheCreation'];
/** Numbers per metric point: seriesId, dedupeId, type, model, value, temporality (0 delta), start, time. */
export const POINT_FIELDS = 8;
/** Numbers per event: dedupeId, model, time, input, output, cacheRead, cacheCreation. */
export const EVENT_FIELDS = 7;

const orNaN = (x: number | null): number => (x === null ? Number.NaN : x);

export function pointIn(p: MetricPoint): PointIn {
  return {
    seriesId: hash53(p.seriesKey),
    dedupeId: p.dedupeKey === null ? null : hash53(p.dedupeKey),
    type: p.type,
    model: p.model,
    value: p.value,
    temporality: p.temporality,
    startMs: p.startMs,
    timeMs: p.timeMs,
  };
}

export function eventIn(e: RequestEvent): EventIn {
  return {
    dedupeId: e.dedupeKey === null ? null : hash53(`e|${e.dedupeKey}`),
    model: e.model,
    timeMs: e.timeMs,
    input: e.input,
    output: e.output,
    cacheRead: e.cacheRead,
    cacheCreation: e.cacheCreation,
  };
}

function modelIndex(models: string[], index: Map<string, number>, m: string): number {
  let i = index.get(m);
  if (i === undefined) {
    i = models.length;
    models.push(m);
    index.set(m, i);
  }
  return i;
}

export function packPoints(points: readonly MetricPoint[]): PackedBatch {
  const data = new Float64Array(points.length * POINT_FIELDS);
  const models: string[] = [];
  const index = new Map<string, number>();
  points.forEach((p, n) => {
    const q = pointIn(p);
    const o = n * POINT_FIELDS;
    data[o] = q.seriesId;
    data[o + 1] = orNaN(q.dedupeId);
    data[o + 2] = TYPES.indexOf(q.type);
    data[o + 3] = modelIndex(models, index, q.model);
    data[o + 4] = q.value;
    data[o + 5] = q.temporality === 'delta' ? 0 : 1;
    data[o + 6] = orNaN(q.startMs);
    data[o + 7] = orNaN(q.timeMs);
  });
  return { kind: 'metrics', count: points.length, data, models };
}

export function packEvents(events: readonly RequestEvent[]): PackedBatch {
  const data = new Float64Array(events.length * EVENT_FIELDS);
  const models: string[] = [];
  const index = new Map<string, number>();
  events.forEach((e, n) => {
    const q = eventIn(e);
    const o = n * EVENT_FIELDS;
    data[o] = orNaN(q.dedupeId);
    data[o + 1] = modelIndex(models, index, q.model);
    data[o + 2] = orNaN(q.timeMs);
    data[o + 3] = q.input;
    data[o + 4] = q.output;
    data[o + 5] = q.cacheRead;
    data[o + 6] = q.cacheCreation;
  });
  return { kind: 'logs', count: events.length, data, models };
}
