// The wasm runner of the shared test vectors (test/vectors/*.jsonc; format in test/vectors/README.md). It
// mirrors firmware/platform/native/vector_runner.cpp step for step: both must print the same output for every
// step (test/firmware/parity.test.ts), and both check the same expectations.
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import {
  GaugeCore,
  type PayloadResult,
  type PollOutcomeName,
} from '../../firmware/platform/wasm/gaugeCore.js';

export interface VectorResult {
  /** One line per step: what the step did (a state line for `update`). */
  outputs: string[];
  /** Failed checks, each naming its step. */
  failures: string[];
  /** The file itself is malformed (then outputs stop at the bad step). */
  error: string | null;
  checks: number;
}

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
type Action = (typeof ACTIONS)[number];
const STEP_KEYS = new Set(['at', 'until', 'every', 'expect', 'rec', 'note']);
const LINE_KEYS = new Set([
  't',
  'phase',
  'tach',
  'fuel',
  'temp',
  'boost',
  'lamps',
  'rgb',
  'model',
  'stale',
  'over',
]);
const NEEDLE_KEYS = new Set(['tach', 'fuel', 'temp', 'boost']);
const OUT_KEYS = new Set(['action', 'outcome', 'status', 'report', 'requests']);

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

/** ms since the vector's origin -> the device's uint32 millis(). */
const millis = (t: number): number => t % 0x1_0000_0000;

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

function bodyOutput(r: PayloadResult): string {
  if (r.outcome === 'bad_body' || r.status === null || r.report === null) return `outcome=${r.outcome}`;
  const p = r.report;
  return `outcome=${r.outcome} status=${r.status} report=${p.present}/${p.accepted}/${p.defaulted}/${p.clamped}/${p.truncated}`;
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

/** Runs one vector file's text on a fresh core (compiled module shared, device new). */
export async function runVector(module: WebAssembly.Module, text: string): Promise<VectorResult> {
  const result: VectorResult = { outputs: [], failures: [], error: null, checks: 0 };
  const core = await GaugeCore.load(module);
  const failureOutcome = (v: unknown): PollOutcomeName => {
    if (typeof v === 'string' && v !== 'ok' && (core.pollOutcomes as readonly string[]).includes(v)) {
      return v as PollOutcomeName;
    }
    throw new VectorError(
      'fail/serve_fail must name a failure outcome (http_error, timeout, connect_failed, bad_body, rejected, ' +
        `unauthorized), got ${JSON.stringify(v)}`,
    );
  };
  try {
    const doc = parseVectorText(text);
    if (!isObject(doc)) throw new VectorError('the top level must be an object');
    for (const key of Object.keys(doc)) {
      if (key !== 'description' && key !== 'steps') throw new VectorError(`unknown top-level key "${key}"`);
    }
    const steps = doc.steps;
    if (!Array.isArray(steps) || steps.length === 0)
      throw new VectorError('"steps" must be a non-empty array');

    let clock = 0;
    for (const [i, step] of steps.entries()) {
      const where0 = `step ${i}`;
      if (!isObject(step)) throw new VectorError(`${where0}: must be an object`);
      let action: Action | null = null;
      for (const key of Object.keys(step)) {
        if ((ACTIONS as readonly string[]).includes(key)) {
          if (action !== null) throw new VectorError(`${where0}: more than one action`);
          action = key as Action;
        } else if (!STEP_KEYS.has(key)) {
          throw new VectorError(`${where0}: unknown key "${key}"`);
        }
      }
      if (action === null) throw new VectorError(`${where0}: no action`);
      if (!('at' in step)) throw new VectorError(`${where0}: no "at"`);
      const at = readAt(step.at, 'at');
      if (at < clock) throw new VectorError(`${where0}: "at" goes back in time`);
      const where = `${where0} (at ${at})`;
      const serve = action.startsWith('serve_');
      if (!serve && ('until' in step || 'every' in step)) {
        throw new VectorError(`${where}: until/every belong to serve_* steps`);
      }
      if (['boot', 'tick', 'update', 'serve_none'].includes(action) && step[action] !== true) {
        throw new VectorError(`${where}: "${action}" must be true`);
      }
      clock = at;
      const now = millis(at);
      let out: string;
      switch (action) {
        case 'boot':
          core.boot(now);
          out = 'boot';
          break;
        case 'tick':
          out = core.pollTick(now) ? 'tick action=start' : 'tick action=none';
          break;
        case 'payload':
        case 'body': {
          if (action === 'body' && typeof step.body !== 'string') {
            throw new VectorError(`${where}: body must be a string`);
          }
          const text = action === 'body' ? (step.body as string) : JSON.stringify(step.payload);
          out = `body ${bodyOutput(core.applyPayloadJson(now, text))}`;
          break;
        }
        case 'fail': {
          const o = failureOutcome(step.fail);
          core.pollResult(now, o);
          out = `fail outcome=${o}`;
          break;
        }
        case 'update':
          core.update(now);
          out = core.stateLine();
          break;
        default: {
          // serve_*: tick and answer every request at once, update every `every` ms, until `until`.
          if (!('until' in step)) throw new VectorError(`${where}: serve steps need "until"`);
          const until = readAt(step.until, 'until');
          const every = 'every' in step ? readAt(step.every, 'every') : 100;
          if (until < at || every === 0 || Math.floor((until - at) / every) + 1 > MAX_LOOP_ITERATIONS) {
            throw new VectorError(`${where}: need until >= at, every >= 1 and at most 200000 iterations`);
          }
          let bodyText = '';
          let fail: PollOutcomeName = 'timeout';
          if (action === 'serve_body') {
            if (typeof step.serve_body !== 'string')
              throw new VectorError(`${where}: serve_body must be a string`);
            bodyText = step.serve_body;
          } else if (action === 'serve_payload') {
            bodyText = JSON.stringify(step.serve_payload);
          } else if (action === 'serve_fail') {
            fail = failureOutcome(step.serve_fail);
          }
          let requests = 0;
          let last = 'outcome=-';
          for (let t = at; t <= until; t += every) {
            const tn = millis(t);
            if (core.pollTick(tn)) {
              requests++;
              if (action === 'serve_body' || action === 'serve_payload') {
                last = bodyOutput(core.applyPayloadJson(tn, bodyText));
              } else if (action === 'serve_fail') {
                core.pollResult(tn, fail);
                last = `outcome=${fail}`;
              }
            }
            core.update(tn);
          }
          clock = until;
          out = `serve requests=${requests} ${last}`;
        }
      }
      result.outputs.push(out);
      const line = core.stateLine();
      if ('expect' in step) checkExpect(step.expect, out, line, where, result);
      if ('rec' in step) {
        result.checks++;
        if (typeof step.rec !== 'string') throw new VectorError(`${where}: rec must be a string`);
        if (step.rec !== out) result.failures.push(`${where}: recorded "${step.rec}" got "${out}"`);
      }
    }
  } catch (e) {
    if (!(e instanceof VectorError)) throw e;
    result.error = e.message;
  }
  return result;
}
