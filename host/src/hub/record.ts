// The forwarded record: one API response a satellite counted, as it travels to the hub (docs/hub.md).
// On the wire it is an OTLP/HTTP JSON log record shaped like Claude Code's own `claude_code.api_request`
// event (model, the four token counts, event.timestamp), so a collector can stand between the two and the
// hub's receiver decodes it with the code that decodes Claude Code's events (sources/otlp/decode.ts). A
// few `claude_gauge.*` attributes make it exact: a stable id per response (a hash of the message and
// request ids the ledger dedupes on: no id leaves the machine), the thinking estimate, the sidechain flag.
// The resource names the machine (its name, and 8 hex digits telling apart two of one name); nothing else
// about it. Every delivery also carries one `claude_gauge.machine` record: the live-session counts and the
// send time (the hub's clock-offset estimate).

import { createHash } from 'node:crypto';
import { FORWARD, type MachineName } from '../sources/otlp/decode.js';
import { VERSION } from '../version.js';

/**
 * History a hub counts with, and a satellite reads back and keeps to send again: the union of machines is
 * exact when they all paused for more than 5 h together at some point within it (docs/hub.md, "Limits").
 */
export const HUB_HISTORY_MS = 24 * 3_600_000;

/** One response as forwarded. Token counts are integers; `id` is 32 lower-case hex digits. */
export interface ForwardRecord {
  id: string;
  /** The response's own timestamp (the transcript line's), epoch ms. */
  ts: number;
  model: string | null;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** Estimated thinking tokens (host/src/sources/jsonl/ledger.ts `estimateThinking`), 0..output. */
  thinking: number;
  sidechain: boolean;
  /** Takes back what was sent under `id` (the satellite's kept copy of that response changed ids). */
  retracted?: boolean;
}

/** What a delivery says about the machine itself. */
export interface MachineState {
  sessionsActive: number;
  sessionsWorking: number;
}

const hex = (text: string, chars: number) => createHash('sha256').update(text).digest('hex').slice(0, chars);

/**
 * The stable id of a response with a message id: a hash of (message.id, requestId), the ledger's dedupe
 * key, so the same response read on two machines (a synced ~/.claude) has one id. 128 bits: never a
 * collision in practice, and not reversible to the ids.
 */
export function responseIdOf(messageId: string, requestId: string | null): string {
  return hex(`claude-gauge/response\u0000${messageId}\u0000${requestId ?? ''}`, 32);
}

/**
 * The id of a response without a message id (never deduped, as in ccusage): its machine, its values and
 * which of the identical ones it is. Two machines with a copy of such a line count it twice, as ccusage
 * does on the union of their transcripts.
 */
export function anonymousResponseIdOf(machineId: string, values: string, nth: number): string {
  return hex(`claude-gauge/anonymous\u0000${machineId}\u0000${values}\u0000${nth}`, 32);
}

/**
 * A machine's id: 8 hex digits of a hash of the host name, the machine name and its claude dirs, so two
 * daemons on one host reading different dirs are two machines, and nothing about either can be read back.
 */
export function machineIdOf(host: string, name: string, claudeDirs: readonly string[]): string {
  return hex(
    `claude-gauge/machine\u0000${host}\u0000${name}\u0000${[...claudeDirs].sort().join('\u0000')}`,
    8,
  );
}

type KeyValue = { key: string; value: Record<string, unknown> };
const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
// OTLP JSON writes int64 as decimal strings.
const int = (key: string, v: number): KeyValue => ({ key, value: { intValue: String(Math.round(v)) } });
const bool = (key: string, v: boolean): KeyValue => ({ key, value: { boolValue: v } });
const nanos = (ms: number) => `${Math.round(ms)}000000`;

function logRecord(r: ForwardRecord): Record<string, unknown> {
  const attributes: KeyValue[] = [
    str('event.name', 'api_request'),
    str('event.timestamp', new Date(r.ts).toISOString()),
    str(FORWARD.responseId, r.id),
    int('input_tokens', r.input),
    int('output_tokens', r.output),
    int('cache_read_tokens', r.cacheRead),
    int('cache_creation_tokens', r.cacheCreation),
    int(FORWARD.thinking, r.thinking),
  ];
  if (r.model !== null) attributes.push(str('model', r.model));
  if (r.sidechain) attributes.push(bool(FORWARD.sidechain, true));
  if (r.retracted) attributes.push(bool(FORWARD.retracted, true));
  return {
    timeUnixNano: nanos(r.ts),
    observedTimeUnixNano: nanos(r.ts),
    severityNumber: 9,
    body: { stringValue: 'claude_code.api_request' },
    attributes,
  };
}

/**
 * One delivery: an ExportLogsServiceRequest with the records and the machine's report, sent at `sentAtMs`
 * (the satellite's clock).
 */
export function encodeDelivery(
  records: readonly ForwardRecord[],
  machine: MachineName,
  state: MachineState,
  sentAtMs: number,
): Record<string, unknown> {
  const report = {
    timeUnixNano: nanos(sentAtMs),
    observedTimeUnixNano: nanos(sentAtMs),
    severityNumber: 9,
    body: { stringValue: FORWARD.machineEvent },
    attributes: [
      str('event.name', FORWARD.machineEvent),
      int(FORWARD.sessionsActive, state.sessionsActive),
      int(FORWARD.sessionsWorking, state.sessionsWorking),
    ],
  };
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            str('service.name', 'claude-gauge'),
            str('service.version', VERSION),
            str(FORWARD.machine, machine.name),
            str(FORWARD.machineId, machine.id),
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'claude-gauge.forward', version: '1' },
            logRecords: [...records.map(logRecord), report],
          },
        ],
      },
    ],
  };
}

/** The spool's line for a record (compact: the spool is bounded in bytes). */
export function spoolLine(r: ForwardRecord): string {
  const flags = (r.sidechain ? 1 : 0) | (r.retracted ? 2 : 0);
  return JSON.stringify([
    r.id,
    r.ts,
    r.model,
    r.input,
    r.output,
    r.cacheRead,
    r.cacheCreation,
    r.thinking,
    flags,
  ]);
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** A spool line back to its record, or null when the line is not one (a torn write, another version). */
export function fromSpoolLine(line: string): ForwardRecord | null {
  let a: unknown;
  try {
    a = JSON.parse(line);
  } catch {
    return null;
  }
  if (!Array.isArray(a) || a.length !== 9) return null;
  const [id, ts, model, input, output, cacheRead, cacheCreation, thinking, flags] = a as unknown[];
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) return null;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || !(model === null || typeof model === 'string'))
    return null;
  if (![input, output, cacheRead, cacheCreation, thinking, flags].every(isCount)) return null;
  const f = flags as number;
  return {
    id,
    ts,
    model: model as string | null,
    input: input as number,
    output: output as number,
    cacheRead: cacheRead as number,
    cacheCreation: cacheCreation as number,
    thinking: thinking as number,
    sidechain: (f & 1) !== 0,
    ...((f & 2) !== 0 ? { retracted: true } : {}),
  };
}
