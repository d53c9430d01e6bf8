// Decodes OTLP/HTTP JSON export requests (ExportMetricsServiceRequest, ExportLogsServiceRequest) into
// token records. Only what the gauge needs is read: the metric `claude_code.token.usage` and the log event
// `claude_code.api_request`; every other metric and event is skipped. A batch decodes completely or throws
// an OtlpDecodeError (the receiver answers 400 and counts nothing), so an exporter's retry of a rejected
// batch can never count part of it twice.
//
// OTLP JSON rules honoured here: int64 values (asInt, intValue, *UnixNano) may be JSON numbers or decimal
// strings; enums are integers (the enum names are accepted too); unknown fields are ignored.
// Values are checked for being numbers at all here (finite, >= 0, exactly representable); whether they are
// plausible as usage is the source's call (plausible.ts), per record, so one absurd point does not cost
// the rest of its batch.

import { isJsonObject } from '../../json.js';

export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

export const TOKEN_METRIC = 'claude_code.token.usage';
export const API_REQUEST_EVENT = 'claude_code.api_request';

export type TokenType = 'input' | 'output' | 'cacheRead' | 'cacheCreation';
const TOKEN_TYPES: readonly TokenType[] = ['input', 'output', 'cacheRead', 'cacheCreation'];

/** Above this a count is not an exactly representable integer: refused as malformed (400). */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;
const MAX_MODEL_LEN = 128;
const MAX_KEY_LEN = 512;

export type Temporality = 'delta' | 'cumulative';

/** One data point of claude_code.token.usage. */
export interface MetricPoint {
  /** Resource + point attributes, sorted: identifies the series for cumulative → delta conversion. */
  seriesKey: string;
  type: TokenType;
  model: string;
  value: number;
  temporality: Temporality;
  /** Epoch ms, or null when the exporter sent none (0 or missing). */
  startMs: number | null;
  timeMs: number | null;
  /**
   * What identifies a DELTA point across retries: its series and interval; for a point without a time, its
   * place in the delivery (the batch key and its index), so a retried delivery is still recognised. Null
   * when neither is known (no time and no batch key given).
   */
  dedupeKey: string | null;
}

/** One claude_code.api_request event (Claude Code's own, or a satellite's forwarded response). */
export interface RequestEvent {
  /**
   * Identifies the event across retries (session, sequence, timestamp, counts); for an event with neither a
   * time nor a sequence, its place in the delivery (batch key and index); null when that is unknown too.
   */
  dedupeKey: string | null;
  model: string;
  timeMs: number | null;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /**
   * A forwarded response's stable id (`claude_gauge.response_id`: a hash of its message and request ids);
   * null for Claude Code's own events. The hub counts each id once across machines.
   */
  responseId?: string | null;
  /** The sending machine (forwarded records; Claude Code's events when their resource names one), or null. */
  machine?: MachineName | null;
  /** Estimated thinking tokens of a forwarded response (`claude_gauge.thinking_tokens`), or null. */
  thinking?: number | null;
  /** A forwarded copy from a sidechain (ccusage prefers the main chain's copy of a response). */
  sidechain?: boolean;
  /** The satellite takes back a response it sent under this id (its kept copy changed ids). */
  retracted?: boolean;
}

/** Who sent a record: the name the hub shows, and a stable id telling apart two of the same name. */
export interface MachineName {
  name: string;
  /** 8 hex digits from the sender, or '' when only a name is known (host.name of Claude Code's events). */
  id: string;
}

/** A satellite's report about itself (the `claude_gauge.machine` record every delivery carries). */
export interface MachineReport {
  machine: MachineName;
  sessionsActive: number;
  sessionsWorking: number;
  /** The satellite's clock when it sent the delivery (epoch ms), for the clock-offset estimate. */
  sentAtMs: number | null;
}

/** Attribute and event names of forwarded records (docs/hub.md): one definition for both ends. */
export const FORWARD = {
  responseId: 'claude_gauge.response_id',
  thinking: 'claude_gauge.thinking_tokens',
  sidechain: 'claude_gauge.sidechain',
  retracted: 'claude_gauge.retracted',
  machine: 'claude_gauge.machine',
  machineId: 'claude_gauge.machine_id',
  sessionsActive: 'claude_gauge.sessions_active',
  sessionsWorking: 'claude_gauge.sessions_working',
  /** The event a satellite's self-report is named. */
  machineEvent: 'claude_gauge.machine',
} as const;

const RESPONSE_ID = /^[0-9a-f]{16,64}$/;
const MACHINE_ID = /^[0-9a-f]{8}$/;
const MACHINE_NAME_CHARS = /[^A-Za-z0-9._-]/g;

type Json = unknown;

function arrayAt(obj: Record<string, Json>, key: string, where: string): Json[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}.${key} is not an array`);
  return v;
}

function objectAt(x: Json, where: string): Record<string, Json> {
  if (!isJsonObject(x)) throw new OtlpDecodeError(`${where} is not an object`);
  return x;
}

/** An OTLP int64 (JSON number or decimal string) as a finite number, or throws. */
function int64(x: Json, where: string): number {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new OtlpDecodeError(`${where} is not a finite number`);
    return x;
  }
  if (typeof x === 'string' && /^-?\d{1,20}$/.test(x)) return Number(x);
  throw new OtlpDecodeError(`${where} is not an integer`);
}

/** *UnixNano → epoch ms; 0 or absent → null (OTLP uses 0 for "unknown"). */
function nanosToMs(x: Json, where: string): number | null {
  if (x === undefined || x === null) return null;
  let ms: number;
  if (typeof x === 'string' && /^\d{1,20}$/.test(x)) ms = Number(BigInt(x) / 1_000_000n);
  else if (typeof x === 'number' && Number.isFinite(x) && x >= 0) ms = Math.floor(x / 1e6);
  else throw new OtlpDecodeError(`${where} is not a nanosecond timestamp`);
  return ms > 0 ? ms : null;
}

/** AnyValue → a JS scalar (string | number | boolean) or null for arrays, maps, bytes and empty values. */
function anyValue(v: Json, where: string): string | number | boolean | null {
  if (!isJsonObject(v)) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (v.intValue !== undefined) return int64(v.intValue, `${where}.intValue`);
  if (v.doubleValue !== undefined) {
    const d = v.doubleValue;
    // JSON has no NaN/Infinity; protobuf JSON spells them as strings.
    if (typeof d === 'number') return d;
    if (typeof d === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(d)) return Number(d);
    throw new OtlpDecodeError(`${where}.doubleValue is not a finite number`);
  }
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  return null;
}

/** KeyValue[] → Map of scalar attributes (later duplicates win, as in the OTel SDKs). */
function attributes(list: Json, where: string): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new OtlpDecodeError(`${where} is not an array`);
  list.forEach((kv, i) => {
    const o = objectAt(kv, `${where}[${i}]`);
    if (typeof o.key !== 'string') throw new OtlpDecodeError(`${where}[${i}].key is not a string`);
    const v = anyValue(o.value, `${where}[${i}].value`);
    if (v !== null) out.set(o.key, v);
  });
  return out;
}

function attrKey(attrs: Map<string, string | number | boolean>): string {
  return JSON.stringify([...attrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))).slice(
    0,
    4 * MAX_KEY_LEN,
  );
}

function modelOf(attrs: Map<string, string | number | boolean>): string {
  const m = attrs.get('model');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return typeof m === 'string' ? m.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, MAX_MODEL_LEN) : '';
}

/** A token count: a non-negative number, or an integer given as a string (Claude Code sends both). */
function tokenCount(x: string | number | boolean | undefined, where: string): number {
  if (x === undefined) return 0;
  let n: number;
  if (typeof x === 'number') n = x;
  else if (typeof x === 'string' && /^\s*\d{1,16}(\.\d+)?\s*$/.test(x)) n = Number(x);
  else throw new OtlpDecodeError(`${where} is not a token count (${JSON.stringify(x).slice(0, 40)})`);
  if (!Number.isFinite(n) || n < 0 || n > MAX_COUNT)
    throw new OtlpDecodeError(`${where} is out of range (${String(n).slice(0, 40)})`);
  return n;
}

function temporalityOf(x: Json, where: string): Temporality {
  if (x === 1 || x === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  if (x === 2 || x === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  throw new OtlpDecodeError(`${where} is not DELTA (1) or CUMULATIVE (2)`);
}

function pointValue(p: Record<string, Json>, where: string): number {
  let n: number;
  if (p.asInt !== undefined) n = int64(p.asInt, `${where}.asInt`);
  else if (p.asDouble !== undefined) {
    if (typeof p.asDouble !== 'number' || !Number.isFinite(p.asDouble))
      throw new OtlpDecodeError(`${where}.asDouble is not a finite number`);
    n = p.asDouble;
  } else throw new OtlpDecodeError(`${where} has neither asInt nor asDouble`);
  if (n < 0 || n > MAX_COUNT) throw new OtlpDecodeError(`${where} value ${n} is out of range`);
  return n;
}

/** The dedupe key of a record that carries no identity of its own: its place in this delivery. */
function placeKey(batchKey: string | null, index: number): string | null {
  return batchKey === null ? null : `batch:${batchKey}#${index}`;
}

/**
 * Decodes an ExportMetricsServiceRequest. Throws OtlpDecodeError on anything malformed. `batchKey` names
 * the delivery (the receiver gives a digest of the body): a retry of it has the same.
 */
export function decodeMetrics(body: Json, batchKey: string | null = null): MetricPoint[] {
  const root = objectAt(body, 'body');
  const points: MetricPoint[] = [];
  arrayAt(root, 'resourceMetrics', 'body').forEach((rmRaw, ri) => {
    const rw = `resourceMetrics[${ri}]`;
    const rm = objectAt(rmRaw, rw);
    const resource =
      rm.resource === undefined || rm.resource === null ? {} : objectAt(rm.resource, `${rw}.resource`);
    const resAttrs = attributes(resource.attributes, `${rw}.resource.attributes`);
    const resKey = attrKey(resAttrs);
    arrayAt(rm, 'scopeMetrics', rw).forEach((smRaw, si) => {
      const sw = `${rw}.scopeMetrics[${si}]`;
      const sm = objectAt(smRaw, sw);
      arrayAt(sm, 'metrics', sw).forEach((mRaw, mi) => {
        const mw = `${sw}.metrics[${mi}]`;
        const m = objectAt(mRaw, mw);
        if (m.name !== TOKEN_METRIC) return;
        // Claude Code reports it as a monotonic Sum; anything else under this name is not understood.
        if (!isJsonObject(m.sum)) throw new OtlpDecodeError(`${mw} (${TOKEN_METRIC}) is not a sum`);
        const temporality = temporalityOf(m.sum.aggregationTemporality, `${mw}.sum.aggregationTemporality`);
        arrayAt(m.sum, 'dataPoints', `${mw}.sum`).forEach((dpRaw, di) => {
          const dw = `${mw}.sum.dataPoints[${di}]`;
          const dp = objectAt(dpRaw, dw);
          const attrs = attributes(dp.attributes, `${dw}.attributes`);
          const type = attrs.get('type');
          if (typeof type !== 'string' || !(TOKEN_TYPES as readonly string[]).includes(type))
            throw new OtlpDecodeError(`${dw}: attribute type is not one of ${TOKEN_TYPES.join(', ')}`);
          const seriesKey = `${resKey}|${attrKey(attrs)}`;
          const startMs = nanosToMs(dp.startTimeUnixNano, `${dw}.startTimeUnixNano`);
          const timeMs = nanosToMs(dp.timeUnixNano, `${dw}.timeUnixNano`);
          points.push({
            seriesKey,
            type: type as TokenType,
            model: modelOf(attrs),
            value: pointValue(dp, dw),
            temporality,
            startMs,
            timeMs,
            dedupeKey:
              timeMs !== null ? `m|${seriesKey}|${startMs}|${timeMs}` : placeKey(batchKey, points.length),
          });
        });
      });
    });
  });
  return points;
}

function isApiRequest(record: Record<string, Json>, attrs: Map<string, string | number | boolean>): boolean {
  const body = isJsonObject(record.body) ? record.body.stringValue : undefined;
  if (body === API_REQUEST_EVENT) return true;
  const name = attrs.get('event.name');
  if (name === 'api_request' || name === API_REQUEST_EVENT) return true;
  return record.eventName === API_REQUEST_EVENT || record.eventName === 'api_request';
}

/** The machine a resource names: claude_gauge.machine (+ _id) from a satellite, else host.name. */
function machineOf(resAttrs: Map<string, string | number | boolean>): MachineName | null {
  const own = resAttrs.get(FORWARD.machine);
  const raw = typeof own === 'string' ? own : resAttrs.get('host.name');
  if (typeof raw !== 'string') return null;
  const name = raw.replace(MACHINE_NAME_CHARS, '-').slice(0, 64);
  if (name === '') return null;
  const id = resAttrs.get(FORWARD.machineId);
  return { name, id: typeof own === 'string' && typeof id === 'string' && MACHINE_ID.test(id) ? id : '' };
}

function isMachineReport(
  record: Record<string, Json>,
  attrs: Map<string, string | number | boolean>,
): boolean {
  const body = isJsonObject(record.body) ? record.body.stringValue : undefined;
  return body === FORWARD.machineEvent || attrs.get('event.name') === FORWARD.machineEvent;
}

/** A count of sessions in a report: a small non-negative integer, else 0 (a report never fails a batch). */
function sessionCount(x: string | number | boolean | undefined): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 100_000 ? n : 0;
}

/**
 * Decodes an ExportLogsServiceRequest into api_request events. Throws OtlpDecodeError on anything malformed.
 * `batchKey` as for decodeMetrics.
 */
export function decodeLogs(body: Json, batchKey: string | null = null): RequestEvent[] {
  return decodeLogRecords(body, batchKey).events;
}

/** decodeLogs, plus the satellites' reports about themselves (forwarded deliveries carry one each). */
export function decodeLogRecords(
  body: Json,
  batchKey: string | null = null,
): { events: RequestEvent[]; reports: MachineReport[] } {
  const root = objectAt(body, 'body');
  const events: RequestEvent[] = [];
  const reports: MachineReport[] = [];
  arrayAt(root, 'resourceLogs', 'body').forEach((rlRaw, ri) => {
    const rw = `resourceLogs[${ri}]`;
    const rl = objectAt(rlRaw, rw);
    const resource =
      rl.resource === undefined || rl.resource === null ? {} : objectAt(rl.resource, `${rw}.resource`);
    const resAttrs = attributes(resource.attributes, `${rw}.resource.attributes`);
    const machine = machineOf(resAttrs);
    arrayAt(rl, 'scopeLogs', rw).forEach((slRaw, si) => {
      const sw = `${rw}.scopeLogs[${si}]`;
      const sl = objectAt(slRaw, sw);
      arrayAt(sl, 'logRecords', sw).forEach((lrRaw, li) => {
        const lw = `${sw}.logRecords[${li}]`;
        const lr = objectAt(lrRaw, lw);
        const attrs = attributes(lr.attributes, `${lw}.attributes`);
        if (isMachineReport(lr, attrs)) {
          if (machine !== null)
            reports.push({
              machine,
              sessionsActive: sessionCount(attrs.get(FORWARD.sessionsActive)),
              sessionsWorking: sessionCount(attrs.get(FORWARD.sessionsWorking)),
              sentAtMs: nanosToMs(lr.timeUnixNano, `${lw}.timeUnixNano`),
            });
          return;
        }
        if (!isApiRequest(lr, attrs)) return;
        const input = tokenCount(attrs.get('input_tokens'), `${lw} input_tokens`);
        const output = tokenCount(attrs.get('output_tokens'), `${lw} output_tokens`);
        const cacheRead = tokenCount(attrs.get('cache_read_tokens'), `${lw} cache_read_tokens`);
        const cacheCreation = tokenCount(attrs.get('cache_creation_tokens'), `${lw} cache_creation_tokens`);
        // event.timestamp (ISO) is when Claude Code saw the response; the record times are fallbacks.
        const iso = attrs.get('event.timestamp');
        const isoMs = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
        const timeMs =
          Number.isFinite(isoMs) && isoMs > 0
            ? isoMs
            : (nanosToMs(lr.timeUnixNano, `${lw}.timeUnixNano`) ??
              nanosToMs(lr.observedTimeUnixNano, `${lw}.observedTimeUnixNano`));
        const session = attrs.get('session.id') ?? resAttrs.get('session.id');
        const seq = attrs.get('event.sequence');
        const dedupeKey =
          timeMs === null && seq === undefined
            ? placeKey(batchKey, events.length)
            : JSON.stringify([
                session ?? null,
                seq ?? null,
                timeMs,
                input,
                output,
                cacheRead,
                cacheCreation,
              ]).slice(0, MAX_KEY_LEN);
        const rid = attrs.get(FORWARD.responseId);
        if (rid !== undefined && (typeof rid !== 'string' || !RESPONSE_ID.test(rid)))
          throw new OtlpDecodeError(`${lw} ${FORWARD.responseId} is not 16-64 lower-case hex digits`);
        const thinking = attrs.get(FORWARD.thinking);
        events.push({
          dedupeKey,
          model: modelOf(attrs),
          timeMs,
          input,
          output,
          cacheRead,
          cacheCreation,
          responseId: rid ?? null,
          machine,
          thinking: thinking === undefined ? null : tokenCount(thinking, `${lw} ${FORWARD.thinking}`),
          sidechain: attrs.get(FORWARD.sidechain) === true,
          retracted: attrs.get(FORWARD.retracted) === true,
        });
      });
    });
  });
  return { events, reports };
}
