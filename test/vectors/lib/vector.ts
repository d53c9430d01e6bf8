// The one checker of the shared test vectors (test/vectors/*.jsonc; format in test/vectors/README.md): it
// parses and validates a file, hands the steps to a build that runs them (a StepRunner: the native
// vector-runner, firmware/platform/native/vector_runner.cpp, or the wasm VectorPlayer,
// firmware/platform/wasm/vectorRunner.ts), turns what each step did into its output line, and checks every
// `expect` and `rec`. The builds only run steps and report what happened; everything else is here, once.
//
// Used by `make -C firmware vectors` (test/vectors/run.mjs), the vitest tests (test/firmware/) and the
// simulator's vector player (simulator/src/vectorPlay.ts), so: no Node-only imports.
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import {
  DIAL_NAMES,
  POLL_OUTCOMES,
  type PollOutcomeName,
  STATE_LINE_KEYS,
} from '../../../firmware/platform/wasm/core.generated.js';
import type { DecodeReport } from '../../../firmware/platform/wasm/gaugeCore.js';

/** A malformed vector file. */
export class VectorError extends Error {}

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
const NEEDLE_KEYS: ReadonlySet<string> = new Set(DIAL_NAMES);
const OUT_KEYS = new Set(['action', 'outcome', 'status', 'report', 'requests']);
const FAILURES = POLL_OUTCOMES.filter((o) => o !== 'ok');

/** What a well-formed step does. */
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

/** A step's hand-checked expectations, validated. */
export interface Expectation {
  tolerance: number;
  /** key -> wanted value: a number of degrees for the needles, text for everything else. */
  checks: [key: string, want: string | number][];
}

export interface VectorStep {
  at: number;
  /** `step I (at MS)`: how every message about this step starts. */
  where: string;
  action: StepAction;
  expect: Expectation | null;
  /** The recorded output line, or null. */
  rec: string | null;
}

export interface ParsedVector {
  description: string;
  /** Every step, or when the file is malformed the steps before the fault (they still run). */
  steps: VectorStep[];
  /** Why the file is malformed, or null. */
  error: string | null;
}

// ---- What the builds report --------------------------------------------------------------------------------

export type { DecodeReport };

/** A device's verdict on one response body (gauge::BodyVerdict). */
export interface BodyVerdict {
  outcome: 'ok' | 'bad_body' | 'rejected';
  /** The decoder's status; null when the body never reached the decoder (bad_body). */
  status: string | null;
  report: DecodeReport | null;
}

/** What one step did on a build. */
export type StepEffect =
  | { kind: 'boot' }
  | { kind: 'tick'; start: boolean }
  | { kind: 'update' }
  | { kind: 'body'; verdict: BodyVerdict }
  | { kind: 'fail'; outcome: string }
  | {
      kind: 'serve';
      requests: number;
      /** The last request's answer: a body's verdict, a failure, or null when none was answered. */
      last: BodyVerdict | { outcome: string } | null;
    };

/** One step's effect and the state line after it. */
export interface StepRecord {
  effect: StepEffect;
  line: string;
}

/** A build that runs steps: every step in order, on a fresh device, one record per step. */
export interface StepRunner {
  run(steps: readonly VectorStep[]): Promise<StepRecord[]> | StepRecord[];
}

export interface VectorResult {
  /** One line per step run: what the step did (a state line for `update`). */
  outputs: string[];
  /** Failed checks, each naming its step. */
  failures: string[];
  /** The file itself is malformed (then outputs stop before the bad step). */
  error: string | null;
  checks: number;
}

// ---- Parsing -------------------------------------------------------------------------------------------------

/** Parses a vector file's text: JSON with comments, no trailing commas. */
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

function failureOutcome(v: unknown): PollOutcomeName {
  if (typeof v === 'string' && (FAILURES as readonly string[]).includes(v)) return v as PollOutcomeName;
  throw new VectorError(
    `fail/serve_fail must name a failure outcome (${FAILURES.join(', ')}), got ${JSON.stringify(v)}`,
  );
}

function parseExpect(v: unknown, where: string): Expectation {
  if (!isObject(v)) throw new VectorError(`${where}: expect must be an object`);
  let tolerance = 0;
  if ('tolerance' in v) {
    const t = v.tolerance;
    if (typeof t !== 'number' || !(t >= 0)) throw new VectorError(`${where}: tolerance must be >= 0`);
    tolerance = t;
  }
  const checks: Expectation['checks'] = [];
  for (const [key, want] of Object.entries(v)) {
    if (key === 'tolerance') continue;
    if (key === 'line' || key === 'out') {
      if (typeof want !== 'string') throw new VectorError(`${where}: expect.${key} must be a string`);
      checks.push([key, want]);
      continue;
    }
    if (!LINE_KEYS.has(key) && !OUT_KEYS.has(key))
      throw new VectorError(`${where}: unknown expect key "${key}"`);
    if (NEEDLE_KEYS.has(key)) {
      if (typeof want !== 'number')
        throw new VectorError(`${where}: expect.${key} must be a number (degrees)`);
      checks.push([key, want]);
    } else if (typeof want === 'string') {
      checks.push([key, want]);
    } else if (typeof want === 'boolean') {
      checks.push([key, want ? '1' : '0']);
    } else if (typeof want === 'number' && Number.isInteger(want)) {
      checks.push([key, String(want)]);
    } else {
      throw new VectorError(`${where}: expect.${key} must be a string, an integer or a boolean`);
    }
  }
  return { tolerance, checks };
}

/** Parses and validates a vector. Never throws on a bad file: the fault is in `error`, the steps before it in `steps`. */
export function parseVector(text: string): ParsedVector {
  const result: ParsedVector = { description: '', steps: [], error: null };
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
      const expect = 'expect' in step ? parseExpect(step.expect, where) : null;
      if ('rec' in step && typeof step.rec !== 'string')
        throw new VectorError(`${where}: rec must be a string`);
      const rec = typeof step.rec === 'string' ? step.rec : null;
      result.steps.push({ at, where, action, expect, rec });
    }
  } catch (e) {
    if (!(e instanceof VectorError)) throw e;
    result.error = e.message;
  }
  return result;
}

// ---- Output lines ------------------------------------------------------------------------------------------

function verdictText(v: BodyVerdict): string {
  if (v.outcome === 'bad_body' || v.status === null || v.report === null) return `outcome=${v.outcome}`;
  const p = v.report;
  return `outcome=${v.outcome} status=${v.status} report=${p.present}/${p.accepted}/${p.defaulted}/${p.clamped}/${p.truncated}`;
}

/** The output line of a step (what `rec` records): see the table in test/vectors/README.md. */
export function stepOutput(r: StepRecord): string {
  const e = r.effect;
  switch (e.kind) {
    case 'boot':
      return 'boot';
    case 'tick':
      return e.start ? 'tick action=start' : 'tick action=none';
    case 'update':
      return r.line;
    case 'body':
      return `body ${verdictText(e.verdict)}`;
    case 'fail':
      return `fail outcome=${e.outcome}`;
    case 'serve': {
      const last =
        e.last === null
          ? 'outcome=-'
          : 'report' in e.last
            ? verdictText(e.last)
            : `outcome=${e.last.outcome}`;
      return `serve requests=${e.requests} ${last}`;
    }
  }
}

// ---- Checking ----------------------------------------------------------------------------------------------

function tokenValue(line: string, key: string): string | undefined {
  for (const tok of line.split(/\s+/)) {
    if (tok.startsWith(`${key}=`)) return tok.slice(key.length + 1);
  }
  return undefined;
}

/** Checks a step's `expect` and `rec` against its output and the state line after it (into `result`). */
export function checkStep(step: VectorStep, out: string, line: string, result: VectorResult): void {
  const { where } = step;
  for (const [key, want] of step.expect?.checks ?? []) {
    result.checks++;
    if (key === 'line' || key === 'out') {
      const got = key === 'line' ? line : out;
      if (got !== want) result.failures.push(`${where}: ${key} expected "${want}" got "${got}"`);
      continue;
    }
    const source = LINE_KEYS.has(key) ? line : out;
    const got = tokenValue(source, key);
    if (got === undefined) {
      result.failures.push(`${where}: ${key} not in "${source}"`);
      continue;
    }
    if (typeof want === 'number') {
      const tolerance = step.expect?.tolerance ?? 0;
      const g = Number.parseFloat(got);
      if (Number.isNaN(g) || Math.abs(g - want) > tolerance + 1e-9) {
        result.failures.push(
          `${where}: ${key} expected ${want.toFixed(1)} (tolerance ${tolerance.toFixed(1)}) got ${got}`,
        );
      }
      continue;
    }
    if (got !== want) result.failures.push(`${where}: ${key} expected ${want} got ${got}`);
  }
  if (step.rec !== null) {
    result.checks++;
    if (step.rec !== out) result.failures.push(`${where}: recorded "${step.rec}" got "${out}"`);
  }
}

/** Parses a vector, runs its (well-formed) steps on `runner`, and checks every step. */
export async function checkVector(text: string, runner: StepRunner): Promise<VectorResult> {
  const parsed = parseVector(text);
  const result: VectorResult = { outputs: [], failures: [], error: parsed.error, checks: 0 };
  if (parsed.steps.length === 0) return result;
  const records = await runner.run(parsed.steps);
  if (records.length !== parsed.steps.length) {
    throw new Error(`the build ran ${records.length} of ${parsed.steps.length} steps`);
  }
  parsed.steps.forEach((step, i) => {
    const record = records[i] as StepRecord;
    const out = stepOutput(record);
    result.outputs.push(out);
    checkStep(step, out, record.line, result);
  });
  return result;
}
