// claude-gauge [serve|usage|doctor] [flags]. main() takes its I/O as arguments so tests run it in-process.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { UsagePayload } from '../../contract/usage.js';
import {
  ConfigError,
  coerce,
  groupThousands,
  type Layer,
  OPTIONS,
  resolveSettings,
  type Settings,
} from './config.js';
import { DeferredLog, flushDeferred, loggerOptions } from './log.js';
import { SourceError } from './sources/factory.js';
import { findRepoRoot, VERSION } from './version.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  /** Standard input (the statusline command reads Claude Code's status JSON there). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Which of stdout and stderr are terminals: log lines there are readable lines, not JSON. */
  terminal?: { stdout?: boolean; stderr?: boolean };
}

const COMMANDS = ['serve', 'usage', 'doctor', 'setup'] as const;
type Command = (typeof COMMANDS)[number];

export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const arg =
      o.kind === 'bool'
        ? ''
        : o.kind === 'list'
          ? o.key === 'claudeDirs'
            ? ' <dir,...>'
            : ' <name,...>'
          : o.kind === 'iso-time'
            ? ' <ISO>'
            : ' <v>';
    return [`  --${o.flag}${arg}`, `${o.help} [${o.defaultText}; env ${o.env}]`] as const;
  });
  const width = Math.max(...rows.map(([a]) => a.length), 24) + 2;
  return [
    `claude-gauge ${VERSION}: serves Claude Code usage to the gauge cluster`,
    '',
    'Usage: claude-gauge [command] [flags]',
    '',
    'Commands:',
    '  serve    run the daemon: GET /usage, /usage/stream, /metrics, /healthz (default)',
    '  usage    print the /usage payload once and exit (--json: exactly the /usage body)',
    '  doctor   check claude dirs, sessions, port, config; say what is wrong and how to fix it',
    "  statusline  Claude Code's statusLine command: forward the official quota, print a line (see statusline --help)",
    "  hook     Claude Code's hook command: forward whether a session waits for you (see hook --help)",
    "  setup    show the statusLine and hooks entries for Claude Code's settings.json; --write merges them in",
    '',
    'Flags:',
    ...rows.map(([a, b]) => `${a.padEnd(width)}${b}`),
    `${'  --no-<flag>'.padEnd(width)}turn off a true/false flag, e.g. --no-mdns`,
    `${'  --config <file>'.padEnd(width)}config file (JSON; keys as in docs/daemon.md) [~/.config/claude-gauge/config.json, ./claude-gauge.config.json; env CLAUDE_GAUGE_CONFIG]`,
    `${'  --json'.padEnd(width)}usage: print the JSON body only`,
    `${'  --write'.padEnd(width)}setup: merge the entries into the settings file (after a timestamped backup)`,
    `${'  --settings <file>'.padEnd(width)}setup: the settings file [settings.json of the first claude dir that has one, else ~/.claude]`,
    `${'  --replace-statusline'.padEnd(width)}setup: replace another program's statusLine (Claude Code runs one)`,
    `${'  -h, --help'.padEnd(width)}this help`,
    `${'  -v, --version'.padEnd(width)}print the version`,
    '',
    'Precedence: flags > CLAUDE_GAUGE_* env vars > config file > defaults. Reference: docs/daemon.md',
    '',
  ].join('\n');
}

type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parseFlags(argv: string[]): {
  command: Command;
  flags: Layer;
  config?: string;
  json: boolean;
  help: boolean;
  version: boolean;
  setup: { write: boolean; settingsFile?: string | undefined; replaceStatusline: boolean };
} {
  const options: ParseOptions = {
    config: { type: 'string' },
    json: { type: 'boolean' },
    write: { type: 'boolean' },
    settings: { type: 'string' },
    'replace-statusline': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const o of OPTIONS) {
    if (o.kind === 'bool') {
      options[o.flag] = { type: 'boolean' };
      options[`no-${o.flag}`] = { type: 'boolean' };
    } else {
      options[o.flag] = { type: 'string', multiple: o.kind === 'list' };
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const [first, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new ConfigError(`unexpected argument "${rest[0]}" (see --help)`);
  if (first !== undefined && !(COMMANDS as readonly string[]).includes(first))
    throw new ConfigError(`unknown command "${first.slice(0, 40)}" (commands: ${COMMANDS.join(', ')})`);
  const command = (first as Command | undefined) ?? 'serve';
  for (const f of ['write', 'settings', 'replace-statusline'])
    if (values[f] !== undefined && command !== 'setup') throw new ConfigError(`--${f} is a setup flag`);
  const flags: Layer = {};
  for (const o of OPTIONS) {
    const v = values[o.flag];
    const neg = values[`no-${o.flag}`];
    if (o.kind === 'bool') {
      if (v && neg) throw new ConfigError(`--${o.flag} and --no-${o.flag} contradict each other`);
      if (v) flags[o.key] = true;
      if (neg) flags[o.key] = false;
    } else if (v !== undefined) {
      const raw = Array.isArray(v) ? v.join(',') : v;
      flags[o.key] = coerce(o, raw, 'flag');
    }
  }
  return {
    command,
    flags,
    config: typeof values.config === 'string' ? values.config : undefined,
    json: values.json === true,
    help: values.help === true,
    version: values.version === true,
    setup: {
      write: values.write === true,
      settingsFile: typeof values.settings === 'string' ? values.settings : undefined,
      replaceStatusline: values['replace-statusline'] === true,
    },
  };
}

function fmt(n: number): string {
  return groupThousands(Math.round(n));
}

function duration(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export function humanUsage(p: UsagePayload, settings: Settings): string {
  const lamps = (['hot', 'warn', 'stall', 'idle', 'stale'] as const)
    .filter((k) => p[k])
    .map((k) => k.toUpperCase());
  return [
    `source    ${p.source}${p.stale ? ' (STALE: last good values)' : ''}, at ${new Date(p.ts).toISOString()}`,
    `tach      ${fmt(p.rate_1m)} tokens/min (redline ${fmt(p.rate_redline)})`,
    `fuel      ${(p.window_5h_pct * 100).toFixed(1)} % of ${fmt(settings.ceiling)} (${settings.plan}): ${fmt(p.window_5h_tokens)} tokens` +
      (p.window_5h_reset_in_s === null
        ? ', no active block'
        : `, resets in ${duration(p.window_5h_reset_in_s)}`),
    `temp      thinking ${(p.thinking_ratio * 100).toFixed(0)} %`,
    `boost     cache hits ${(p.cache_hit_rate * 100).toFixed(0)} %`,
    `model     ${p.last_model || '-'}`,
    `sessions  ${p.sessions_active} live`,
    `lamps     ${lamps.length ? lamps.join(' ') : 'none'}`,
    '',
  ].join('\n');
}

/** Runs a command; resolves with the exit code (serve resolves once listening; signals end it). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === 'statusline') {
    // Its own small flag set and entry (bin/claude-gauge.mjs loads that entry directly, without this file).
    const { statuslineMain } = await import('./statusline/main.js');
    return statuslineMain(argv.slice(1), { ...io, stdin: io.stdin ?? process.stdin });
  }
  if (argv[0] === 'hook') {
    const { hookMain } = await import('./hooks/main.js');
    return hookMain(argv.slice(1), { ...io, stdin: io.stdin ?? process.stdin });
  }
  let parsed: ReturnType<typeof parseFlags> | undefined;
  let settings: Settings;
  try {
    parsed = parseFlags(argv);
    if (parsed.help) {
      io.stdout(helpText());
      return 0;
    }
    if (parsed.version) {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    const root = findRepoRoot();
    settings = resolveSettings({
      flags: parsed.flags,
      env: io.env,
      configPath: parsed.config,
      ...(io.cwd ? { cwd: io.cwd } : {}),
      ...(io.home ? { home: io.home } : {}),
      defaultUi: root ? `${root}/simulator/dist` : undefined,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      // The doctor's job is to explain a broken setup, a bad setting included.
      if (parsed?.command === 'doctor') {
        const { formatChecks } = await import('./doctor.js');
        io.stdout(
          formatChecks([
            {
              level: 'fail',
              what: `settings: ${err.message}`,
              fix: 'correct that flag, CLAUDE_GAUGE_* variable or config file (docs/daemon.md lists them all)',
            },
          ]),
        );
        return 1;
      }
      io.stderr(`claude-gauge: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  try {
    // Each command imports what it needs only: `usage` must not pay for the server's modules.
    if (parsed.command === 'doctor') {
      const { formatChecks, runDoctor } = await import('./doctor.js');
      const results = await runDoctor(settings, io.home);
      io.stdout(formatChecks(results));
      return results.some((r) => r.level === 'fail') ? 1 : 0;
    }
    if (parsed.command === 'setup') {
      const { runSetup } = await import('./setup.js');
      const root = findRepoRoot();
      const home = io.home ?? homedir();
      const file = parsed.setup.settingsFile;
      return runSetup(
        settings,
        {
          settingsFile: file ? resolve(io.cwd ?? process.cwd(), file.replace(/^~(?=$|\/)/, home)) : undefined,
          write: parsed.setup.write,
          replaceStatusline: parsed.setup.replaceStatusline,
          launcher: root ? join(root, 'bin', 'claude-gauge.mjs') : 'claude-gauge',
          env: io.env,
          home,
        },
        io.stdout,
      );
    }
    if (parsed.command === 'usage') {
      if (settings.source === 'otlp')
        throw new ConfigError(
          'the otlp source is fed by Claude Code pushing to a running daemon: run `claude-gauge serve --source otlp` and read GET /usage',
        );
      // One answer, so wait for it: a source like ccusage needs seconds, far beyond the serving deadline.
      const { openService } = await import('./daemon.js');
      const log = new DeferredLog('warn');
      let payload: UsagePayload;
      try {
        const opened = await openService(
          { ...settings, deadlineMs: Math.max(settings.deadlineMs, 60_000) },
          log,
          { oneShot: true, startWaitMs: 60_000 },
        );
        try {
          payload = await opened.service.payload();
          io.stdout(parsed.json ? `${JSON.stringify(payload)}\n` : humanUsage(payload, settings));
        } finally {
          await opened.service.stop();
        }
      } finally {
        // Its warnings, on stderr, by the daemon's logger (loaded only when there is something to say).
        const pretty = io.terminal?.stderr === true;
        await flushDeferred(log, loggerOptions({ level: 'warn', pretty, write: io.stderr }));
      }
      // The payload is still printed (it says stale: true), but scripts learn that the source failed.
      return payload.stale ? 1 : 0;
    }
    const { startDaemon } = await import('./daemon.js');
    // Fastify's pino on stdout: JSON lines, or readable lines on a terminal.
    const pretty = io.terminal?.stdout === true;
    const daemon = await startDaemon(settings, {
      logger:
        settings.logLevel === 'silent'
          ? false
          : loggerOptions({ level: settings.logLevel, pretty, ...(pretty ? { write: io.stdout } : {}) }),
      handleSignals: true,
    });
    io.stdout(`${daemon.startupLine}\n`);
    return 0;
  } catch (err) {
    if (err instanceof SourceError || err instanceof ConfigError) {
      io.stderr(`claude-gauge: ${err.message}\n`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      io.stderr(
        `claude-gauge: cannot listen on ${settings.host}:${settings.port} (${e.code}); pass --port <n> or run \`claude-gauge doctor\`\n`,
      );
      return 1;
    }
    throw err;
  }
}
