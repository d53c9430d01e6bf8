// Degraded item of issue 16: read errors (an unreadable transcript, an unlistable directory, a FIFO) showed
// only in logs and /metrics; doctor said "all good" and /healthz counted no failure. Now both show them.
// Permissions mean nothing to root, so when this runs as root the daemon runs as `nobody`.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.js';
import { fifo, raw, removeBundles, runCli, serveProcess, unprivileged } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let claude: string;
const fifos: Array<{ release(): void }> = [];
const as = unprivileged();

beforeEach(() => {
  tmp = tempDir('cg-hostile-read-');
  chmodSync(tmp.path, 0o755);
  claude = join(tmp.path, 'claude');
  const projects = join(claude, 'projects');
  mkdirSync(join(projects, 'fine'), { recursive: true });
  mkdirSync(join(projects, 'locked'), { recursive: true });
  const now = new Date().toISOString();
  const line = JSON.stringify({
    type: 'assistant',
    timestamp: now,
    sessionId: 's',
    requestId: 'r1',
    message: { id: 'm1', model: 'claude-opus-4-5-20251101', usage: { input_tokens: 7, output_tokens: 3 } },
  });
  writeFileSync(join(projects, 'fine', 'a.jsonl'), `${line}\n`);
  writeFileSync(join(projects, 'locked', 'b.jsonl'), `${line}\n`);
  writeFileSync(join(projects, 'fine', 'secret.jsonl'), `${line}\n`);
  chmodSync(join(projects, 'fine', 'secret.jsonl'), 0o000);
  chmodSync(join(projects, 'locked'), 0o000);
  fifos.push(fifo(join(projects, 'fine', 'pipe.jsonl')));
});

afterEach(() => {
  for (const f of fifos.splice(0)) f.release();
  chmodSync(join(claude, 'projects', 'locked'), 0o755);
  tmp.cleanup();
});

afterAll(() => removeBundles());

const env = { HOME: '/nonexistent', CLAUDE_CONFIG_DIR: '' };

describe('degraded: read errors show only in logs and /metrics', () => {
  it('doctor fails on an unreadable transcript, an unlistable directory and a FIFO, each with its fix', async () => {
    const r = await runCli(['doctor', '--claude-dir', claude, '--port', '0', '--ui', 'none'], { as, env });
    expect(r.stdout).toMatch(
      /FAIL {2}claude dirs: a transcript could not be read .*\(2 times; transcript-unreadable\)/,
    );
    expect(r.stdout).toMatch(
      /FAIL {2}claude dirs: a directory under <claude dir>\/projects could not be listed/,
    );
    expect(r.stdout).toMatch(/fix: chmod u\+rx the directory/);
    expect(r.stdout).not.toContain('all good');
    expect(r.code).toBe(1);
  });

  it('/healthz counts them (ids and counts, no paths) while the rest is served', async () => {
    const d = await serveProcess(['--claude-dir', claude], { as, env });
    try {
      const health = await raw(d.port, { path: '/healthz' });
      const body = JSON.parse(health.body);
      expect(body.faults['transcript-unreadable']).toMatchObject({ kind: 'read' });
      expect(body.faults['transcript-unreadable'].count).toBeGreaterThanOrEqual(2);
      expect(body.faults['transcript-dir-unlistable']).toMatchObject({ kind: 'read', count: 1 });
      expect(health.body).not.toContain(tmp.path);
      const usage = JSON.parse((await raw(d.port, { path: '/usage' })).body);
      expect(usage.window_5h_tokens).toBe(10); // a.jsonl still counts
      // doctor, pointed at that running daemon's port, also reports what the daemon counted.
      const r = await runCli(['doctor', '--claude-dir', claude, '--port', String(d.port), '--ui', 'none'], {
        as,
        env,
      });
      expect(r.stdout).toMatch(/FAIL {2}the running daemon: a transcript could not be read/);
    } finally {
      d.kill();
    }
  });
});
