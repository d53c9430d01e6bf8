// Daemon settings: one table of options (OPTIONS) drives the CLI flags, the CLAUDE_GAUGE_* env vars, the
// config-file keys, their validation and docs/daemon.md, and one table of defaults (DEFAULTS) gives both the
// values and what --help and docs/daemon.md show for them, so none of these can drift apart.
// Precedence: flags > env > config file(s) > defaults.

import { existsSync, statSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DEFAULT_HOST, DEFAULT_PORT } from './daemon-client.js';
import { isJsonObject } from './json.js';
import type { SourceName } from './sources/source.js';
import { readRegularFile } from './user-files.js';

export const SOURCE_NAMES: readonly SourceName[] = [
  'jsonl',
  'ccusage',
  'prometheus',
  'otlp',
  'hybrid',
  'demo',
];
export type SourceSetting = SourceName;

/**
 * Token ceilings per 5 h block, counting all four token types (input, output, cache read, cache creation)
 * like ccusage's `blocks` totalTokens. Anthropic publishes no token figures; these are estimates, sized so
 * a heavy Pro block (cache reads dominate: 10–20 M tokens are common) lands near the top, with Max 5x and
 * Max 20x scaled by their advertised multiples. Calibrate with --ceiling from your own `ccusage blocks`.
 */
export const PLAN_CEILINGS = {
  pro: 20_000_000,
  max5: 100_000_000,
  max20: 400_000_000,
} as const;
export type PlanName = keyof typeof PLAN_CEILINGS;

/** 1234567 → "1,234,567" like toLocaleString('en-US'), without loading ICU (~11 ms at the first call). */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
export const PLAN_NAMES = Object.keys(PLAN_CEILINGS) as PlanName[];

/** When the pace may trip WARN (see the paceWarn option). */
export const PACE_WARN_MODES = ['official', 'always', 'off'] as const;
export type PaceWarnMode = (typeof PACE_WARN_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Settings {
  claudeDirs: string[];
  /** True when the dirs came from a flag/env/file (then missing ones are reported, not silently dropped). */
  claudeDirsExplicit: boolean;
  port: number;
  host: string;
  /** Host names the daemon answers to besides IPs, loopback and mDNS names (DNS-rebinding guard). */
  allowedHosts: string[];
  token: string | null;
  plan: PlanName | 'custom';
  ceiling: number;
  redline: number;
  warnFraction: number;
  paceWarn: PaceWarnMode;
  paceWarnFraction: number;
  stallMinutes: number;
  source: SourceSetting;
  prometheusUrl: string;
  prometheusLabels: string | null;
  /** Run the demo when the jsonl source would find no transcript at all. */
  fallbackDemo: boolean;
  /** Directory served at /, or null for none. */
  ui: string | null;
  /** Fixed clock (epoch ms) or null for the real one. */
  now: number | null;
  mdns: boolean;
  maxStreamClients: number;
  heartbeatSeconds: number;
  deadlineMs: number;
  logLevel: LogLevel;
  /** OTLP/HTTP endpoint to push the bridge's session metrics to, or null for none. */
  otlpExportUrl: string | null;
  otlpExportIntervalSeconds: number;
  /** Satellite: the hub's OTLP/HTTP endpoint every counted response is forwarded to, or null (docs/hub.md). */
  forwardTo: string | null;
  /** The bearer token sent to the hub; the daemon's own token when not set. */
  forwardToken: string | null;
  /** This machine's name on the hub (default: the host name). */
  machine: string;
  /** Hub: accept forwarded records and Claude Code's api_request events, count the union. */
  acceptForward: boolean;
  /** Hub: a machine counts in `machines` this long after it was last heard from. */
  machineTimeoutSeconds: number;
  /** Where the daemon keeps state across restarts (the satellite's spool of unsent records). */
  stateDir: string;
  /** Config files that were read, lowest precedence first. */
  configFiles: string[];
}

/**
 * Every default that is a value, defined once: resolveSettings falls back to these, and --help and
 * docs/daemon.md show them (OPTIONS' defaultText). null means none. Options whose default is found at start
 * (the claude dirs, the plan's ceiling, the UI dir) are not here; their OPTIONS entry describes it.
 */
export const DEFAULTS = {
  // Where the daemon listens, which is where the statusline and hook commands look for it.
  port: DEFAULT_PORT,
  host: DEFAULT_HOST,
  lan: false,
  allowedHosts: [] as readonly string[],
  token: null,
  plan: 'pro' as PlanName,
  redline: 1_000_000,
  warnFraction: 0.8,
  paceWarn: 'official' as PaceWarnMode,
  paceWarnFraction: 1,
  stallMinutes: 5,
  source: 'jsonl' as SourceSetting,
  fallbackDemo: false,
  prometheusUrl: 'http://127.0.0.1:9090',
  prometheusLabels: null,
  now: null,
  mdns: true,
  maxStreamClients: 32,
  heartbeatSeconds: 15,
  deadlineMs: 800,
  logLevel: 'info' as LogLevel,
  otlpExportUrl: null,
  otlpExportIntervalSeconds: 15,
  forwardTo: null,
  forwardToken: null,
  acceptForward: false,
  machineTimeoutSeconds: 120,
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Kind = 'int' | 'number' | 'string' | 'bool' | 'list' | 'enum' | 'iso-time';

interface OptionSpec {
  key:
    | Exclude<
        keyof Settings,
        'configFiles' | 'claudeDirsExplicit' | 'plan' | 'ceiling' | 'machine' | 'stateDir'
      >
    | 'machine'
    | 'stateDir'
    | 'plan'
    | 'ceiling'
    | 'lan';
  flag: string;
  env: string;
  kind: Kind;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Strictly greater than min. */
  exclusiveMin?: boolean;
  secret?: boolean;
  help: string;
  /** What --help and docs/daemon.md show as the default: DEFAULTS' value, or the text given (see OPTIONS). */
  defaultText: string;
}

/** An OPTIONS entry as written: the text of its default only where DEFAULTS holds no value for it. */
export type OptionEntry = Omit<OptionSpec, 'defaultText'> & { defaultText?: string };

/** How a default value is shown: none for null or an empty list. */
export function showDefault(value: unknown): string {
  if (value === null || (Array.isArray(value) && value.length === 0)) return 'none';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * Gives an entry its defaultText from DEFAULTS. Writing a text where DEFAULTS has a value, or leaving out
 * both, is a mistake in this file: it throws when the module loads, so every test and start shows it.
 */
export function withDefaultText(entry: OptionEntry): OptionSpec {
  const value = (DEFAULTS as Record<string, unknown>)[entry.key];
  const hasValue = value !== undefined && value !== null;
  if (hasValue && entry.defaultText !== undefined)
    throw new Error(`config.ts: "${entry.key}" has a default in DEFAULTS; do not write its text again`);
  if (value === undefined && entry.defaultText === undefined)
    throw new Error(`config.ts: "${entry.key}" needs a default in DEFAULTS or a text describing it`);
  return { ...entry, defaultText: entry.defaultText ?? showDefault(value) };
}

/** Every option as written: defaultText only where the default is not a value in DEFAULTS. */
const ENTRIES: readonly OptionEntry[] = [
  {
    key: 'claudeDirs',
    flag: 'claude-dir',
    env: 'CLAUDE_GAUGE_CLAUDE_DIR',
    kind: 'list',
    help: 'Claude Code data dir(s), comma-separated (the flag may also repeat). Each holds projects/ and sessions/ (a projects/ dir itself means the dir above it).',
    defaultText:
      '$CLAUDE_CONFIG_DIR (comma-separated), else those of $XDG_CONFIG_HOME/claude (~/.config/claude) and ~/.claude that exist',
  },
  {
    key: 'port',
    flag: 'port',
    env: 'CLAUDE_GAUGE_PORT',
    kind: 'int',
    min: 0,
    max: 65535,
    help: 'TCP port to listen on (0 picks a free one).',
  },
  {
    key: 'host',
    flag: 'host',
    env: 'CLAUDE_GAUGE_HOST',
    kind: 'string',
    help: 'Address to bind. Loopback only by default; a LAN address is an explicit opt-in.',
  },
  {
    key: 'lan',
    flag: 'lan',
    env: 'CLAUDE_GAUGE_LAN',
    kind: 'bool',
    help: 'Shorthand for --host 0.0.0.0 (reachable from the gauge on your LAN; consider --token).',
  },
  {
    key: 'allowedHosts',
    flag: 'allowed-hosts',
    env: 'CLAUDE_GAUGE_ALLOWED_HOSTS',
    kind: 'list',
    help: 'More host names the daemon answers to (comma-separated). IP addresses, localhost and the mDNS name always work; any other Host gets 421, any other web page (Origin) 403.',
  },
  {
    key: 'token',
    flag: 'token',
    env: 'CLAUDE_GAUGE_TOKEN',
    kind: 'string',
    secret: true,
    help: 'Require "Authorization: Bearer <token>" on every route except /healthz.',
  },
  {
    key: 'plan',
    flag: 'plan',
    env: 'CLAUDE_GAUGE_PLAN',
    kind: 'enum',
    values: PLAN_NAMES,
    help: `Plan preset for the 5 h ceiling: ${PLAN_NAMES.map((p) => `${p}=${groupThousands(PLAN_CEILINGS[p])}`).join(', ')} tokens.`,
  },
  {
    key: 'ceiling',
    flag: 'ceiling',
    env: 'CLAUDE_GAUGE_CEILING',
    kind: 'int',
    min: 0,
    exclusiveMin: true,
    help: 'Token ceiling per 5 h block (all four token types); overrides --plan from the same or a lower layer.',
    defaultText: "the plan's ceiling",
  },
  {
    key: 'redline',
    flag: 'redline',
    env: 'CLAUDE_GAUGE_REDLINE',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    help: 'Tokens/min at which HOT trips (start of the red zone).',
  },
  {
    key: 'warnFraction',
    flag: 'warn-fraction',
    env: 'CLAUDE_GAUGE_WARN_FRACTION',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    max: 10,
    help: 'WARN when window_5h_pct is above this fraction of the ceiling.',
  },
  {
    key: 'paceWarn',
    flag: 'pace-warn',
    env: 'CLAUDE_GAUGE_PACE_WARN',
    kind: 'enum',
    values: PACE_WARN_MODES,
    help: "When the pace also trips WARN: official (while the fuel is the official figure, paced by its readings' slope), always (also on the estimate, paced by the last minute's tach), off.",
  },
  {
    key: 'paceWarnFraction',
    flag: 'pace-warn-fraction',
    env: 'CLAUDE_GAUGE_PACE_WARN_FRACTION',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    max: 10,
    help: 'WARN when pace_pct_at_reset (the fuel projected to its reset at the current rate) is above this fraction.',
  },
  {
    key: 'stallMinutes',
    flag: 'stall-minutes',
    env: 'CLAUDE_GAUGE_STALL_MINUTES',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1440,
    help: 'STALL when a working session has had no response for this many minutes.',
  },
  {
    key: 'source',
    flag: 'source',
    env: 'CLAUDE_GAUGE_SOURCE',
    kind: 'enum',
    values: SOURCE_NAMES,
    help: 'Where usage comes from: jsonl (Claude Code transcripts), ccusage, prometheus, otlp (Claude Code pushes OTLP/HTTP JSON to this daemon), hybrid, demo (a scripted loop).',
  },
  {
    key: 'prometheusUrl',
    flag: 'prometheus-url',
    env: 'CLAUDE_GAUGE_PROMETHEUS_URL',
    kind: 'string',
    help: 'With --source prometheus or hybrid: base URL of the Prometheus that scrapes the OTel collector.',
  },
  {
    key: 'prometheusLabels',
    flag: 'prometheus-labels',
    env: 'CLAUDE_GAUGE_PROMETHEUS_LABELS',
    kind: 'string',
    help: 'With --source prometheus or hybrid: extra label matchers for every query, e.g. host_name="desk".',
    defaultText: 'none (all series)',
  },
  {
    key: 'fallbackDemo',
    flag: 'fallback-demo',
    env: 'CLAUDE_GAUGE_FALLBACK_DEMO',
    kind: 'bool',
    help: 'With --source jsonl: when no transcript exists in any claude dir, run the demo instead and say so.',
  },
  {
    key: 'now',
    flag: 'now',
    env: 'CLAUDE_GAUGE_NOW',
    kind: 'iso-time',
    help: 'Freeze the clock at this ISO-8601 instant (for `usage`, tests and screenshots).',
    defaultText: 'the real clock',
  },
  {
    key: 'mdns',
    flag: 'mdns',
    env: 'CLAUDE_GAUGE_MDNS',
    kind: 'bool',
    help: 'Advertise _claude-gauge._tcp over mDNS when bound to a non-loopback address (--no-mdns to disable).',
  },
  {
    key: 'ui',
    flag: 'ui',
    env: 'CLAUDE_GAUGE_UI',
    kind: 'string',
    help: 'Directory of a built web UI to serve at / (the simulator). "none" disables it.',
    defaultText: 'simulator/dist of this checkout, when it exists',
  },
  {
    key: 'maxStreamClients',
    flag: 'max-stream-clients',
    env: 'CLAUDE_GAUGE_MAX_STREAM_CLIENTS',
    kind: 'int',
    min: 1,
    max: 10_000,
    help: 'Concurrent /usage/stream clients; more get 503.',
  },
  {
    key: 'heartbeatSeconds',
    flag: 'heartbeat-seconds',
    env: 'CLAUDE_GAUGE_HEARTBEAT_SECONDS',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    max: 3600,
    help: 'Interval of the SSE heartbeat comment on /usage/stream.',
  },
  {
    key: 'deadlineMs',
    flag: 'deadline-ms',
    env: 'CLAUDE_GAUGE_DEADLINE_MS',
    kind: 'int',
    min: 1,
    max: 60_000,
    help: "How long a request waits for the source's snapshot before serving the last good values as stale.",
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'CLAUDE_GAUGE_LOG_LEVEL',
    kind: 'enum',
    values: LOG_LEVELS,
    help: "Level of the daemon's log (Fastify's pino on stdout: JSON lines, readable lines on a terminal).",
  },
  {
    key: 'otlpExportUrl',
    flag: 'otlp-export-url',
    env: 'CLAUDE_GAUGE_OTLP_EXPORT_URL',
    kind: 'string',
    help: 'Push cc_sessions_active, cc_session_started and cc_sessions_active_by_model to this OTLP/HTTP JSON endpoint (a base URL gets /v1/metrics).',
  },
  {
    key: 'otlpExportIntervalSeconds',
    flag: 'otlp-export-interval-seconds',
    env: 'CLAUDE_GAUGE_OTLP_EXPORT_INTERVAL_SECONDS',
    kind: 'number',
    min: 1,
    max: 3600,
    help: 'With --otlp-export-url: seconds between pushes.',
  },
  {
    key: 'forwardTo',
    flag: 'forward-to',
    env: 'CLAUDE_GAUGE_FORWARD_TO',
    kind: 'string',
    help: 'Satellite: forward every response this daemon counts to a hub (OTLP/HTTP JSON logs; a URL without a path gets /v1/logs). See docs/hub.md.',
  },
  {
    key: 'forwardToken',
    flag: 'forward-token',
    env: 'CLAUDE_GAUGE_FORWARD_TOKEN',
    kind: 'string',
    secret: true,
    help: "With --forward-to: the bearer token the hub wants (the hub's --token).",
    defaultText: "this daemon's --token",
  },
  {
    key: 'machine',
    flag: 'machine',
    env: 'CLAUDE_GAUGE_MACHINE',
    kind: 'string',
    help: "This machine's name on the hub (--forward-to, --accept-forward): 1-64 of A-Z a-z 0-9 . _ -.",
    defaultText: 'the host name (up to the first dot)',
  },
  {
    key: 'acceptForward',
    flag: 'accept-forward',
    env: 'CLAUDE_GAUGE_ACCEPT_FORWARD',
    kind: 'bool',
    help: "Hub: accept records forwarded by satellites and Claude Code's api_request events on POST /v1/logs, and count the union of all machines (needs --token off loopback).",
  },
  {
    key: 'machineTimeoutSeconds',
    flag: 'machine-timeout-seconds',
    env: 'CLAUDE_GAUGE_MACHINE_TIMEOUT_SECONDS',
    kind: 'number',
    min: 1,
    max: 86_400,
    help: 'With --accept-forward: a machine counts in `machines` (and its sessions in sessions_active) this long after it was last heard from.',
  },
  {
    key: 'stateDir',
    flag: 'state-dir',
    env: 'CLAUDE_GAUGE_STATE_DIR',
    kind: 'string',
    help: "Where the daemon keeps state across restarts: a satellite's spool of records the hub has not taken yet.",
    defaultText: '$XDG_STATE_HOME/claude-gauge, else ~/.local/state/claude-gauge',
  },
];

/** Every option, each with what --help and docs/daemon.md show as its default. */
export const OPTIONS: readonly OptionSpec[] = ENTRIES.map(withDefaultText);

/** One layer of partial settings (a file, the env or the flags), already typed and validated. */
export type Layer = Partial<Record<OptionSpec['key'], unknown>>;

function settingName(spec: OptionSpec, origin: string): string {
  if (origin === 'flag') return `--${spec.flag}`;
  if (origin === 'env') return spec.env;
  return `"${spec.key}" in ${origin}`;
}

/** Parses and validates one raw value (string from argv/env, or any JSON value from a file). */
export function coerce(spec: OptionSpec, raw: unknown, origin: string): unknown {
  const where = settingName(spec, origin);
  const shown = spec.secret ? '(hidden)' : JSON.stringify(raw)?.slice(0, 80);
  const fail = (why: string): never => {
    throw new ConfigError(`${where}: ${why}, got ${shown}`);
  };
  switch (spec.kind) {
    case 'int':
    case 'number': {
      let n: number;
      // Digit separators ("1_000_000") are accepted because ceilings are long numbers.
      const text = typeof raw === 'string' ? raw.trim().replace(/(\d)_(?=\d)/g, '$1') : '';
      if (typeof raw === 'number') n = raw;
      else if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) n = Number(text);
      else return fail('expected a number');
      if (!Number.isFinite(n)) return fail('expected a finite number');
      if (spec.kind === 'int' && !Number.isInteger(n)) return fail('expected an integer');
      if (spec.min !== undefined && (spec.exclusiveMin ? n <= spec.min : n < spec.min))
        return fail(`must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return fail(`must be <= ${spec.max}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        const s = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(s)) return true;
        if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      }
      return fail('expected true/false');
    }
    case 'string': {
      if (typeof raw !== 'string') return fail('expected a string');
      if (raw.length === 0) return fail('must not be empty');
      if (raw.length > 1024) return fail('is longer than 1024 characters');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
      if (/[\u0000-\u001f\u007f]/.test(raw)) return fail('contains control characters');
      if ((spec.key === 'token' || spec.key === 'forwardToken') && !/^[A-Za-z0-9\-._~+/=]{8,}$/.test(raw))
        return fail('must be 8 or more of A-Z a-z 0-9 - . _ ~ + / = (a bearer token)');
      if (spec.key === 'machine' && !MACHINE_NAME.test(raw))
        return fail('must be 1 to 64 of A-Z a-z 0-9 . _ -');
      return raw;
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values?.includes(raw.trim()))
        return fail(`expected one of ${spec.values?.join(', ')}`);
      return raw.trim();
    }
    case 'list': {
      const items = Array.isArray(raw)
        ? raw
        : typeof raw === 'string'
          ? raw.split(',')
          : fail('expected a list');
      const out: string[] = [];
      for (const item of items) {
        if (typeof item !== 'string') return fail('expected strings');
        const t = item.trim();
        if (t) out.push(t);
      }
      if (out.length === 0) return fail('expected at least one entry');
      return out;
    }
    case 'iso-time': {
      if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim()))
        return fail('expected an ISO-8601 time such as 2026-01-31T12:00:00Z');
      const ms = Date.parse(raw.trim());
      if (!Number.isFinite(ms) || ms < 0) return fail('is not a valid time');
      return ms;
    }
  }
}

const byKey = new Map(OPTIONS.map((o) => [o.key, o]));
const byEnv = new Map(OPTIONS.map((o) => [o.env, o]));

/** Reads CLAUDE_GAUGE_* variables; unknown CLAUDE_GAUGE_* names are an error (typos must not pass silently). */
export function envLayer(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('CLAUDE_GAUGE_') || value === undefined) continue;
    if (name === 'CLAUDE_GAUGE_CONFIG') continue;
    const spec = byEnv.get(name);
    if (!spec) {
      const known = OPTIONS.map((o) => o.env).join(', ');
      throw new ConfigError(`${name}: unknown setting (known: CLAUDE_GAUGE_CONFIG, ${known})`);
    }
    // An empty variable means "unset", as shells commonly export them.
    if (value === '' && spec.kind !== 'bool') continue;
    layer[spec.key] = coerce(spec, value, 'env');
  }
  return layer;
}

/** Validates a parsed config file's object. */
export function fileLayer(json: unknown, file: string): Layer {
  if (!isJsonObject(json)) throw new ConfigError(`${file}: expected a JSON object at the top level`);
  const layer: Layer = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === '$schema' || key === '//' || key.startsWith('_')) continue;
    const spec = byKey.get(key as OptionSpec['key']);
    if (!spec) {
      const known = OPTIONS.map((o) => o.key).join(', ');
      throw new ConfigError(`${file}: unknown key "${key.slice(0, 60)}" (known: ${known})`);
    }
    if (value === null) continue;
    layer[spec.key] = coerce(spec, value, file);
  }
  return layer;
}

/** A config file is a few hundred bytes; anything over this is not one. */
export const MAX_CONFIG_BYTES = 1_000_000;

export function readConfigFile(file: string): Layer {
  let text: string;
  try {
    // The safe open (a FIFO named config.json must not hang the CLI), MAX_CONFIG_BYTES at most.
    text = readRegularFile(file, MAX_CONFIG_BYTES).data.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFILE') throw new ConfigError(`${file}: not a regular file`);
    if (code === 'EFBIG') throw new ConfigError(`${file}: larger than 1 MB, not a config file`);
    throw new ConfigError(`${file}: cannot read (${code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: invalid JSON (${(err as Error).message})`);
  }
  return fileLayer(json, file);
}

/** The default config files, lowest precedence first: the user's, then the current directory's. */
export function defaultConfigFiles(home: string, cwd: string): string[] {
  return [join(home, '.config', 'claude-gauge', 'config.json'), join(cwd, 'claude-gauge.config.json')];
}

/**
 * ccusage's rule: CLAUDE_CONFIG_DIR (comma-separated) if set, else those of `$XDG_CONFIG_HOME/claude`
 * (`~/.config/claude` when XDG_CONFIG_HOME is unset) and `~/.claude` that exist.
 */
export function defaultClaudeDirs(env: NodeJS.ProcessEnv, home: string): string[] {
  const fromEnv = (env.CLAUDE_CONFIG_DIR ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (fromEnv.length > 0) return [...new Set(fromEnv.map((d) => claudeDirOf(resolve(expandHome(d, home)))))];
  const xdg = env.XDG_CONFIG_HOME?.trim() ? resolve(expandHome(env.XDG_CONFIG_HOME.trim(), home)) : null;
  return [join(xdg ?? join(home, '.config'), 'claude'), join(home, '.claude')].filter((d) => isDir(d));
}

/**
 * ccusage also takes the `projects/` directory itself for a claude dir. The daemon needs the dir above it
 * (sessions/ lives beside projects/), so such a path is replaced by its parent.
 */
export function claudeDirOf(path: string): string {
  return basename(path) === 'projects' && !isDir(join(path, 'projects')) ? dirname(path) : path;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

/** Paths in a config file are relative to that file's directory, not to wherever the daemon starts. */
function relativeTo(layer: Layer, file: string, home: string): Layer {
  const base = dirname(file);
  const out = { ...layer };
  if (typeof out.stateDir === 'string') out.stateDir = resolve(base, expandHome(out.stateDir, home));
  if (Array.isArray(out.claudeDirs))
    out.claudeDirs = (out.claudeDirs as string[]).map((d) => resolve(base, expandHome(d, home)));
  if (typeof out.ui === 'string' && !['none', 'off', 'false'].includes(out.ui.toLowerCase()))
    out.ui = resolve(base, expandHome(out.ui, home));
  return out;
}

export interface ResolveInput {
  flags: Layer;
  env: NodeJS.ProcessEnv;
  /** Explicit --config path (must exist). */
  configPath?: string | undefined;
  home?: string;
  cwd?: string;
  /** The UI dir served when none is configured (this checkout's simulator/dist), used only if it exists. */
  defaultUi?: string | undefined;
}

/** Merges defaults < config file(s) < env < flags into validated Settings. */
export function resolveSettings(input: ResolveInput): Settings {
  const home = input.home ?? homedir();
  const cwd = input.cwd ?? process.cwd();
  const explicit = input.configPath ?? (input.env.CLAUDE_GAUGE_CONFIG || undefined);
  const configFiles: string[] = [];
  const fileLayers: Layer[] = [];
  if (explicit) {
    const file = resolve(cwd, expandHome(explicit, home));
    if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
    fileLayers.push(relativeTo(readConfigFile(file), file, home));
    configFiles.push(file);
  } else {
    for (const file of defaultConfigFiles(home, cwd)) {
      if (!existsSync(file)) continue;
      fileLayers.push(relativeTo(readConfigFile(file), file, home));
      configFiles.push(file);
    }
  }
  // Highest precedence first.
  const layers: Layer[] = [input.flags, envLayer(input.env), ...fileLayers.reverse()];
  const pick = <T>(key: OptionSpec['key'], fallback: T): T => {
    for (const layer of layers) if (layer[key] !== undefined) return layer[key] as T;
    return fallback;
  };

  // Plan and ceiling: the highest layer that sets either decides; within one layer a ceiling beats a plan.
  let plan: PlanName | 'custom' = DEFAULTS.plan;
  let ceiling: number = PLAN_CEILINGS[DEFAULTS.plan];
  for (const layer of layers) {
    if (layer.ceiling !== undefined) {
      ceiling = layer.ceiling as number;
      plan = 'custom';
      break;
    }
    if (layer.plan !== undefined) {
      plan = layer.plan as PlanName;
      ceiling = PLAN_CEILINGS[plan];
      break;
    }
  }

  const hostSet = layers.find((l) => l.host !== undefined);
  const lan = pick<boolean>('lan', DEFAULTS.lan);
  let host = pick<string>('host', DEFAULTS.host);
  if (lan) {
    if (hostSet && isLoopbackHost(host))
      throw new ConfigError(`--lan asks for a LAN address but host is ${host}; use one of --lan or --host`);
    if (!hostSet) host = '0.0.0.0';
  }

  const dirsRaw = pick<string[] | undefined>('claudeDirs', undefined);
  const claudeDirs = dirsRaw
    ? [...new Set(dirsRaw.map((d) => claudeDirOf(resolve(cwd, expandHome(d, home)))))]
    : defaultClaudeDirs(input.env, home);

  const uiRaw = pick<string | undefined>('ui', undefined);
  const ui =
    uiRaw === undefined
      ? input.defaultUi && isDir(input.defaultUi)
        ? input.defaultUi
        : null
      : ['none', 'off', 'false'].includes(uiRaw.toLowerCase())
        ? null
        : resolve(cwd, expandHome(uiRaw, home));
  if (uiRaw !== undefined && ui !== null && !isDir(ui))
    throw new ConfigError(`--ui: ${ui} is not a directory (build the simulator first, or pass --ui none)`);

  const settings: Settings = {
    claudeDirs,
    claudeDirsExplicit: dirsRaw !== undefined || Boolean(input.env.CLAUDE_CONFIG_DIR?.trim()),
    port: pick('port', DEFAULTS.port),
    host,
    allowedHosts: pick<string[]>('allowedHosts', [...DEFAULTS.allowedHosts]),
    token: pick<string | null>('token', DEFAULTS.token),
    plan,
    ceiling,
    redline: pick('redline', DEFAULTS.redline),
    warnFraction: pick('warnFraction', DEFAULTS.warnFraction),
    paceWarn: pick('paceWarn', DEFAULTS.paceWarn),
    paceWarnFraction: pick('paceWarnFraction', DEFAULTS.paceWarnFraction),
    stallMinutes: pick('stallMinutes', DEFAULTS.stallMinutes),
    source: pick('source', DEFAULTS.source),
    fallbackDemo: pick('fallbackDemo', DEFAULTS.fallbackDemo),
    prometheusUrl: pick('prometheusUrl', DEFAULTS.prometheusUrl),
    prometheusLabels: pick<string | null>('prometheusLabels', DEFAULTS.prometheusLabels),
    ui,
    now: pick<number | null>('now', DEFAULTS.now),
    mdns: pick('mdns', DEFAULTS.mdns),
    maxStreamClients: pick('maxStreamClients', DEFAULTS.maxStreamClients),
    heartbeatSeconds: pick('heartbeatSeconds', DEFAULTS.heartbeatSeconds),
    deadlineMs: pick('deadlineMs', DEFAULTS.deadlineMs),
    logLevel: pick('logLevel', DEFAULTS.logLevel),
    otlpExportUrl: pick<string | null>('otlpExportUrl', DEFAULTS.otlpExportUrl),
    otlpExportIntervalSeconds: pick('otlpExportIntervalSeconds', DEFAULTS.otlpExportIntervalSeconds),
    forwardTo: pick<string | null>('forwardTo', DEFAULTS.forwardTo),
    forwardToken: pick<string | null>('forwardToken', DEFAULTS.forwardToken),
    machine: pick<string | undefined>('machine', undefined) ?? defaultMachineName(),
    acceptForward: pick('acceptForward', DEFAULTS.acceptForward),
    machineTimeoutSeconds: pick('machineTimeoutSeconds', DEFAULTS.machineTimeoutSeconds),
    stateDir: resolve(
      cwd,
      expandHome(pick<string | undefined>('stateDir', undefined) ?? defaultStateDir(input.env, home), home),
    ),
    configFiles,
  };
  if (settings.otlpExportUrl !== null && !/^https?:\/\/[^/\s]+/i.test(settings.otlpExportUrl))
    throw new ConfigError(
      `--otlp-export-url: expected an http:// or https:// URL, got ${JSON.stringify(settings.otlpExportUrl.slice(0, 80))}`,
    );
  if (settings.forwardTo !== null && !/^https?:\/\/[^/\s]+/i.test(settings.forwardTo))
    throw new ConfigError(
      `--forward-to: expected an http:// or https:// URL, got ${JSON.stringify(settings.forwardTo.slice(0, 80))}`,
    );
  if (settings.forwardTo !== null && settings.acceptForward)
    throw new ConfigError('--forward-to and --accept-forward: a daemon is a satellite or a hub, not both');
  if ((settings.forwardTo !== null || settings.acceptForward) && settings.source !== 'jsonl')
    throw new ConfigError(
      `--${settings.acceptForward ? 'accept-forward' : 'forward-to'} counts Claude Code's transcripts: it needs --source jsonl, not ${settings.source}`,
    );
  // Forwarded records are usage: off loopback, only a hub with a token may take them.
  if (settings.acceptForward && !isLoopbackHost(settings.host) && !settings.token)
    throw new ConfigError(
      `--accept-forward on ${settings.host} needs --token: anyone on the network could add usage otherwise`,
    );
  return settings;
}

/** A machine name the hub shows: 1-64 of A-Z a-z 0-9 . _ - (checked for --machine, made so for the default). */
export const MACHINE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The host name, cut to what a machine name may hold ("host" when nothing is left). */
export function defaultMachineName(host = hostname()): string {
  const name = (host.split('.')[0] ?? '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return name === '' ? 'host' : name;
}

/** `$XDG_STATE_HOME/claude-gauge`, else `~/.local/state/claude-gauge` (the XDG base directory rule). */
export function defaultStateDir(env: NodeJS.ProcessEnv, home: string): string {
  const xdg = env.XDG_STATE_HOME?.trim();
  return join(xdg ? xdg : join(home, '.local', 'state'), 'claude-gauge');
}

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}
