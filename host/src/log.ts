// The daemon's one logger. Every part logs through `Log`, pino's call shape (`log.warn(fields, msg)`), and
// what writes the lines is pino, set up once here: Fastify's own for `serve` (loggerOptions), the same for
// anything `usage` has to say (createLogger). JSON lines by default; on a terminal, one readable line per
// record (prettyLine), so `npm start` prints no raw JSON among its human lines.
// pino is not loaded before it is needed: `serve` builds the server (and so pino) while the source's cold
// start runs, and `usage` only loads it when there is something to say. Until then a DeferredLog keeps the
// records in order and hands them over.
// Nothing here imports pino or Fastify at load time: the `usage` command must not pay for them.

import type { LogLevel } from './config.js';
import { parseJsonObject } from './json.js';

/** How every part of the daemon logs: pino's methods, fields first, message second. */
export interface Log {
  debug?(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVEL_ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Records kept before the logger exists; later ones are counted and reported in one line. */
export const MAX_DEFERRED = 1000;

/**
 * A Log that keeps its records until told where they go (attach), then passes them on in order and
 * forwards everything after. Bounded: past MAX_DEFERRED records, the rest are counted, not kept. Records
 * below `min` are not kept at all (a one-shot command that only reports warnings).
 */
export class DeferredLog implements Log {
  private sink: Log | null = null;
  private pending: Array<[Level, unknown, string | undefined]> = [];
  private dropped = 0;

  constructor(private readonly min: Level = 'debug') {}

  /** Records waiting for a logger. */
  get waiting(): number {
    return this.pending.length + this.dropped;
  }

  get attached(): boolean {
    return this.sink !== null;
  }

  /** From now on everything goes to `sink`; what was kept goes there first. */
  attach(sink: Log): void {
    const pending = this.pending;
    this.pending = [];
    for (const [level, obj, msg] of pending) this.emit(sink, level, obj, msg);
    if (this.dropped > 0)
      sink.warn(
        { dropped: this.dropped },
        `${this.dropped} log records before the logger started were dropped`,
      );
    this.dropped = 0;
    this.sink = sink;
  }

  debug(obj: unknown, msg?: string): void {
    this.record('debug', obj, msg);
  }
  info(obj: unknown, msg?: string): void {
    this.record('info', obj, msg);
  }
  warn(obj: unknown, msg?: string): void {
    this.record('warn', obj, msg);
  }
  error(obj: unknown, msg?: string): void {
    this.record('error', obj, msg);
  }

  private record(level: Level, obj: unknown, msg: string | undefined): void {
    if (this.sink) this.emit(this.sink, level, obj, msg);
    else if (LEVEL_ORDER[level] < LEVEL_ORDER[this.min]) return;
    else if (this.pending.length < MAX_DEFERRED) this.pending.push([level, obj, msg]);
    else this.dropped++;
  }

  private emit(sink: Log, level: Level, obj: unknown, msg: string | undefined): void {
    if (level === 'debug') sink.debug?.(obj, msg);
    else sink[level](obj, msg);
  }
}

/** What the one logger is made from. */
export interface LoggerSettings {
  level: LogLevel;
  /** One readable line per record (a terminal) instead of JSON lines. */
  pretty: boolean;
  /** Where lines go; pino's own stdout writer when not given. */
  write?: (line: string) => void;
}

/** A destination pino writes to. */
export interface LineStream {
  write(chunk: string): void;
}

/** pino's options for these settings: Fastify's `logger` option for `serve`, createLogger's for the rest. */
export function loggerOptions(settings: LoggerSettings): { level: LogLevel; stream?: LineStream } {
  const write = settings.write ?? ((line: string) => void process.stdout.write(line));
  if (settings.pretty) return { level: settings.level, stream: prettyStream(write) };
  return settings.write ? { level: settings.level, stream: { write } } : { level: settings.level };
}

/** pino itself, made from loggerOptions, for when Fastify does not make it (`usage`, a failed start). */
export async function createLogger(options: { level: string; stream?: LineStream }): Promise<Log> {
  const { pino } = await import('pino');
  const logger: Log = options.stream ? pino(options, options.stream) : pino(options);
  return logger;
}

/**
 * Hands what `log` kept to a pino made for the purpose: when nothing else made one (a one-shot command, a
 * start that failed before Fastify existed). pino is loaded only when there is something to say. Without
 * options (a quiet daemon), the records go nowhere.
 */
export async function flushDeferred(
  log: DeferredLog,
  options: { level: string; stream?: LineStream } | false,
): Promise<void> {
  if (log.attached) return;
  if (!options || log.waiting === 0) log.attach(silentLog);
  else log.attach(await createLogger(options));
}

/** Writes each pino JSON line as a readable one (prettyLine). */
export function prettyStream(write: (line: string) => void): LineStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') write(`${prettyLine(line)}\n`);
    },
  };
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** pino's own fields, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/**
 * One pino JSON line as `12:00:01.234 WARN  message  key=value …` (local time). An error's stack follows
 * on indented lines. A line that is not pino's JSON is passed on as it is.
 */
export function prettyLine(json: string): string {
  const record = parseJsonObject(json);
  if (!record) return json;
  const time = typeof record.time === 'number' ? clockTime(record.time) : '';
  const level = (typeof record.level === 'number' && LEVEL_NAMES[record.level]) || String(record.level ?? '');
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (HEAD_FIELDS.has(key)) continue;
    if (isErrorRecord(value)) {
      fields.push(`${key}=${quoted(value.message)}`);
      if (typeof value.stack === 'string') stack = value.stack.split('\n').slice(1).join('\n');
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' ? quoted(value) : JSON.stringify(value)}`);
  }
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const head = [time, level.padEnd(5), msg].filter((p) => p !== '').join(' ');
  return `${head}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack ? `\n${stack}` : ''}`;
}

function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A string as it is when it has no spaces or quotes, else JSON-quoted. */
function quoted(s: string): string {
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

/** pino's serialised error: {type, message, stack}. */
function isErrorRecord(v: unknown): v is { message: string; stack?: unknown } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { message?: unknown }).message === 'string' &&
    typeof (v as { type?: unknown }).type === 'string'
  );
}

/** Fastify's request line without the query string: /usage/stream may carry ?token=. */
export const REQUEST_SERIALIZERS = {
  req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url?.split('?')[0] }),
};
