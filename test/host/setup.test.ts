// `claude-gauge setup`: shows the entries, and with --write merges them into Claude Code's settings file:
// every other key and hook kept, a timestamped backup first, an unparseable file refused with the reason,
// and a second run that changes nothing.

import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../host/src/cli.js';
import { INSTALLED_HOOK_EVENTS } from '../../host/src/hooks/attention.js';
import {
  commandPrefix,
  daemonArgs,
  inspectSettings,
  isOurs,
  settingsFileFor,
  wantedEntries,
} from '../../host/src/setup.js';
import { tempDir } from './helpers/fixtures.js';

let tmp: ReturnType<typeof tempDir>;
let claudeDir: string;
let file: string;
beforeEach(() => {
  tmp = tempDir('cg-setup-');
  claudeDir = join(tmp.path, 'claude-config');
  mkdirSync(claudeDir);
  file = join(claudeDir, 'settings.json');
});
afterEach(() => tmp.cleanup());

async function setup(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(['setup', ...args], {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: { CLAUDE_CONFIG_DIR: claudeDir, PATH: '', ...env },
    home: join(tmp.path, 'home'),
    cwd: tmp.path,
  });
  return { code, stdout, stderr };
}

/** A user's settings with keys and hooks of their own (as Claude Code and other tools write them). */
const THEIRS = {
  $schema: 'https://json.schemastore.org/claude-code-settings.json',
  model: 'opus',
  permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
  env: { FOO: 'bar' },
  hooks: {
    PostToolUse: [
      { matcher: 'Edit|Write', hooks: [{ type: 'command', command: 'npx prettier --write "$FILE"' }] },
    ],
    Notification: [
      { matcher: 'permission_prompt', hooks: [{ type: 'command', command: 'notify-send Claude' }] },
    ],
    PreCompact: [{ hooks: [{ type: 'command', command: '~/bin/save-context.sh', timeout: 30 }] }],
  },
  enabledPlugins: { 'x@y': true },
};

function backups(): string[] {
  return readdirSync(claudeDir).filter((f) => f.endsWith('.bak'));
}

describe('setup', () => {
  it('shows the entries and what is missing, and writes nothing', async () => {
    writeFileSync(file, JSON.stringify(THEIRS, null, 4));
    const before = readFileSync(file, 'utf8');
    const r = await setup([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Claude Code settings: ${file}`);
    expect(r.stdout).toContain('statusLine: not set');
    expect(r.stdout).toContain(`hooks: claude-gauge hook missing for ${INSTALLED_HOOK_EVENTS.join(', ')}`);
    expect(r.stdout).toMatch(
      /"statusLine": \{\s+"type": "command",\s+"command": "\S+claude-gauge\.mjs statusline"/,
    );
    expect(r.stdout).toMatch(/"command": "\S+claude-gauge\.mjs hook",\s+"async": true/);
    expect(r.stdout).toContain('`claude-gauge setup --write` merges them');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(backups()).toEqual([]);
  });

  it('--write keeps every key and hook of the file, adds ours, and backs the old file up first', async () => {
    writeFileSync(file, `${JSON.stringify(THEIRS, null, 4)}\n`);
    const before = readFileSync(file, 'utf8');
    const r = await setup(['--write']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      `Wrote ${file}: statusLine added; hooks added for ${INSTALLED_HOOK_EVENTS.join(', ')}.`,
    );
    const after = JSON.parse(readFileSync(file, 'utf8'));
    // Every key of theirs, unchanged; theirs first, in their order.
    for (const [k, v] of Object.entries(THEIRS)) if (k !== 'hooks') expect(after[k], k).toEqual(v);
    expect(Object.keys(after)).toEqual([...Object.keys(THEIRS), 'statusLine']);
    // Their hooks stay, in place, before ours.
    expect(after.hooks.PostToolUse[0]).toEqual(THEIRS.hooks.PostToolUse[0]);
    expect(after.hooks.Notification[0]).toEqual(THEIRS.hooks.Notification[0]);
    expect(after.hooks.PreCompact).toEqual(THEIRS.hooks.PreCompact);
    expect(after.hooks.PostToolUse).toHaveLength(2);
    expect(inspectSettings(after)).toEqual({
      statusLine: 'ours',
      hooked: [...INSTALLED_HOOK_EVENTS],
      missing: [],
    });
    // The backup holds the old file, byte for byte, under a timestamped name.
    const [backup, ...more] = backups();
    expect(more).toEqual([]);
    expect(backup).toMatch(/^settings\.json\.\d{8}-\d{6}\.bak$/);
    expect(readFileSync(join(claudeDir, backup as string), 'utf8')).toBe(before);
    expect(r.stdout).toContain(`Backup of the previous file: ${join(claudeDir, backup as string)}`);
  });

  it('is idempotent: a second --write changes nothing and writes nothing', async () => {
    writeFileSync(file, JSON.stringify(THEIRS));
    expect((await setup(['--write'])).code).toBe(0);
    const once = readFileSync(file, 'utf8');
    const again = await setup(['--write']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'Nothing to change: the file already holds the entries. Nothing was written.',
    );
    expect(readFileSync(file, 'utf8')).toBe(once);
    expect(backups()).toHaveLength(1);
    const shown = await setup([]);
    expect(shown.stdout).toContain('statusLine: runs claude-gauge statusline');
    expect(shown.stdout).toContain(
      `hooks: claude-gauge hook runs on all ${INSTALLED_HOOK_EVENTS.length} events`,
    );
    expect(shown.stdout).toContain('Nothing to change: the file already holds them.');
  });

  it('refuses a file it cannot parse, with the reason, and touches nothing', async () => {
    for (const bad of ['{ "model": "opus", // a comment\n}', '{"hooks": ', '[1, 2]', '"text"']) {
      writeFileSync(file, bad);
      const r = await setup(['--write']);
      expect(r.code, bad).toBe(1);
      expect(r.stdout).toMatch(
        /^claude-gauge setup: refused: .*settings\.json( is not valid JSON \(.+\)|: the top level is not a JSON object)\nNothing was written\.\n$/,
      );
      expect(readFileSync(file, 'utf8')).toBe(bad);
      expect(backups()).toEqual([]);
    }
  });

  it('refuses hooks it cannot extend', async () => {
    for (const hooks of [[1], 'x', { Stop: { hooks: [] } }]) {
      writeFileSync(file, JSON.stringify({ hooks }));
      const r = await setup(['--write']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/refused: "hooks(\.Stop)?" is not (an object|a list)/);
      expect(backups()).toEqual([]);
    }
  });

  it('keeps another program’s statusLine unless told to replace it', async () => {
    writeFileSync(
      file,
      JSON.stringify({ statusLine: { type: 'command', command: 'ccstatusline', padding: 0 } }),
    );
    const kept = await setup(['--write']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('statusLine: another command: ccstatusline');
    expect(kept.stdout).toContain('pass --replace-statusline');
    let json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.statusLine).toEqual({ type: 'command', command: 'ccstatusline', padding: 0 });
    expect(inspectSettings(json).missing).toEqual([]);
    const replaced = await setup(['--write', '--replace-statusline']);
    expect(replaced.stdout).toContain('statusLine replaced');
    json = JSON.parse(readFileSync(file, 'utf8'));
    expect(isOurs(json.statusLine.command, 'statusline')).toBe(true);
    expect(backups()).toHaveLength(2);
  });

  it('updates its own entries in place when the daemon moved (a port, a token), never duplicating them', async () => {
    writeFileSync(file, JSON.stringify({}));
    await setup(['--write']);
    const r = await setup(['--write', '--port', '9911', '--token', 'setup-token-1234']);
    expect(r.stdout).toContain(`statusLine updated; hooks updated for ${INSTALLED_HOOK_EVENTS.join(', ')}`);
    expect(r.stdout).toContain('keep the file private');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.statusLine.command).toMatch(/ statusline --port 9911 --token setup-token-1234$/);
    for (const e of INSTALLED_HOOK_EVENTS) {
      expect(json.hooks[e], e).toHaveLength(1);
      expect(json.hooks[e][0].hooks[0].command).toMatch(/ hook --port 9911 --token setup-token-1234$/);
    }
    // Shown without --write, the token is a placeholder.
    const shown = await setup(['--port', '9911', '--token', 'setup-token-1234']);
    expect(shown.stdout).not.toContain('setup-token-1234');
    expect(shown.stdout).toContain('--token <token>');
  });

  it('creates the file (and its dir) when there is none; no backup then', async () => {
    const fresh = join(tmp.path, 'new-claude');
    const r = await setup(['--write'], { CLAUDE_CONFIG_DIR: fresh });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('There was no file before, so no backup.');
    expect(inspectSettings(JSON.parse(readFileSync(join(fresh, 'settings.json'), 'utf8'))).statusLine).toBe(
      'ours',
    );
  });

  it('takes an empty file or one with a byte-order mark', async () => {
    writeFileSync(file, '');
    expect((await setup(['--write'])).code).toBe(0);
    writeFileSync(file, `\uFEFF${JSON.stringify({ model: 'opus' })}`);
    expect((await setup(['--write'])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).model).toBe('opus');
  });

  it('writes through a symlinked settings file (dotfiles), keeping the link and the mode', async () => {
    const real = join(tmp.path, 'dotfiles', 'claude-settings.json');
    mkdirSync(join(tmp.path, 'dotfiles'));
    writeFileSync(real, JSON.stringify(THEIRS));
    chmodSync(real, 0o600);
    symlinkSync(real, file);
    expect((await setup(['--write'])).code).toBe(0);
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(lstatSync(real).mode & 0o777).toBe(0o600);
    expect(inspectSettings(JSON.parse(readFileSync(real, 'utf8'))).statusLine).toBe('ours');
    expect(readdirSync(join(tmp.path, 'dotfiles')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
  });

  it('--settings names the file; setup flags are refused for other commands', async () => {
    const other = join(tmp.path, 'project', '.claude', 'settings.local.json');
    expect((await setup(['--write', '--settings', other])).code).toBe(0);
    expect(existsSync(other)).toBe(true);
    expect(existsSync(file)).toBe(false);
    let stderr = '';
    const code = await main(['usage', '--write'], {
      stdout: () => {},
      stderr: (s) => {
        stderr += s;
      },
      env: { CLAUDE_CONFIG_DIR: claudeDir },
    });
    expect(code).toBe(2);
    expect(stderr).toBe('claude-gauge: --write is a setup flag\n');
  });
});

describe('setup pieces', () => {
  it('finds the settings file as the daemon finds claude dirs', () => {
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    mkdirSync(a);
    mkdirSync(b);
    expect(settingsFileFor([a, b], '/home/x')).toBe(join(a, 'settings.json'));
    writeFileSync(join(b, 'settings.json'), '{}');
    expect(settingsFileFor([a, b], '/home/x')).toBe(join(b, 'settings.json'));
    expect(settingsFileFor([], '/home/x')).toBe('/home/x/.claude/settings.json');
  });

  it('runs `claude-gauge` when that name on PATH is this launcher, else its absolute path', () => {
    const launcher = join(tmp.path, 'repo', 'bin', 'claude-gauge.mjs');
    mkdirSync(join(tmp.path, 'repo', 'bin'), { recursive: true });
    writeFileSync(launcher, '#!/usr/bin/env node\n');
    const binDir = join(tmp.path, 'global-bin');
    mkdirSync(binDir);
    expect(commandPrefix(launcher, binDir)).toBe(launcher);
    symlinkSync(launcher, join(binDir, 'claude-gauge'));
    expect(commandPrefix(launcher, `/nonexistent:${binDir}`)).toBe('claude-gauge');
    // A path with a space is quoted for the shell Claude Code runs commands with.
    expect(commandPrefix('/no/such dir/claude-gauge.mjs', '')).toBe(`'/no/such dir/claude-gauge.mjs'`);
  });

  it('passes the flags that reach this daemon', () => {
    expect(daemonArgs({ host: '127.0.0.1', port: 8787, token: null })).toEqual([]);
    expect(daemonArgs({ host: '0.0.0.0', port: 9000, token: 'tok-12345678' })).toEqual([
      '--port',
      '9000',
      '--token',
      'tok-12345678',
    ]);
    expect(daemonArgs({ host: '192.168.1.5', port: 8787, token: null })).toEqual(['--host', '192.168.1.5']);
    expect(wantedEntries('claude-gauge', ['--token', "it's"]).hookCommand).toBe(
      `claude-gauge hook --token 'it'\\''s'`,
    );
  });

  it('recognises its own commands however they are spelled, and no one else’s', () => {
    for (const c of [
      'claude-gauge hook',
      '/opt/claude-gauge/bin/claude-gauge.mjs hook --port 1',
      'npx claude-gauge statusline',
      'node "/x y/bin/claude-gauge.mjs" statusline',
    ])
      expect(isOurs(c, c.includes('hook') ? 'hook' : 'statusline'), c).toBe(true);
    for (const c of [
      'claude-gauge-hook',
      'my-claude-gauge hooks',
      'echo claude-gauge',
      'claude-gauge statuslines',
      42,
    ])
      expect(isOurs(c, 'hook') || isOurs(c, 'statusline'), String(c)).toBe(false);
  });
});
