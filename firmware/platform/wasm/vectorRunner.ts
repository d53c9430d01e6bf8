// The wasm runner of the shared test vectors (test/vectors/*.jsonc; format in test/vectors/README.md): the
// ONE TypeScript implementation of what a vector step means. It mirrors the native runner
// (firmware/platform/native/vector_runner.cpp) step for step: same core calls, same output lines, same error
// messages (test/firmware/parity.test.ts holds them to it). It serves both TS users:
//
//   - the vitest tests: runVector() runs a file to the end and checks its `expect`s and `rec`s;
//   - the simulator's scenario player (simulator/src/scenario.ts): parseVector() + VectorPlayer, which can
//     stop at any time (even inside a serve_* loop) and resume, so the page can play a vector in real time.
//
// No Node-only imports: the simulator bundles this file.
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { GaugeCore, type PayloadResult, type PollOutcomeName } from './gaugeCore.js';
import { STATE_LINE_KEYS } from './stateLineKeys.js';

/** A malformed vector file; the message is the native runner's. */
class VectorError extends Error {}

const MAX_AT = Number.MAX_SAFE_INTEGER;
const MAX_LOOP_ITERATIONS = 200_000;
const ACTIONS = [
  'boot',
  'tick',
  'payload',
  'body',
  'fail',
  'update',
  'serve_payload',
  'serve_body',
  'serve_fail',
  'serve_none',
] as const;
type ActionName = (typeof ACTIONS)[number];
const STEP_KEYS = new Set(['at', 'until', 'every', 'expect', 'rec', 'note']);
const LINE_KEYS: ReadonlySet<string> = new Set(STATE_LINE_KEYS);
const NEEDLE_KEYS = new Set(['tach', 'fuel', 'temp', 'boost']);
const OUT_KEYS = new Set(['action', 'outcome', 'status', 'report', 'requests']);

/** What a well-formed step does (its action, validated). */
export type StepAction =
  | { kind: 'boot' }
  | { kind: 'tick' }
  | { kind: 'update' }
  /** `body`, and `payload` serialised. */
  | { kind: 'body'; body: string }
  | { kind: 'fail'; outcome: PollOutcomeName }
  | {
      kind: 'serve';
      /** What answers a request: the body, the failure, or nothing (serve_none). */
      serve: 'body' | 'fail' | 'none';
      body: string;
      outcome: PollOutcomeName;
      until: number;
      every: number;
    };

export interface VectorStep {
  at: number;
  /** `step I (at MS)`: how every message about this step starts. */
  where: string;
  action: StepAction;
  /** The step as written: its `expect` and `rec` are checked after it ran (checkStep). */
  raw: Readonly<Record<string, unknown>>;
}

export interface ParsedVector {
  description: string;
  /** Every step, or when the file is malformed the steps before the fault (the native runner runs those). */
  steps: VectorStep[];
  /** Why the file is malformed, or null. */
  error: string | null;
}

export interface VectorResult {
  /** One line per step: what the step did (a state line for `update`). */
  outputs: string[];
  /** Failed checks, each naming its step. */
  failures: string[];
  /** The file itself is malformed (then outputs stop at the bad step). */
  error: string | null;
  checks: number;
}

/** Parses a vector file's text: JSON with comments, no trailing commas (like nlohmann's ignore_comments). */
export function parseVectorText(text: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { disallowComments: false, allowTrailingComma: false });
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    throw new VectorError(
      `not valid JSON with comments: ${printParseErrorCode(e.error)} at offset ${e.offset}`,
    );
  }
  return value;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function readAt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_AT) return v;
  throw new VectorError(`${what} must be an integer number of ms in 0..2^53-1`);
}

/**
 * Parses and validates a vector with the native runner's rules and messages. `outcomes` are the core's
 * poll outcome names (GaugeCore.pollOutcomes): a failure step may name any of them but `ok`. Never throws
 * on a bad file: the fault is in `error`, the steps before it in `steps`.
 */
export function parseVector(text: string, outcomes: readonly string[]): ParsedVector {
  const result: ParsedVector = { description: '', steps: [], error: null };
  const failureOutcome = (v: unknown): PollOutcomeName => {
    if (typeof v === 'string' && v !== 'ok' && outcomes.includes(v)) return v as PollOutcomeName;
    throw new VectorError(
      'fail/serve_fail must name a failure outcome (http_error, timeout, connect_failed, bad_body, ' +
        `rejected, unauthorized), got ${JSON.stringify(v)}`,
    );
  };
  try {
    const doc = parseVectorText(text);
    if (!isObject(doc)) throw new VectorError('the top level must be an object');
    for (const key of Object.keys(doc)) {
      if (key !== 'description' && key !== 'steps') throw new VectorError(`unknown top-level key "${key}"`);
    }
    if (typeof doc.description === 'string') result.description = doc.description;
    const steps = doc.steps;
    if (!Array.isArray(steps) || steps.length === 0)
      throw new VectorError('"steps" must be a non-empty array');

    let clock = 0;
    for (const [i, step] of steps.entries()) {
      const where0 = `step ${i}`;
      if (!isObject(step)) throw new VectorError(`${where0}: must be an object`);
      let name: ActionName | null = null;
      for (const key of Object.keys(step)) {
        if ((ACTIONS as readonly string[]).includes(key)) {
          if (name !== null) throw new VectorError(`${where0}: more than one action`);
          name = key as ActionName;
        } else if (!STEP_KEYS.has(key)) {
          throw new VectorError(`${where0}: unknown key "${key}"`);
        }
      }
      if (name === null) throw new VectorError(`${where0}: no action`);
      if (!('at' in step)) throw new VectorError(`${where0}: no "at"`);
      const at = readAt(step.at, 'at');
      if (at < clock) throw new VectorError(`${where0}: "at" goes back in time`);
      const where = `${where0} (at ${at})`;
      const serve = name.startsWith('serve_');
      if (!serve && ('until' in step || 'every' in step)) {
        throw new VectorError(`${where}: until/every belong to serve_* steps`);
      }
      if (['boot', 'tick', 'update', 'serve_none'].includes(name) && step[name] !== true) {
        throw new VectorError(`${where}: "${name}" must be true`);
      }
      clock = at;
      let action: StepAction;
      switch (name) {
        case 'boot':
        case 'tick':
        case 'update':
          action = { kind: name };
          break;
        case 'payload':
          action = { kind: 'body', body: JSON.stringify(step.payload) };
          break;
        case 'body':
          if (typeof step.body !== 'string') throw new VectorError(`${where}: body must be a string`);
          action = { kind: 'body', body: step.body };
          break;
        case 'fail':
          action = { kind: 'fail', outcome: failureOutcome(step.fail) };
          break;
        default: {
          if (!('until' in step)) throw new VectorError(`${where}: serve steps need "until"`);
          const until = readAt(step.until, 'until');
          const every = 'every' in step ? readAt(step.every, 'every') : 100;
          if (until < at || every === 0 || Math.floor((until - at) / every) + 1 > MAX_LOOP_ITERATIONS) {
            throw new VectorError(`${where}: need until >= at, every >= 1 and at most 200000 iterations`);
          }
          let body = '';
          let outcome: PollOutcomeName = 'timeout';
          if (name === 'serve_body') {
            if (typeof step.serve_body !== 'string')
              throw new VectorError(`${where}: serve_body must be a string`);
            body = step.serve_body;
          } else if (name === 'serve_payload') {
            body = JSON.stringify(step.serve_payload);
          } else if (name === 'serve_fail') {
            outcome = failureOutcome(step.serve_fail);
          }
          const answer = name === 'serve_fail' ? 'fail' : name === 'serve_none' ? 'none' : 'body';
          action = { kind: 'serve', serve: answer, body, outcome, until, every };
          clock = until;
        }
      }
      result.steps.push({ at, where, action, raw: step });
    }
  } catch (e) {
    if (!(e instanceof VectorError)) throw e;
    result.error = e.message;
  }
  return result;
}

/** The native glue's formatBodyResult(). */
export function bodyOutput(r: PayloadResult): string {
  if (r.outcome === 'bad_body' || r.status === null || r.report === null) return `outcome=${r.outcome}`;
  const p = r.report;
  return `outcome=${r.outcome} status=${r.status} report=${p.present}/${p.accepted}/${p.defaulted}/${p.clamped}/${p.truncated}`;
}

export interface VectorPlayerHooks {
  /** A body the core accepted (outcome ok), at its vector time. */
  onAccepted?(at: number, body: string): void;
  /** After each step, with its output line and the state line after it; may throw to stop. */
  onStep?(step: VectorStep, out: string, line: string): void;
}

/**
 * Runs steps against a core with the native runner's exact calls, up to any time and on from there: a
 * serve_* loop can stop between two iterations. Times go to the core as they are; it takes them modulo
 * 2^32 like the device's millis().
 */
export class VectorPlayer {
  /** Steps completed. */
  index = 0;
  /** Next loop time inside the current serve step, or null when not inside one. */
  private loopT: number | null = null;
  private requests = 0;
  private last = 'outcome=-';
  /** Per completed step: its output line, and the state line after it. */
  readonly outputs: string[] = [];
  readonly lines: string[] = [];
  /** Time of the latest core call. */
  clock = 0;

  constructor(
    private readonly core: GaugeCore,
    private readonly steps: readonly VectorStep[],
    private readonly hooks: VectorPlayerHooks = {},
  ) {}

  get stepCount(): number {
    return this.steps.length;
  }

  get done(): boolean {
    return this.index >= this.steps.length;
  }

  /** The time of the last step's last core call. */
  get endTime(): number {
    const last = this.steps[this.steps.length - 1];
    if (last === undefined) return 0;
    return last.action.kind === 'serve' ? last.action.until : last.at;
  }

  /** Executes every step (and serve iteration) at or before `t`. */
  runUntil(t: number): void {
    while (!this.done) {
      const step = this.steps[this.index] as VectorStep;
      if (this.loopT === null && step.at > t) return;
      const a = step.action;
      if (a.kind !== 'serve') {
        this.finish(step, this.runSimple(step.at, a));
        continue;
      }
      // serve_*: tick and answer every request at once, update every `every` ms, until `until`.
      if (this.loopT === null) {
        this.loopT = step.at;
        this.requests = 0;
        this.last = 'outcome=-';
      }
      while (this.loopT <= a.until && this.loopT <= t) {
        const tn = this.loopT;
        if (this.core.pollTick(tn)) {
          this.requests++;
          if (a.serve === 'body') this.last = this.applyBody(tn, a.body);
          else if (a.serve === 'fail') {
            this.core.pollResult(tn, a.outcome);
            this.last = `outcome=${a.outcome}`;
          }
        }
        this.core.update(tn);
        this.clock = tn;
        this.loopT += a.every;
      }
      if (this.loopT <= a.until) return; // paused inside the loop
      this.loopT = null;
      this.clock = Math.max(this.clock, a.until);
      this.finish(step, `serve requests=${this.requests} ${this.last}`);
    }
  }

  /**
   * What the simulator shows at `t`, playing or frozen: every step (and serve iteration) up to `t` (at most the
   * end), then one update at that time, or at the latest call's if that is later (none before the first step).
   * Returns the time shown.
   */
  showAt(t: number): number {
    const target = Math.min(t, this.endTime);
    this.runUntil(target);
    const shown = Math.max(target, this.clock);
    if (this.index > 0) this.core.update(shown);
    return shown;
  }

  private finish(step: VectorStep, out: string): void {
    const line = this.core.stateLine();
    this.outputs.push(out);
    this.lines.push(line);
    this.index++;
    this.hooks.onStep?.(step, out, line);
  }

  private applyBody(at: number, body: string): string {
    const result = this.core.applyPayloadJson(at, body);
    if (result.outcome === 'ok') this.hooks.onAccepted?.(at, body);
    return bodyOutput(result);
  }

  private runSimple(at: number, action: Exclude<StepAction, { kind: 'serve' }>): string {
    this.clock = at;
    switch (action.kind) {
      case 'boot':
        this.core.boot(at);
        return 'boot';
      case 'tick':
        return this.core.pollTick(at) ? 'tick action=start' : 'tick action=none';
      case 'update':
        this.core.update(at);
        return this.core.stateLine();
      case 'body':
        return `body ${this.applyBody(at, action.body)}`;
      case 'fail':
        this.core.pollResult(at, action.outcome);
        return `fail outcome=${action.outcome}`;
    }
  }
}

function tokenValue(line: string, key: string): string | undefined {
  for (const tok of line.split(/\s+/)) {
    if (tok.startsWith(`${key}=`)) return tok.slice(key.length + 1);
  }
  return undefined;
}

function expectedText(v: unknown, key: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  throw new VectorError(`expect.${key} must be a string, an integer or a boolean`);
}

function checkExpect(expect: unknown, out: string, line: string, where: string, result: VectorResult): void {
  if (!isObject(expect)) throw new VectorError(`${where}: expect must be an object`);
  let tolerance = 0;
  if ('tolerance' in expect) {
    const t = expect.tolerance;
    if (typeof t !== 'number' || !(t >= 0)) throw new VectorError(`${where}: tolerance must be >= 0`);
    tolerance = t;
  }
  for (const [key, want] of Object.entries(expect)) {
    if (key === 'tolerance') continue;
    result.checks++;
    if (key === 'line' || key === 'out') {
      if (typeof want !== 'string') throw new VectorError(`${where}: expect.${key} must be a string`);
      const got = key === 'line' ? line : out;
      if (got !== want) result.failures.push(`${where}: ${key} expected "${want}" got "${got}"`);
      continue;
    }
    const inLine = LINE_KEYS.has(key);
    if (!inLine && !OUT_KEYS.has(key)) throw new VectorError(`${where}: unknown expect key "${key}"`);
    const source = inLine ? line : out;
    const got = tokenValue(source, key);
    if (got === undefined) {
      result.failures.push(`${where}: ${key} not in "${source}"`);
      continue;
    }
    if (NEEDLE_KEYS.has(key)) {
      if (typeof want !== 'number')
        throw new VectorError(`${where}: expect.${key} must be a number (degrees)`);
      const g = Number.parseFloat(got);
      if (Number.isNaN(g) || Math.abs(g - want) > tolerance + 1e-9) {
        result.failures.push(
          `${where}: ${key} expected ${want.toFixed(1)} (tolerance ${tolerance.toFixed(1)}) got ${got}`,
        );
      }
      continue;
    }
    const w = expectedText(want, key);
    if (got !== w) result.failures.push(`${where}: ${key} expected ${w} got ${got}`);
  }
}

/** Checks a step's `expect` and `rec` against its output and the state line after it (into `result`). */
function checkStep(step: VectorStep, out: string, line: string, result: VectorResult): void {
  const { raw, where } = step;
  if ('expect' in raw) checkExpect(raw.expect, out, line, where, result);
  if ('rec' in raw) {
    result.checks++;
    if (typeof raw.rec !== 'string') throw new VectorError(`${where}: rec must be a string`);
    if (raw.rec !== out) result.failures.push(`${where}: recorded "${raw.rec}" got "${out}"`);
  }
}

/** Runs one vector file's text on a fresh core (compiled module shared, device new) and checks it. */
export async function runVector(module: WebAssembly.Module, text: string): Promise<VectorResult> {
  const result: VectorResult = { outputs: [], failures: [], error: null, checks: 0 };
  const core = await GaugeCore.load(module);
  const parsed = parseVector(text, core.pollOutcomes);
  const player = new VectorPlayer(core, parsed.steps, {
    onStep: (step, out, line) => checkStep(step, out, line, result),
  });
  try {
    // The well-formed steps run (and are checked) before the fault is reported, as natively.
    player.runUntil(Number.POSITIVE_INFINITY);
    result.error = parsed.error;
  } catch (e) {
    if (!(e instanceof VectorError)) throw e;
    result.error = e.message;
  }
  result.outputs = player.outputs;
  return result;
}
