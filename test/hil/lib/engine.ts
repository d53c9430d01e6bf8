// Runs one scenario against several targets at once: one temp claude dir, one real daemon, one fault proxy,
// every target polling that proxy. Steps run once; each assertion is awaited on every target in parallel,
// then the targets are compared with each other.
import { randomUUID } from 'node:crypto';
import type { Target, TargetName } from '../targets/target.js';
import { ClaudeDir } from './claudeDir.js';
import { blame, diffStates, sideBySide } from './compare.js';
import { Daemon } from './daemon.js';
import { describeExpectation, type Expectation, mismatches } from './expect.js';
import { type FaultProxy, startFaultProxy } from './faultProxy.js';
import type { FirmwareTiming } from './firmwareConfig.js';
import type { ExpectOptions, Scenario, ScenarioContext } from './scenario.js';
import { type DialName, dialNames, formatState, type GaugeState } from './stateLine.js';
import { delay, waitFor } from './waitFor.js';

export interface TargetOutcome {
  ok: boolean;
  ms: number;
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

export interface EngineOptions {
  repoRoot: string;
  timing: FirmwareTiming;
  /** Address the daemon and the proxy bind (loopback unless the serial target runs; see docs/hil.md). */
  bindHost?: string;
  /** What the device polls, when it differs from the proxy's own URL (a LAN address for the serial target). */
  advertiseHost?: string;
  log?: (line: string) => void;
}

/** Thrown inside a scenario when no target is left to assert on: the rest of the steps are skipped. */
class NoTargetsLeft extends Error {}

const defaultExpectTimeoutMs = 8000;
/** How long targets may take to agree after all passed: one poll interval plus settling needles. */
const agreeWithinMs = 2500;
/** A needle counts as settled when it moved less than this over the last settleWindowMs. */
const settleDeg = 0.5;
const settleWindowMs = 300;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The state the target showed at time `at` (the newest one received at or before it). */
function stateAt(target: Target, at: number): GaugeState | null {
  const h = target.history();
  for (let i = h.length - 1; i >= 0; i--) {
    const o = h[i];
    if (o && o.at <= at) return o.state;
  }
  return null;
}

function settledDials(target: Target, now: number): DialName[] {
  const cur = target.state();
  const before = stateAt(target, now - settleWindowMs);
  if (!cur || !before) return [];
  return dialNames.filter((d) => Math.abs(cur[d] - before[d]) < settleDeg);
}

export async function runScenario(
  scenario: Scenario,
  targets: Target[],
  options: EngineOptions,
): Promise<ScenarioResult> {
  const t0 = Date.now();
  const log = options.log ?? (() => {});
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

  const claude = new ClaudeDir();
  const bindHost = options.bindHost ?? '127.0.0.1';
  const daemon = new Daemon({
    repoRoot: options.repoRoot,
    claudeDir: claude.root,
    host: bindHost,
    ...scenario.daemon,
  });
  let proxy: FaultProxy | null = null;

  const capture = async (t: Target, label: string) => {
    if (!t.capture) return;
    try {
      const png = await t.capture();
      if (png) captures.get(t.name)?.push({ label, png });
    } catch (err) {
      notes.push(`${t.name}: capture "${label}" failed: ${errorText(err)}`);
    }
  };

  const agreement = async (record: AssertionRecord) => {
    const deadline = Date.now() + agreeWithinMs;
    for (;;) {
      const live = alive().filter((t) => t.state() !== null);
      if (live.length < 2) return;
      const now = Date.now();
      const states = Object.fromEntries(live.map((t) => [t.name, t.state() as GaugeState]));
      const settled = dialNames.filter((d) => live.every((t) => settledDials(t, now).includes(d)));
      const diffs = diffStates(states, settled);
      // Agreed on everything comparable; needles still moving get compared once they settle.
      if (diffs.length === 0 && settled.length === dialNames.length) return;
      if (Date.now() >= deadline) {
        if (diffs.length === 0) return;
        const table = sideBySide(states, diffs);
        record.disagreement = table;
        const fields = diffs.map((d) => d.field).join(', ');
        for (const name of blame(states, diffs)) {
          const t = targets.find((x) => x.name === name);
          if (t) fail(t, `targets disagree after "${record.label}" (${fields}):\n${table}`);
        }
        return;
      }
      await delay(100);
    }
  };

  const ctx: ScenarioContext = {
    claude,
    daemon,
    get proxy() {
      if (!proxy) throw new Error('proxy not started');
      return proxy;
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
      await Promise.all(
        current.map(async (t) => {
          const started = Date.now();
          try {
            const state = await waitFor(
              () => {
                const s = t.state();
                return s && mismatches(s, exp).length === 0 ? s : null;
              },
              {
                timeoutMs,
                what: record.expectation,
                describe: () => `${mismatches(t.state(), exp).join(', ')} — ${t.describe()}`,
              },
            );
            record.perTarget[t.name] = { ok: true, ms: Date.now() - started, state };
            await capture(t, label);
          } catch (err) {
            record.perTarget[t.name] = {
              ok: false,
              ms: Date.now() - started,
              state: t.state(),
              error: errorText(err),
            };
            fail(t, `${label}: ${errorText(err)}`);
            await capture(t, `${label} (failed)`);
          }
        }),
      );
      if (opts.compare !== false) await agreement(record);
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
      const mark = Date.now();
      const checked = new Map<TargetName, number>(current.map((t) => [t.name, mark]));
      const check = () => {
        for (const t of current) {
          if (failures.has(t.name)) continue;
          const from = checked.get(t.name) ?? mark;
          const seen = t.history().filter((o) => o.at >= from);
          const first = from === mark ? stateAt(t, mark) : null;
          for (const s of first ? [first, ...seen.map((o) => o.state)] : seen.map((o) => o.state)) {
            const miss = mismatches(s, exp);
            if (miss.length > 0) {
              const error = `${miss.join(', ')} (state: ${formatState(s)})`;
              record.perTarget[t.name] = { ok: false, ms: Date.now() - mark, state: s, error };
              fail(t, `${label}: ${error}`);
              break;
            }
          }
          checked.set(t.name, Date.now() + 1);
        }
      };
      try {
        await waitFor(
          async () => {
            check();
            return await until();
          },
          { timeoutMs, what: `${label} (the daemon-side condition)` },
        );
      } finally {
        check();
      }
      for (const t of current) {
        if (!record.perTarget[t.name])
          record.perTarget[t.name] = { ok: true, ms: Date.now() - mark, state: t.state() };
        if (!failures.has(t.name)) await capture(t, label);
      }
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
