// Prometheus exposition of the payload's gauges plus the session metrics of the cc-telemetry bridge
// (cc_sessions_active, cc_session_started, cc_sessions_active_by_model), so existing Grafana panels work.
// Stale manifests (crashed sessions) are reported apart and never counted as active. Labels carry model
// ids and lamp names only: never paths, cwd, prompts or session ids.

import { Counter, Gauge, Registry } from 'prom-client';
import type { UsagePayload } from '../../contract/usage.js';
import type { ForwardStatus } from './hub/forwarder.js';
import type { MachineView } from './hub/machines.js';
import type { SessionCounts } from './sessions.js';

export interface UsageMetrics {
  registry: Registry;
  update(
    p: UsagePayload,
    sessions: SessionCounts,
    sourceStats?: unknown,
    reports?: ReportTimes,
    links?: Links,
  ): void;
}

/** A hub's machines and a satellite's forwarding state (docs/hub.md); null when the daemon is neither. */
export interface Links {
  machines: MachineView[] | null;
  forward: ForwardStatus | null;
}

/** When `claude-gauge statusline` and `claude-gauge hook` last reported (epoch ms), or null. */
export interface ReportTimes {
  statuslineMs: number | null;
  hookMs: number | null;
}

/** Flattens a source's stats object ({a: 1, skipped: {b: 2}}) to [["a", 1], ["skipped_b", 2]]; numbers only. */
export function flattenStats(stats: unknown, prefix = '', depth = 0): Array<[string, number]> {
  if (typeof stats !== 'object' || stats === null || depth > 3) return [];
  const out: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(stats)) {
    const name = `${prefix}${k.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 64);
    if (typeof v === 'number' && Number.isFinite(v)) out.push([name, v]);
    else if (typeof v === 'object') out.push(...flattenStats(v, `${name}_`, depth + 1));
    if (out.length >= 100) break;
  }
  return out;
}

const LAMPS = ['hot', 'warn', 'stall', 'idle', 'stale'] as const;

export function createMetrics(): UsageMetrics {
  // A registry per server: several daemons (tests) in one process must not share state.
  const registry = new Registry();
  const g = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  const rate = g(
    'claude_gauge_rate_1m_tokens',
    'Tokens per minute over the last 60 s (all four token types).',
  );
  const redline = g('claude_gauge_rate_redline_tokens', 'Tokens per minute at which HOT trips.');
  const windowTokens = g('claude_gauge_window_5h_tokens', 'Tokens in the active 5 h block.');
  const windowPct = g(
    'claude_gauge_window_5h_ratio',
    'Active 5 h block tokens as a fraction of the ceiling.',
  );
  const resetIn = g(
    'claude_gauge_window_5h_reset_seconds',
    'Seconds until the active 5 h block ends (absent: none).',
  );
  const thinking = g('claude_gauge_thinking_ratio', 'Share of output tokens spent thinking, 0..1.');
  const cache = g(
    'claude_gauge_cache_hit_ratio',
    'cacheRead / (input + cacheRead + cacheCreation) over 5 min.',
  );
  const sessionsPayload = g('claude_gauge_sessions_active', 'Live sessions as reported in /usage.');
  const lamp = g('claude_gauge_lamp', 'Warning lamps of /usage: 1 lit, 0 dark.', ['lamp']);
  const model = g('claude_gauge_last_model_info', 'Model of the newest response (value always 1).', [
    'model',
  ]);
  const ts = g('claude_gauge_payload_timestamp_seconds', 'When the payload was computed (epoch seconds).');
  const attention = g(
    'claude_gauge_attention_sessions',
    'Live sessions waiting for the user (from the hooks; absent: no hook store).',
  );
  const reported = g(
    'claude_gauge_last_report_timestamp_seconds',
    'When claude-gauge statusline / hook last reported to this daemon (epoch seconds; absent: never).',
    ['command'],
  );

  const ccActive = g(
    'cc_sessions_active',
    'Live Claude Code sessions (manifest present, PID alive and matching).',
  );
  const ccByModel = g(
    'cc_sessions_active_by_model',
    "Live sessions by the model of their newest transcript line ('unknown' when not cheaply known).",
    ['model'],
  );
  const ccStale = g('cc_sessions_stale', 'Session manifests whose process is gone or whose PID was reused.');
  const ccInvalid = g(
    'cc_session_manifests_invalid',
    'Session manifest files that could not be read or parsed.',
  );
  // The bridge's OTel counter cc_session_started is named cc_session_started_total once converted to
  // Prometheus; using that name keeps dashboards built on the bridge working.
  const ccStarted = new Counter({
    name: 'cc_session_started_total',
    help: 'Sessions first seen live by this daemon, cumulative.',
    registers: [registry],
  });
  const sourceStat = g(
    'claude_gauge_source_stat',
    "The source's own counters (jsonl: lines read, duplicates dropped, garbage skipped, read errors...).",
    ['stat'],
  );
  const machinesLive = g(
    'claude_gauge_machines',
    'Machines a hub counts and heard from within its timeout (absent: not a hub).',
  );
  const machineSeen = g(
    'claude_gauge_machine_last_seen_seconds',
    'When a hub last heard from each machine (epoch seconds; itself: now). A machine silent past the timeout is left out of machines.',
    ['machine'],
  );
  const machineLive = g(
    'claude_gauge_machine_live',
    'Whether the hub counts the machine as live (1) or silent (0).',
    ['machine'],
  );
  const machineOffset = g(
    'claude_gauge_machine_clock_offset_seconds',
    "A machine's clock minus the hub's, as measured from its deliveries (less the quickest transit).",
    ['machine'],
  );
  const forward = g(
    'claude_gauge_forward',
    "A satellite's forwarding: records queued in memory and spooled on disk, delivered, consecutive failures, last delivery (epoch seconds).",
    ['stat'],
  );
  let startedSeen = 0;

  return {
    registry,
    update(p, s, stats, reports, links) {
      rate.set(p.rate_1m);
      redline.set(p.rate_redline);
      windowTokens.set(p.window_5h_tokens);
      windowPct.set(p.window_5h_pct);
      resetIn.reset();
      if (p.window_5h_reset_in_s !== null) resetIn.set(p.window_5h_reset_in_s);
      thinking.set(p.thinking_ratio);
      cache.set(p.cache_hit_rate);
      sessionsPayload.set(p.sessions_active);
      for (const name of LAMPS) lamp.set({ lamp: name }, p[name] ? 1 : 0);
      model.reset();
      if (p.last_model) model.set({ model: p.last_model }, 1);
      ts.set(p.ts / 1000);
      attention.reset();
      if (p.attention !== undefined) attention.set(p.attention);
      reported.reset();
      if (reports?.statuslineMs != null) reported.set({ command: 'statusline' }, reports.statuslineMs / 1000);
      if (reports?.hookMs != null) reported.set({ command: 'hook' }, reports.hookMs / 1000);

      ccActive.set(s.active);
      ccStale.set(s.stale);
      ccInvalid.set(s.invalid);
      ccByModel.reset();
      for (const [m, n] of s.byModel) ccByModel.set({ model: m }, n);
      if (s.started > startedSeen) ccStarted.inc(s.started - startedSeen);
      startedSeen = Math.max(startedSeen, s.started);
      sourceStat.reset();
      for (const [name, value] of flattenStats(stats)) sourceStat.set({ stat: name }, value);

      machinesLive.reset();
      machineSeen.reset();
      machineLive.reset();
      machineOffset.reset();
      if (p.machines !== undefined) machinesLive.set(p.machines);
      for (const m of links?.machines ?? []) {
        machineSeen.set({ machine: m.label }, m.lastSeenMs / 1000);
        machineLive.set({ machine: m.label }, m.live ? 1 : 0);
        if (m.clockOffsetMs !== null) machineOffset.set({ machine: m.label }, m.clockOffsetMs / 1000);
      }
      forward.reset();
      const f = links?.forward;
      if (f) {
        forward.set({ stat: 'queued' }, f.queued);
        forward.set({ stat: 'spooled' }, f.spooled);
        forward.set({ stat: 'spool_bytes' }, f.spool_bytes);
        forward.set({ stat: 'delivered' }, f.delivered);
        forward.set({ stat: 'failures' }, f.failures);
        forward.set({ stat: 'spool_dropped' }, f.spool_dropped);
        if (f.last_ok_at !== null) forward.set({ stat: 'last_ok_timestamp' }, f.last_ok_at / 1000);
      }
    },
  };
}
