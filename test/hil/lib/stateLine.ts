// The one parser of the firmware's state line (firmware/core/state_line.h), used for every target: the
// virtual device's stdout, the ESP32's serial output, the wasm core's stateLine() and the simulator page.
//
//   GAUGE t=12345 phase=LIVE tach=-42.3 fuel=10.0 temp=-30.1 boost=55.0 lamps=HOT,WARN rgb=FF0000
//         model=opus-4.5 stale=0 over=0 basis=official week=63% eta=42m
//
// Keys come in a fixed order; unknown keys (appended by newer firmware) are kept in `extra` and otherwise
// ignored. Anything else on the stream (boot chatter, ESP-IDF logs) is not a state line: null.

// Keys and names are the core's own (firmware/platform/wasm/core.generated.ts, generated from the module).
import {
  DIAL_NAMES,
  type DialName,
  FUEL_BASIS_NAMES,
  type FuelBasisName,
  LAMP_PRIORITY,
  type LampName,
  PHASE_NAMES,
  type PhaseName,
  STATE_LINE_KEYS,
} from '../../../firmware/platform/wasm/core.generated.js';

export type Phase = PhaseName;
export type { DialName, LampName };

export const phases: readonly Phase[] = PHASE_NAMES;
/** Priority order, highest first, as the firmware prints them. */
export const lampNames: readonly LampName[] = LAMP_PRIORITY;
export const dialNames = DIAL_NAMES;

export interface GaugeState {
  /** Frame time, ms since the device's clock origin (uint32, wraps). */
  t: number;
  phase: Phase;
  /** Needle angles, degrees clockwise from 12 o'clock. */
  tach: number;
  fuel: number;
  temp: number;
  boost: number;
  /** Active lamps (logical, not blink phase), in priority order. */
  lamps: LampName[];
  /** RGB LED colour now, RRGGBB upper-case. */
  rgb: string;
  /** Shortened model readout; '' when the device shows none. */
  model: string;
  stale: boolean;
  over: boolean;
  /** What the fuel gauge shows: the account's official figure or the daemon's estimate. */
  basis: FuelBasisName;
  /** The weekly readout's percentage as printed, e.g. `63%`; `--` when none has arrived. */
  week: string;
  /** The pace readout: minutes to full (`42m`, `0m` = full now), `lasts`, or `--` when unknown. */
  eta: string;
  /** Keys this parser does not know, verbatim. */
  extra: Record<string, string>;
  /** The line as received (trimmed). */
  raw: string;
}

export class StateLineError extends Error {
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(`${message}: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`);
    this.name = 'StateLineError';
  }
}

/** Values quoted in errors are cut: a garbage line must not produce a 10 kB message. */
const clip = (v: string) => (v.length > 40 ? `${v.slice(0, 40)}…` : v);

const knownKeys: ReadonlySet<string> = new Set(STATE_LINE_KEYS);
const angle = /^-?\d+\.\d$/;

/** True when the line is meant to be a state line (starts with the GAUGE tag), well-formed or not. */
export function isStateLine(line: string): boolean {
  const s = stripNoise(line);
  return s === 'GAUGE' || s.startsWith('GAUGE ');
}

/**
 * Parses one state line. Returns null for lines that are not state lines at all; throws StateLineError for
 * a line tagged GAUGE that breaks the grammar (a torn serial line, a firmware bug): never a half-filled state.
 */
export function parseStateLine(line: string): GaugeState | null {
  const s = stripNoise(line);
  if (!isStateLine(s)) return null;
  const fields = new Map<string, string>();
  const extra: Record<string, string> = {};
  for (const token of s.slice('GAUGE'.length).split(' ')) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq <= 0) throw new StateLineError(`token "${token.slice(0, 40)}" is not key=value`, s);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (fields.has(key) || key in extra) throw new StateLineError(`key ${clip(key)} repeated`, s);
    if (knownKeys.has(key)) fields.set(key, value);
    else extra[key] = value;
  }
  const need = (key: string): string => {
    const v = fields.get(key);
    if (v === undefined) throw new StateLineError(`missing ${key}`, s);
    return v;
  };
  const t = need('t');
  if (!/^\d{1,10}$/.test(t) || Number(t) > 0xffffffff) throw new StateLineError(`bad t=${clip(t)}`, s);
  const phase = need('phase');
  if (!phases.includes(phase as Phase)) throw new StateLineError(`bad phase=${clip(phase)}`, s);
  const dial = (key: DialName): number => {
    const v = need(key);
    if (!angle.test(v)) throw new StateLineError(`bad ${key}=${clip(v)}`, s);
    return Number(v);
  };
  const lampsRaw = need('lamps');
  const lamps: LampName[] = [];
  if (lampsRaw !== '-') {
    for (const name of lampsRaw.split(',')) {
      if (!lampNames.includes(name as LampName)) throw new StateLineError(`bad lamp ${clip(name)}`, s);
      if (lamps.includes(name as LampName)) throw new StateLineError(`lamp ${name} repeated`, s);
      lamps.push(name as LampName);
    }
  }
  const rgb = need('rgb');
  if (!/^[0-9A-F]{6}$/.test(rgb)) throw new StateLineError(`bad rgb=${clip(rgb)}`, s);
  const model = need('model');
  const flag = (key: string): boolean => {
    const v = need(key);
    if (v !== '0' && v !== '1') throw new StateLineError(`bad ${key}=${clip(v)}`, s);
    return v === '1';
  };
  const basis = need('basis');
  if (!FUEL_BASIS_NAMES.includes(basis as FuelBasisName))
    throw new StateLineError(`bad basis=${clip(basis)}`, s);
  const week = need('week');
  if (!/^(\d{1,3}%|--)$/.test(week)) throw new StateLineError(`bad week=${clip(week)}`, s);
  const eta = need('eta');
  if (!/^(\d{1,5}m|lasts|--)$/.test(eta)) throw new StateLineError(`bad eta=${clip(eta)}`, s);
  return {
    t: Number(t),
    phase: phase as Phase,
    tach: dial('tach'),
    fuel: dial('fuel'),
    temp: dial('temp'),
    boost: dial('boost'),
    lamps,
    rgb,
    model: model === '-' ? '' : model,
    stale: flag('stale'),
    over: flag('over'),
    basis: basis as FuelBasisName,
    week,
    eta,
    extra,
    raw: s,
  };
}

/** Serial lines may carry CR, a stray NUL from a reset, or ANSI colour from ESP-IDF logs around them. */
function stripNoise(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes removed here
  const ansi = /\u001b\[[0-9;]*m/g;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and CR are the noise removed here
  const nulCr = /[\u0000\r]/g;
  return line.replace(ansi, '').replace(nulCr, '').trim();
}

/** Splits a byte stream into lines; keeps the unterminated tail for the next chunk. */
export class LineSplitter {
  private tail = '';
  /** Longest line kept; a device spewing garbage without newlines must not grow memory without bound. */
  constructor(private readonly maxLine = 4096) {}

  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split('\n');
    this.tail = parts.pop() ?? '';
    if (this.tail.length > this.maxLine) this.tail = '';
    return parts;
  }

  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest ? [rest] : [];
  }
}

/** Compact, human-readable form of a state for reports and diffs. */
export function formatState(s: GaugeState): string {
  return `${s.phase} tach=${s.tach.toFixed(1)} fuel=${s.fuel.toFixed(1)} temp=${s.temp.toFixed(1)} boost=${s.boost.toFixed(1)} lamps=${s.lamps.join(',') || '-'} model=${s.model || '-'}${s.stale ? ' stale' : ''}${s.over ? ' over' : ''} basis=${s.basis} week=${s.week} eta=${s.eta}`;
}
