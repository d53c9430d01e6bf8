// `claude-gauge setup`: the `statusLine` and `hooks` entries that connect Claude Code to the daemon, shown,
// and with --write merged into Claude Code's user settings file: every other key and hook is kept, the file
// is backed up (timestamped) first, a file that does not parse is refused with the reason, and a second
// run changes nothing. `doctor` reads the same file with the same rules (inspectSettings).

import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import type { Settings } from './config.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './daemon-client.js';
import { INSTALLED_HOOK_EVENTS } from './hooks/attention.js';
import { isJsonObject } from './json.js';
import { readRegularFile } from './user-files.js';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Larger than this is not a settings file anyone wrote by hand; refused rather than rewritten. */
const MAX_SETTINGS_BYTES = 1_000_000;

/**
 * Claude Code's user settings file: `settings.json` in the first claude dir (found as the daemon finds them:
 * --claude-dir, $CLAUDE_CONFIG_DIR, $XDG_CONFIG_HOME/claude, ~/.claude) that has one, else in the first
 * claude dir, else ~/.claude/settings.json.
 */
export function settingsFileFor(claudeDirs: readonly string[], home: string): string {
  for (const d of claudeDirs) if (existsSync(join(d, 'settings.json'))) return join(d, 'settings.json');
  return join(claudeDirs[0] ?? join(home, '.claude'), 'settings.json');
}

/** A word for a POSIX shell command line (Claude Code runs hook commands through the shell). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * How Claude Code should run this program: `claude-gauge` when that name on PATH is this checkout's
 * launcher, else the launcher's absolute path (it runs through its `#!/usr/bin/env node` line).
 */
export function commandPrefix(launcher: string, path: string | undefined): string {
  let real: string;
  try {
    real = realpathSync(launcher);
  } catch {
    return shellWord(launcher);
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      if (realpathSync(join(dir, 'claude-gauge')) === real) return 'claude-gauge';
    } catch {
      // Not there.
    }
  }
  return shellWord(real);
}

/** The flags the commands need to find this daemon (statusline and hook take the same ones). */
export function daemonArgs(settings: Pick<Settings, 'host' | 'port' | 'token'>): string[] {
  const args: string[] = [];
  const wildcard = settings.host === '0.0.0.0' || settings.host === '::';
  if (!wildcard && ![DEFAULT_HOST, 'localhost'].includes(settings.host)) args.push('--host', settings.host);
  if (settings.port !== DEFAULT_PORT && settings.port !== 0) args.push('--port', String(settings.port));
  if (settings.token) args.push('--token', settings.token);
  return args;
}

/** A command line that runs claude-gauge's `statusline` or `hook` (whatever path or flags it has). */
const OURS = {
  statusline: /(?:^|[\s/"'])claude-gauge(?:\.mjs)?["']?\s+statusline(?=\s|$)/,
  hook: /(?:^|[\s/"'])claude-gauge(?:\.mjs)?["']?\s+hook(?=\s|$)/,
};

export function isOurs(command: unknown, which: keyof typeof OURS): boolean {
  return typeof command === 'string' && OURS[which].test(command);
}

export interface Wanted {
  statusLine: { type: 'command'; command: string };
  hookCommand: string;
}

export function wantedEntries(prefix: string, args: readonly string[]): Wanted {
  const tail = args.map(shellWord).join(' ');
  const cmd = (sub: string) => `${prefix} ${sub}${tail ? ` ${tail}` : ''}`;
  return { statusLine: { type: 'command', command: cmd('statusline') }, hookCommand: cmd('hook') };
}

/** The fragment to merge, as shown to the user (and as --write merges it into a file without ours). */
export function fragment(w: Wanted): Record<string, unknown> {
  return {
    statusLine: w.statusLine,
    hooks: Object.fromEntries(
      INSTALLED_HOOK_EVENTS.map((e) => [
        e,
        [{ hooks: [{ type: 'command', command: w.hookCommand, async: true }] }],
      ]),
    ),
  };
}

export interface ReadSettings {
  file: string;
  exists: boolean;
  /** The file's text as read ('' when it does not exist). */
  text: string;
  json: Record<string, unknown>;
}

/** Reads and parses a settings file; SettingsError with the reason when it cannot be used. */
export function readSettings(file: string): ReadSettings {
  if (!existsSync(file)) return { file, exists: false, text: '', json: {} };
  let text: string;
  try {
    // The one safe way to read a user file (user-files.ts): a FIFO named settings.json blocks nothing.
    text = readRegularFile(file, MAX_SETTINGS_BYTES).data.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFILE') throw new SettingsError(`${file} is not a regular file`);
    if (code === 'EFBIG') throw new SettingsError(`${file} is larger than 1 MB`);
    throw new SettingsError(`${file} cannot be read (${code ?? String(err)})`);
  }
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { file, exists: true, text, json: {} };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new SettingsError(`${file} is not valid JSON (${(err as Error).message})`);
  }
  if (!isJsonObject(json)) throw new SettingsError(`${file}: the top level is not a JSON object`);
  return { file, exists: true, text, json };
}

export type StatuslineState = 'ours' | 'missing' | 'other';

export interface Installed {
  statusLine: StatuslineState;
  /** The events whose hooks run claude-gauge hook. */
  hooked: string[];
  /** INSTALLED_HOOK_EVENTS without it. */
  missing: string[];
}

function hookGroups(hooks: unknown, event: string): unknown[] {
  if (!isJsonObject(hooks)) return [];
  const groups = hooks[event];
  return Array.isArray(groups) ? groups : [];
}

/** Our entry of a hook group list: the first handler that runs claude-gauge hook. */
function ourHandler(groups: unknown[]): Record<string, unknown> | null {
  for (const g of groups) {
    const handlers = (g as { hooks?: unknown } | null)?.hooks;
    if (!Array.isArray(handlers)) continue;
    for (const h of handlers)
      if (typeof h === 'object' && h !== null && isOurs((h as { command?: unknown }).command, 'hook'))
        return h as Record<string, unknown>;
  }
  return null;
}

export function inspectSettings(json: Record<string, unknown>): Installed {
  const sl = json.statusLine as { command?: unknown } | undefined;
  const statusLine: StatuslineState =
    sl === undefined || sl === null ? 'missing' : isOurs(sl.command, 'statusline') ? 'ours' : 'other';
  const hooked = INSTALLED_HOOK_EVENTS.filter((e) => ourHandler(hookGroups(json.hooks, e)) !== null);
  return { statusLine, hooked, missing: INSTALLED_HOOK_EVENTS.filter((e) => !hooked.includes(e)) };
}

export interface Merged {
  json: Record<string, unknown>;
  /** What changed, one phrase each; empty when the file already holds the entries. */
  changes: string[];
  /** A statusLine of another program, kept (without --replace-statusline). */
  keptStatusline: string | null;
}

/** Merges the wanted entries into a copy of `json`; SettingsError when `hooks` has a shape it cannot extend. */
export function mergeSettings(json: Record<string, unknown>, w: Wanted, replaceStatusline: boolean): Merged {
  const out = structuredClone(json);
  const changes: string[] = [];
  let keptStatusline: string | null = null;

  const sl = out.statusLine;
  if (sl === undefined || sl === null) {
    out.statusLine = { ...w.statusLine };
    changes.push('statusLine added');
  } else if (
    typeof sl === 'object' &&
    !Array.isArray(sl) &&
    isOurs((sl as { command?: unknown }).command, 'statusline')
  ) {
    const mine = sl as Record<string, unknown>;
    if (mine.command !== w.statusLine.command || mine.type !== 'command') {
      mine.type = 'command';
      mine.command = w.statusLine.command;
      changes.push('statusLine updated');
    }
  } else if (replaceStatusline) {
    out.statusLine = { ...w.statusLine };
    changes.push('statusLine replaced');
  } else {
    const cmd = (sl as { command?: unknown }).command;
    keptStatusline = typeof cmd === 'string' ? cmd : JSON.stringify(sl).slice(0, 80);
  }

  if (out.hooks === undefined || out.hooks === null) out.hooks = {};
  if (typeof out.hooks !== 'object' || Array.isArray(out.hooks))
    throw new SettingsError('"hooks" is not an object; fix it by hand, then run setup again');
  const hooks = out.hooks as Record<string, unknown>;
  const added: string[] = [];
  const updated: string[] = [];
  for (const event of INSTALLED_HOOK_EVENTS) {
    if (hooks[event] === undefined || hooks[event] === null) hooks[event] = [];
    const groups = hooks[event];
    if (!Array.isArray(groups))
      throw new SettingsError(`"hooks.${event}" is not a list; fix it by hand, then run setup again`);
    const mine = ourHandler(groups);
    if (!mine) {
      groups.push({ hooks: [{ type: 'command', command: w.hookCommand, async: true }] });
      added.push(event);
    } else if (mine.command !== w.hookCommand || mine.type !== 'command' || mine.async !== true) {
      mine.type = 'command';
      mine.command = w.hookCommand;
      mine.async = true;
      updated.push(event);
    }
  }
  if (added.length) changes.push(`hooks added for ${added.join(', ')}`);
  if (updated.length) changes.push(`hooks updated for ${updated.join(', ')}`);
  return { json: out, changes, keptStatusline };
}

function stamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-22T12:00:00.000Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/**
 * Writes `text` over the settings file: a timestamped copy of the old file first (beside it, never
 * overwriting an earlier one), then a temporary file renamed into place, so Claude Code never reads half a
 * file. A symlinked settings file (dotfiles) is written through, not replaced. Returns the backup's path.
 */
export function writeSettingsFile(
  file: string,
  text: string,
  nowMs: number,
  expectText: string | null,
): string | null {
  const exists = existsSync(file);
  const target = exists ? realpathSync(file) : file;
  // Claude Code may have rewritten it since it was read: merge again rather than lose its change.
  if (
    exists &&
    expectText !== null &&
    readRegularFile(target, MAX_SETTINGS_BYTES).data.toString('utf8') !== expectText
  )
    throw new SettingsError(`${file} changed while being merged; run setup again`);
  if (!exists && expectText !== null && expectText !== '')
    throw new SettingsError(`${file} disappeared while being merged; run setup again`);
  mkdirSync(dirname(target), { recursive: true });
  let backup: string | null = null;
  let mode = 0o600;
  if (exists) {
    mode = statSync(target).mode & 0o777;
    for (let n = 0; backup === null; n++) {
      const candidate = join(dirname(target), `${basename(target)}.${stamp(nowMs)}${n ? `-${n}` : ''}.bak`);
      try {
        copyFileSync(target, candidate, constants.COPYFILE_EXCL);
        backup = candidate;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 99) throw err;
      }
    }
  }
  const tmp = join(dirname(target), `.${basename(target)}.claude-gauge-${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, target);
  return backup;
}

export interface SetupOptions {
  /** The settings file; default settingsFileFor(the daemon's claude dirs). */
  settingsFile?: string | undefined;
  write: boolean;
  replaceStatusline: boolean;
  /** This checkout's launcher (bin/claude-gauge.mjs). */
  launcher: string;
  env: NodeJS.ProcessEnv;
  home: string;
  now?: () => number;
}

/** Runs `setup`; resolves with the exit code: 0 done (or nothing to do), 1 refused. */
export function runSetup(settings: Settings, opts: SetupOptions, out: (s: string) => void): number {
  const file = opts.settingsFile ?? settingsFileFor(settings.claudeDirs, opts.home);
  const wanted = wantedEntries(commandPrefix(opts.launcher, opts.env.PATH), daemonArgs(settings));
  let read: ReadSettings;
  let merged: Merged;
  try {
    read = readSettings(file);
    merged = mergeSettings(read.json, wanted, opts.replaceStatusline);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    out(`claude-gauge setup: refused: ${err.message}\nNothing was written.\n`);
    return 1;
  }
  const now = inspectSettings(read.json);
  const lines = [`Claude Code settings: ${file}${read.exists ? '' : ' (does not exist yet)'}`];
  const theirs = (read.json.statusLine as { command?: unknown } | null | undefined)?.command;
  lines.push(
    `  statusLine: ${now.statusLine === 'ours' ? 'runs claude-gauge statusline' : now.statusLine === 'missing' ? 'not set' : `another command: ${typeof theirs === 'string' ? theirs : '(not a command)'}`}`,
  );
  lines.push(
    now.missing.length === 0
      ? `  hooks: claude-gauge hook runs on all ${INSTALLED_HOOK_EVENTS.length} events`
      : `  hooks: claude-gauge hook missing for ${now.missing.join(', ')}`,
  );
  const keptNote = merged.keptStatusline
    ? `The statusLine of another program is kept (Claude Code runs one statusLine command): pass --replace-statusline to run claude-gauge statusline instead, which forwards the official quota.`
    : null;

  if (!opts.write) {
    // The token is a secret: shown as a placeholder, written for real only by --write.
    const shown = JSON.stringify(fragment(wanted), null, 2);
    const masked = settings.token ? shown.split(shellWord(settings.token)).join('<token>') : shown;
    lines.push('', 'The entries (every other key and hook of the file is kept):', masked, '');
    if (keptNote) lines.push(keptNote);
    lines.push(
      merged.changes.length === 0
        ? 'Nothing to change: the file already holds them.'
        : `\`claude-gauge setup --write\` merges them (${merged.changes.join('; ')}), after a timestamped backup of the file.`,
    );
    out(`${lines.join('\n')}\n`);
    return 0;
  }

  if (merged.changes.length === 0) {
    if (keptNote) lines.push(keptNote);
    lines.push('Nothing to change: the file already holds the entries. Nothing was written.');
    out(`${lines.join('\n')}\n`);
    return 0;
  }
  let backup: string | null;
  try {
    backup = writeSettingsFile(
      file,
      `${JSON.stringify(merged.json, null, 2)}\n`,
      (opts.now ?? Date.now)(),
      read.text,
    );
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    out(`claude-gauge setup: refused: ${err.message}\nNothing was written.\n`);
    return 1;
  }
  lines.push(`Wrote ${file}: ${merged.changes.join('; ')}.`);
  lines.push(backup ? `Backup of the previous file: ${backup}` : 'There was no file before, so no backup.');
  if (keptNote) lines.push(keptNote);
  if (settings.token) lines.push('The commands carry the daemon token: keep the file private (chmod 600).');
  lines.push('Claude Code sessions started from now on run them.');
  out(`${lines.join('\n')}\n`);
  return 0;
}
