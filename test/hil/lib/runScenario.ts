// Runs one scenario against several targets at once: one temp claude dir, one real daemon, one fault proxy,
// every target polling that proxy. Steps run once, on the daemon's side. Every target records its state
// lines from boot (lib/timeline.ts), and each assertion is judged on that target's own timeline, from the
// later of its previous verdict and the last step, with the deadline on its own clock: a slow target is
// waited for, never a reason for another to miss a short state. Then the targets' timelines are compared.
import { randomUUID } from 'node:crypto';
import type { Target, TargetName } from '../targets/target.js';
import { ClaudeDir } from './claudeDir.js';
import { blame, diffStates, sideBySide } from './compare.js';
import { Daemon } from './daemon.js';
import { describeExpectation, type Expectation } from './expect.js';
import { type FaultProxy, startFaultProxy } from './faultProxy.js';
import type { FirmwareTiming } from './firmwareConfig.js';
import type { ExpectOptions, Scenario, ScenarioContext } from './scenario.js';
import { dialNames, type GaugeState } from './stateLine.js';
import { ExpectJudge, hostNow, judgeThroughout, restingAt, type Settled, settleAfter } from './timeline.js';
import { waitFor } from './waitFor.js';

export interface TargetOutcome {
  ok: boolean;
  /** Device milliseconds from where the assertion started on this target to its verdict. */
  ms: number;
  /** The verdict's device time (t= of the target's own clock). */
  t?: number;
  state: GaugeState | null;
  error?: string;
}

export interface AssertionRecord {
  label: string;
  expectation: string;
  perTarget: Partial<Record<TargetName, TargetOutcome>>;
  /** Side-by-side table when the targets disagreed. */
  disagreement?: string;
}

export interface Capture {
  label: string;
  png: Buffer;
}

export interface TargetResult {
  target: TargetName;
  status: 'passed' | 'failed' | 'skipped';
  error?: string;
  captures: Capture[];
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  durationMs: number;
  results: TargetResult[];
  assertions: AssertionRecord[];
  notes: string[];
  daemonLog: string;
}

export interface RunScenarioOptions {
  repoRoot: string;
  timing: FirmwareTiming;
  /** Address the daemon and the proxy bind (loopback unless the serial target runs; see docs/hil.md). */
  bindHost?: string;
  /** What the device polls, when it differs from the proxy's own URL (a LAN address for the serial target). */
  advertiseHost?: string;
  log?: (line: string) => void;
  /** How long a device may go without reporting past what a verdict needs (default 15 s; tests shorten it). */
  reportLagMs?: number;
}

interface Step {
  began: number;
  ended: number;
}

/** Thrown inside a scenario when no target is left to assert on: the rest of the steps are skipped. */
class NoTargetsLeft extends Error {}

const defaultExpectTimeoutMs = 8000;
/** How long after its pass a target's picture may take to come to rest and agree: a poll plus settling. */
const agreeWithinMs = 2500;
/**
 * How long (host time) a device may take to report past the point a verdict needs, on top of the
 * assertion's own deadline: a device silent for this long is broken. Generous, because a loaded machine
 * delays reports (the browser's most); it never shortens or lengthens what the device is given.
 */
const defaultReportLagMs = 15_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Calls to these methods are daemon-side steps: the next assertion looks for their effect after them. */
const claudeSteps = [
  'appendTurn',
  'appendStreamedTurn',
  'appendTornTurn',
  'appendGarbage',
  'startSession',
  'deadSession',
  'endSession',
  'crashSession',
  'endAllSessions',
] as const satisfies readonly (keyof ClaudeDir)[];
const daemonSteps = [
  'start',
  'stop',
  'kill',
  'restart',
  'statusline',
  'hook',
] as const satisfies readonly (keyof Daemon)[];
const proxySteps = ['setFault'] as const satisfies readonly (keyof FaultProxy)[];

/**
 * `obj` with `methods` reporting each call as a step: `onStep()` when called, and the function it returns
 * once the call is over (a promise settled); everything else passes through untouched.
 */
function stepping<T extends object>(obj: T, methods: readonly string[], onStep: () => () => void): T {
  return new Proxy(obj, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && methods.includes(prop))
        return (...args: unknown[]) => {
          const done = onStep();
          try {
            const result = fn.apply(target, args);
            if (result instanceof Promise) return result.finally(done);
            done();
            return result;
          } catch (err) {
            done();
            throw err;
          }
        };
      return fn.bind(target);
    },
  });
}

export async function runScenario(
  scenario: Scenario,
  targets: Target[],
  options: RunScenarioOptions,
): Promise<ScenarioResult> {
  const t0 = Date.now();
  const log = options.log ?? (() => {});
  const reportLagMs = options.reportLagMs ?? defaultReportLagMs;
  const failures = new Map<TargetName, string>();
  const captures = new Map<TargetName, Capture[]>(targets.map((t) => [t.name, []]));
  const assertions: AssertionRecord[] = [];
  const notes: string[] = [];
  const fail = (t: Target, message: string) => {
    if (!failures.has(t.name)) {
      failures.set(t.name, message);
      log(`  ✗ ${t.name}: ${message.split('\n')[0]}`);
    }
  };
  const alive = () => targets.filter((t) => !failures.has(t.name));

  // Per target, the device time of its last verdict: an assertion never looks at what came before it.
  const cursor = new Map<TargetName, number>(targets.map((t) => [t.name, Number.NEGATIVE_INFINITY]));
  // Host times of the newest daemon-side step: when it was called (its effect can start there: states are
  // looked for from then on) and when it was over (deadlines count from then: a daemon that takes long
  // to start up does not eat into the device's time).
  let step: Step = { began: Number.NEGATIVE_INFINITY, ended: Number.NEGATIVE_INFINITY };
  const onStep = () => {
    const began = hostNow();
    const current: Step = { began, ended: began };
    step = current;
    return () => {
      current.ended = hostNow();
    };
  };
  /** Where an assertion starts on t's clock: after its previous verdict and after the last step. */
  const startOn = (t: Target, at: number): number => {
    const tl = t.timeline();
    const boot = tl.entries[0]?.t ?? Number.NEGATIVE_INFINITY;
    return Math.max(boot, cursor.get(t.name) ?? boot, tl.deviceTime(at));
  };

  const claude = new ClaudeDir();
  const bindHost = options.bindHost ?? '127.0.0.1';
  const daemon = new Daemon({
    repoRoot: options.repoRoot,
    claudeDir: claude.root,
    host: bindHost,
    ...scenario.daemon,
  });
  let proxy: FaultProxy | null = null;
  let steppingProxy: FaultProxy | null = null;

  const capture = async (t: Target, label: string) => {
    if (!t.capture) return;
    try {
      const png = await t.capture();
      if (png) captures.get(t.name)?.push({ label, png });
    } catch (err) {
      notes.push(`${t.name}: capture "${label}" failed: ${errorText(err)}`);
    }
  };

  /** Waits until `check` has an answer for t, or fails t when its device goes quiet. */
  const onTimeline = async <R>(
    t: Target,
    label: string,
    boundMs: number,
    check: () => R | null,
  ): Promise<R | null> => {
    try {
      return await waitFor(check, { timeoutMs: boundMs, what: 'the device' });
    } catch {
      const tl = t.timeline();
      const quiet = tl.entries.length
        ? `reported nothing past t=${tl.coveredUntil} for ${Math.round(hostNow() - tl.lastArrival)} ms`
        : 'reported no state line since boot';
      fail(t, `${label}: the device ${quiet} — ${t.describe()}`);
      return null;
    }
  };

  /**
   * Cross-target agreement on timelines: each target's picture where it came to rest after its own pass
   * (not at one instant, which a slow reporter has not reached yet). A difference there is looked at again
   * at the end of each target's agreement window (a poll may have been in flight); one that lasts fails
   * the odd target out.
   */
  const agreement = async (record: AssertionRecord, passedAt: Map<TargetName, number>) => {
    const live = () => alive().filter((t) => passedAt.has(t.name));
    if (live().length < 2) return;
    const compareAt = async (pick: (t: Target, from: number) => Settled | null) => {
      const got = new Map<TargetName, Settled>();
      await Promise.all(
        live().map(async (t) => {
          const from = passedAt.get(t.name) as number;
          const s = await onTimeline(t, `after "${record.label}"`, agreeWithinMs + reportLagMs, () =>
            pick(t, from),
          );
          if (s) got.set(t.name, s);
        }),
      );
      const names = live().filter((t) => got.has(t.name));
      const states = Object.fromEntries(names.map((t) => [t.name, (got.get(t.name) as Settled).state]));
      const still = dialNames.filter((d) => names.every((t) => got.get(t.name)?.dials.includes(d)));
      return { states, diffs: diffStates(states, still) };
    };
    const first = await compareAt((t, from) => settleAfter(t.timeline(), from, agreeWithinMs));
    if (first.diffs.length === 0) return;
    const { states, diffs } = await compareAt((t, from) => restingAt(t.timeline(), from + agreeWithinMs));
    if (diffs.length === 0) return;
    const table = sideBySide(states, diffs);
    record.disagreement = table;
    const fields = diffs.map((d) => d.field).join(', ');
    for (const name of blame(states, diffs)) {
      const t = targets.find((x) => x.name === name);
      if (t) fail(t, `targets disagree after "${record.label}" (${fields}):\n${table}`);
    }
  };

  const ctx: ScenarioContext = {
    claude: stepping(claude, claudeSteps, onStep),
    daemon: stepping(daemon, daemonSteps, onStep),
    get proxy() {
      if (!steppingProxy) throw new Error('proxy not started');
      return steppingProxy;
    },
    sessionId: randomUUID(),
    timing: options.timing,
    targetCount: targets.length,
    async expect(label: string, exp: Expectation, opts: ExpectOptions = {}) {
      const current = alive();
      if (current.length === 0) throw new NoTargetsLeft();
      const timeoutMs = opts.timeoutMs ?? defaultExpectTimeoutMs;
      const record: AssertionRecord = { label, expectation: describeExpectation(exp), perTarget: {} };
      assertions.push(record);
      log(`  · ${label}: ${record.expectation}`);
      const last = step;
      const passedAt = new Map<TargetName, number>();
      await Promise.all(
        current.map(async (t) => {
          const tl = t.timeline();
          // The start is fixed once the device has reported (its clock is known from then on).
          const judged: { judge: ExpectJudge | null } = { judge: null };
          const verdict = await onTimeline(t, label, timeoutMs + reportLagMs, () => {
            if (!judged.judge && tl.entries.length > 0) {
              const from = startOn(t, last.began);
              judged.judge = new ExpectJudge(exp, from, startOn(t, last.ended) + timeoutMs);
            }
            const v = judged.judge?.poll(tl);
            return v && v.status !== 'pending' ? v : null;
          });
          if (!verdict || !judged.judge) return;
          const from = judged.judge.from;
          if (verdict.status === 'pass') {
            cursor.set(t.name, verdict.t);
            passedAt.set(t.name, verdict.t);
            record.perTarget[t.name] = { ok: true, ms: verdict.t - from, t: verdict.t, state: verdict.state };
            await capture(t, label);
            return;
          }
          const error =
            `not shown within ${timeoutMs} ms on the device's clock (looked at t=${from}…${verdict.t}) waiting for ` +
            `${record.expectation}; at t=${verdict.t}: ${verdict.status === 'fail' ? verdict.reason : ''}`;
          record.perTarget[t.name] = { ok: false, ms: timeoutMs, t: verdict.t, state: verdict.state, error };
          fail(t, `${label}: ${error} — ${t.describe()}`);
          await capture(t, `${label} (failed)`);
        }),
      );
      if (opts.compare !== false) await agreement(record, passedAt);
    },
    async expectThroughout(label, exp, until, opts = {}) {
      const current = alive();
      if (current.length === 0) throw new NoTargetsLeft();
      const timeoutMs = opts.timeoutMs ?? defaultExpectTimeoutMs;
      const record: AssertionRecord = {
        label,
        expectation: `throughout: ${describeExpectation(exp)}`,
        perTarget: {},
      };
      assertions.push(record);
      log(`  · ${label}: ${record.expectation}`);
      const last = step;
      const froms = new Map<TargetName, number>();
      for (const t of current) if (t.timeline().entries.length > 0) froms.set(t.name, startOn(t, last.began));
      await waitFor(until, { timeoutMs, what: `${label} (the daemon-side condition)` });
      const end = hostNow();
      await Promise.all(
        current.map(async (t) => {
          const tl = t.timeline();
          // The window is fixed once the device has reported (its clock is known from then on).
          const window = { from: 0, to: 0, known: false };
          const verdict = await onTimeline(t, label, reportLagMs, () => {
            if (!window.known && tl.entries.length > 0) {
              window.from = froms.get(t.name) ?? startOn(t, last.began);
              window.to = Math.max(window.from, tl.deviceTime(end));
              window.known = true;
            }
            if (!window.known) return null;
            const v = judgeThroughout(tl, exp, window.from, window.to);
            return v.status === 'pending' ? null : v;
          });
          if (!verdict) return;
          const { from, to } = window;
          cursor.set(t.name, to);
          if (verdict.status === 'pass') {
            record.perTarget[t.name] = { ok: true, ms: to - from, t: to, state: verdict.state };
            await capture(t, label);
            return;
          }
          const error = `at t=${verdict.t} (window t=${from}…${to}): ${verdict.status === 'fail' ? verdict.reason : ''}`;
          record.perTarget[t.name] = {
            ok: false,
            ms: verdict.t - from,
            t: verdict.t,
            state: verdict.state,
            error,
          };
          fail(t, `${label}: ${error}`);
        }),
      );
    },
    async until(what, predicate, timeoutMs = 10_000) {
      await waitFor(predicate, { timeoutMs, what, describe: () => daemon.log() });
    },
    async polls(n, timeoutMs = 10_000) {
      const p = ctx.proxy;
      const base = p.stats.requests;
      await waitFor(() => p.stats.requests >= base + n, {
        timeoutMs,
        what: `${n} more polls at the proxy`,
        describe: () => `${p.stats.requests - base} seen`,
      });
    },
    note(message) {
      notes.push(message);
    },
  };

  log(`▶ ${scenario.name}: ${scenario.description}`);
  try {
    await daemon.start();
    proxy = await startFaultProxy({ upstream: () => daemon.url, host: bindHost });
    steppingProxy = stepping(proxy, proxySteps, onStep);
    const port = proxy.port;
    const usageUrl = options.advertiseHost ? `http://${options.advertiseHost}:${port}/usage` : proxy.usageUrl;
    await Promise.all(
      targets.map((t) =>
        t.start({ usageUrl, scenario: scenario.name }).catch((err) => fail(t, `start: ${errorText(err)}`)),
      ),
    );
    await scenario.run(ctx);
  } catch (err) {
    if (!(err instanceof NoTargetsLeft)) {
      const message = `scenario step failed: ${errorText(err)}`;
      for (const t of alive()) fail(t, message);
    }
  } finally {
    for (const t of alive()) {
      const problems = t.problems();
      if (problems.length > 0) fail(t, `device output problems: ${problems.slice(0, 5).join('; ')}`);
    }
    await Promise.all(targets.map((t) => t.stop().catch(() => {})));
    await proxy?.close();
    await daemon.stop().catch(() => {});
    claude.dispose();
  }

  const results: TargetResult[] = targets.map((t) => {
    const error = failures.get(t.name);
    return {
      target: t.name,
      status: error ? 'failed' : 'passed',
      ...(error ? { error } : {}),
      captures: captures.get(t.name) ?? [],
    };
  });
  for (const r of results) log(`  ${r.status === 'passed' ? '✓' : '✗'} ${scenario.name} on ${r.target}`);
  return {
    scenario: scenario.name,
    description: scenario.description,
    durationMs: Date.now() - t0,
    results,
    assertions,
    notes,
    daemonLog: daemon.log(),
  };
}
